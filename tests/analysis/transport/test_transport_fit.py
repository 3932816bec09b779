"""D from Brownian walkers with known D: recovered within the reported error (coverage over many seeds),
anisotropic D per direction, a drifting framework removed, region-resolved D, and the warnings/errors."""

from __future__ import annotations

import numpy as np
import pytest
from transport_synth import brownian

from sei_lmp.analysis.transport import TransportWarning, analyze_trajectory, fit_diffusion, msd_fft
from sei_lmp.io import Trajectory
from sei_lmp.errors import ConfigurationError

DT = 0.1            # ps between frames


def test_gls_error_is_honest_and_ols_error_is_not():
    """40 independent runs: |D - D_true| < 2 sigma in ~95 % of them with GLS; the naive OLS error fails."""
    d_true = 0.5                                           # A^2/ps
    z_gls, z_ols = [], []
    for seed in range(40):
        x = brownian(300, 12, DT, d_true, seed=100 + seed)
        t = np.arange(300) * DT
        curve = msd_fft(x).sum(axis=1)
        for method, out in (("gls", z_gls), ("ols", z_ols)):
            fit = fit_diffusion(t, curve, n_atoms=12, method=method)
            out.append((fit.D_cm2_s - d_true * 1e-4) / fit.D_err_cm2_s)
    z_gls, z_ols = np.abs(z_gls), np.abs(z_ols)
    assert np.mean(z_gls < 2) >= 0.85              # nominal 0.95; 40 samples
    assert np.mean(z_gls < 0.5) <= 0.6             # ... and not hugely overestimated (nominal 0.38)
    assert np.mean(z_ols < 2) < 0.5


def test_anisotropic_walkers_on_a_drifting_framework():
    n = 400
    li = brownian(n, 40, DT, [0.2, 0.2, 1.0], seed=5)
    host = brownian(n, 30, DT, 1e-4, seed=6)
    drift = np.cumsum(np.full((n, 3), 0.05), axis=0)        # the whole cell slides at 0.5 A/ps
    pos = np.concatenate([li, host], axis=1) + drift[:, None, :]
    traj = Trajectory.from_positions(pos, ["Li"] * 40 + ["S"] * 30, np.arange(n) * DT, np.eye(3) * 12.0)
    table = analyze_trajectory(traj, 600.0, species=["Li"], framework="auto").table
    row = table.iloc[0]
    truth = {"x": 0.2, "y": 0.2, "z": 1.0, "xy": 0.2, "": (0.2 + 0.2 + 1.0) / 3}
    for name, d in truth.items():
        col = f"D_{name}_cm2_s" if name else "D_cm2_s"
        err = row[col.replace("_cm2_s", "_err_cm2_s")]
        assert abs(row[col] - d * 1e-4) < 3 * err, (name, row[col], err)
        assert err < 0.2 * d * 1e-4
    # without removing the drift the ballistic slide dominates
    with pytest.warns(TransportWarning, match="no diffusive regime"):
        raw = analyze_trajectory(traj, 600.0, species=["Li"], framework=None).table.iloc[0]
    assert raw["D_cm2_s"] > 2 * truth[""] * 1e-4


def test_region_resolved_diffusion_of_a_two_layer_system():
    """Fast walkers in the lower half of c, slow in the upper half (held in their slab by reflecting z)."""
    n, lz = 300, 20.0
    rng = np.random.default_rng(9)
    fast = brownian(n, 60, DT, [1.0, 1.0, 0.0], seed=10, start=rng.uniform([0, 0, 1], [10, 10, 9], (60, 3)))
    slow = brownian(n, 60, DT, [0.1, 0.1, 0.0], seed=11, start=rng.uniform([0, 0, 11], [10, 10, 19], (60, 3)))
    traj = Trajectory.from_positions(np.concatenate([fast, slow], axis=1), ["Li"] * 120, np.arange(n) * DT,
                                     np.diag([10.0, 10.0, lz]))
    table = analyze_trajectory(traj, 500.0, framework=None, regions=2).table
    lower, upper = table[table.region == "c0-0.5"].iloc[0], table[table.region == "c0.5-1"].iloc[0]
    assert abs(lower["D_xy_cm2_s"] - 1e-4) < 3 * lower["D_xy_err_cm2_s"]
    assert abs(upper["D_xy_cm2_s"] - 1e-5) < 3 * upper["D_xy_err_cm2_s"]
    assert lower["n_atoms"] == pytest.approx(60)


