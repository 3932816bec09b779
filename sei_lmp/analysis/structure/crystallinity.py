"""Residual crystallinity: fractions of atoms in each local structure type per frame, by polyhedral template
matching (PTM) or adaptive common neighbour analysis (a-CNA), both from OVITO.

For ionic crystals analysed on all atoms PTM sees the anion-cation arrangement: rocksalt (LiF) is simple
cubic ("SC"), antifluorite is none of the templates; a glass is mostly "OTHER".
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from sei_lmp.errors import ConfigurationError
from sei_lmp.io.frames import iter_data_collections, make_pipeline, Source, timestep

__all__ = ["METHODS", "crystalline_fraction", "structure_fractions"]

METHODS = ("ptm", "cna")


def _modifier(method: str, rmsd_cutoff: float):
    from ovito.modifiers import (
        CommonNeighborAnalysisModifier,
        PolyhedralTemplateMatchingModifier,
    )

    if method == "ptm":
        modifier = PolyhedralTemplateMatchingModifier(rmsd_cutoff=rmsd_cutoff)
        # every template PTM knows, so that e.g. rocksalt (SC) is not reported as "other"
        for structure in modifier.structures:
            structure.enabled = True
        return modifier, "PolyhedralTemplateMatching.counts.", PolyhedralTemplateMatchingModifier.Type
    if method == "cna":
        return CommonNeighborAnalysisModifier(), "CommonNeighborAnalysis.counts.", CommonNeighborAnalysisModifier.Type
    raise ConfigurationError(f"unknown crystallinity method '{method}'; use one of {', '.join(METHODS)}")


def _keep_only(species: list[str]):
    def keep_only(frame, data):
        names = {t.id: t.name for t in data.particles.particle_types.types}
        present = set(names.values())
        missing = [s for s in species if s not in present]
        if missing:
            raise ConfigurationError(f"species {missing} are not in this structure (it has {sorted(present)})")
        keep = np.isin([names[t] for t in data.particles.particle_types], species)
        data.particles_.delete_elements(~keep)
    return keep_only


def structure_fractions(source: Source, method: str = "ptm", frames=None, elements: Sequence[str] | None = None,
                        rmsd_cutoff: float = 0.1, species: Sequence[str] | None = None,
                        progress: bool = False) -> pd.DataFrame:
    """Fraction of atoms of each structure type, one row per frame.

    Columns ``frame, step`` then one per structure type in upper case (``OTHER``, ``FCC``, ``HCP``,
    ``BCC``, ``ICO`` and, for PTM, ``SC``, ``CUBIC_DIAMOND``, ``HEX_DIAMOND``, ``GRAPHENE``), plus
    ``crystalline`` = 1 - OTHER. ``rmsd_cutoff`` is PTM's (0 = no cutoff). ``species`` analyses one
    sublattice only (the other atoms are removed first), e.g. ``["S"]`` finds the fcc anion lattice of
    antifluorite Li2S, which the full structure matches no template for.
    """
    modifier, prefix, types = _modifier(method, rmsd_cutoff)
    pipeline = make_pipeline(source, elements)
    if species:
        pipeline.modifiers.append(_keep_only(list(species)))
    pipeline.modifiers.append(modifier)
    rows = []
    for frame, data in iter_data_collections(pipeline, frames, progress, method.upper()):
        n = data.particles.count
        row = {"frame": frame, "step": timestep(data, frame)}
        for name in types.__members__:
            row[name] = data.attributes.get(prefix + name, 0) / n
        row["crystalline"] = 1.0 - row["OTHER"]
        rows.append(row)
    return pd.DataFrame(rows)


def crystalline_fraction(source: Source, method: str = "ptm", frames=-1, **kwargs) -> float:
    """Mean fraction of atoms in any crystalline template over ``frames`` (default: the last)."""
    return float(structure_fractions(source, method, frames, **kwargs)["crystalline"].mean())
