"""Interfaces from the phase library: analytic mismatch of Li(100)|LiF(100), Li(110)|Li2S, refusals."""

from __future__ import annotations

import numpy as np
import pytest
from ase.neighborlist import neighbor_list

from sei_lmp.errors import ConfigurationError
from sei_lmp.structures import phase
from sei_lmp.structures.interfaces import build_interface, match_lattices

A_LI, A_LIF = 3.5093, 4.0173


def test_li100_lif100_strain_is_the_analytic_mismatch():
    """Li(100) is a square net of edge a_Li, LiF(100) one of edge a_LiF. The smallest match within 3 %:
    sqrt(5) a_Li (the (1,2) superlattice) against 2 a_LiF; the common edge is their mean."""
    atoms = build_interface(phase("Li"), (1, 0, 0), phase("LiF"), (1, 0, 0), max_strain=0.03)
    rep = atoms.info["interface"]
    edge_a, edge_b = np.sqrt(5) * A_LI, 2 * A_LIF
    common = 0.5 * (edge_a + edge_b)
    assert np.allclose(np.linalg.norm(atoms.cell[:2], axis=1), common)
    assert abs(atoms.cell.cellpar()[5] - 90) < 1e-8
    assert np.allclose(rep["strain_a"], common / edge_a - 1) and np.allclose(rep["strain_b"], common / edge_b - 1)
    assert rep["area"] == pytest.approx(common**2)
    # fully periodic, orthogonal z, slabs stoichiometric and at least 10 A thick
    assert all(atoms.pbc) and np.allclose(atoms.cell[2, :2], 0)
    region = atoms.arrays["region"]
    sym = np.array(atoms.get_chemical_symbols())
    assert set(sym[region == 1]) == {"Li"}
    assert np.sum(sym[(region == 2)] == "Li") == np.sum(sym[region == 2] == "F")
    assert rep["thickness_a"] + A_LI / 2 >= 10.0 - 1e-9 and rep["thickness_b"] + A_LIF / 2 >= 10.0 - 1e-9
    # inside each slab the bulk nearest-neighbour distance survives, scaled by the in-plane strain
    i, j, d = neighbor_list("ijd", atoms, 3.2)
    inside_a = (region[i] == 1) & (region[j] == 1)
    assert d[inside_a].min() == pytest.approx(A_LI * np.sqrt(3) / 2, rel=0.02)
    inside_b = (region[i] == 2) & (region[j] == 2)
    assert d[inside_b].min() == pytest.approx(A_LIF / 2, rel=0.02)
    # across the interfaces nothing is closer than the gap
    across = region[i] != region[j]
    assert d[across].min() >= rep["gap"] - 1e-9


def test_li110_li2s_with_gap_and_vacuum():
    atoms = build_interface(phase("Li"), (1, 1, 0), phase("Li2S"), (1, 1, 0), gap=2.5, vacuum=15.0)
    rep = atoms.info["interface"]
    assert rep["max_strain_a"] <= 0.03 and rep["max_strain_b"] <= 0.03
    z = atoms.positions[:, 2]
    region = atoms.arrays["region"]
    # gap between the facing planes, vacuum added on top
    assert z[region == 2].min() - z[region == 1].max() == pytest.approx(2.5)
    assert atoms.cell[2, 2] == pytest.approx(rep["thickness_a"] + rep["thickness_b"] + 2 * 2.5 + 15.0)
    sym = np.array(atoms.get_chemical_symbols())[region == 2]
    assert np.sum(sym == "Li") == 2 * np.sum(sym == "S")
    # Li(110) is a centred-rectangular net a x a sqrt(2) (area a^2 sqrt 2): the cell area is a whole number of them
    cells = rep["area"] * (1 + np.mean(rep["strain_a"])) ** -2 / (A_LI**2 * np.sqrt(2))
    assert cells == pytest.approx(round(cells), abs=1e-6)


def test_strain_above_limit_is_refused_with_the_smallest_found():
    with pytest.raises(ConfigurationError, match=r"no match of Li\(100\) \| LiF\(100\) within 0.1 % strain up to .* "
                                                 r"the smallest strain found is 1.20 % .*raise max_strain"):
        build_interface(phase("Li"), (1, 0, 0), phase("LiF"), (1, 0, 0), max_strain=0.001, max_atoms=300)


