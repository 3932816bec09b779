"""Point defects by Wigner-Seitz analysis against a reference lattice (OVITO's WignerSeitzAnalysisModifier).

Every atom of a frame is assigned to the nearest site of the reference; a site with no atom is a vacancy,
each atom beyond the first on a site is an interstitial. With the atom count conserved, vacancies =
interstitials = Frenkel pairs; ``frenkel_pairs`` is reported as min(vacancies, interstitials).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from sei_lmp.errors import ConfigurationError
from sei_lmp.io.frames import iter_data_collections, make_pipeline, Source, timestep

__all__ = ["wigner_seitz"]


def _reference_source(reference, elements):
    """A pipeline source for the reference: ase.Atoms, a structure file, or frame 0 of ``source``."""
    from ase import Atoms
    from ovito.io.ase import ase_to_ovito
    from ovito.pipeline import FileSource, StaticSource

    if isinstance(reference, Atoms):
        return StaticSource(data=ase_to_ovito(reference))
    source = FileSource()
    try:
        source.load(str(reference))
    except Exception as err:
        raise ConfigurationError(f"cannot read the Wigner-Seitz reference {reference}: {err}; pass ase.Atoms "
                                 "or a structure file OVITO reads") from err
    return source


def wigner_seitz(source: Source, reference=None, frames=None, elements: Sequence[str] | None = None,
                 per_type: bool = False, affine: bool = False, progress: bool = False) -> pd.DataFrame:
    """Vacancies, interstitials and Frenkel pairs per frame.

    Parameters
    ----------
    reference
        the perfect lattice: ``ase.Atoms`` or a structure file; None uses frame 0 of ``source``.
    per_type
        also count, per element, the sites of that element's sublattice left empty
        (``vacancies_<El>``) and atoms of that element in excess on a site (``interstitials_<El>``).
    affine
        map the cell of each frame onto the reference's (for NPT runs whose box changes).

    Returns
    -------
    DataFrame with ``frame, step, vacancies, interstitials, frenkel_pairs`` (and per-element columns).
    """
    from ovito.modifiers import WignerSeitzAnalysisModifier

    modifier = WignerSeitzAnalysisModifier(per_type_occupancies=per_type)
    if reference is None and isinstance(source, (list, tuple)) and source:
        reference = source[0]     # a list of Atoms is one pipeline per frame: name frame 0 explicitly
    if reference is not None:
        modifier.reference = _reference_source(reference, elements)
    else:
        modifier.reference_frame = 0
    if affine:
        modifier.affine_mapping = WignerSeitzAnalysisModifier.AffineMapping.ToReference
    pipeline = make_pipeline(source, elements)
    pipeline.modifiers.append(modifier)
    rows = []
    for frame, data in iter_data_collections(pipeline, frames, progress, "Wigner-Seitz"):
        vac = int(data.attributes["WignerSeitz.vacancy_count"])
        inter = int(data.attributes["WignerSeitz.interstitial_count"])
        row = {"frame": frame, "step": timestep(data, frame), "vacancies": vac, "interstitials": inter,
               "frenkel_pairs": min(vac, inter)}
        if per_type:
            row.update(_per_type(data))
        rows.append(row)
    return pd.DataFrame(rows)


def _per_type(data) -> dict[str, int]:
    """Per-element counts: the output frame holds the reference sites, each with the occupancy per type."""
    site_types = np.asarray(data.particles.particle_types)
    # one column per type; OVITO gives a plain vector when there is only one type
    occupancy = np.asarray(data.particles["Occupancy"]).reshape(len(site_types), -1)
    names = {t.id: t.name for t in data.particles.particle_types.types}
    type_ids = sorted(names)
    out = {}
    for k, t in enumerate(type_ids):
        mine = site_types == t
        total = occupancy.sum(axis=1)
        out[f"vacancies_{names[t]}"] = int(np.sum(mine & (total == 0)))
        out[f"interstitials_{names[t]}"] = int(np.sum(np.maximum(occupancy[:, k] - mine.astype(int), 0)))
    return out
