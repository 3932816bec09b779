"""Interfaces: slab A | slab B stacked along z with in-plane lattice matching, fully periodic by default.

The in-plane match follows Zur & McGill (J. Appl. Phys. 55, 378 (1984)), the algorithm behind pymatgen's
ZSL generator: enumerate the superlattices of both surface lattices up to a maximum area, reduce them,
and keep pairs of nearly equal area whose cells map onto each other with small strain. It is written
here (vectorised, in a few milliseconds) because importing pymatgen's interface package alone takes
about 10 s and its coherent interface builder about 20 s per pair, too slow for a command line tool.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sei_lmp.errors import ConfigurationError

DEFAULT_MAX_STRAIN = 0.03
DEFAULT_MAX_AREA = 400.0          # A^2
DEFAULT_THICKNESS = 10.0          # A per slab
DEFAULT_MAX_ATOMS = 5000
CONTACT_FRACTION = 0.9            # default gap: no contact across closer than this x the bulk nearest neighbour


@dataclass(frozen=True)
class Match:
    """Superlattices of both surfaces (integer rows over the surface unit cell) and the strain of each."""

    transform_a: np.ndarray       # 2x2 integers: superlattice rows = transform @ unit in-plane rows
    transform_b: np.ndarray
    cell: np.ndarray              # 2x2 common in-plane cell (rows, x along the first vector)
    strain_a: np.ndarray          # principal strains of each side (stretch - 1)
    strain_b: np.ndarray
    area: float

    @property
    def max_strain(self) -> float:
        return float(max(np.abs(self.strain_a).max(), np.abs(self.strain_b).max()))


def _hnf(n: int):
    """All 2x2 Hermite normal forms [[a, b], [0, d]] with a d = n (the sublattices of index n)."""
    for a in range(1, n + 1):
        if n % a:
            continue
        d = n // a
        for b in range(d):
            yield np.array([[a, b], [0, d]])


def _reduce(basis: np.ndarray, transform: np.ndarray):
    """Gauss-Lagrange reduction of a 2D basis (rows), carrying the integer transform along."""
    u, v = basis.copy()
    tu, tv = transform.copy()
    while True:
        if u @ u > v @ v:
            u, v, tu, tv = v, u, tv, tu
        k = round((u @ v) / (u @ u))
        if k == 0:
            break
        v, tv = v - k * u, tv - k * tu
        if v @ v >= u @ u:
            break
    if u[0] * v[1] - u[1] * v[0] < 0:        # right-handed
        v, tv = -v, -tv
    return np.array([u, v]), np.array([tu, tv])


def _alternatives(basis: np.ndarray, transform: np.ndarray):
    """Right-handed bases of the same lattice that a reduced basis may match: rotations and 60/120 deg forms."""
    u, v = basis
    tu, tv = transform
    out = []
    for (p, q), (tp, tq) in (((u, v), (tu, tv)), ((u, v + u), (tu, tv + tu)), ((u, v - u), (tu, tv - tu))):
        if p[0] * q[1] - p[1] * q[0] <= 0:
            continue
        for _ in range(4):      # the four 90-degree relabellings (p, q) -> (q, -p)
            out.append((np.array([p, q]), np.array([tp, tq])))
            p, q, tp, tq = q, -p, tq, -tp
    return out


def _frame(basis: np.ndarray) -> np.ndarray:
    """The same 2D cell rotated so that its first vector lies along x."""
    u, v = basis
    lu = np.linalg.norm(u)
    return np.array([[lu, 0.0], [u @ v / lu, (u[0] * v[1] - u[1] * v[0]) / lu]])


def _superlattices(unit: np.ndarray, max_area: float, alternatives: bool):
    """Areas, in-plane frames and integer transforms of the distinct superlattices up to ``max_area``."""
    area = abs(np.linalg.det(unit))
    areas, frames, transforms, seen = [], [], [], set()
    for n in range(1, int(max_area / area) + 1):
        for h in _hnf(n):
            basis, transform = _reduce(h @ unit, h)
            for b, t in (_alternatives(basis, transform) if alternatives else [(basis, transform)]):
                frame = _frame(b)
                key = (n, *np.round(frame.ravel(), 5))
                if key in seen:           # symmetry-equivalent superlattices have the same frame
                    continue
                seen.add(key)
                areas.append(n * area)
                frames.append(frame)
                transforms.append(t)
    return np.array(areas), np.array(frames).reshape(-1, 2, 2), np.array(transforms).reshape(-1, 2, 2)


def match_lattices(unit_a: np.ndarray, unit_b: np.ndarray, *, max_area: float = DEFAULT_MAX_AREA,
                   strain_on: str = "both", max_strain: float | None = None,
                   area_tolerance: float = 0.1) -> list[Match]:
    """Superlattice matches of two 2D lattices (rows) up to ``max_area``, smallest area first, then
    smallest strain. ``strain_on``: "both" (the common cell is the mean of the two), or the one side
    ("a" or "b") that is strained to fit the other.

    With ``max_strain`` the search stops after the smallest superlattice of A that has a match within it.
    """
    if strain_on not in ("both", "a", "b"):
        raise ConfigurationError(f"strain_on must be 'both', 'a' or 'b', got '{strain_on}'")
    areas_a, frames_a, trans_a = _superlattices(unit_a, max_area, alternatives=False)
    areas_b, frames_b, trans_b = _superlattices(unit_b, max_area * (1 + area_tolerance), alternatives=True)
    matches: list[Match] = []
    done_area = None
    for k in np.argsort(areas_a, kind="stable"):
        if done_area is not None and areas_a[k] > done_area + 1e-6:
            break
        near = np.flatnonzero(np.abs(areas_b - areas_a[k]) <= area_tolerance * areas_a[k])
        if not len(near):
            continue
        fa, fb = frames_a[k][None], frames_b[near]
        # "a": A takes all the strain, so the common cell is B's (and vice versa)
        cell = {"both": 0.5 * (fa + fb), "a": fb, "b": np.broadcast_to(fa, fb.shape)}[strain_on]
        # rows: cell = frame @ F, so F = frame^-1 cell; principal stretches are its singular values
        s_a = np.linalg.svd(np.linalg.solve(np.broadcast_to(fa, fb.shape), cell), compute_uv=False) - 1.0
        s_b = np.linalg.svd(np.linalg.solve(fb, cell), compute_uv=False) - 1.0
        worst = np.maximum(np.abs(s_a).max(axis=1), np.abs(s_b).max(axis=1))
        for i in np.argsort(worst, kind="stable")[:3]:        # the best few per superlattice of A
            matches.append(Match(trans_a[k], trans_b[near[i]], np.array(cell[i]), s_a[i], s_b[i],
                                 float(abs(np.linalg.det(cell[i])))))
            if max_strain is not None and worst[i] <= max_strain and done_area is None:
                done_area = areas_a[k]
    matches.sort(key=lambda m: (round(m.area, 6), m.max_strain))
    return matches


def _name(atoms) -> str:
    source = atoms.info.get("source")
    if isinstance(source, dict) and source.get("name"):
        return str(source["name"])
    from pymatgen.core import Composition

    return Composition(atoms.get_chemical_formula()).reduced_formula


def _unit_slab(bulk, miller, layers: int = 1):
    """``layers`` surface layers: in-plane rows a1 (along x), a2 (in xy); c perpendicular, of length
    ``layers`` x the interlayer repeat.

    The atoms are stacked along the bulk lattice vector that crosses the layers, which is in general not
    perpendicular to them (bcc (110), fcc (111)): the cell's c is only its projection, so the result is a
    correct slab but *not* periodic along z. Repeating a one-layer cell along this c would stack every
    layer on top of the last (AAA instead of ABC) and put atoms 0.8 A apart in Li2S (111).
    """
    from ase.build import surface

    miller = tuple(int(i) for i in miller)
    if len(miller) != 3 or not any(miller):
        raise ConfigurationError(f"Miller indices must be three integers, not all zero; got {miller}")
    return surface(bulk, miller, layers=layers, vacuum=None, periodic=True)


def _nearest_neighbour(bulk) -> float:
    from ase.neighborlist import neighbor_list

    d = neighbor_list("d", bulk, 6.0)
    return float(d.min()) if len(d) else 6.0


def _closest_contact(atoms, cutoff: float = 6.0) -> float:
    """Shortest distance between an atom of region 1 and one of region 2 (A); ``cutoff`` if none is closer."""
    from ase.neighborlist import neighbor_list

    i, j, d = neighbor_list("ijd", atoms, cutoff)
    region = atoms.arrays["region"]
    across = d[region[i] != region[j]]
    return float(across.min()) if len(across) else cutoff


def _stack(slab_a, slab_b, t_a: float, t_b: float, gap: float, vacuum: float, in_plane):
    """A at the bottom, B above it, ``gap`` between their facing planes at both interfaces (the second
    one replaced by ``vacuum`` when that is > 0)."""
    a, b = slab_a.copy(), slab_b.copy()
    a.positions[:, 2] += 0.5 * gap
    b.positions[:, 2] += 0.5 * gap + t_a + gap
    atoms = a + b
    atoms.set_cell([*in_plane, [0.0, 0.0, t_a + t_b + 2 * gap + vacuum]])
    atoms.pbc = True
    atoms.arrays["region"] = np.array([1] * len(a) + [2] * len(b))
    return atoms


def build_interface(bulk_a, miller_a, bulk_b, miller_b, *, thickness_a: float = DEFAULT_THICKNESS,
                    thickness_b: float = DEFAULT_THICKNESS, gap: float | None = None, vacuum: float = 0.0,
                    max_strain: float = DEFAULT_MAX_STRAIN, strain_on: str = "both",
                    max_area: float = DEFAULT_MAX_AREA, max_atoms: int = DEFAULT_MAX_ATOMS):
    """Slab A (bottom) | slab B along z, in-plane matched, as one periodic ``ase.Atoms``.

    Parameters
    ----------
    bulk_a, bulk_b
        conventional bulk cells (``ase.Atoms``, e.g. from :func:`sei_lmp.structures.phase`).
    miller_a, miller_b
        surface planes, e.g. (1, 0, 0).
    thickness_a, thickness_b
        minimum slab thicknesses (A), rounded up to whole surface layers.
    gap
        distance (A) between the facing atomic planes of A and B. Default: the mean of the two
        interlayer spacings, opened until no atom of A is closer to one of B than 0.9 x the shorter bulk
        nearest-neighbour distance (``info["interface"]["closest_contact"]`` reports it). Used at both
        interfaces of the periodic cell.
    vacuum
        vacuum (A) replacing the second interface (top of B to bottom of A); 0 = fully periodic.
    max_strain
        refuse matches whose largest principal strain on either side exceeds this (0.03 = 3 %).
    strain_on
        "both" shares the mismatch between the slabs, "a" or "b" strains only that slab.

    ``atoms.arrays["region"]`` is 1 for A and 2 for B; ``atoms.info["interface"]`` reports the
    superlattice matrices, the strain of each side, the area, layers and gaps.
    """
    from ase.build import make_supercell

    unit_a, unit_b = _unit_slab(bulk_a, miller_a), _unit_slab(bulk_b, miller_b)
    d_a, d_b = unit_a.cell[2, 2], unit_b.cell[2, 2]
    layers_a, layers_b = max(1, math.ceil(thickness_a / d_a - 1e-9)), max(1, math.ceil(thickness_b / d_b - 1e-9))
    # number of atoms per A^2 of interface, to keep the search inside max_atoms
    per_area = (len(unit_a) * layers_a / abs(np.linalg.det(unit_a.cell[:2, :2]))
                + len(unit_b) * layers_b / abs(np.linalg.det(unit_b.cell[:2, :2])))
    area_limit = min(max_area, max_atoms / per_area)
    name_a = f"{_name(bulk_a)}({''.join(map(str, miller_a))})"
    name_b = f"{_name(bulk_b)}({''.join(map(str, miller_b))})"
    smallest_unit = max(abs(np.linalg.det(unit_a.cell[:2, :2])), abs(np.linalg.det(unit_b.cell[:2, :2])))
    if area_limit < smallest_unit:
        raise ConfigurationError(f"max_atoms={max_atoms} is too small for one surface cell of {name_a} | {name_b} "
                                 f"with these thicknesses (about {int(smallest_unit * per_area) + 1} atoms); "
                                 "raise max_atoms or thin the slabs")
    matches = match_lattices(unit_a.cell[:2, :2], unit_b.cell[:2, :2], max_area=area_limit, strain_on=strain_on,
                             max_strain=max_strain)
    good = sorted((m for m in matches if m.max_strain <= max_strain), key=lambda m: (round(m.area, 6), m.max_strain))
    if not good:
        best = min(matches, key=lambda m: m.max_strain, default=None)
        found = (f"the smallest strain found is {100 * best.max_strain:.2f} % (area {best.area:.1f} A^2)"
                 if best else "no superlattice pair of similar area was found")
        raise ConfigurationError(f"no match of {name_a} | {name_b} within {100 * max_strain:g} % strain up to "
                                 f"{area_limit:.0f} A^2 (max_area {max_area:g}, max_atoms {max_atoms}): {found}; "
                                 "raise max_strain, max_area or max_atoms, or choose other Miller indices")
    m = good[0]

    def slab(bulk, miller, transform, layers):
        s = _unit_slab(bulk, miller, layers)
        h = s.cell[2, 2]
        # z is not periodic (see _unit_slab): give the in-plane supercell a c that no atom reaches
        s.set_cell([s.cell[0], s.cell[1], [0.0, 0.0, 2.0 * h + 10.0]])
        p = np.zeros((3, 3), dtype=int)
        p[:2, :2] = transform
        p[2, 2] = 1
        s = make_supercell(s, p, wrap=True)
        s.set_cell([[*m.cell[0], 0.0], [*m.cell[1], 0.0], s.cell[2]], scale_atoms=True)
        s.positions[:, 2] -= s.positions[:, 2].min()
        return s, h

    slab_a, h_a = slab(bulk_a, miller_a, m.transform_a, layers_a)
    slab_b, h_b = slab(bulk_b, miller_b, m.transform_b, layers_b)
    t_a, t_b = slab_a.positions[:, 2].max(), slab_b.positions[:, 2].max()
    if (gap is not None and gap < 0) or vacuum < 0:
        raise ConfigurationError(f"gap and vacuum must be >= 0 A, got gap={gap}, vacuum={vacuum}")
    in_plane = [[*m.cell[0], 0.0], [*m.cell[1], 0.0]]
    if gap is None:
        # start from the mean interlayer spacing, and open it until no pair across the interface is closer
        # than CONTACT_FRACTION of the shorter bulk nearest-neighbour distance (an atom of one side can sit
        # right above one of the other)
        gap = float(0.5 * ((h_a - t_a) + (h_b - t_b)))
        target = CONTACT_FRACTION * min(_nearest_neighbour(bulk_a), _nearest_neighbour(bulk_b))
        def contact(g):
            return _closest_contact(_stack(slab_a, slab_b, t_a, t_b, g, vacuum, in_plane), target + 0.1)

        if contact(gap) < target:      # the closest contact grows with the gap: bisect to 0.01 A
            low, high = gap, gap + target
            while high - low > 0.01:
                mid = 0.5 * (low + high)
                low, high = (low, mid) if contact(mid) >= target else (mid, high)
            gap = high
    atoms = _stack(slab_a, slab_b, t_a, t_b, float(gap), vacuum, in_plane)
    atoms.info["interface"] = {
        "a": name_a, "b": name_b, "regions": {1: name_a, 2: name_b},
        "matrix_a": m.transform_a.tolist(), "matrix_b": m.transform_b.tolist(), "area": m.area,
        "strain_a": m.strain_a.tolist(), "strain_b": m.strain_b.tolist(),
        "max_strain_a": float(np.abs(m.strain_a).max()), "max_strain_b": float(np.abs(m.strain_b).max()),
        "strain_on": strain_on, "layers_a": layers_a, "layers_b": layers_b, "thickness_a": float(t_a),
        "thickness_b": float(t_b), "gap": float(gap), "vacuum": vacuum,
        "closest_contact": _closest_contact(atoms), "natoms_a": len(slab_a), "natoms_b": len(slab_b)}
    return atoms
