"""Partial RDFs, coordination numbers, bond angles and density on perfect crystals (analytic answers) and
on a random packing (compared with ASE's neighbour list)."""

from __future__ import annotations

import numpy as np
import pytest
from ase.data import atomic_masses, atomic_numbers
from ase.neighborlist import neighbor_list

from sei_lmp.analysis.structure import (
    bond_angle_distribution,
    coordination_numbers,
    density,
    first_peak,
    partial_rdf,
)
from sei_lmp.errors import ConfigurationError
from sei_lmp.structures import phase

A_LI = 3.5093     # phase("Li") lattice parameter
A_LIF = 4.0173


def test_bcc_li_peaks_and_shells():
    atoms = phase("Li") * (4, 4, 4)
    rdf = partial_rdf(atoms, cutoff=6.0, bins=200)
    dr = rdf["r"].iloc[1] - rdf["r"].iloc[0]
    assert first_peak(rdf, "Li-Li") == pytest.approx(np.sqrt(3) / 2 * A_LI, abs=dr)
    first = coordination_numbers(rdf, 0.5 * (np.sqrt(3) / 2 + 1) * A_LI)      # between 1st and 2nd shell
    second = coordination_numbers(rdf, 0.5 * (1 + np.sqrt(2)) * A_LI)          # between 2nd and 3rd
    assert first["cn"].iloc[0] == pytest.approx(8, abs=1e-3)
    assert second["cn"].iloc[0] == pytest.approx(8 + 6, abs=1e-3)
    auto = coordination_numbers(rdf)                                            # first minimum
    assert auto["cn"].iloc[0] == pytest.approx(8, abs=1e-3)


def test_rocksalt_lif_partials():
    atoms = phase("LiF") * (4, 4, 4)
    rdf = partial_rdf(atoms, cutoff=6.0, bins=300)
    dr = rdf["r"].iloc[1] - rdf["r"].iloc[0]
    assert first_peak(rdf, "Li-F") == pytest.approx(A_LIF / 2, abs=dr)
    assert first_peak(rdf, "F-Li") == pytest.approx(A_LIF / 2, abs=dr)
    assert first_peak(rdf, "Li-Li") == pytest.approx(A_LIF / np.sqrt(2), abs=dr)
    cn = coordination_numbers(rdf).set_index(["center", "neighbor"])["cn"]
    assert cn["Li", "F"] == pytest.approx(6, abs=1e-3) and cn["F", "Li"] == pytest.approx(6, abs=1e-3)
    assert cn["Li", "Li"] == pytest.approx(12, abs=1e-3) and cn["F", "F"] == pytest.approx(12, abs=1e-3)
    # long-range order: g is zero between shells
    between = rdf[(rdf["r"] > 2.2) & (rdf["r"] < 2.7)]
    assert np.all(between[["Li-Li", "Li-F", "F-F"]].to_numpy() == 0)


def test_random_packing_matches_ase_neighbour_counts(glass):
    rdf = partial_rdf(glass, cutoff=7.0, bins=140)
    tail = rdf[rdf["r"] > 5.5]
    for pair in ("Li-Li", "Li-F", "F-F"):
        assert abs(tail[pair].mean() - 1.0) < 0.1, pair         # no long-range order
    rc = 3.0
    cn = coordination_numbers(rdf, rc).set_index(["center", "neighbor"])["cn"]
    i, j = neighbor_list("ij", glass, rc)
    symbols = np.array(glass.get_chemical_symbols())
    for a in ("Li", "F"):
        for b in ("Li", "F"):
            expected = np.sum((symbols[i] == a) & (symbols[j] == b)) / np.sum(symbols == a)
            # the integral covers the bin holding rc only in part: allow the weight of that shell
            assert cn[a, b] == pytest.approx(expected, abs=0.1), (a, b)
    assert first_peak(rdf, "Li-F") > 1.5


def test_frame_average_is_the_mean_of_frames(glass):
    moved = glass.copy()
    moved.rattle(0.2, seed=3)
    both = partial_rdf([glass, moved], cutoff=5.0, bins=50)
    one, two = partial_rdf(glass, cutoff=5.0, bins=50), partial_rdf(moved, cutoff=5.0, bins=50)
    assert np.allclose(both["Li-F"], 0.5 * (one["Li-F"] + two["Li-F"]))
    assert both.attrs["frames"] == [0, 1]
    last = partial_rdf([glass, moved], cutoff=5.0, bins=50, frames=-1)
    assert np.allclose(last["Li-F"], two["Li-F"])


def test_bcc_bond_angles():
    atoms = phase("Li") * (3, 3, 3)
    bad = bond_angle_distribution(atoms, "Li", "Li", cutoff=3.2, bins=180)
    peaks = bad[bad["count"] > 0]
    # 8 neighbours at the cube corners: 28 angles, 12 at 70.53, 12 at 109.47, 4 at 180 degrees
    expected = {np.degrees(np.arccos(1 / 3)): 12, np.degrees(np.arccos(-1 / 3)): 12, 180.0: 4}
    assert peaks["count"].sum() == pytest.approx(28)
    for angle, count in expected.items():
        near = peaks[np.abs(peaks["angle"] - angle) <= 1.0]
        assert near["count"].sum() == pytest.approx(count), angle
    assert (bad["density"].sum() * 1.0) == pytest.approx(1.0)


def test_density_of_crystals():
    for name in ("Li", "LiF", "Li2S"):
        atoms = phase(name)
        mass = sum(atomic_masses[atomic_numbers[s]] for s in atoms.get_chemical_symbols())
        expected = mass / atoms.get_volume() * 1.66053906660
        assert density(atoms)["density"].iloc[0] == pytest.approx(expected, rel=1e-9)
    assert density(phase("Li"))["density"].iloc[0] == pytest.approx(0.534, abs=0.002)   # handbook bcc Li


def test_bad_input_messages(glass):
    with pytest.raises(ConfigurationError, match="no partial RDF for the pair Li-S; the table has Li-Li, Li-F, F-F"):
        first_peak(partial_rdf(glass, cutoff=4.0, bins=40), "Li-S")
    with pytest.raises(ConfigurationError, match="frame 3 does not exist: the trajectory has 1 frame"):
        partial_rdf(glass, frames=3)
    with pytest.raises(ConfigurationError, match="no 'S' atoms in the chosen frames"):
        bond_angle_distribution(glass, "S", "Li", 3.0)
    with pytest.raises(ConfigurationError, match="cannot analyse a dict"):
        partial_rdf({"a": 1})
    with pytest.raises(ConfigurationError, match="does not exist; pass a LAMMPS dump/data file or a deck directory"):
        partial_rdf("/nonexistent/file.dump")
