"""sei/mace agrees with mace-torch's MACECalculator on the same float64 model: energy, forces, virial and
per-atom energies, on random periodic cells of three elements, including cells smaller than 2 x r_max and a
triclinic one, with and without domain decomposition (ghost atoms as graph nodes vs periodic shifts)."""

from __future__ import annotations

import numpy as np
import pytest
from ase.build import bulk

import mace_models as mm
from sei_lmp.run.plugin import mace_available

pytestmark = pytest.mark.skipif(not mace_available(), reason=mm.SKIP_REASON)

ELEMENTS = ("Li", "F", "S")


@pytest.fixture(scope="session")
def mace_model(tmp_path_factory):
    return mm.cached_model(tmp_path_factory.getbasetemp() / "mace_models", "m1", r_max=4.5, seed=1)


def structures():
    rocksalt = bulk("LiF", "rocksalt", a=4.03, cubic=True) * (2, 2, 2)    # 8.06 A < 2 r_max
    rocksalt.rattle(0.15, seed=3)
    rocksalt.symbols[[5, 17]] = "S"
    tri = np.array([[7.2, 0.0, 0.0], [1.9, 6.8, 0.0], [-1.3, 2.2, 7.5]])    # triclinic, small
    sym = ["Li"] * 10 + ["F"] * 6 + ["S"] * 4
    return {
        "rocksalt_small": rocksalt,
        "triclinic_small": mm.random_cell(sym, tri, seed=11),
        "cubic_large": mm.random_cell(["Li"] * 36 + ["F"] * 24 + ["S"] * 12, np.eye(3) * 9.6, seed=5),
    }


@pytest.mark.parametrize("mode", ["", "no_domain_decomposition"])
@pytest.mark.parametrize("name", ["rocksalt_small", "triclinic_small", "cubic_large"])
def test_matches_mace_calculator(name, mode, mace_model, tmp_path):
    model, model_lammps = mace_model
    atoms = mm.to_lammps_frame(structures()[name])
    ref = mm.reference_mace(atoms, model)
    got = mm.lammps_mace(atoms, model_lammps, ELEMENTS, f"sei/mace {mode}", workdir=tmp_path)
    # float64 model, same edges: agreement to rounding (measured ~1e-15), far below the 1e-6 asked for
    assert got["energy"] == pytest.approx(ref["energy"], rel=1e-9)
    scale = np.abs(ref["forces"]).max()
    assert scale > 0.05
    np.testing.assert_allclose(got["forces"], ref["forces"], rtol=0, atol=1e-9 * scale)
    np.testing.assert_allclose(got["virial"], ref["virial"], rtol=0, atol=1e-9 * np.abs(ref["virial"]).max())
    np.testing.assert_allclose(got["site_energies"], ref["site_energies"], rtol=1e-9, atol=1e-9)
    # an untouched force field would pass a sum rule: the per-atom energies add up to the total
    assert got["site_energies"].sum() == pytest.approx(got["energy"], rel=1e-12)


def test_type_order_and_subset_of_elements(mace_model, tmp_path):
    """LAMMPS types may list fewer elements than the model has, in any order."""
    model, model_lammps = mace_model
    atoms = mm.to_lammps_frame(mm.random_cell(["S"] * 6 + ["Li"] * 12, np.eye(3) * 6.5, seed=2))
    ref = mm.reference_mace(atoms, model)
    got = mm.lammps_mace(atoms, model_lammps, ("S", "Li"), "sei/mace no_domain_decomposition", workdir=tmp_path)
    assert got["energy"] == pytest.approx(ref["energy"], rel=1e-9)
    np.testing.assert_allclose(got["forces"], ref["forces"], rtol=0, atol=1e-6 * np.abs(ref["forces"]).max())
