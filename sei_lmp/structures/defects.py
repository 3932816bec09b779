"""Point defects for diffusion studies: interstitial at the largest void, vacancy, Frenkel pair.

The largest empty site is a vertex of the Voronoi diagram, i.e. the centre of a Delaunay tetrahedron's
circumsphere (no atom lies inside it): triangulate the atoms plus the periodic images around the cell
(any cell shape) and take the circumcentre with the largest radius.
"""

from __future__ import annotations

import numpy as np

from sei_lmp.errors import ConfigurationError

#: image atoms this far (Angstrom) outside the cell are included, so voids near faces see all neighbours
IMAGE_MARGIN = 6.0
#: voids whose radius is within this fraction of the largest count as the same kind of site
EQUIVALENT_FRACTION = 0.01


def _check_element(element: str, species) -> None:
    from ase.data import atomic_numbers

    if element not in atomic_numbers:
        raise ConfigurationError(f"'{element}' is not a chemical element")
    if species is not None:
        order = list(getattr(species, "species", species))
        if element not in order:
            raise ConfigurationError(f"element '{element}' is not among the potential's species {order}; "
                                     "choose one of those or another potential")


def voids(atoms, margin: float = IMAGE_MARGIN):
    """Empty sites of a periodic structure as a DataFrame (x, y, z, fa, fb, fc, radius), largest first.

    ``radius`` is the distance from the site to its nearest atom centre.
    """
    import pandas as pd
    from scipy.spatial import Delaunay

    from sei_lmp.structures.supercell import perpendicular_widths

    cell = np.asarray(atoms.cell[:], float)
    frac = atoms.get_scaled_positions(wrap=True)
    pad = margin / perpendicular_widths(cell)
    reps = [np.arange(-int(np.ceil(p)), int(np.ceil(p)) + 1) for p in pad]
    shifts = np.array(np.meshgrid(*reps, indexing="ij")).reshape(3, -1).T
    images = (frac[None, :, :] + shifts[:, None, :]).reshape(-1, 3)
    keep = np.all((images >= -pad) & (images < 1 + pad), axis=1)
    points = images[keep] @ cell
    tri = Delaunay(points)
    simplices = points[tri.simplices]                            # (n, 4, 3)
    # circumcentre c of vertices p0..p3: 2 (pi - p0) . c = |pi|^2 - |p0|^2
    a = 2 * (simplices[:, 1:] - simplices[:, :1])
    b = (simplices[:, 1:] ** 2).sum(-1) - (simplices[:, :1] ** 2).sum(-1)
    ok = np.abs(np.linalg.det(a)) > 1e-10                        # flat slivers have no finite circumsphere
    centres = np.linalg.solve(a[ok], b[ok][..., None])[..., 0]
    radius = np.linalg.norm(centres - simplices[ok, 0], axis=1)
    cfrac = np.linalg.solve(cell.T, centres.T).T
    inside = np.all((cfrac >= -1e-9) & (cfrac < 1 - 1e-9), axis=1)
    centres, cfrac, radius = centres[inside], cfrac[inside], radius[inside]
    # the same site appears once per tetrahedron around it (cospherical atoms): keep one
    key = np.round(cfrac % 1.0, 4) % 1.0
    _, first = np.unique(key, axis=0, return_index=True)
    table = pd.DataFrame({"x": centres[first, 0], "y": centres[first, 1], "z": centres[first, 2],
                          "fa": cfrac[first, 0], "fb": cfrac[first, 1], "fc": cfrac[first, 2],
                          "radius": radius[first]})
    return table.sort_values("radius", ascending=False, kind="stable").reset_index(drop=True)


def nearest_by_species(atoms, position, cutoff: float = 6.0) -> dict[str, dict[str, float]]:
    """Nearest distance (A) and the number of atoms within 0.1 A of it, per species, around ``position``.

    All periodic images within ``cutoff`` count, so small cells report the full coordination.
    """
    from sei_lmp.structures.supercell import perpendicular_widths

    cell = np.asarray(atoms.cell[:], float)
    reps = [np.arange(-n, n + 1) for n in np.ceil(cutoff / perpendicular_widths(cell)).astype(int) + 1]
    shifts = np.array(np.meshgrid(*reps, indexing="ij")).reshape(3, -1).T @ cell
    rel = atoms.get_positions() - np.asarray(position, float)
    rel -= np.floor(np.linalg.solve(cell.T, rel.T).T + 0.5) @ cell       # nearest image first, then all around
    dist = np.linalg.norm(rel[None, :, :] + shifts[:, None, :], axis=2)  # (images, atoms)
    sym = np.array(atoms.get_chemical_symbols())
    out = {}
    for el in dict.fromkeys(sym):
        d = np.sort(dist[:, sym == el].ravel())
        d = d[d > 1e-6]                      # not the site itself (vacancy reports)
        if len(d):
            out[str(el)] = {"distance": float(d[0]), "count": int(np.sum(d < d[0] + 0.1))}
    return out


