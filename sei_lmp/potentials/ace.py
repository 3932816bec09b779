"""Atomic Cluster Expansion potentials from pacemaker: ``.yace`` (LAMMPS), ``.yaml`` (B-basis), optional
``.asi`` active set for extrapolation grades."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sei_lmp.errors import ConfigurationError
from sei_lmp.potentials.base import Backend, PairBlock, Potential
from sei_lmp.potentials.card import PotentialCard, check_card_cutoff

#: pace/kk evaluates atoms in chunks; 4096 fits typical GPU memory for ~300 basis functions per element
KOKKOS_CHUNKSIZE = 4096


def _elements(text: str) -> tuple[str, ...]:
    flow = re.search(r"^elements:\s*\[([^\]]*)\]", text, re.M)       # .yace: elements: [Na, P, S]
    if flow:
        return tuple(e.strip() for e in flow.group(1).split(",") if e.strip())
    # B-basis .yaml: one "speciesblock: Na" per element (pair blocks name two elements)
    return tuple(re.findall(r"^\s*-?\s*speciesblock:\s*([A-Z][a-z]?)\s*$", text, re.M))


@dataclass(frozen=True)
class ACEPotential(Potential):
    active_set: Path | None = None
    yaml: Path | None = None          # B-basis file, needed by pace/extrapolation

    family = "ace"

    @classmethod
    def read(cls, path: Path, card: PotentialCard, species: Sequence[str] | None) -> ACEPotential:
        text = path.read_text(errors="replace")
        in_file = _elements(text)
        for what, given in (("the species given", species), ("its card", card.species)):
            # the file names its elements: a different order would map types to the wrong parameters
            if given and in_file and tuple(given) != tuple(in_file):
                raise ConfigurationError(f"{path.name} has the elements {', '.join(in_file)} in that order, but "
                                         f"{what} says {', '.join(given)}; drop the names (the file's are used) or "
                                         "fix them")
        names = tuple(species) if species else (in_file or card.species)
        cutoffs = [float(v) for v in re.findall(r"\b(?:rcut|rcutij)\s*:\s*([0-9.eE+-]+)", text)]
        if not names or not (cutoffs or card.cutoff):
            raise ConfigurationError(f"{path} does not look like a pacemaker ACE potential (no elements/rcut)")
        if cutoffs:
            check_card_cutoff(path, card, max(cutoffs))
        stem = path.with_suffix("")
        yaml = path if path.suffix == ".yaml" else (stem.with_suffix(".yaml") if stem.with_suffix(".yaml").is_file() else None)
        asi = stem.with_suffix(".asi")
        return cls(path=path, species=tuple(names), cutoff=card.cutoff or max(cutoffs), card=card,
                   active_set=asi if asi.is_file() else None, yaml=yaml)

    @property
    def has_gamma(self) -> bool:
        return self.active_set is not None and self.yaml is not None

    def styles(self, backend: Backend) -> tuple[str, ...]:
        if backend == "plugin":
            return ("sei/ace",)
        if backend == "lammps":
            return ("pace/extrapolation", "pace") if self.has_gamma else ("pace",)
        return ("pace/extrapolation/kk", "pace/kk") if self.has_gamma else ("pace/kk",)

    def _pair_block(self, backend: Backend, type_elements: Sequence[str], style: str) -> PairBlock:
        self.species_indices(type_elements)          # refuses elements the potential lacks
        elements = " ".join(type_elements)
        if style.startswith("pace/extrapolation"):
            return PairBlock(style, (f"* * {self.yaml} {self.active_set} {elements}",), (style,), gamma_style=style)
        if style == "sei/ace":
            return self._plugin_block(elements)
        args = f"{style} product chunksize {KOKKOS_CHUNKSIZE}" if style == "pace/kk" else style
        # pace reads the B-basis .yaml too, but the .yace (converted by pace_yaml2yace) loads faster
        yace = self.path.with_suffix(".yace")
        source = yace if yace.is_file() else self.path
        return PairBlock(args, (f"* * {source} {elements}",), (style,))

    def _plugin_block(self, elements: str) -> PairBlock:
        """Our plugin's ``sei/ace`` reads the C-tilde ``.yace``, the B-basis ``.yaml`` or an old ``.ace``; the
        ``.yace`` is preferred where both exist (nothing to convert on load). Grades come from the B-basis
        ``.yaml`` + ``.asi`` named on the pair_style line, computed only on the steps ``fix pair`` asks for."""
        yace = self.path.with_suffix(".yace")
        source = yace if self.path.suffix == ".yaml" and yace.is_file() else self.path
        if self.has_gamma:
            return PairBlock(f"sei/ace activeset {self.yaml} {self.active_set}", (f"* * {source} {elements}",),
                             ("sei/ace",), gamma_style="sei/ace")
        return PairBlock("sei/ace", (f"* * {source} {elements}",), ("sei/ace",))
