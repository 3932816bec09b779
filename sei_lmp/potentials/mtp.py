"""Moment Tensor Potentials: MLIP ``.mtp`` and MLIP-3 ``.almtp`` files."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sei_lmp.errors import ConfigurationError
from sei_lmp.potentials.base import Backend, PairBlock, Potential
from sei_lmp.potentials.card import PotentialCard, check_card_cutoff

ACTIVE_SET_MARKER = b"\n#MVS_v1.1"


@dataclass(frozen=True)
class MTPPotential(Potential):
    active_set: bool = False

    family = "mtp"

    @classmethod
    def read(cls, path: Path, card: PotentialCard, species: Sequence[str] | None) -> MTPPotential:
        raw = path.read_bytes()
        text = raw.split(ACTIVE_SET_MARKER, 1)[0].decode("utf-8", errors="replace")
        count = re.search(r"^\s*species_count\s*=\s*(\d+)", text, re.M)
        cutoff = re.search(r"^\s*(?:max_dist|max_val)\s*=\s*(\S+)", text, re.M)
        if not text.lstrip().startswith(("MTP", "#")) or count is None or cutoff is None:
            raise ConfigurationError(f"{path} is not a trained MLIP .mtp file (no species_count/max_dist)")
        n_species = int(count.group(1))
        names = tuple(species) if species is not None else card.species
        if names is None:
            # MTP files number their species; without a card only indices are known
            names = tuple(str(k) for k in range(n_species))
        if len(names) != n_species:
            source = "given (--species)" if species is not None else f"in its card {path.name}.json"
            raise ConfigurationError(f"{path.name} has {n_species} species but {len(names)} names are {source}: "
                                     f"{list(names)}; name all {n_species}, in the file's species order")
        check_card_cutoff(path, card, float(cutoff.group(1)))
        return cls(path=path, species=tuple(names), cutoff=float(cutoff.group(1)), card=card,
                   active_set=ACTIVE_SET_MARKER in raw)

    @property
    def has_gamma(self) -> bool:
        return self.active_set

    def styles(self, backend: Backend) -> tuple[str, ...]:
        return {"plugin": ("sei/mtp",), "lammps": ("mtp", "mlip"), "kokkos": ("mtp/kk",)}[backend]

    def _pair_block(self, backend: Backend, type_elements: Sequence[str], style: str) -> PairBlock:
        indices = self.species_indices(type_elements)
        if style == "mlip":
            # the MLIP-2/3 interfaces map type t to species t-1 and cannot reorder
            if indices != list(range(len(indices))):
                raise ConfigurationError(
                    f"pair_style mlip needs LAMMPS types in the species order of {self.path.name} "
                    f"({list(self.species)}), got {list(type_elements)}")
            return PairBlock(f"mlip load_from={self.path}", ("* *",), ("mlip",))
        coeff = f"* * {self.path} " + " ".join(str(i) for i in indices)
        if style == "sei/mtp":
            return PairBlock("sei/mtp", (coeff,), ("sei/mtp",), gamma_style="sei/mtp" if self.active_set else None)
        return PairBlock(style, (coeff,), (style,))
