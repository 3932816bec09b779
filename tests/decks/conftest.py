"""Fixtures for deck tests: a trained potential that runs stable MD (helpers: deck_helpers.py)."""

from __future__ import annotations

import pytest

from sei_lmp.potentials import load_potential


@pytest.fixture(scope="session")
def cuagau(mtp_reference):
    """The MLIP-3-trained CuAgAu MTP (species 0, 1, 2 = Au, Ag, Cu) and its fcc structure."""
    pot = load_potential(mtp_reference / "potentials" / "CuAgAu_L10_trained.mtp", species=["Au", "Ag", "Cu"])
    return pot, mtp_reference / "structures" / "CuAgAu_fcc27.lammps-data"