def test_large_enough_search_finds_a_low_strain_match():
    """sqrt(17) a_Li = 14.469 A against sqrt(13) a_LiF = 14.484 A: 0.05 % each side."""
    atoms = build_interface(phase("Li"), (1, 0, 0), phase("LiF"), (1, 0, 0), max_strain=0.001, max_atoms=600)
    common = 0.5 * (np.sqrt(17) * A_LI + np.sqrt(13) * A_LIF)
    assert np.allclose(np.linalg.norm(atoms.cell[:2], axis=1), common)


def test_strain_on_one_side_only():
    atoms = build_interface(phase("Li"), (1, 0, 0), phase("LiF"), (1, 0, 0), strain_on="a")
    rep = atoms.info["interface"]
    assert np.allclose(rep["strain_b"], 0.0) and np.allclose(rep["strain_a"], 2 * A_LIF / (np.sqrt(5) * A_LI) - 1)


def test_match_of_identical_lattices_is_unstrained():
    hexagonal = np.array([[3.0, 0.0], [-1.5, 1.5 * np.sqrt(3)]])
    rotated = np.array([[1.5, 1.5 * np.sqrt(3)], [-3.0, 0.0]])      # the same net, other basis
    best = match_lattices(hexagonal, rotated, max_area=20.0)[0]
    assert best.max_strain < 1e-12 and best.area == pytest.approx(abs(np.linalg.det(hexagonal)))


def test_bad_inputs():
    with pytest.raises(ConfigurationError, match="Miller indices must be three integers"):
        build_interface(phase("Li"), (0, 0, 0), phase("LiF"), (1, 0, 0))
    with pytest.raises(ConfigurationError, match="max_atoms=10 is too small"):
        build_interface(phase("Li"), (1, 0, 0), phase("LiF"), (1, 0, 0), max_atoms=10)


def _coordination(atoms, index, cutoff):
    i = neighbor_list("i", atoms, cutoff)
    return np.bincount(i, minlength=len(atoms))[index]


@pytest.mark.parametrize("bulk_a, miller_a, bulk_b, miller_b", [
    ("Li", (1, 1, 0), "Li2S", (1, 1, 1)),      # bcc (110) and fcc (111): the stacking vector is tilted
    ("Li", (1, 1, 1), "LiF", (1, 1, 1)),
    ("Li", (1, 1, 1), "Li3P", (0, 0, 1)),      # hexagonal
])
def test_slabs_keep_bulk_stacking_and_interfaces_have_no_close_contacts(bulk_a, miller_a, bulk_b, miller_b):
    """Each slab is the bulk crystal cut, not one layer repeated: interior atoms have the bulk's first-shell
    distances and coordination (a one-layer cell repeated along the projected c stacked fcc (111) AAA and put
    Li 0.83 A under S in Li2S). Across the interfaces the default gap keeps atoms >= 0.9 x bulk nearest neighbour."""
    atoms = build_interface(phase(bulk_a), miller_a, phase(bulk_b), miller_b, thickness_a=9.0, thickness_b=9.0,
                            max_strain=0.03)
    rep = atoms.info["interface"]
    region, z = atoms.arrays["region"], atoms.positions[:, 2]
    for reg, name in ((1, bulk_a), (2, bulk_b)):
        bulk = phase(name)
        d_bulk = neighbor_list("d", bulk, 4.0).min()
        shell = 1.07 * d_bulk             # between the first shell and the next (1.15 x in bcc Li and Li2S)
        i, j, d = neighbor_list("ijd", atoms, 4.0)
        inside = (region[i] == reg) & (region[j] == reg)
        assert d[inside].min() == pytest.approx(d_bulk, rel=0.03), name
        # atoms in the middle third of the slab see no interface: bulk coordination, species by species
        zs = z[region == reg]
        middle = np.nonzero((region == reg) & (np.abs(z - 0.5 * (zs.min() + zs.max())) < (zs.max() - zs.min()) / 6))[0]
        assert len(middle)
        bulk_cn = _coordination(bulk, np.arange(len(bulk)), shell)
        for k in middle:
            same = [c for c, s in zip(bulk_cn, bulk.get_chemical_symbols()) if s == atoms.get_chemical_symbols()[k]]
            assert _coordination(atoms, k, shell) in same, (name, k)
    assert rep["closest_contact"] >= 0.9 * min(neighbor_list("d", phase(n), 4.0).min() for n in (bulk_a, bulk_b)) - 1e-6
