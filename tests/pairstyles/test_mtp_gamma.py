"""Per-atom extrapolation grades of sei/mtp (fix pair ... sei/mtp gamma 1) against MLIP-3's
CfgSampling::Grade on the reference active-learning state (../shared/reference/mtp/active_learning)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from lammps_eval import lammps_cell, write_data
from sei_lmp.run.plugin import start_lammps


@pytest.fixture(scope="module")
def grades(mtp_reference):
    return json.loads((mtp_reference / "active_learning" / "grades_reference.json").read_text())


def per_atom_gamma(almtp, cfg: dict, tmp_path, nevery=1, steps=0):
    data = tmp_path / "cfg.data"
    write_data(data, lammps_cell(cfg["cell"]), cfg["positions"], [s + 1 for s in cfg["mtp_species"]], [6.94, 32.06])
    lmp = start_lammps()
    try:
        for c in ("units metal", "atom_style atomic", f"read_data {data}", "pair_style sei/mtp",
                  f"pair_coeff * * {almtp}", f"fix grade all pair {nevery} sei/mtp gamma 1",
                  "compute max_gamma all reduce max f_grade", "thermo_style custom step pe c_max_gamma",
                  f"run {steps}"):
            lmp.command(c)
        n = lmp.extract_global("nlocal")
        ids = lmp.numpy.extract_atom("id")[:n]
        gamma = np.asarray(lmp.numpy.extract_fix("grade", 1, 1)[:n])[np.argsort(ids)].copy()
        return gamma, lmp.last_thermo()["c_max_gamma"]
    finally:
        lmp.close()


def test_grades_match_mlip3(grades, mtp_reference, tmp_path):
    almtp = mtp_reference / grades["state_file"]
    assert len(grades["configs"]) == 4
    for name, cfg in grades["configs"].items():
        gamma, gmax = per_atom_gamma(almtp, cfg, tmp_path)
        ref = np.array(cfg["nbh_grades"])
        np.testing.assert_allclose(gamma, ref, rtol=1e-8, atol=0, err_msg=name)
        assert gmax == pytest.approx(cfg["MV_grade"], rel=1e-8)
    # the set spans interpolation (max ~2) to strong extrapolation (~4e3)
    assert min(c["MV_grade"] for c in grades["configs"].values()) < 3
    assert max(c["MV_grade"] for c in grades["configs"].values()) > 1000


def test_grades_only_on_requested_steps(grades, mtp_reference, tmp_path):
    """`fix pair 4 ... gamma 1` triggers grades on steps 0, 4, 8; a second fix with trigger 0 copies the
    pair style's grade array every step without asking for it. While the atoms move, that array must
    hold the step-0 grades on steps 1-3 (not recomputed) and new ones on step 4."""
    almtp = mtp_reference / grades["state_file"]
    cfg = grades["configs"]["grade_test0_near"]
    data = tmp_path / "cfg.data"
    write_data(data, lammps_cell(cfg["cell"]), cfg["positions"], [s + 1 for s in cfg["mtp_species"]], [6.94, 32.06])
    lmp = start_lammps()

    def watched():
        n = lmp.extract_global("nlocal")
        ids = lmp.numpy.extract_atom("id")[:n]
        return np.asarray(lmp.numpy.extract_fix("watch", 1, 1)[:n])[np.argsort(ids)].copy()

    try:
        for c in ("units metal", "atom_style atomic", f"read_data {data}", "pair_style sei/mtp",
                  f"pair_coeff * * {almtp}", "fix grade all pair 4 sei/mtp gamma 1",
                  "fix watch all pair 1 sei/mtp gamma 0", "velocity all create 600 7 mom yes",
                  "fix nve all nve", "timestep 0.002", "run 0"):
            lmp.command(c)
        step0 = watched()
        np.testing.assert_allclose(step0, cfg["nbh_grades"], rtol=1e-8)
        lmp.command("run 3")
        np.testing.assert_array_equal(watched(), step0)
        lmp.command("run 1")
        step4 = watched()
    finally:
        lmp.close()
    assert np.abs(step4 - step0).max() > 1e-6 * np.abs(step0).max()


def test_energy_of_almtp_equals_mtp(mtp_reference, tmp_path):
    """The potential part of the .almtp is read up to #MVS_v1.1 and is the same potential."""
    ref = json.loads((mtp_reference / "reference_values.json").read_text())["Li2S_af12"]
    data = mtp_reference / "structures" / "Li2S_af12.lammps-data"
    lmp = start_lammps()
    try:
        for c in ("units metal", "atom_style atomic", f"read_data {data}", "pair_style sei/mtp",
                  f"pair_coeff * * {mtp_reference / 'active_learning' / 'Li2S_L12_random.almtp'}", "run 0"):
            lmp.command(c)
        assert lmp.get_thermo("pe") == pytest.approx(ref["energy"], rel=1e-12)
    finally:
        lmp.close()
