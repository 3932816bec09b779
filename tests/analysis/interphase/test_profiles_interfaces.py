"""Composition profiles and interphase thickness on a layered cell whose answer is known by construction:
a rocksalt-like LiF block (F fraction 1/2), a planted mixed layer (F fraction 1/5) of known width, and Li
(no F), stacked along z in a periodic cell."""

from __future__ import annotations

import numpy as np
import pytest
from ase import Atoms

from sei_lmp.analysis.interphase import composition_profiles, interfaces
from sei_lmp.errors import ConfigurationError

SPACING = 2.0            # A between atomic planes along z, and in-plane
NX = 5                   # 5 x 5 sites per plane


def layered(n_lif: int, n_mixed: int, n_li: int, seed: int = 0) -> Atoms:
    """Planes at z = 1, 3, 5, ...: n_lif planes of x_F = 1/2, n_mixed of x_F = 1/5, n_li of Li."""
    rng = np.random.default_rng(seed)
    symbols, positions = [], []
    planes = ["LiF"] * n_lif + ["mixed"] * n_mixed + ["Li"] * n_li
    for k, kind in enumerate(planes):
        sites = [(i, j) for i in range(NX) for j in range(NX)]
        n_f = {"LiF": 12, "mixed": 5, "Li": 0}[kind]
        if kind == "LiF":   # 12 of 25 is not 1/2: add the 13th F on every other plane
            n_f += k % 2
        f_sites = set(rng.choice(len(sites), n_f, replace=False).tolist())
        for s, (i, j) in enumerate(sites):
            symbols.append("F" if s in f_sites else "Li")
            positions.append(((i + 0.5) * SPACING, (j + 0.5) * SPACING, (k + 0.5) * SPACING))
    cell = [NX * SPACING, NX * SPACING, len(planes) * SPACING]
    return Atoms(symbols, positions=positions, cell=cell, pbc=True)


def test_profile_counts_match_construction():
    atoms = layered(10, 5, 15)
    prof = composition_profiles(atoms, bins=30)
    assert list(prof["n_F"][:10]) == [12 + k % 2 for k in range(10)]
    assert list(prof["n_F"][10:15]) == [5] * 5 and prof["n_F"][15:].sum() == 0
    assert np.all(prof["n_F"] + prof["n_Li"] == NX * NX)
    # number density: 25 atoms per 10 x 10 x 2 A^3 slab
    assert np.allclose(prof["number_density"], 25 / (10 * 10 * 2))
    rho_li = 25 * 6.94 / 200 * 1.66054
    assert prof["density"].iloc[-1] == pytest.approx(rho_li, rel=1e-3)


@pytest.mark.parametrize("n_mixed", [3, 5, 8])
def test_planted_mixed_layer_thickness(n_mixed):
    atoms = layered(10, n_mixed, 30 - 10 - n_mixed)
    prof = composition_profiles(atoms, bins=30)
    found = interfaces(prof, element="F", pure=(0.5, 0.0))
    assert len(found) == 2
    mixed = found.iloc[found["thickness"].idxmax()]
    sharp = found.iloc[found["thickness"].idxmin()]
    # the planted width within one bin, the sharp LiF|Li contact thinner than one bin
    assert abs(mixed["thickness"] - n_mixed * SPACING) <= SPACING
    assert sharp["thickness"] < SPACING
    # the sharp interface sits at the cell boundary z = 0 = 60 A
    assert min(sharp["position"] % 60, 60 - sharp["position"] % 60) < 0.5 * SPACING
    assert mixed["edge_hi"] == pytest.approx(20.0, abs=SPACING) and mixed["edge_lo"] == pytest.approx(
        20.0 + n_mixed * SPACING, abs=SPACING)


