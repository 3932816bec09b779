"""Interstitial hops in rocksalt LiF: the sites, which atoms move and how far, for each mechanism (geometry
only, no potential)."""

from __future__ import annotations

import numpy as np
import pytest
from ase.build import bulk
from ase.geometry import find_mic

from sei_lmp.errors import ConfigurationError
from sei_lmp.structures.migration import FINAL, MECHANISMS, final_state, images, interstitial_hop

A = 4.092


@pytest.fixture(scope="module")
def crystal():
    return bulk("LiF", "rocksalt", a=A, cubic=True).repeat(2)


def _moved(path) -> np.ndarray:
    d, _ = find_mic(path.arrays[FINAL] - path.positions, path.cell, path.pbc)
    return np.linalg.norm(d, axis=1)


def _nearest(path, position, element):
    same = [k for k, s in enumerate(path.get_chemical_symbols()) if s == element]
    _, d = find_mic(path.positions[same] - position, path.cell, path.pbc)
    return np.sort(d)


def test_interstitial_starts_at_the_cube_centre_site(crystal):
    path = interstitial_hop(crystal, "Li", "direct")
    info = path.info["hop"]
    assert len(path) == len(crystal) + 1 and info["atom"] == len(crystal) and path[-1].symbol == "Li"
    # (1/4, 1/4, 1/4) a: 4 Li and 4 F at sqrt(3)/4 a
    site = path.positions[-1]
    for element in ("Li", "F"):
        near = _nearest(path[:-1], site, element)
        assert near[:4] == pytest.approx([np.sqrt(3) / 4 * A] * 4) and near[4] > near[0] + 0.5
    frac = (site / A) % 0.5
    assert frac == pytest.approx([0.25, 0.25, 0.25])


def test_direct_hop_moves_only_the_interstitial_by_half_a_lattice_constant(crystal):
    path = interstitial_hop(crystal, "Li", "direct")
    moved = _moved(path)
    assert np.nonzero(moved > 1e-9)[0].tolist() == [len(crystal)]
    assert moved[-1] == pytest.approx(A / 2)
    jump = np.abs(path.info["hop"]["jumps_A"][0])
    assert sorted(jump) == pytest.approx([0, 0, A / 2], abs=1e-9)           # along <100>
    # the final site is the same kind of site
    final = final_state(path)
    assert _nearest(final[:-1], final.positions[-1], "F")[:4] == pytest.approx([np.sqrt(3) / 4 * A] * 4)


@pytest.mark.parametrize("mechanism, angle, net", [("interstitialcy_collinear", 180.0, np.sqrt(3) / 2),
                                                    ("interstitialcy_noncollinear", 109.4712, 1 / np.sqrt(2))])
def test_interstitialcy_pushes_the_nearest_lattice_li_on(crystal, mechanism, angle, net):
    path = interstitial_hop(crystal, "Li", mechanism)
    info = path.info["hop"]
    interstitial, lattice = info["atoms"]
    assert interstitial == len(crystal) and path[lattice].symbol == "Li"
    moved = _moved(path)
    assert sorted(np.nonzero(moved > 1e-9)[0].tolist()) == sorted([interstitial, lattice])
    # each jumps sqrt(3)/4 a along <111>: the interstitial onto L's site, L into a cube-centre site
    assert moved[[interstitial, lattice]] == pytest.approx([np.sqrt(3) / 4 * A] * 2)
    for jump in info["jumps_A"]:
        assert np.abs(jump) == pytest.approx([A / 4] * 3)
    final = final_state(path)
    d, _ = find_mic(final.positions[interstitial] - path.positions[lattice], path.cell, path.pbc)
    assert np.linalg.norm(d) == pytest.approx(0, abs=1e-9)
    assert info["angle_deg"] == pytest.approx(angle, abs=1e-3)
    j1, j2 = (np.array(j) for j in info["jumps_A"])
    between = np.degrees(np.arccos(j1 @ j2 / np.linalg.norm(j1) / np.linalg.norm(j2)))
    assert between == pytest.approx(180 - angle, abs=1e-3)                 # 0 (collinear) or 70.53 degrees
    assert info["defect_displacement_A"] == pytest.approx(net * A)
    # L's new site is a cube-centre site: 4 F at sqrt(3)/4 a
    others = final[[k for k in range(len(final)) if k != lattice]]
    assert _nearest(others, final.positions[lattice], "F")[:4] == pytest.approx([np.sqrt(3) / 4 * A] * 4)


def test_images_interpolate_across_the_boundary(crystal):
    path = interstitial_hop(crystal, "Li", "interstitialcy_collinear")
    band = images(path, 5)
    lattice = path.info["hop"]["atoms"][1]
    steps = [np.linalg.norm(find_mic(b.positions[lattice] - a.positions[lattice], a.cell, a.pbc)[0])
             for a, b in zip(band[:-1], band[1:])]
    assert steps == pytest.approx([np.sqrt(3) / 16 * A] * 4)


def test_mechanisms_and_errors(crystal):
    assert set(MECHANISMS) == {"direct", "interstitialcy_collinear", "interstitialcy_noncollinear"}
    with pytest.raises(ConfigurationError, match="not one of"):
        interstitial_hop(crystal, "Li", "ring")
    with pytest.raises(ConfigurationError, match="has none"):
        interstitial_hop(crystal, "Na", "interstitialcy_collinear")
    with pytest.raises(ConfigurationError, match="out of range"):
        interstitial_hop(crystal, "Li", "direct", site=10_000)
