"""Data-file readers against the writer: masses and box shape, elements per type, atoms."""

from __future__ import annotations

import numpy as np
import pytest
from ase.build import bulk

from sei_lmp.errors import ConfigurationError
from sei_lmp.io import data_file_elements, read_data_atoms, read_data_types, read_lammps_data
from sei_lmp.structures import write_lammps_data


def test_types_masses_and_box(tmp_path):
    cubic = bulk("LiF", "rocksalt", a=4.03, cubic=True)
    path = write_lammps_data(cubic, tmp_path / "c.data", ["F", "Li"])
    masses, triclinic = read_data_types(path)
    assert masses == pytest.approx([18.998403, 6.94], abs=1e-3) and not triclinic
    assert data_file_elements(path) == ["F", "Li"]
    raw = read_data_atoms(path)
    assert sorted(np.unique(raw.arrays["type"])) == [1, 2]
    back = read_lammps_data(path)
    assert back.get_chemical_formula() == cubic.get_chemical_formula()
    assert back.get_volume() == pytest.approx(cubic.get_volume())
    _, triclinic = read_data_types(write_lammps_data(bulk("LiF", "rocksalt", a=4.03), tmp_path / "p.data"))
    assert triclinic


def test_without_masses_or_elements(tmp_path):
    path = tmp_path / "bare.data"
    path.write_text("bare\n\n1 atoms\n1 atom types\n\n0 3 xlo xhi\n0 3 ylo yhi\n0 3 zlo zhi\n\nAtoms  # atomic\n\n"
                    "1 1 0 0 0\n")
    with pytest.raises(ConfigurationError, match="Masses section"):
        read_data_types(path)
    assert data_file_elements(path) is None
    with pytest.raises(ConfigurationError, match="give elements"):
        read_lammps_data(path)
    assert read_lammps_data(path, ["Li"]).get_chemical_symbols() == ["Li"]
