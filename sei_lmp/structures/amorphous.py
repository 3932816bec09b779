"""Amorphous starting configurations: a formula at a target density, packed at random in a cubic box.

Per element-pair minimum distances are not additive (Li-F may approach to 1.7 A while Li-Li must stay
above 2 A), which PACKMOL's per-atom radii cannot express; so units (single atoms or rigid molecules
such as PO2F2- or PS4 3-) are inserted at random positions that keep every pair distance, and the few
that find no room are pushed apart afterwards. Both stages are bounded; an over-dense request fails
with a message instead of looping.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from sei_lmp.errors import ConfigurationError
from sei_lmp.units import AMU_PER_A3_TO_G_PER_CM3, density_g_cm3

#: default minimum distance of a pair: this fraction of the sum of covalent radii, at least MIN_FLOOR
COVALENT_FRACTION = 0.85
MIN_FLOOR = 1.4
#: spheres of diameter d_min(e, e) cannot fill more of space than close packing
MAX_PACKING_FRACTION = 0.74


def _composition(formula: str) -> dict[str, float]:
    from pymatgen.core import Composition

    try:
        comp = Composition(formula)
    except Exception as err:      # pymatgen raises ValueError or its own errors for bad formulas
        raise ConfigurationError(f"cannot read the formula '{formula}': {err}") from err
    from ase.data import atomic_numbers

    unknown = [str(el) for el in comp.get_el_amt_dict() if el not in atomic_numbers or el == "X"]
    if not len(comp) or unknown:
        raise ConfigurationError(f"cannot read the formula '{formula}': no element(s) {unknown or ''}; "
                                 "write it like 'LiPO2F2'")
    return {el: float(n) for el, n in comp.get_el_amt_dict().items()}


def default_min_distance(a: str, b: str) -> float:
    """``max(MIN_FLOOR, COVALENT_FRACTION * (r_cov(a) + r_cov(b)))`` in Angstrom."""
    from ase.data import atomic_numbers, covalent_radii

    return max(MIN_FLOOR, COVALENT_FRACTION * (covalent_radii[atomic_numbers[a]] + covalent_radii[atomic_numbers[b]]))


def pair_table(elements: Sequence[str], min_distances=None) -> dict[tuple[str, str], float]:
    """Minimum distance of every element pair: a number for all, a ``{"Li-F": 1.7}`` / ``{("Li","F"): 1.7}``
    mapping overriding the defaults, or None for :func:`default_min_distance`."""
    table = {(a, b): default_min_distance(a, b) for a in elements for b in elements}
    if isinstance(min_distances, (int, float)):
        return {k: float(min_distances) for k in table}
    for key, value in (min_distances or {}).items():
        a, b = key.split("-") if isinstance(key, str) else key
        if (a, b) not in table:
            raise ConfigurationError(f"minimum distance given for {a}-{b}, but the formula has only {list(elements)}")
        table[(a, b)] = table[(b, a)] = float(value)
    return table


def _units(comp: dict[str, float], n: int, molecules: Sequence) -> tuple[list, list[str]]:
    """Templates (ase.Atoms) of every unit to insert, and how the formula unit was split."""
    from ase import Atoms

    remaining = {el: x * n for el, x in comp.items()}
    units: list = []
    notes = []
    for mol in molecules:
        mol = molecule(mol) if isinstance(mol, str) else mol
        mcomp: dict[str, int] = {}
        for s in mol.get_chemical_symbols():
            mcomp[s] = mcomp.get(s, 0) + 1
        k = min(int(math.floor(remaining.get(el, 0) / c + 1e-9)) for el, c in mcomp.items())
        if k == 0:
            raise ConfigurationError(f"the molecule {mol.get_chemical_formula()} does not fit in {n} x "
                                     f"the formula; check the formula or the molecule")
        for el, c in mcomp.items():
            remaining[el] -= k * c
        centred = mol.copy()
        centred.positions -= centred.get_center_of_mass()
        units += [centred] * k
        notes.append(f"{k} x {mol.get_chemical_formula()}")
    for el, x in remaining.items():
        if abs(x - round(x)) > 1e-6:
            raise ConfigurationError(f"{n} formula units hold {x:g} {el} atoms; use a whole number of atoms "
                                     "(more formula units)")
        units += [Atoms(el)] * int(round(x))
    return units, notes


def _polyhedron(centre: str, ligands: Sequence[tuple[str, float]], directions) -> "ase.Atoms":  # noqa: F821
    from ase import Atoms

    directions = np.asarray(directions, float)
    directions /= np.linalg.norm(directions, axis=1)[:, None]
    positions = [np.zeros(3)] + [bond * v for (_, bond), v in zip(ligands, directions)]
    return Atoms([centre] + [el for el, _ in ligands], positions=positions)


_TETRAHEDRON = [(1, 1, 1), (1, -1, -1), (-1, 1, -1), (-1, -1, 1)]
_OCTAHEDRON = [(1, 0, 0), (-1, 0, 0), (0, 1, 0), (0, -1, 0), (0, 0, 1), (0, 0, -1)]
_TRIANGLE = [(1, 0, 0), (-0.5, np.sqrt(3) / 2, 0), (-0.5, -np.sqrt(3) / 2, 0)]
#: ideal-geometry anions with typical bond lengths (A) of their lithium salts; starting points for MD only
MOLECULES = {
    "PS4": lambda: _polyhedron("P", [("S", 2.05)] * 4, _TETRAHEDRON),
    "PO4": lambda: _polyhedron("P", [("O", 1.54)] * 4, _TETRAHEDRON),
    "PO2F2": lambda: _polyhedron("P", [("O", 1.47)] * 2 + [("F", 1.57)] * 2, _TETRAHEDRON),
    "PF6": lambda: _polyhedron("P", [("F", 1.60)] * 6, _OCTAHEDRON),
    "CO3": lambda: _polyhedron("C", [("O", 1.28)] * 3, _TRIANGLE),
}


def molecule(name: str) -> "ase.Atoms":  # noqa: F821
    """A built-in rigid anion template (ideal geometry): one of :data:`MOLECULES`."""
    if name not in MOLECULES:
        raise ConfigurationError(f"unknown molecule '{name}'; built-in: {', '.join(MOLECULES)} "
                                 "(or pass an ase.Atoms template)")
    atoms = MOLECULES[name]()
    atoms.info["name"] = name
    return atoms


def _random_rotation(rng) -> np.ndarray:
    q = rng.normal(size=4)
    q /= np.linalg.norm(q)
    w, x, y, z = q
    return np.array([[1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
                     [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
                     [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)]])


def amorphous(formula: str, density: float, formula_units: int, *, molecules: Sequence = (),
              min_distances=None, seed: int = 0, attempts: int = 200, relax_steps: int = 2000,
              progress: bool = False):
    """Random packing of ``formula_units`` x ``formula`` in a cubic box at ``density`` (g/cm3).

    Parameters
    ----------
    molecules
        rigid ``ase.Atoms`` templates kept intact (e.g. a PO2F2 anion); each is used as often as the
        formula allows, the rest of the formula is placed as single atoms.
    min_distances
        number, ``{"Li-F": 1.7, ...}`` overrides, or None (:func:`default_min_distance`); pairs inside
        one molecule are exempt.
    attempts, relax_steps
        random positions tried per unit, and push-apart sweeps for units that found no room.

    ``atoms.arrays["mol-id"]`` numbers the units (1-based); ``atoms.info["amorphous"]`` reports the
    density, composition and the smallest distance of every pair.
    """
    from ase import Atoms

    if not density > 0:
        raise ConfigurationError(f"density must be positive (g/cm3), got {density}")
    if formula_units < 1:
        raise ConfigurationError(f"formula_units must be at least 1, got {formula_units}")
    comp = _composition(formula)
    units, notes = _units(comp, formula_units, molecules)
    elements = sorted({s for u in units for s in u.get_chemical_symbols()})
    table = pair_table(elements, min_distances)
    mass = sum(u.get_masses().sum() for u in units)
    volume = mass / density * AMU_PER_A3_TO_G_PER_CM3          # amu / (g/cm3) -> A^3
    edge = volume ** (1 / 3)
    natoms = sum(len(u) for u in units)
    phi = sum(math.pi / 6 * table[(s, s)] ** 3 for u in units for s in u.get_chemical_symbols()) / volume
    # intra-molecular spheres overlap, so only single atoms count towards the hard limit
    phi_atoms = sum(math.pi / 6 * table[(u[0].symbol, u[0].symbol)] ** 3 for u in units if len(u) == 1) / volume
    if phi_atoms > MAX_PACKING_FRACTION:
        raise ConfigurationError(
            f"{formula} at {density} g/cm3 cannot meet the minimum distances: spheres of the like-pair minimum "
            f"distances would fill {phi_atoms:.2f} of the box (close packing is {MAX_PACKING_FRACTION}); "
            "lower the density or the minimum distances")

    rng = np.random.default_rng(seed)
    cutoff = max(table.values())
    index = {e: k for k, e in enumerate(elements)}
    dmin = np.array([[table[(a, b)] for b in elements] for a in elements])
    pos = np.empty((natoms, 3))
    kind = np.empty(natoms, dtype=int)
    mol = np.empty(natoms, dtype=int)
    placed = 0
    stuck = []
    order = sorted(range(len(units)), key=lambda k: -len(units[k]))   # big molecules first, while there is room
    iterator = order
    if progress:
        from tqdm import tqdm

        iterator = tqdm(order, desc="packing", unit="unit")
    for uid in iterator:
        unit = units[uid]
        kinds = np.array([index[s] for s in unit.get_chemical_symbols()])
        best = None
        for _ in range(attempts):
            trial = unit.positions @ _random_rotation(rng).T + rng.random(3) * edge
            worst = _worst_overlap(trial, kinds, pos[:placed], kind[:placed], dmin, edge)
            if best is None or worst < best[0]:
                best = (worst, trial)
            if worst <= 0.0:
                break
        n = len(unit)
        pos[placed:placed + n] = best[1]
        kind[placed:placed + n] = kinds
        mol[placed:placed + n] = uid + 1
        if best[0] > 0:
            stuck.append(uid + 1)
        placed += n
    pos %= edge
    if stuck:
        pos = _push_apart(pos, kind, mol, dmin, edge, relax_steps, cutoff)
    atoms = Atoms([elements[k] for k in kind], positions=pos, cell=[edge] * 3, pbc=True)
    atoms.arrays["mol-id"] = mol
    report = verify(atoms, table, mol)
    bad = {k: v for k, v in report["min_distance"].items() if v < report["required"][k] - 1e-6}
    if bad:
        worst = ", ".join(f"{k} {v:.2f} A (< {report['required'][k]:.2f})" for k, v in bad.items())
        raise ConfigurationError(f"could not pack {formula_units} x {formula} at {density} g/cm3 with the minimum "
                                 f"distances: {worst} after {relax_steps} push-apart sweeps; lower the density "
                                 "or the minimum distances, or give molecules as rigid units")
    report.update({"formula": formula, "formula_units": formula_units, "target_density": density,
                   "units": notes, "packing_fraction_estimate": phi, "seed": seed, "pushed_units": len(stuck)})
    atoms.info["amorphous"] = report
    return atoms


def _worst_overlap(trial, kinds, pos, kind, dmin, edge) -> float:
    """Largest violation (A) of a minimum distance between ``trial`` atoms and the placed atoms."""
    if not len(pos):
        return 0.0
    d = trial[:, None, :] - pos[None, :, :]
    d -= edge * np.rint(d / edge)
    r = np.sqrt((d * d).sum(-1))
    return float((dmin[kinds][:, kind] - r).max())


def _push_apart(pos, kind, mol, dmin, edge, steps, cutoff):
    """Move whole units apart along the violating pairs until none is left (or ``steps`` sweeps)."""
    from scipy.spatial import cKDTree

    units = np.unique(mol)
    for _ in range(steps):
        tree = cKDTree(pos % edge, boxsize=edge)
        pairs = tree.query_pairs(cutoff, output_type="ndarray")
        if not len(pairs):
            break
        i, j = pairs[:, 0], pairs[:, 1]
        keep = mol[i] != mol[j]
        i, j = i[keep], j[keep]
        d = pos[i] - pos[j]
        d -= edge * np.rint(d / edge)
        r = np.linalg.norm(d, axis=1)
        over = dmin[kind[i], kind[j]] - r
        bad = over > 0
        if not bad.any():
            break
        i, j, d, r, over = i[bad], j[bad], d[bad], r[bad], over[bad]
        push = (0.5 * (over + 0.01) / np.maximum(r, 1e-6))[:, None] * d
        step = np.zeros_like(pos)
        np.add.at(step, i, push)
        np.add.at(step, j, -push)
        # a rigid unit moves by the mean of its atoms' pushes
        per_unit = np.zeros((units.max() + 1, 3))
        count = np.bincount(mol, minlength=units.max() + 1)[:, None]
        np.add.at(per_unit, mol, step)
        pos = pos + (per_unit / np.maximum(count, 1))[mol]
    return pos % edge


def verify(atoms, table: Mapping[tuple[str, str], float], mol=None) -> dict:
    """Density (g/cm3), composition and smallest distance of every element pair between units."""
    from ase.neighborlist import neighbor_list

    cutoff = max(table.values()) + 1.0
    i, j, d = neighbor_list("ijd", atoms, cutoff)
    if mol is not None:
        keep = mol[i] != mol[j]
        i, j, d = i[keep], j[keep], d[keep]
    sym = np.array(atoms.get_chemical_symbols())
    mins: dict[str, float] = {}
    required: dict[str, float] = {}
    for (a, b), value in table.items():
        if a > b:
            continue
        sel = (sym[i] == a) & (sym[j] == b)
        key = f"{a}-{b}"
        mins[key] = float(d[sel].min()) if sel.any() else float("inf")
        required[key] = value
    counts: dict[str, int] = {}
    for s in sym:
        counts[str(s)] = counts.get(str(s), 0) + 1
    return {"density": float(density_g_cm3(atoms.get_masses().sum(), atoms.get_volume())),
            "composition": counts, "min_distance": mins, "required": required}
