"""Committee uncertainty: `fix pair N sei/mace gamma 1` gives, per atom, sqrt(1/K sum_k |F_k - <F>|^2) over the
K committee models (the pair_coeff model and those after `committee`), equal to the same number from
MACECalculator on each model; the dynamics stay those of the pair_coeff model."""

from __future__ import annotations

import numpy as np
import pytest

import mace_models as mm
from sei_lmp.run.plugin import mace_available

pytestmark = pytest.mark.skipif(not mace_available(), reason=mm.SKIP_REASON)

ELEMENTS = ("Li", "F", "S")


@pytest.fixture(scope="session")
def committee(tmp_path_factory):
    base = tmp_path_factory.getbasetemp() / "mace_models"
    return [
        mm.cached_model(base, "m1", r_max=4.5, seed=1),
        mm.cached_model(base, "m2", r_max=4.5, seed=2),
        # another element order and cutoff: members are mapped by element, each with its own graph
        mm.cached_model(base, "m3_sfli", atomic_numbers=(16, 9, 3), r_max=4.0, seed=3),
    ]


def deviation(forces):
    forces = np.asarray(forces)                    # K x N x 3
    return np.sqrt(((forces - forces.mean(axis=0)) ** 2).sum(axis=2).mean(axis=0))


@pytest.mark.parametrize("mode", ["", "no_domain_decomposition"])
def test_gamma_is_committee_force_deviation(mode, committee, tmp_path):
    atoms = mm.to_lammps_frame(mm.random_cell(["Li"] * 14 + ["F"] * 8 + ["S"] * 4,
                                              [[7.4, 0, 0], [0.8, 7.0, 0], [0.5, -1.1, 7.2]], seed=21))
    refs = [mm.reference_mace(atoms, model) for model, _ in committee]
    others = " ".join(str(lmp_model) for _, lmp_model in committee[1:])
    got = mm.lammps_mace(atoms, committee[0][1], ELEMENTS, f"sei/mace {mode} committee {others}",
                         workdir=tmp_path, extra=["fix gamma all pair 1 sei/mace gamma 1"])
    expected = deviation([r["forces"] for r in refs])
    assert expected.min() > 1e-3     # the members really differ
    np.testing.assert_allclose(got["gamma"], expected, rtol=1e-7, atol=1e-9)
    # energy and forces are member 1's
    assert got["energy"] == pytest.approx(refs[0]["energy"], rel=1e-9)
    np.testing.assert_allclose(got["forces"], refs[0]["forces"], rtol=0, atol=1e-8)
