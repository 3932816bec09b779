"""LAMMPS data files (``atom_style atomic``) with an explicit type order, masses and a restricted-triclinic box.

The type order is the potential's species order (or a given list), never one derived from the
structure: pymatgen's writer sorts by electronegativity and ASE's by first appearance, and a data file
whose type 2 is not the potential's species 2 runs silently with the wrong physics. The element of each
type is also written as a header comment (``# elements: Li P S``) and after each mass, so it can be
recovered without the potential (:func:`sei_lmp.io.data_file_elements`; the readers are in
:mod:`sei_lmp.io.datafile`).
"""

from __future__ import annotations

from collections.abc import Sequence
from os import PathLike
from pathlib import Path

import numpy as np

from sei_lmp.errors import ConfigurationError

#: tilt factors (and off-diagonal entries) below this are written as an orthogonal box
ORTHOGONAL_TOLERANCE = 1e-8


def lammps_cell(cell) -> np.ndarray:
    """Cell rows a, b, c rotated into LAMMPS' restricted-triclinic form: a along x, b in the xy plane.

    The result is lower-triangular with a positive diagonal; the three lengths and angles are kept.
    """
    a, b, c = np.asarray(cell, float)
    if np.linalg.det(np.array([a, b, c])) <= 0:
        raise ConfigurationError("the cell is left-handed (a x b . c <= 0); LAMMPS needs a right-handed cell: "
                                 "swap two cell vectors (or use ase.geometry.cell_to_cellpar/cellpar_to_cell)")
    lx = np.linalg.norm(a)
    xy = b @ a / lx
    ly = np.sqrt(b @ b - xy**2)
    xz = c @ a / lx
    yz = (b @ c - xy * xz) / ly
    lz = np.sqrt(c @ c - xz**2 - yz**2)
    return np.array([[lx, 0.0, 0.0], [xy, ly, 0.0], [xz, yz, lz]])


def reduce_tilts(cell: np.ndarray) -> np.ndarray:
    """Same lattice with |xy|, |xz| <= lx/2 and |yz| <= ly/2 (LAMMPS' limits), by adding lattice vectors."""
    a, b, c = np.array(cell, float)
    c = c - np.rint(c[1] / b[1]) * b
    c = c - np.rint(c[0] / a[0]) * a
    b = b - np.rint(b[0] / a[0]) * a
    return np.array([a, b, c])


def type_order(atoms, species: Sequence[str] | None = None) -> list[str]:
    """Element of each LAMMPS type: ``species`` (a list or a Potential's ``.species``) or first appearance.

    Raises ConfigurationError if the structure has an element ``species`` lacks.
    """
    present = list(dict.fromkeys(atoms.get_chemical_symbols()))
    if species is None:
        return present
    order = list(getattr(species, "species", species))
    missing = [e for e in present if e not in order]
    if missing:
        name = getattr(getattr(species, "path", None), "name", None)
        what = f"the potential {name}" if name else "the type order"
        raise ConfigurationError(f"the structure has element(s) {missing} that {what} (species {order}) does not "
                                 "describe; use a potential with these elements or remove them from the structure")
    if len(set(order)) != len(order):
        raise ConfigurationError(f"the type order {order} names an element twice")
    return order


def lammps_positions(atoms, cell: np.ndarray) -> np.ndarray:
    """Positions of ``atoms`` in the LAMMPS ``cell``, wrapped into it.

    ``cell`` is :func:`lammps_cell` of the atoms' cell, possibly with tilts reduced (other vectors of the
    same lattice). The atoms are first rotated with their cell (fractional coordinates kept in the
    *rotated* cell), then wrapped into ``cell``: keeping the fractional coordinates across the tilt
    reduction would shear the crystal instead.
    """
    frac = np.linalg.solve(np.asarray(atoms.cell[:], float).T, atoms.get_positions().T).T
    rotated = frac @ lammps_cell(atoms.cell[:])
    frac = np.linalg.solve(np.asarray(cell, float).T, rotated.T).T
    frac -= np.floor(frac)
    frac[frac >= 1.0 - 1e-12] = 0.0     # -1e-17 wraps to 1.0 in floating point; put it back at 0
    return frac @ cell


def write_lammps_data(atoms, path: str | PathLike, species=None, *, masses: dict[str, float] | None = None,
                      triclinic: bool | None = None, title: str | None = None) -> Path:
    """Write ``atoms`` as a LAMMPS data file (``atom_style atomic``, ``units metal``).

    Parameters
    ----------
    atoms
        periodic ``ase.Atoms``.
    species
        element of each type, type 1 first: a list, or a Potential (its ``.species``); every element of
        the structure must be in it. Default: order of first appearance.
    masses
        per-element masses in amu overriding ``ase.data.atomic_masses``.
    triclinic
        force (True) or suppress (False) the ``xy xz yz`` line; default: only for a skewed cell, so an
        orthogonal box stays orthogonal for ``fix npt ... aniso``.

    The box is LAMMPS' restricted triclinic (see :func:`lammps_cell`); atoms keep their fractional
    coordinates. https://docs.lammps.org/read_data.html
    """
    from ase.data import atomic_masses, atomic_numbers

    if not all(atoms.pbc):
        raise ConfigurationError("the structure is not periodic in x, y and z; add vacuum and set pbc=True "
                                 "(e.g. atoms.center(vacuum=10); atoms.pbc = True)")
    elements = type_order(atoms, species)
    masses = dict(masses or {})
    unknown = [e for e in elements if e not in atomic_numbers and e not in masses]
    if unknown:
        raise ConfigurationError(f"unknown element(s) {unknown}; give their masses with masses={{...}}")
    cell = reduce_tilts(lammps_cell(atoms.cell[:]))
    tilts = np.array([cell[1, 0], cell[2, 0], cell[2, 1]])
    if triclinic is None:
        triclinic = bool(np.any(np.abs(tilts) > ORTHOGONAL_TOLERANCE))
    elif not triclinic and np.any(np.abs(tilts) > ORTHOGONAL_TOLERANCE):
        raise ConfigurationError(f"the cell is skewed (tilts {tilts.round(6).tolist()}); it needs a triclinic box")
    positions = lammps_positions(atoms, cell)
    type_of = {e: t for t, e in enumerate(elements, start=1)}
    types = [type_of[s] for s in atoms.get_chemical_symbols()]

    lines = [title or f"{atoms.get_chemical_formula()} written by sei_lmp (atom_style atomic, units metal)",
             f"# elements: {' '.join(elements)}", "",
             f"{len(atoms)} atoms", f"{len(elements)} atom types", "",
             f"0.0 {cell[0, 0]:.12f} xlo xhi", f"0.0 {cell[1, 1]:.12f} ylo yhi", f"0.0 {cell[2, 2]:.12f} zlo zhi"]
    if triclinic:
        lines.append(f"{tilts[0]:.12f} {tilts[1]:.12f} {tilts[2]:.12f} xy xz yz")
    lines += ["", "Masses", ""]
    for t, e in enumerate(elements, start=1):
        m = masses.get(e, atomic_masses[atomic_numbers[e]] if e in atomic_numbers else None)
        lines.append(f"{t} {m:.6f}  # {e}")
    lines += ["", "Atoms  # atomic", ""]
    lines += [f"{i} {t} {x:.12f} {y:.12f} {z:.12f}"
              for i, (t, (x, y, z)) in enumerate(zip(types, positions), start=1)]
    path = Path(path)
    path.write_text("\n".join(lines) + "\n")
    return path

