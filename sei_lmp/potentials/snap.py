"""SNAP potentials (``.snapcoeff`` + ``.snapparam``); a classical-free test case for the registry."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sei_lmp.errors import ConfigurationError
from sei_lmp.potentials.base import Backend, PairBlock, Potential
from sei_lmp.potentials.card import PotentialCard


@dataclass(frozen=True)
class SNAPPotential(Potential):
    param: Path | None = None

    family = "snap"

    @classmethod
    def read(cls, path: Path, card: PotentialCard, species: Sequence[str] | None) -> SNAPPotential:
        stem = path.name[: -len(".snapcoeff")]
        # prefer a parameter file fixed for current LAMMPS (e.g. *.lammps2020plus.snapparam)
        params = sorted(path.parent.glob(stem + "*.snapparam"), key=lambda p: (len(p.name) == len(stem) + 10, p.name))
        if not params:
            raise ConfigurationError(f"no {stem}.snapparam next to {path}")
        lines = [ln.split() for ln in path.read_text().splitlines() if ln.strip() and not ln.startswith("#")]
        n_elem = int(lines[0][0])
        per = int(lines[0][1])
        blocks = [lines[1 + k * (per + 1)] for k in range(n_elem)]
        names = tuple(b[0] for b in blocks)
        radii = [float(b[1]) for b in blocks]
        rcutfac = re.search(r"^\s*rcutfac\s+(\S+)", params[0].read_text(), re.M)
        if rcutfac is None:
            raise ConfigurationError(f"{params[0]} has no rcutfac")
        return cls(path=path, species=tuple(species) if species else names,
                   cutoff=2 * float(rcutfac.group(1)) * max(radii), card=card, param=params[0])

    def styles(self, backend: Backend) -> tuple[str, ...]:
        return ("snap/kk",) if backend == "kokkos" else ("snap",)

    def _pair_block(self, backend: Backend, type_elements: Sequence[str], style: str) -> PairBlock:
        self.species_indices(type_elements)
        return PairBlock(style, (f"* * {self.path} {self.param} {' '.join(type_elements)}",), (style,))
