"""The training pipeline on a tiny budget: cheap pair teacher, level-6 MTP, ~24 configurations."""

import numpy as np
import pytest

from sei_lmp.errors import ConfigurationError
from sei_lmp.training import fit_mtp, metrics, split


def test_fit_beats_trivial_baseline_on_held_out_data(tiny_fit):
    test = tiny_fit["test"]
    pred = fit_mtp.predict(tiny_fit["result"].mtp, test)
    ours = metrics.errors(test, pred)
    base = metrics.errors(test, tiny_fit["baseline"].predict(test))
    assert ours["n_structures"] == len(test) >= 5
    # a fit that learnt the forces is far below the zero-force baseline, and better on energies too
    assert ours["forces_rmse_eV_per_A"] < 0.3 * base["forces_rmse_eV_per_A"]
    assert ours["energy_rmse_meV_per_atom"] < base["energy_rmse_meV_per_atom"]
    assert ours["stress_rmse_GPa"] < base["stress_rmse_GPa"]


def test_potential_loads_in_the_plugin_and_matches_motep(tiny_fit):
    """sei/mtp in LAMMPS gives the fitted potential's numbers (motep's calculator) on held-out cells."""
    from sei_lmp.training.lammps_check import lammps_single_points

    cells = [a for a in tiny_fit["test"] if np.allclose(a.cell.array, np.diag(np.diag(a.cell.array)))]
    if not cells:  # the sample's cells are strained: make orthorhombic copies of two of them
        cells = []
        for a in tiny_fit["test"][:2]:
            b = a.copy()
            b.set_cell(np.diag(a.cell.lengths()), scale_atoms=True)
            cells.append(b)
    lmp = lammps_single_points(tiny_fit["result"].path, ["Li", "F"], cells)
    ref = fit_mtp.predict(fit_mtp.read_mtp(tiny_fit["result"].path, ["Li", "F"]), cells)
    for got, want in zip(lmp, ref):
        assert got["energy"] == pytest.approx(want["energy"], rel=1e-8, abs=1e-8)
        np.testing.assert_allclose(got["forces"], want["forces"], rtol=1e-6, atol=1e-8)
        np.testing.assert_allclose(got["stress"], want["stress"], rtol=1e-6, atol=1e-8)


def test_written_file_round_trips(tiny_fit):
    """The .mtp written (MLIP 1.1.0 layout) predicts what the in-memory fit predicts."""
    test = tiny_fit["test"][:3]
    again = fit_mtp.read_mtp(tiny_fit["result"].path, ["Li", "F"])
    for a, b in zip(fit_mtp.predict(tiny_fit["result"].mtp, test), fit_mtp.predict(again, test)):
        assert a["energy"] == pytest.approx(b["energy"], rel=1e-10)


def test_same_seed_same_fit_different_seed_different_fit(tiny_fit):
    train = tiny_fit["train"]
    work = tiny_fit["work"]
    settings = fit_mtp.MTPFitSettings(species=("Li", "F"), level=6, min_dist=1.2, max_dist=4.0,
                                      radial_basis_size=6, seed=11, maxiter=10)
    a = fit_mtp.fit_mtp(train, settings, work / "a.mtp", progress=False)
    b = fit_mtp.fit_mtp(train, settings, work / "b.mtp", progress=False)
    assert (work / "a.mtp").read_text().replace("a\n", "b\n", 1) == (work / "b.mtp").read_text() or \
        np.array_equal(a.mtp.parameters, b.mtp.parameters)
    np.testing.assert_array_equal(a.mtp.parameters, b.mtp.parameters)
    c = fit_mtp.fit_mtp(train, fit_mtp.MTPFitSettings(**{**settings.as_dict(), "seed": 12}), work / "c.mtp",
                        progress=False)
    assert not np.array_equal(a.mtp.parameters, c.mtp.parameters)


def test_split_is_seeded_stratified_and_complete(tiny_fit):
    frames = tiny_fit["frames"]
    tr1, te1 = split.train_test_split(frames, 0.25, seed=3)
    tr2, te2 = split.train_test_split(frames, 0.25, seed=3)
    _, te3 = split.train_test_split(frames, 0.25, seed=4)
    ids = [a.info["config_id"] for a in frames]
    assert [a.info["config_id"] for a in te1] == [a.info["config_id"] for a in te2]
    assert [a.info["config_id"] for a in te1] != [a.info["config_id"] for a in te3]
    assert sorted(a.info["config_id"] for a in tr1 + te1) == sorted(ids)
    kinds = {a.info["config_type"] for a in frames}
    assert {a.info["config_type"] for a in te1} == kinds == {a.info["config_type"] for a in tr1}


