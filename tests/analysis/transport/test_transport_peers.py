"""The same trajectories analysed by kinisi and pymatgen-analysis-diffusion (test-only peers) agree with ours
within errors; the Li6PS5Cl AIMD XDATCAR (2 fs x 50 steps per frame) is read and compared with kinisi."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from transport_synth import brownian

from sei_lmp.analysis.transport import analyze_trajectory, msd_fft
from sei_lmp.io import Trajectory, read_trajectory

sc = pytest.importorskip("scipp")
kinisi_analyze = pytest.importorskip("kinisi.analyze")

DT = 0.1


def kinisi_D(analyzer, start_ps: float) -> tuple[float, float]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        analyzer.diffusion(start_ps * sc.Unit("ps"), n_samples=300, n_burn=200, progress=False,
                           random_state=np.random.RandomState(1))
    samples = analyzer.D.values
    return float(np.mean(samples)), float(np.std(samples))


@pytest.fixture(scope="module")
def walkers():
    """Li walkers (D = 0.3 A^2/ps) in a fixed S host, 12 A cubic cell, 250 frames every 0.1 ps."""
    li = brownian(250, 24, DT, 0.3, seed=21)
    host = np.repeat(np.random.default_rng(22).uniform(0, 12, (1, 16, 3)), 250, axis=0)
    elements = ["Li"] * 24 + ["S"] * 16
    traj = Trajectory.from_positions(np.concatenate([li, host], axis=1), elements, np.arange(250) * DT,
                                     np.eye(3) * 12.0)
    return traj, analyze_trajectory(traj, 600.0, species=["Li"])


def test_pymatgen_diffusion_analyzer_agrees(walkers):
    analyzer_mod = pytest.importorskip("pymatgen.analysis.diffusion.analyzer")
    from pymatgen.core import Lattice, Structure

    traj, result = walkers
    ours = result.table.iloc[0]
    frac = traj.positions[0] / 12.0
    structure = Structure(Lattice.cubic(12.0), list(traj.elements), frac)
    disp = np.transpose(traj.positions - traj.positions[0], (1, 0, 2))          # [site, time, axis]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        peer = analyzer_mod.DiffusionAnalyzer(structure, disp, "Li", 600, time_step=1, step_skip=100,
                                              smoothed="max")
    # same all-origins MSD at pymatgen's lags (it starts at avg_nsteps = 1000 steps = 1 ps)
    lags = (np.asarray(peer.dt) / 100).astype(int)
    curve = result.msd["Li"]["msd_xyz_A2"].to_numpy()
    np.testing.assert_allclose(peer.msd, curve[lags], rtol=1e-8)
    # pymatgen's D is a 1/t-weighted least-squares line over all its lags (1-19 ps of a 25 ps run): the same
    # estimator on our MSD gives the same number; its quoted error (~1e-9 cm2/s) ignores correlations, so
    # the numbers differ by about 3 of our sigma (its window has large variance); our window finds the true D
    t = lags * 0.1
    w = 1 / np.sqrt(t)
    slope = np.linalg.lstsq(np.column_stack([t, np.ones_like(t)]) * w[:, None], curve[lags] * w, rcond=None)[0][0]
    np.testing.assert_allclose(peer.diffusivity, slope / 6 * 1e-4, rtol=1e-6)
    assert abs(ours["D_cm2_s"] - 0.3e-4) < 3 * ours["D_err_cm2_s"]
    # pymatgen's Nernst-Einstein conductivity (mS/cm) from the same D and cell
    np.testing.assert_allclose(ours["sigma_NE_mS_cm"], peer.conductivity * ours["D_cm2_s"] / peer.diffusivity,
                               rtol=1e-3)


def test_kinisi_agrees_on_synthetic_walkers(walkers):
    from ase import Atoms

    traj, result = walkers
    ours = result.table.iloc[0]
    frames = [Atoms(list(traj.elements), positions=r % 12.0, cell=np.eye(3) * 12.0, pbc=True) for r in traj.positions]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        peer = kinisi_analyze.DiffusionAnalyzer.from_ase(frames, specie="Li", time_step=0.1 * sc.Unit("ps"),
                                                         step_skip=1 * sc.Unit("dimensionless"), progress=False)
    d, err = kinisi_D(peer, ours["fit_start_ps"])
    assert abs(d - ours["D_cm2_s"]) < 2 * np.hypot(err, ours["D_err_cm2_s"]), (d, err, ours["D_cm2_s"])


def test_li6ps5cl_xdatcar_against_kinisi(validation_dir):
    path = validation_dir / "datasets" / "Li6PS5Cl_AIMD" / "example_XDATCAR.gz"
    if not path.is_file():
        pytest.skip(f"{path} not found")
    traj = read_trajectory(path, species=["Li"], frame_interval_ps=2e-3 * 50)
    assert traj.positions.shape == (140, 192, 3) and traj.element_names == ["Cl", "Li", "P", "S"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = analyze_trajectory(traj, 500.0, species=["Li"], onsager_terms=False).table.iloc[0]
    from pymatgen.io.vasp import Xdatcar

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        peer = kinisi_analyze.DiffusionAnalyzer.from_xdatcar(Xdatcar(str(path)), specie="Li",
                                                             time_step=2.0 * sc.Unit("fs"),
                                                             step_skip=50 * sc.Unit("dimensionless"), progress=False)
    # the same MSD curve when the drift is removed as kinisi does (plain mean of the framework atoms; ours
    # defaults to the mass-weighted centre of mass)
    # kinisi's pymatgen parser also repeats the first frame (coords_l.insert(0, coords_l[0])): do the same
    fw = [traj.element_names.index(e) for e in ("Cl", "P", "S")]
    drift = traj.element_sums[:, fw].sum(axis=1) / traj.element_counts[fw].sum()
    li = traj.select("Li")
    curve = msd_fft(np.concatenate([li[:1], li]), np.concatenate([drift[:1], drift])).sum(axis=1)
    np.testing.assert_allclose(curve[1:len(peer.msd.values) + 1], peer.msd.values, rtol=1e-6)
    d, err = kinisi_D(peer, ours["fit_start_ps"])
    assert 5e-6 < ours["D_cm2_s"] < 5e-5
    assert abs(d - ours["D_cm2_s"]) < 2 * np.hypot(err, ours["D_err_cm2_s"]), (d, err, ours["D_cm2_s"])
