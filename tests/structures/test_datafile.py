"""LAMMPS data files: explicit type order, masses, restricted triclinic; read back by LAMMPS itself."""

from __future__ import annotations

import numpy as np
import pytest
from ase import Atoms
from ase.data import atomic_masses, atomic_numbers

from sei_lmp.errors import ConfigurationError
from sei_lmp.io import data_file_elements, read_lammps_data
from sei_lmp.structures import phase, supercell, write_lammps_data
from sei_lmp.structures.datafile import lammps_cell


def _lammps_read(path):
    """Box (lower-triangular rows), positions, types (by atom id) and masses as LAMMPS sees them."""
    from sei_lmp.run.plugin import start_lammps

    lmp = start_lammps(styles=())
    try:
        for cmd in ("units metal", "atom_style atomic", "boundary p p p", f"read_data {path}"):
            lmp.command(cmd)
        lo, hi, xy, yz, xz, _, _ = lmp.extract_box()
        box = np.array([[hi[0] - lo[0], 0, 0], [xy, hi[1] - lo[1], 0], [xz, yz, hi[2] - lo[2]]])
        n = lmp.extract_global("nlocal")
        ids = lmp.numpy.extract_atom("id")[:n]
        order = np.argsort(ids)
        x = np.array(lmp.numpy.extract_atom("x")[:n])[order] - np.asarray(lo)
        types = np.array(lmp.numpy.extract_atom("type")[:n])[order]
        ntypes = lmp.extract_global("ntypes")
        masses = np.array(lmp.numpy.extract_atom("mass")[1:ntypes + 1])
    finally:
        lmp.close()
    return box, x, types, masses


def _random_triclinic(seed=3):
    rng = np.random.default_rng(seed)
    cell = np.array([[7.0, 0.3, -0.4], [2.1, 6.5, 0.2], [-1.7, 2.4, 8.0]]) + rng.normal(0, 0.2, (3, 3))
    symbols = rng.choice(["Li", "P", "S"], size=24)
    atoms = Atoms(symbols, scaled_positions=rng.random((24, 3)), cell=cell, pbc=True)
    atoms.rotate(rng.normal(size=3), rng.normal(size=3), rotate_cell=True)   # a general orientation
    return atoms


def _beyond_tilt_limits():
    """Tilts past LAMMPS' limits (|xy| > lx/2 ...), as an interface cell with a 109 degree in-plane angle has:
    the writer must swap in shorter lattice vectors and move the atoms with them, not shear the crystal."""
    atoms = _random_triclinic(5)
    atoms.set_cell([[6.0, 0.0, 0.0], [-4.6, 6.2, 0.0], [4.1, -4.0, 7.5]], scale_atoms=True)
    return atoms


@pytest.mark.parametrize("case", ["triclinic", "skewed", "Li2CO3", "LiF"])
def test_round_trip_through_lammps(case, tmp_path):
    atoms = {"triclinic": _random_triclinic, "skewed": _beyond_tilt_limits,
             "Li2CO3": lambda: supercell(phase("Li2CO3"), target_atoms=100), "LiF": lambda: phase("LiF")}[case]()
    species = ["S", "P", "Li", "F", "O", "C"]         # deliberately not the structure's own order
    path = write_lammps_data(atoms, tmp_path / "x.data", species)
    box, x, types, masses = _lammps_read(path)
    # the LAMMPS box is the same lattice rotated: box = U @ cell @ R with U integer unimodular
    rot_cell = lammps_cell(atoms.cell[:])
    rotation = np.linalg.solve(atoms.cell[:], rot_cell)          # cell @ R = rotated cell
    unimodular = box @ np.linalg.inv(rot_cell)
    assert np.allclose(unimodular, np.rint(unimodular), atol=1e-8) and round(abs(np.linalg.det(unimodular))) == 1
    assert np.allclose(rotation @ rotation.T, np.eye(3), atol=1e-10)
    # every atom is where the structure has it, modulo lattice vectors
    frac = np.linalg.solve(box.T, (x - atoms.get_positions() @ rotation).T).T
    assert np.allclose(frac, np.rint(frac), atol=1e-8)
    assert [species[t - 1] for t in types] == atoms.get_chemical_symbols()
    assert np.allclose(masses, [atomic_masses[atomic_numbers[e]] for e in species], atol=1e-5)
    # LAMMPS' tilt limits hold, and an orthogonal cell stays orthogonal
    assert abs(box[1, 0]) <= box[0, 0] / 2 + 1e-9 and abs(box[2, 0]) <= box[0, 0] / 2 + 1e-9
    assert abs(box[2, 1]) <= box[1, 1] / 2 + 1e-9
    assert ("xy xz yz" in path.read_text()) == (case != "LiF")


def test_elements_recovered_from_file(tmp_path):
    atoms = _random_triclinic()
    path = write_lammps_data(atoms, tmp_path / "x.data", ["Li", "P", "S"])
    assert data_file_elements(path) == ["Li", "P", "S"]
    back = read_lammps_data(path)
    assert back.get_chemical_symbols() == atoms.get_chemical_symbols()
    assert back.get_volume() == pytest.approx(atoms.get_volume())
    assert np.allclose(np.triu(back.cell[:], 1), 0.0)          # restricted triclinic: lower-triangular


def test_potential_species_order_and_unknown_element(tmp_path):
    class FakePotential:
        species = ("Li", "P", "S")
        cutoff = 5.0
        path = tmp_path / "LiPS.mtp"

    path = write_lammps_data(phase("Li3P"), tmp_path / "a.data", FakePotential())
    assert "3 atom types" in path.read_text() and data_file_elements(path) == ["Li", "P", "S"]
    with pytest.raises(ConfigurationError, match=r"the structure has element\(s\) \['F'\] that the potential "
                                                 r"LiPS\.mtp \(species \['Li', 'P', 'S'\]\) does not describe"):
        write_lammps_data(phase("LiF"), tmp_path / "b.data", FakePotential())


def test_non_periodic_refused(tmp_path):
    with pytest.raises(ConfigurationError, match="not periodic"):
        write_lammps_data(Atoms("Li2", positions=[[0, 0, 0], [0, 0, 2.5]]), tmp_path / "c.data")