def test_thickness_grows_in_a_time_series():
    frames = [layered(10, n, 30 - 10 - n, seed=n) for n in (2, 4, 6, 8)]
    found = interfaces(composition_profiles(frames, bins=30), element="F", pure=(0.5, 0.0))
    thick = found.groupby("frame")["thickness"].max().to_numpy()
    assert np.all(np.abs(thick - np.array([2, 4, 6, 8]) * SPACING) <= SPACING)
    assert np.all(np.diff(thick) > 0)


def test_default_marker_and_errors():
    prof = composition_profiles(layered(10, 5, 15), bins=30)
    assert interfaces(prof).attrs["element"] in ("F", "Li")
    with pytest.raises(ConfigurationError, match="no element 'S' in the profiles; elements: F, Li"):
        interfaces(prof, element="S")
    with pytest.raises(ConfigurationError, match="need 0 < lo < 0.5 < hi < 1"):
        interfaces(prof, element="F", lo=0.6)
    with pytest.raises(ConfigurationError, match="axis must be one of x, y, z"):
        composition_profiles(layered(2, 0, 2), axis="w")


def test_atoms_outside_the_cell_are_counted():
    """Unwrapped coordinates (dumps with xu yu zu) land in the bins of their periodic image (OVITO's binning
    folds periodic directions; this pins that behaviour)."""
    atoms = layered(10, 5, 15)
    shifted = atoms.copy()
    shifted.positions[::3, 2] += atoms.cell[2, 2]           # a third of the atoms one cell length up
    shifted.positions[1::3, 0] -= atoms.cell[0, 0]
    a, b = composition_profiles(atoms, bins=30), composition_profiles(shifted, bins=30)
    assert (a["n_F"] == b["n_F"]).all() and (a["n_Li"] == b["n_Li"]).all()


def sulfide_on_metal(n_periods: int = 6, n_metal: int = 18, dz: float = 1.1) -> Atoms:
    """Planes dz apart: n_periods x (S, Li, Li) - a Li2S (111)-like stack, S fraction 1/3 with its S planes
    3.3 A apart - then n_metal Li planes. The two interfaces sit half a plane below the first S plane and
    half a plane above the last Li2S plane."""
    kinds = ["S", "Li", "Li"] * n_periods + ["Li"] * n_metal
    symbols, positions = [], []
    for k, kind in enumerate(kinds):
        for i in range(NX):
            for j in range(NX):
                symbols.append(kind)
                positions.append(((i + 0.5) * SPACING, (j + 0.5) * SPACING, (k + 0.5) * dz))
    return Atoms(symbols, positions=positions, cell=[NX * SPACING, NX * SPACING, len(kinds) * dz], pbc=True)


def test_layered_phase_needs_smoothing_and_gets_its_interfaces():
    """Bins finer than the S-plane spacing make Li2S read as alternating Li2S and Li: spurious interfaces.
    smooth_width (about half the plane spacing or more) leaves the two real ones, at the right places, and the
    default pure fractions come close to the phases' own (1/3 and 0; the residual ripple of the S planes adds
    a few hundredths, which is why the demo passes them from the phases' formulas)."""
    atoms = sulfide_on_metal()
    prof = composition_profiles(atoms, bin_width=0.55)
    raw = interfaces(prof, element="S")
    assert len(raw) > 2
    found = interfaces(prof, element="S", smooth_width=1.2)
    assert len(found) == 2
    x_a, x_b = found.attrs["pure"]
    assert x_a == pytest.approx(1 / 3, abs=0.06) and x_b == pytest.approx(0.0, abs=1e-6)
    length = atoms.cell[2, 2]
    expected = sorted([0.0, 18 * 1.1])       # below the first S plane (the cell boundary), above the last Li2S plane
    got = sorted(min(p % length, length - p % length) if p % length > length / 2 else p % length
                 for p in found["position"])
    assert got == pytest.approx(expected, abs=1.2)
    # the smoothing sets the resolution: a sharp interface reads about 2 sigma wide, not more than 3 sigma
    assert np.all(found["thickness"] < 3 * 1.2)
