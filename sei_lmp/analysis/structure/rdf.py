"""Partial radial distribution functions, coordination numbers, bond-angle distributions and density.

RDFs come from OVITO's ``CoordinationAnalysisModifier(partial=True)``, whose partial g_ab(r) tend to 1 at
large r (Faber-Ziman). The mean number of b atoms around an a atom within R is then
``CN_ab(R) = 4 pi rho_b int_0^R g_ab(r) r^2 dr``, rho_b the number density of b; :func:`partial_rdf` stores
the frame-averaged densities in ``attrs`` so :func:`coordination_numbers` needs nothing else.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from sei_lmp.errors import ConfigurationError
from sei_lmp.io.frames import iter_data_collections, make_pipeline, Source, timestep, type_names
from sei_lmp.units import density_g_cm3

__all__ = ["bond_angle_distribution", "coordination_numbers", "density", "first_peak", "partial_rdf"]


def _symbols(data) -> np.ndarray:
    names = type_names(data)
    return np.array([names[t] for t in np.asarray(data.particles.particle_types)])


def _counts(symbols: np.ndarray) -> dict[str, int]:
    elements, counts = np.unique(symbols, return_counts=True)
    return dict(zip(elements.tolist(), counts.tolist()))


def partial_rdf(source: Source, cutoff: float = 6.0, bins: int = 200, frames=None,
                elements: Sequence[str] | None = None, progress: bool = False) -> pd.DataFrame:
    """Partial g_ab(r) averaged over ``frames``.

    Returns
    -------
    DataFrame
        column ``r`` (bin centres, Angstrom) and one column per pair ``"A-B"`` (OVITO's names, each
        unordered pair once). ``attrs``: ``number_density`` (element -> atoms/A^3, frame average),
        ``frames`` (indices used), ``cutoff``.
    """
    from ovito.modifiers import CoordinationAnalysisModifier

    if cutoff <= 0 or bins < 2:
        raise ConfigurationError(f"partial_rdf needs cutoff > 0 and bins >= 2 (got cutoff={cutoff}, bins={bins})")
    pipeline = make_pipeline(source, elements)
    pipeline.modifiers.append(CoordinationAnalysisModifier(cutoff=cutoff, number_of_bins=bins, partial=True))
    total, used, rho = None, [], {}
    for frame, data in iter_data_collections(pipeline, frames, progress, "RDF"):
        table = data.tables["coordination-rdf"]
        xy = np.asarray(table.xy(), dtype=float)
        total = xy.copy() if total is None else total + xy
        used.append(frame)
        volume = abs(data.cell.volume)
        for element, n in _counts(_symbols(data)).items():
            rho[element] = rho.get(element, 0.0) + n / volume
        names = list(table.y.component_names) or [_single_pair(data)]
    mean = total / len(used)
    frame = pd.DataFrame(mean[:, 1:], columns=names)
    frame.insert(0, "r", mean[:, 0])
    frame.attrs.update(number_density={e: v / len(used) for e, v in rho.items()}, frames=used, cutoff=cutoff)
    return frame


def _single_pair(data) -> str:
    element = next(iter(type_names(data).values()))
    return f"{element}-{element}"


def _pair_column(rdf: pd.DataFrame, a: str, b: str) -> str:
    for name in (f"{a}-{b}", f"{b}-{a}"):
        if name in rdf.columns:
            return name
    pairs = [c for c in rdf.columns if c != "r"]
    raise ConfigurationError(f"no partial RDF for the pair {a}-{b}; the table has {', '.join(pairs)}")


def first_peak(rdf: pd.DataFrame, pair: str) -> float:
    """Position (Angstrom) of the highest point of the first peak of ``rdf[pair]``: the first local
    maximum above half the global maximum, refined by a parabola through the three top bins."""
    a, _, b = pair.partition("-")
    g = rdf[_pair_column(rdf, a, b)].to_numpy()
    r = rdf["r"].to_numpy()
    if not np.any(g > 0):
        raise ConfigurationError(f"the {pair} RDF is zero everywhere up to {r[-1]:.2f} A: no such neighbours")
    high = np.nonzero(g >= 0.5 * g.max())[0][0]
    i = high
    while i + 1 < len(g) and g[i + 1] >= g[i]:
        i += 1
    if 0 < i < len(g) - 1:
        den = g[i - 1] - 2 * g[i] + g[i + 1]
        shift = 0.5 * (g[i - 1] - g[i + 1]) / den if den != 0 else 0.0
        return float(r[i] + shift * (r[1] - r[0]))
    return float(r[i])


def _first_minimum(r: np.ndarray, g: np.ndarray) -> float:
    """First minimum after the first peak (where g rises again), the RDF cutoff if there is none."""
    peak = np.nonzero(g >= 0.5 * g.max())[0][0]
    while peak + 1 < len(g) and g[peak + 1] >= g[peak]:
        peak += 1
    j = peak
    while j + 1 < len(g) and g[j + 1] <= g[j]:
        j += 1
    return float(r[j])


def coordination_numbers(rdf: pd.DataFrame, cutoffs: float | Mapping[str, float] | None = None) -> pd.DataFrame:
    """Mean number of ``neighbor`` atoms around a ``center`` atom within a cutoff, from the partial RDFs.

    ``cutoffs``: one radius for all pairs, a dict ``{"Li-F": 2.6, ...}``, or None for the first minimum
    after the first peak of each g_ab. Returns rows ``center, neighbor, cutoff, cn``.
    """
    rho = rdf.attrs.get("number_density")
    if not rho:
        raise ConfigurationError("this RDF table has no number densities in attrs; make it with partial_rdf()")
    r = rdf["r"].to_numpy()
    dr = r[1] - r[0]
    edges_hi = r + 0.5 * dr
    rows = []
    for column in (c for c in rdf.columns if c != "r"):
        a, _, b = column.partition("-")
        g = rdf[column].to_numpy()
        if isinstance(cutoffs, Mapping):
            rc = cutoffs.get(column, cutoffs.get(f"{b}-{a}"))
            if rc is None:
                continue
        elif cutoffs is None:
            if not np.any(g > 0):
                continue
            rc = _first_minimum(r, g)
        else:
            rc = float(cutoffs)
        # integrate whole bins below rc plus the covered fraction of the bin that holds it
        shell = g * 4.0 * np.pi * r**2 * dr
        cover = np.clip((rc - (edges_hi - dr)) / dr, 0.0, 1.0)
        integral = float(np.sum(shell * cover))
        for center, neighbor in {(a, b), (b, a)}:
            rows.append({"center": center, "neighbor": neighbor, "cutoff": float(rc),
                         "cn": rho.get(neighbor, 0.0) * integral})
    return pd.DataFrame(rows, columns=["center", "neighbor", "cutoff", "cn"])


def bond_angle_distribution(source: Source, center: str, neighbors: str | Sequence[str], cutoff: float,
                            bins: int = 90, frames=None, elements: Sequence[str] | None = None,
                            progress: bool = False) -> pd.DataFrame:
    """Distribution of the angle neighbour-center-neighbour for ``center`` atoms and neighbours of the given
    element(s) within ``cutoff``, averaged over frames (OVITO's ``CutoffNeighborFinder``).

    Returns columns ``angle`` (bin centre, degrees), ``count`` (angles per center atom per frame) and
    ``density`` (normalised to integrate to 1 over degrees).
    """
    from ovito.data import CutoffNeighborFinder

    wanted = {neighbors} if isinstance(neighbors, str) else set(neighbors)
    edges = np.linspace(0.0, 180.0, bins + 1)
    hist = np.zeros(bins)
    n_centers = 0
    pipeline = make_pipeline(source, elements)
    for _, data in iter_data_collections(pipeline, frames, progress, "bond angles"):
        symbols = _symbols(data)
        finder = CutoffNeighborFinder(cutoff, data)
        centers = np.nonzero(symbols == center)[0]
        n_centers += len(centers)
        for i in centers:
            vectors = [n.delta for n in finder.find(i) if symbols[n.index] in wanted]
            if len(vectors) < 2:
                continue
            v = np.asarray(vectors)
            v /= np.linalg.norm(v, axis=1)[:, None]
            cos = np.clip(v @ v.T, -1.0, 1.0)
            iu = np.triu_indices(len(v), k=1)
            hist += np.histogram(np.degrees(np.arccos(cos[iu])), edges)[0]
    if n_centers == 0:
        raise ConfigurationError(f"no '{center}' atoms in the chosen frames; check the element name")
    total = hist.sum()
    return pd.DataFrame({"angle": 0.5 * (edges[1:] + edges[:-1]), "count": hist / n_centers,
                         "density": hist / (total * (edges[1] - edges[0])) if total else hist})


def density(source: Source, frames=None, elements: Sequence[str] | None = None,
            progress: bool = False) -> pd.DataFrame:
    """Mass density (g/cm^3) and number density (1/A^3) of each chosen frame, from the cell volume and
    element masses (ase.data). Columns ``frame, step, volume, density, number_density``."""
    from ase.data import atomic_masses, atomic_numbers

    rows = []
    for frame, data in iter_data_collections(make_pipeline(source, elements), frames, progress, "density"):
        counts = _counts(_symbols(data))
        unknown = [e for e in counts if e not in atomic_numbers]
        if unknown:
            raise ConfigurationError(f"particle types {unknown} are not element names; pass elements=[...] "
                                     "(element of LAMMPS type 1, 2, ...)")
        mass = sum(n * atomic_masses[atomic_numbers[e]] for e, n in counts.items())
        volume = abs(data.cell.volume)
        rows.append({"frame": frame, "step": timestep(data, frame), "volume": volume,
                     "density": density_g_cm3(mass, volume),
                     "number_density": sum(counts.values()) / volume})
    return pd.DataFrame(rows)
