"""Composition and density profiles along the interface normal, per frame, with OVITO's SpatialBinningModifier.

A profile frame has one row per (frame, bin): ``frame, step, z`` (bin centre, Angstrom), ``n_<El>`` (atoms of
element El in the bin), ``x_<El>`` (their fraction of the atoms in the bin), ``number_density`` (1/A^3)
and ``density`` (g/cm^3).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from sei_lmp.errors import ConfigurationError
from sei_lmp.io.frames import iter_data_collections, make_pipeline, num_frames, Source, timestep
from sei_lmp.units import density_g_cm3

__all__ = ["composition_profiles", "profile_elements"]

_AXES = "xyz"


def _indicators(elements: list[str]):
    """Per-atom 0/1 properties ``is_<El>``, looked up by type name in every frame (type ids may differ)."""
    def indicators(frame, data):
        names = {t.id: t.name for t in data.particles.particle_types.types}
        symbols = np.array([names[t] for t in np.asarray(data.particles.particle_types)])
        for e in elements:
            data.particles_.create_property(f"is_{e}", data=(symbols == e).astype(float))
    return indicators


def _stash(element: str):
    def stash(frame, data):
        data.tables_["binning"].identifier = f"binning_{element}"
    return stash


def profile_elements(source: Source, elements: Sequence[str] | None = None) -> list[str]:
    """Element names present in frame 0 of ``source`` (sorted)."""
    pipeline = make_pipeline(source, elements)
    data = pipeline.compute(0)
    names = {t.id: t.name for t in data.particles.particle_types.types}
    return sorted({names[t] for t in np.unique(np.asarray(data.particles.particle_types))})


def composition_profiles(source: Source, bins: int = 50, axis: str = "z", frames=None,
                         elements: Sequence[str] | None = None, bin_width: float | None = None,
                         progress: bool = False) -> pd.DataFrame:
    """Per-element counts, fractions and densities in ``bins`` slabs along ``axis``, for each frame.

    ``bin_width`` (Angstrom), if given, sets the number of bins from the cell length of frame 0 instead.
    The slabs span the cell of each frame, so under NPT a bin follows the box.
    """
    from ase.data import atomic_masses, atomic_numbers
    from ovito.modifiers import SpatialBinningModifier

    if axis not in _AXES:
        raise ConfigurationError(f"axis must be one of x, y, z (got {axis!r})")
    if bins < 2:
        raise ConfigurationError(f"need at least 2 bins (got {bins})")
    present = profile_elements(source, elements)
    unknown = [e for e in present if e not in atomic_numbers]
    if unknown:
        raise ConfigurationError(f"particle types {unknown} are not element names; pass elements=[...] "
                                 "(element of LAMMPS type 1, 2, ...)")
    pipeline = make_pipeline(source, elements)
    if bin_width is not None:
        if bin_width <= 0:
            raise ConfigurationError(f"bin_width must be positive (got {bin_width})")
        cell = np.asarray(pipeline.compute(0).cell)
        bins = max(2, round(float(np.linalg.norm(cell[:3, _AXES.index(axis)])) / bin_width))
    pipeline.modifiers.append(_indicators(present))
    direction = getattr(SpatialBinningModifier.Direction, axis.upper())
    for e in present:
        pipeline.modifiers.append(SpatialBinningModifier(property=f"is_{e}", direction=direction, bin_count=bins,
                                                         reduction_operation=SpatialBinningModifier.Operation.Sum))
        pipeline.modifiers.append(_stash(e))
    pieces = []
    for frame, data in iter_data_collections(pipeline, frames, progress, "profiles"):
        k = _AXES.index(axis)
        cell = np.asarray(data.cell)
        slab_volume = abs(data.cell.volume) / bins
        counts = {}
        for e in present:
            xy = np.asarray(data.tables[f"binning_{e}"].xy())
            counts[e] = np.rint(xy[:, 1]).astype(int)
        total = sum(counts.values())
        frame_df = pd.DataFrame({"frame": frame, "step": timestep(data, frame), "z": xy[:, 0]})
        for e in present:
            frame_df[f"n_{e}"] = counts[e]
        with np.errstate(invalid="ignore", divide="ignore"):
            for e in present:
                frame_df[f"x_{e}"] = np.where(total > 0, counts[e] / np.maximum(total, 1), np.nan)
        mass = sum(counts[e] * atomic_masses[atomic_numbers[e]] for e in present)
        frame_df["number_density"] = total / slab_volume
        frame_df["density"] = density_g_cm3(mass, slab_volume)
        frame_df["bin_width"] = float(np.linalg.norm(cell[:3, k])) / bins
        pieces.append(frame_df)
    out = pd.concat(pieces, ignore_index=True)
    out.attrs.update(elements=present, axis=axis, bins=bins, n_frames=num_frames(pipeline))
    return out