def test_fit_settings_refuse_bad_input():
    with pytest.raises(ConfigurationError, match="even number"):
        fit_mtp.MTPFitSettings(species=("Li", "F"), level=5)
    with pytest.raises(ConfigurationError, match="element symbols"):
        fit_mtp.MTPFitSettings(species=("Li", "Xx"))
    with pytest.raises(ConfigurationError, match="motep treats a zero seed"):
        fit_mtp.MTPFitSettings(species=("Li",), seed=0)
    with pytest.raises(ConfigurationError, match="min_dist < max_dist"):
        fit_mtp.MTPFitSettings(species=("Li",), min_dist=5.0, max_dist=4.0)


def test_fit_refuses_unlabelled_or_foreign_configurations(tiny_fit, tmp_path):
    settings = fit_mtp.MTPFitSettings(species=("Li",), level=2, max_dist=4.0)
    with pytest.raises(ConfigurationError, match="add them to species"):
        fit_mtp.fit_mtp(tiny_fit["train"], settings, tmp_path / "x.mtp", progress=False)
    bare = tiny_fit["train"][0].copy()  # copy() drops the calculator: no labels
    with pytest.raises(ConfigurationError, match="label it first"):
        fit_mtp.fit_mtp([bare], fit_mtp.MTPFitSettings(species=("Li", "F"), level=2), tmp_path / "y.mtp",
                        progress=False)
    with pytest.raises(ConfigurationError, match="test_fraction"):
        split.train_test_split(tiny_fit["frames"], 1.5, seed=1)


def test_nonlinear_subset_then_linear_solve_on_all(tiny_fit):
    """L-BFGS-B on a few configurations, LLS on all: still a working potential, and the subset is recorded."""
    train, test = tiny_fit["train"], tiny_fit["test"]
    settings = fit_mtp.MTPFitSettings(species=("Li", "F"), level=6, min_dist=1.2, max_dist=4.0,
                                      radial_basis_size=6, seed=11, maxiter=30, nonlinear_subset=6)
    result = fit_mtp.fit_mtp(train, settings, tiny_fit["work"] / "subset.mtp", progress=False)
    assert abs(result.n_nonlinear - 6) <= 1  # stratified: rounded per config_type
    ours = metrics.errors(test, fit_mtp.predict(result.mtp, test))
    base = metrics.errors(test, tiny_fit["baseline"].predict(test))
    assert ours["forces_rmse_eV_per_A"] < 0.5 * base["forces_rmse_eV_per_A"]
    with pytest.raises(ConfigurationError, match="nonlinear_subset"):
        fit_mtp.MTPFitSettings(species=("Li",), nonlinear_subset=0)


def test_md_check_reports_a_stable_run_and_names_an_unstable_one(tiny_fit, tmp_path):
    """The LAMMPS check runs NVT + NVE with the tiny potential; a potential that lets atoms fly apart is
    reported as unstable (RunFailed with what to do), not as a LAMMPS traceback."""
    from sei_lmp.errors import RunFailed
    from sei_lmp.training import sampling
    from sei_lmp.training.lammps_check import lammps_md_check

    cell = sampling.lif_rocksalt(4.0, 2)
    out = lammps_md_check(tiny_fit["result"].path, ["Li", "F"], cell, temperature=300.0, nvt_ps=0.1, nve_ps=0.1,
                          by_name=False)
    assert out["natoms"] == 64 and np.isfinite(out["nve_drift_meV_per_atom_per_ps"])
    # a hugely hot start in a tiny potential: atoms leave the box between neighbour-list rebuilds
    with pytest.raises(RunFailed, match="unstable in LAMMPS"):
        lammps_md_check(tiny_fit["result"].path, ["Li", "F"], cell, temperature=3e6, nvt_ps=0.2, nve_ps=0.05,
                        timestep_fs=5.0, by_name=False)
