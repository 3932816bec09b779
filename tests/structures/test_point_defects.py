"""Point defects against analytic void geometries of rocksalt, bcc and antifluorite lattices."""

from __future__ import annotations

import numpy as np
import pytest

from sei_lmp.errors import ConfigurationError
from sei_lmp.structures import phase, supercell
from sei_lmp.structures.defects import add_frenkel_pair, add_interstitial, add_vacancy, voids

A_LIF, A_LI, A_LI2O = 4.0173, 3.5093, 4.6114


def test_lif_interstitial_at_tetrahedral_site():
    """Rocksalt: the largest void is the centre of a small cube of edge a/2 (4 Li + 4 F at a sqrt(3)/4)."""
    atoms = supercell(phase("LiF"), target_atoms=64)
    out = add_interstitial(atoms, "Li")
    rep = out.info["defect"]
    expected = A_LIF * np.sqrt(3) / 4
    assert rep["radius"] == pytest.approx(expected, rel=1e-9)
    assert rep["nearest"]["Li"] == {"distance": pytest.approx(expected, rel=1e-9), "count": 4}
    assert rep["nearest"]["F"] == {"distance": pytest.approx(expected, rel=1e-9), "count": 4}
    # the site is a quarter-position of the conventional cube
    quarter = np.asarray(rep["position"]) / (A_LIF / 4)
    assert np.allclose(quarter, np.rint(quarter)) and np.all(np.rint(quarter) % 2 == 1)
    assert len(out) == len(atoms) + 1 and out.get_chemical_symbols()[rep["index"]] == "Li"
    assert rep["equivalent_sites"] == 8 * len(atoms) // 8     # 8 tetrahedral sites per conventional cell


@pytest.mark.parametrize("primitive", [False, True])
def test_bcc_tetrahedral_void_in_cubic_and_triclinic_cells(primitive):
    """bcc: tetrahedral void radius a sqrt(5)/4 > octahedral a/2; the primitive cell is triclinic."""
    atoms = phase("Li", primitive=primitive)
    assert primitive == (abs(atoms.cell.cellpar()[3] - 90) > 1)
    rep = add_interstitial(atoms, "Li").info["defect"]
    assert rep["radius"] == pytest.approx(A_LI * np.sqrt(5) / 4, rel=1e-9)
    assert rep["nearest"]["Li"]["count"] == 4
    # every Voronoi vertex of bcc is a tetrahedral site (the octahedral a/2 site lies on a Voronoi face)
    assert np.allclose(voids(atoms)["radius"], A_LI * np.sqrt(5) / 4)


def test_li2o_interstitial_in_empty_li_cube():
    """Antifluorite: Li form a simple-cubic lattice of edge a/2 with every other cube empty (octahedral 4b)."""
    rep = add_interstitial(phase("Li2O"), "Li").info["defect"]
    assert rep["nearest"]["Li"] == {"distance": pytest.approx(A_LI2O * np.sqrt(3) / 4), "count": 8}
    assert rep["nearest"]["O"] == {"distance": pytest.approx(A_LI2O / 2), "count": 6}


def test_vacancy_report():
    atoms = supercell(phase("LiF"), target_atoms=64)
    out = add_vacancy(atoms, "Li", seed=1)
    rep = out.info["defect"]
    assert len(out) == len(atoms) - 1 and out.get_chemical_symbols().count("Li") == 31
    assert rep["nearest"]["F"] == {"distance": pytest.approx(A_LIF / 2), "count": 6}
    assert rep["nearest"]["Li"] == {"distance": pytest.approx(A_LIF / np.sqrt(2)), "count": 12}


def test_frenkel_pair_is_separated():
    atoms = supercell(phase("LiF"), target_atoms=64)
    out = add_frenkel_pair(atoms, "Li", index=0)
    rep = out.info["defect"]
    assert out.get_chemical_formula() == atoms.get_chemical_formula()
    assert rep["radius"] == pytest.approx(A_LIF * np.sqrt(3) / 4)
    # the farthest tetrahedral site from a corner of the 2x2x2 cube is its centre +- a/4: |(3/4 a)(1,1,1)| or so
    widths = np.linalg.norm(atoms.cell[:], axis=1)
    assert rep["separation"] > 0.4 * widths.min()
    dist = np.linalg.norm(out.get_distances(rep["index"], range(len(out) - 1), mic=True).min())
    assert dist == pytest.approx(A_LIF * np.sqrt(3) / 4)


def test_unknown_element_for_potential():
    with pytest.raises(ConfigurationError, match=r"element 'Na' is not among the potential's species \['Li', 'F'\]"):
        add_interstitial(phase("LiF"), "Na", species=["Li", "F"])
    lif = phase("LiF")
    fluorine = lif.get_chemical_symbols().index("F")
    with pytest.raises(ConfigurationError, match=f"atom {fluorine} is not a Li atom"):
        add_vacancy(lif, "Li", index=fluorine)