def test_short_run_warns_and_bad_windows_are_refused():
    x = brownian(100, 10, DT, 0.01, seed=3)                 # 0.06 A^2 per ps: never leaves its site
    traj = Trajectory.from_positions(x, ["Li"] * 10, np.arange(100) * DT, np.eye(3) * 10)
    with pytest.warns(TransportWarning, match="run too short"):
        table = analyze_trajectory(traj, 300.0).table
    assert "run too short" in table["notes"].iloc[0]
    t, curve = np.arange(100) * DT, msd_fft(x).sum(axis=1)
    with pytest.raises(ConfigurationError, match="is not START:END in ps"):
        fit_diffusion(t, curve, n_atoms=10, window="5-8")
    with pytest.raises(ConfigurationError, match="is not inside the run"):
        fit_diffusion(t, curve, n_atoms=10, window="2:50")
    with pytest.raises(ConfigurationError, match="holds 1 MSD points; widen it"):
        fit_diffusion(t, curve, n_atoms=10, window="2:2.05")


def test_auto_window_skips_the_ballistic_start():
    """A walker with velocity memory (ballistic up to ~1 ps) then diffusive: the window starts after it."""
    rng = np.random.default_rng(12)
    v = np.zeros((2000, 20, 3))
    for k in range(1, 2000):                                  # Ornstein-Uhlenbeck velocity, tau = 1 ps
        v[k] = v[k - 1] * np.exp(-DT / 1.0) + rng.normal(scale=0.3, size=(20, 3))
    x = np.cumsum(v * DT, axis=0)
    fit = fit_diffusion(np.arange(2000) * DT, msd_fft(x).sum(axis=1), n_atoms=20)
    assert fit.fit_start_ps >= 2.0
    d_theory = (0.3 ** 2 / (1 - np.exp(-2 * DT))) * DT ** 2 * (1 + np.exp(-DT)) / (1 - np.exp(-DT)) / (2 * DT)
    assert abs(fit.D_cm2_s - d_theory * 1e-4) < 3 * fit.D_err_cm2_s


def test_block_averaging_recovers_D_and_stays_positive_for_one_mobile_atom_among_vibrating_ones():
    """method="blocks": Brownian walkers recovered within the block standard error over many seeds; and a
    defect-like system (one hopping atom among 59 vibrating in place) gives a positive D with an error."""
    d_true = 0.5
    z = []
    for seed in range(20):
        x = brownian(500, 12, DT, d_true, seed=300 + seed)
        traj = Trajectory.from_positions(x, ["Li"] * 12, np.arange(500) * DT, np.eye(3) * 20.0)
        row = analyze_trajectory(traj, 600.0, species=["Li"], framework=None, method="blocks",
                                 onsager_terms=False).table.iloc[0]
        z.append(abs(row["D_cm2_s"] - d_true * 1e-4) / row["D_err_cm2_s"])
    assert np.mean(np.array(z) < 2.5) >= 0.8         # t-distribution with 4 dof: nominal ~93 %

    rng = np.random.default_rng(7)
    n = 1000
    vibrating = rng.normal(scale=0.25, size=(n, 59, 3)) + rng.uniform(0, 15, size=(1, 59, 3))
    hopper = brownian(n, 1, DT, 0.3, seed=8)
    pos = np.concatenate([vibrating, hopper], axis=1)
    traj = Trajectory.from_positions(pos, ["Li"] * 60, np.arange(n) * DT, np.eye(3) * 15.0)
    with pytest.warns(TransportWarning):
        row = analyze_trajectory(traj, 600.0, species=["Li"], framework=None, method="blocks",
                                 onsager_terms=False).table.iloc[0]
    expected = 0.3e-4 / 60                               # one walker's D shared among 60 atoms
    assert row["D_cm2_s"] > 0
    assert abs(row["D_cm2_s"] - expected) < 3 * row["D_err_cm2_s"]