def add_interstitial(atoms, element: str = "Li", *, species=None, margin: float = IMAGE_MARGIN):
    """Copy of ``atoms`` with one ``element`` atom at the largest empty site.

    ``species`` (a list or a Potential) refuses elements the potential lacks. ``atoms.info["defect"]``
    reports the site (Cartesian and fractional), its radius and nearest distances per species.
    """
    _check_element(element, species)
    sites = voids(atoms, margin)
    if sites.empty:
        raise ConfigurationError("no empty site found; is the structure periodic with atoms in it?")
    site = sites.iloc[0]
    return _place(atoms, element, site, sites, kind="interstitial")


def _place(atoms, element, site, sites, kind: str, extra: dict | None = None):
    from ase import Atom

    position = site[["x", "y", "z"]].to_numpy(float)
    report = {"kind": kind, "element": element, "position": position.tolist(),
              "fractional": site[["fa", "fb", "fc"]].to_numpy(float).tolist(), "radius": float(site["radius"]),
              "nearest": nearest_by_species(atoms, position),
              "equivalent_sites": int(np.sum(sites["radius"] >= site["radius"] * (1 - EQUIVALENT_FRACTION))),
              **(extra or {})}
    out = atoms.copy()
    out.append(Atom(element, position))
    report["index"] = len(out) - 1
    out.info = {**atoms.info, "defect": report}
    return out


def _pick(atoms, element: str, index: int | None, seed: int | None) -> int:
    sym = np.array(atoms.get_chemical_symbols())
    if index is not None:
        if not 0 <= index < len(atoms) or sym[index] != element:
            raise ConfigurationError(f"atom {index} is not a {element} atom of this {len(atoms)}-atom structure")
        return int(index)
    candidates = np.flatnonzero(sym == element)
    if not len(candidates):
        raise ConfigurationError(f"the structure has no {element} atom to remove")
    return int(candidates[0] if seed is None else np.random.default_rng(seed).choice(candidates))


def add_vacancy(atoms, element: str = "Li", *, index: int | None = None, seed: int | None = None, species=None):
    """Copy of ``atoms`` without one ``element`` atom (``index``, a random one for ``seed``, else the first)."""
    _check_element(element, species)
    i = _pick(atoms, element, index, seed)
    position = atoms.positions[i].copy()
    report = {"kind": "vacancy", "element": element, "removed_index": i, "position": position.tolist(),
              "fractional": atoms.get_scaled_positions()[i].tolist(), "nearest": nearest_by_species(atoms, position)}
    out = atoms.copy()
    del out[i]
    out.info = {**atoms.info, "defect": report}
    return out


def add_frenkel_pair(atoms, element: str = "Li", *, index: int | None = None, seed: int | None = None,
                     species=None, margin: float = IMAGE_MARGIN):
    """Move one ``element`` atom to the largest empty site farthest from its vacancy (vacancy + interstitial).

    Among the voids of the perfect structure that are equivalent to the largest (radius within 1 %),
    the one farthest from the vacancy (minimum image) is used, so the pair does not recombine at once.
    """
    from ase.geometry import get_distances

    _check_element(element, species)
    i = _pick(atoms, element, index, seed)
    sites = voids(atoms, margin)
    best = sites[sites["radius"] >= sites["radius"].iloc[0] * (1 - EQUIVALENT_FRACTION)]
    _, dist = get_distances(atoms.positions[i][None], best[["x", "y", "z"]].to_numpy(float),
                            cell=atoms.cell, pbc=True)
    k = int(np.argmax(dist[0]))
    vacancy = {"removed_index": i, "vacancy_position": atoms.positions[i].tolist(),
               "separation": float(dist[0, k])}
    remaining = atoms.copy()
    del remaining[i]
    remaining.info = dict(atoms.info)
    out = _place(remaining, element, best.iloc[k], sites, kind="frenkel", extra=vacancy)
    return out
