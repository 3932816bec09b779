"""Product speciation: label each atom with the reference phase whose local environment it matches.

Fingerprint of an atom: for each neighbour element, its neighbour distances within ``cutoff`` smeared by
Gaussians of width ``sigma`` on a radial grid, weighted by a cosine cutoff so atoms entering the sphere
change it smoothly (a per-atom, per-element partial RDF). An atom takes the label of the reference site
(same element) with the smallest relative distance ``|f - f_ref| / |f_ref|``, if that is below
``tolerance``; otherwise it is ``unknown_label`` ("amorphous"). The references are crystals given as a
dict name -> ``ase.Atoms`` (e.g. ``sei_lmp.structures.phase("Li2S")``); an element that several phases
share (Li) is told apart by its neighbours (S around Li in Li2S, P in Li3P, only Li in Li metal).

Defaults (sigma 0.2 A, tolerance 0.45) were set on constructed cases: crystals with Gaussian noise of
0.05 A per coordinate stay below 0.3, with 0.1 A (about room-temperature Li) 98-99 % of atoms stay below
0.45, and atoms of a random Li-P-S packing stay above 0.5. For hotter MD frames, label time-averaged
positions (e.g. mean positions over a few ps) or raise ``sigma``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sei_lmp.errors import ConfigurationError
from sei_lmp.io.frames import iter_data_collections, make_pipeline, Source, timestep, type_names

__all__ = ["Fingerprinter", "label_phases", "phase_fractions", "phase_profile"]

AMORPHOUS = "amorphous"
_CHUNK = 100_000


@dataclass(frozen=True)
class Fingerprinter:
    """Per-atom environment fingerprints over a fixed element list."""

    elements: tuple[str, ...]
    cutoff: float = 3.6
    sigma: float = 0.2
    spacing: float = 0.05

    @property
    def grid(self) -> np.ndarray:
        return np.arange(0.5 * self.spacing, self.cutoff + 3 * self.sigma, self.spacing)

    def __call__(self, data) -> tuple[np.ndarray, np.ndarray]:
        """(symbols, fingerprints of shape (N, n_elements * n_grid)) of an OVITO DataCollection."""
        from ovito.data import CutoffNeighborFinder

        names = type_names(data)
        symbols = np.array([names[t] for t in np.asarray(data.particles.particle_types)])
        index = {e: k for k, e in enumerate(self.elements)}
        species = np.array([index.get(s, -1) for s in symbols])
        grid = self.grid
        n = len(symbols)
        fp = np.zeros((n * len(self.elements), len(grid)))
        pairs, vectors = CutoffNeighborFinder(self.cutoff, data).find_all()
        if len(pairs):
            d = np.linalg.norm(vectors, axis=1)
            keep = species[pairs[:, 1]] >= 0
            i, j, d = pairs[keep, 0], pairs[keep, 1], d[keep]
            weight = 0.5 * (1.0 + np.cos(np.pi * d / self.cutoff))
            row = i * len(self.elements) + species[j]
            # in chunks of pairs, so a large frame never needs a (pairs x grid) array at once
            for start in range(0, len(d), _CHUNK):
                part = slice(start, start + _CHUNK)
                gauss = weight[part, None] * np.exp(-0.5 * ((grid[None, :] - d[part, None]) / self.sigma) ** 2)
                np.add.at(fp, row[part], gauss)
        return symbols, fp.reshape(n, -1)


@dataclass
class _Site:
    phase: str
    element: str
    fingerprint: np.ndarray


def _reference_sites(references: Mapping, fingerprinter: Fingerprinter) -> list[_Site]:
    from ovito.io.ase import ase_to_ovito

    sites = []
    for name, atoms in references.items():
        # a supercell so the neighbour sphere never sees an atom twice through a small cell
        reps = [max(1, int(np.ceil(2 * fingerprinter.cutoff / h))) for h in _heights(atoms.cell)]
        symbols, fp = fingerprinter(ase_to_ovito(atoms * reps))
        for element in np.unique(symbols):
            block = fp[symbols == element]
            # inequivalent sites only: fingerprints that differ by more than rounding
            _, first = np.unique(np.round(block, 3), axis=0, return_index=True)
            sites += [_Site(name, str(element), block[k]) for k in sorted(first)]
    return sites


def _heights(cell) -> np.ndarray:
    volume = abs(np.linalg.det(cell))
    return np.array([volume / np.linalg.norm(np.cross(cell[(k + 1) % 3], cell[(k + 2) % 3])) for k in range(3)])


def _label(symbols: np.ndarray, fp: np.ndarray, sites: list[_Site], tolerance: float,
           unknown_label: str) -> tuple[np.ndarray, np.ndarray]:
    labels = np.full(len(symbols), unknown_label, dtype=object)
    best = np.full(len(symbols), np.inf)
    for site in sites:
        mask = symbols == site.element
        if not mask.any():
            continue
        dist = np.linalg.norm(fp[mask] - site.fingerprint, axis=1) / np.linalg.norm(site.fingerprint)
        idx = np.nonzero(mask)[0]
        better = dist < best[idx]
        best[idx[better]] = dist[better]
        labels[idx[better]] = site.phase
    labels[best > tolerance] = unknown_label
    return labels.astype(str), best


def _setup(references: Mapping, cutoff: float, sigma: float) -> tuple[Fingerprinter, list[_Site]]:
    from ase import Atoms

    if not references or not all(isinstance(a, Atoms) for a in references.values()):
        raise ConfigurationError("references must be a non-empty dict name -> ase.Atoms, e.g. "
                                 "{'Li2S': sei_lmp.structures.phase('Li2S')}")
    elements = tuple(sorted({s for a in references.values() for s in a.get_chemical_symbols()}))
    fingerprinter = Fingerprinter(elements, cutoff, sigma)
    return fingerprinter, _reference_sites(references, fingerprinter)


def label_phases(source: Source, references: Mapping, frame: int = -1, cutoff: float = 3.6,
                 sigma: float = 0.2, tolerance: float = 0.45, unknown_label: str = AMORPHOUS,
                 elements: Sequence[str] | None = None) -> pd.DataFrame:
    """Phase label of every atom of one frame.

    Returns a DataFrame with one row per atom (input order): ``element``, ``x``, ``y``, ``z``, ``label``
    (a reference name or ``unknown_label``) and ``distance`` (relative fingerprint distance to the best
    reference site). Write ``labels["label"]`` into ``atoms.arrays`` to colour a render by it.
    """
    fingerprinter, sites = _setup(references, cutoff, sigma)
    pipeline = make_pipeline(source, elements)
    (_, data), = iter_data_collections(pipeline, frame)
    symbols, fp = fingerprinter(data)
    labels, best = _label(symbols, fp, sites, tolerance, unknown_label)
    pos = np.asarray(data.particles.positions)
    return pd.DataFrame({"element": symbols, "x": pos[:, 0], "y": pos[:, 1], "z": pos[:, 2],
                         "label": labels, "distance": best})


def _labelled_frames(source, references, frames, cutoff, sigma, tolerance, unknown_label, elements, progress):
    fingerprinter, sites = _setup(references, cutoff, sigma)
    for frame, data in iter_data_collections(make_pipeline(source, elements), frames, progress, "speciation"):
        symbols, fp = fingerprinter(data)
        labels, _ = _label(symbols, fp, sites, tolerance, unknown_label)
        yield frame, data, symbols, labels


def phase_fractions(source: Source, references: Mapping, frames=None, cutoff: float = 3.6, sigma: float = 0.2,
                    tolerance: float = 0.45, unknown_label: str = AMORPHOUS, elements: Sequence[str] | None = None,
                    progress: bool = False) -> pd.DataFrame:
    """Fraction of atoms with each label per frame: columns ``frame, step``, one per reference, and
    ``unknown_label``."""
    names = list(references) + [unknown_label]
    rows = []
    for frame, data, _, labels in _labelled_frames(source, references, frames, cutoff, sigma, tolerance,
                                                  unknown_label, elements, progress):
        row = {"frame": frame, "step": timestep(data, frame)}
        row.update({name: float(np.mean(labels == name)) for name in names})
        rows.append(row)
    return pd.DataFrame(rows)


def phase_profile(source: Source, references: Mapping, bins: int = 20, axis: int = 2, frames=None,
                  cutoff: float = 3.6, sigma: float = 0.2, tolerance: float = 0.45,
                  unknown_label: str = AMORPHOUS, elements: Sequence[str] | None = None,
                  progress: bool = False) -> pd.DataFrame:
    """Fraction of atoms of each label in slabs along ``axis`` (2 = z), per frame.

    Long format: ``frame, step, z`` (slab centre, Angstrom, in the cell's frame), ``label``, ``fraction``
    (of the atoms in that slab), ``count``.
    """
    names = list(references) + [unknown_label]
    rows = []
    for frame, data, _, labels in _labelled_frames(source, references, frames, cutoff, sigma, tolerance,
                                                  unknown_label, elements, progress):
        cell = np.asarray(data.cell)
        length = float(np.linalg.norm(cell[:3, axis]))
        origin = float(cell[axis, 3])
        frac = (np.asarray(data.particles.positions)[:, axis] - origin) / length % 1.0
        slab = np.minimum((frac * bins).astype(int), bins - 1)
        step = timestep(data, frame)
        for b in range(bins):
            in_slab = slab == b
            total = int(in_slab.sum())
            for name in names:
                count = int(np.sum(labels[in_slab] == name))
                rows.append({"frame": frame, "step": step, "z": origin + (b + 0.5) * length / bins, "label": name,
                             "fraction": count / total if total else np.nan, "count": count})
    return pd.DataFrame(rows)
