"""Supercells: widths against the cutoff, cubicity, atom-count targets and the max_atoms refusal."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from sei_lmp.errors import ConfigurationError
from sei_lmp.structures import perpendicular_widths, phase, supercell


def _brute_widths(cell):
    """Perpendicular widths by brute force: the shortest distance from the origin to the planes of the
    opposite faces, i.e. the smallest |r . n| for n normal to two cell vectors (independent of the formula)."""
    out = []
    for k in range(3):
        normal = np.cross(cell[(k + 1) % 3], cell[(k + 2) % 3])
        out.append(abs(cell[k] @ normal) / np.linalg.norm(normal))
    return np.array(out)


def test_widths_of_cubic_and_hexagonal_cells():
    assert np.allclose(perpendicular_widths(np.eye(3) * 4.0), 4.0)
    a, c = 4.273, 7.594           # hexagonal: the width across a is a * sin(60 deg)
    li3p = phase("Li3P")
    assert np.allclose(perpendicular_widths(li3p.cell[:]), [a * np.sqrt(3) / 2, a * np.sqrt(3) / 2, c])
    assert np.allclose(perpendicular_widths(phase("Li2CO3").cell[:]), _brute_widths(phase("Li2CO3").cell[:]))


@pytest.mark.parametrize("name", ["Li", "LiF", "Li3P", "Li2CO3"])
def test_cutoff_widths_are_met(name):
    cutoff, skin = 5.0, 2.0
    atoms = phase(name)
    big = supercell(atoms, cutoff=cutoff, skin=skin)
    report = big.info["supercell"]
    assert min(perpendicular_widths(big.cell[:])) >= 2 * (cutoff + skin) - 1e-9
    assert len(big) == report["natoms"] == len(atoms) * round(abs(np.linalg.det(report["matrix"])))
    assert big.get_volume() == pytest.approx(atoms.get_volume() * report["n_cells"])
    # same composition and density
    assert big.get_chemical_formula(empirical=True) == atoms.get_chemical_formula(empirical=True)


def test_bcc_li_gets_the_cube_and_no_smaller_cell_works():
    """bcc Li, a = 3.5093: widths >= 14 A need 4x4x4 conventional cells (3 x 3.5093 = 10.5 is too small);
    no supercell with fewer cells can have all widths >= 14 A because its volume would be below 14^3."""
    a = 3.5093
    big = supercell(phase("Li"), cutoff=5.0, skin=2.0)
    assert big.info["supercell"]["n_cells"] == 64 and len(big) == 128
    assert np.allclose(big.info["supercell"]["widths"], 4 * a)
    assert big.info["supercell"]["cubicity"] == pytest.approx(1.0)
    assert 63 * a**3 < 14.0**3 < 64 * a**3


def test_target_count_prefers_a_cube():
    """LiF (8 atoms per cubic cell), target 500: 4x4x4 = 512 atoms is a perfect cube within 10 %."""
    big = supercell(phase("LiF"), target_atoms=500)
    assert len(big) == 512 and big.info["supercell"]["cubicity"] == pytest.approx(1.0)
    assert sorted(np.abs(big.info["supercell"]["matrix"]).sum(axis=1).tolist()) == [4, 4, 4]


def test_potential_object_gives_the_cutoff():
    class FakePotential:
        cutoff = 4.5
        species = ("Li",)

    big = supercell(phase("Li"), cutoff=FakePotential())
    assert big.info["supercell"]["cutoff"] == 4.5
    assert min(big.info["supercell"]["widths"]) >= 13.0


def test_matrix_search_finds_the_best_of_all_small_matrices():
    """For 4 bcc cells the best shape is the fcc-like cell; check against brute force over entries -2..2."""
    from sei_lmp.structures.supercell import _best_matrix

    cell = phase("Li").cell[:]
    entries = np.array(list(itertools.product(range(-2, 3), repeat=3)))          # 125 possible rows
    best = 0.0
    for r0 in entries:                                                          # vectorised over rows 2 and 3
        m = np.empty((len(entries) ** 2, 3, 3))
        m[:, 0] = r0
        m[:, 1] = np.repeat(entries, len(entries), axis=0)
        m[:, 2] = np.tile(entries, (len(entries), 1))
        m = m[np.rint(np.linalg.det(m)) == 4]
        if len(m):
            cells = m @ cell
            normals = np.stack([np.cross(cells[:, 1], cells[:, 2]), np.cross(cells[:, 2], cells[:, 0]),
                                np.cross(cells[:, 0], cells[:, 1])], axis=1)
            widths = np.abs(np.linalg.det(cells))[:, None] / np.linalg.norm(normals, axis=2)
            best = max(best, widths.min(axis=1).max())
    assert _best_matrix(cell, 4)[1] == pytest.approx(best)


def test_max_atoms_refusal():
    with pytest.raises(ConfigurationError, match=r"no supercell within max_atoms=100 has all perpendicular widths "
                                                 r">= 14\.00 A \(2 x \(cutoff 5\.0 \+ skin 2\.0\)\).*raise max_atoms"):
        supercell(phase("Li"), cutoff=5.0, max_atoms=100)


def test_bad_cutoff():
    with pytest.raises(ConfigurationError, match="cutoff must be a number"):
        supercell(phase("Li"), cutoff="five")
