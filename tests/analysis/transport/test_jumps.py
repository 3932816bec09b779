"""Jump analysis against lattice kinetic Monte Carlo with known rates: recovery, interval coverage, limits,
correlation factors, interstitialcy tracking, site assignment, and the run-directory entry point."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd
import pytest
from jump_synth import back_jump_f, cubic_sites, kmc_cubic, kmc_rocksalt_interstitial

from sei_lmp.analysis.transport import (JumpAnalysis, Sites, assign_sites, cluster_sites, correlation_factor,
                                        jump_analysis, poisson_interval, rocksalt_sites, weighted_poisson_interval)
from sei_lmp.analysis.transport.sites import minimum_image
from sei_lmp.errors import ConfigurationError
from sei_lmp.io import Trajectory

A = 2.5            # lattice spacing of the cubic KMC lattice (A)
SITES = cubic_sites(6, A)


def traj(positions, time_ps, cell):
    return Trajectory.from_positions(positions, ["Li"] * positions.shape[1], time_ps, cell)


def rows(result: JumpAnalysis, carrier: str = "atoms") -> pd.DataFrame:
    return result.diffusion[result.diffusion["carrier"] == carrier].set_index("method")


# ---- exact Poisson intervals


def test_poisson_interval_is_exact_garwood_and_zero_is_an_upper_limit():
    lo, hi = poisson_interval(10)
    assert lo == pytest.approx(4.7954, abs=1e-3) and hi == pytest.approx(18.3904, abs=1e-3)
    assert poisson_interval(0, zero_one_sided=True) == (0.0, pytest.approx(-np.log(0.05)))          # 2.996: the "3/T" rule
    # one type: the weighted (Fay-Feuer) interval is the exact one, scaled
    est, lo, hi = weighted_poisson_interval([10], [0.5])
    assert (est, lo, hi) == (5.0, pytest.approx(0.5 * 4.7954, abs=1e-3), pytest.approx(0.5 * 18.3904, abs=1e-3))
    assert weighted_poisson_interval([0, 0], [0.5, 2.0]) == (0.0, 0.0, pytest.approx(2.0 * -np.log(0.05)))


# ---- KMC: recovery and coverage


def test_kmc_recovers_rate_and_D():
    rate, rattle = 0.05, 0.15
    pos, t, cell, n_hops = kmc_cubic(32, 2000, 0.1, rate, A, 6, rattle, seed=3)
    result = jump_analysis(traj(pos, t, cell), SITES, "Li")
    hop = result.rates.set_index("type").loc["hop"]
    assert hop["rate_lo_per_ps"] <= rate <= hop["rate_hi_per_ps"]
    assert abs(hop["n_events"] - n_hops) <= 0.03 * n_hops              # a few back-to-back hops merge
    assert hop["lambda2_A2"] == pytest.approx(A * A, rel=0.05)
    d = rows(result)
    D = rate * A * A / 6
    for method in ("jumps", "jumps x f"):
        assert d.loc[method, "D_lo_A2_ps"] <= D <= d.loc[method, "D_hi_A2_ps"]
    assert d.loc["msd", "D_A2_ps"] == pytest.approx(D, rel=0.3)                 # the plain MSD cross-check
    assert d.loc["jumps", "D_cm2_s"] == pytest.approx(d.loc["jumps", "D_A2_ps"] * 1e-4)
    assert "D(Li) =" in result.headline()


def test_interval_coverage_over_200_kmc_repeats():
    """95 % intervals of Gamma, D (uncorrelated) and D (x f) cover the true values in >= 93 % of 200 repeats."""
    rate = 0.05
    D = rate * A * A / 6
    hits = np.zeros(3)
    n = 200
    for seed in range(n):
        pos, t, cell, _ = kmc_cubic(16, 1000, 0.2, rate, A, 6, 0.15, seed=1000 + seed)
        result = jump_analysis(traj(pos, t, cell), SITES, "Li")
        hop = result.rates.iloc[0]
        d = rows(result)
        hits += [hop["rate_lo_per_ps"] <= rate <= hop["rate_hi_per_ps"],
                 d.loc["jumps", "D_lo_A2_ps"] <= D <= d.loc["jumps", "D_hi_A2_ps"],
                 d.loc["jumps x f", "D_lo_A2_ps"] <= D <= d.loc["jumps x f", "D_hi_A2_ps"]]
    coverage = hits / n
    print("coverage (rate, D jumps, D x f):", coverage)
    assert (coverage >= 0.93).all(), coverage
    assert (coverage <= 0.995).all(), coverage                     # intervals are not uselessly wide either


# ---- rattles and zero jumps


@pytest.mark.parametrize("rattle", [0.1, 0.2, 0.3])
def test_rattle_only_gives_no_jumps_and_upper_limits(rattle):
    pos, t, cell, n_hops = kmc_cubic(32, 1000, 0.1, 0.0, A, 6, rattle, seed=7)
    assert n_hops == 0
    result = jump_analysis(traj(pos, t, cell), SITES, "Li")
    assert result.events.empty
    hop = result.rates.iloc[0]
    assert hop["n_events"] == 0 and hop["limit"] == "upper"
    assert hop["rate_lo_per_ps"] == 0
    assert hop["rate_hi_per_ps"] == pytest.approx(-np.log(0.05) / hop["exposure_ps"])   # 3.0 / exposure
    assert hop["exposure_ps"] == pytest.approx(32 * (t[-1] - 0.1), rel=1e-6)   # last frame needs 0.2 ps more
    d = rows(result)
    assert d.loc["jumps", "limit"] == "upper" and d.loc["jumps x f", "limit"] == "upper"
    # the D limit is 3.0 / exposure x lambda^2 / 6 with lambda the shortest site distance
    assert d.loc["jumps", "D_hi_A2_ps"] == pytest.approx(-np.log(0.05) * A * A / (6 * hop["exposure_ps"]))
    assert np.isfinite(d.loc[["jumps", "jumps x f"], ["D_A2_ps", "D_hi_A2_ps", "D_hi_cm2_s"]].to_numpy()).all()
    headline = result.headline()
    assert "<" in headline and "nan" not in headline.lower()
    assert any("upper" in note for note in result.notes)


def test_hysteresis_a_recrossing_is_no_jump():
    """An atom that visits the neighbouring site for one frame and comes back has not jumped, unless the
    residence time is shorter than a frame; one that stays has."""
    t = np.arange(40) * 0.1
    pos = np.zeros((40, 1, 3)) + SITES.cartesian()[0]
    pos[10, 0, 0] += A                       # one frame on the neighbour, then back
    pos[25:, 0, 0] += A                      # a real jump at 2.5 ps
    result = jump_analysis(traj(pos, t, SITES.cell), SITES, "Li", min_residence_ps=0.2)
    assert len(result.events) == 1 and result.events["time_ps"].iloc[0] == pytest.approx(2.5)
    assert result.events["dx_A"].iloc[0] == pytest.approx(A)
    no_filter = jump_analysis(traj(pos, t, SITES.cell), SITES, "Li", min_residence_ps=0.0)
    assert len(no_filter.events) == 3


# ---- correlation factor


def test_correlation_factor_of_a_back_jump_walk():
    p, rate = 0.5, 0.05
    f_true = back_jump_f(p)                         # 0.4286
    assert f_true == pytest.approx(0.6 / 1.4)
    pos, t, cell, _ = kmc_cubic(64, 2000, 0.1, rate, A, 6, 0.12, seed=11, back_prob=p)
    result = jump_analysis(traj(pos, t, cell), SITES, "Li")
    d = rows(result)
    tracer = d.loc["jumps x f"]
    assert tracer["f_lo"] <= f_true <= tracer["f_hi"]
    assert tracer["f"] == pytest.approx(f_true, abs=0.1)
    D = f_true * rate * A * A / 6
    assert tracer["D_A2_ps"] == pytest.approx(D, rel=0.25)
    assert d.loc["jumps", "D_lo_A2_ps"] > D                 # the uncorrelated D is too high, and says so
    assert d.loc["msd", "D_A2_ps"] == pytest.approx(D, rel=0.35)


def test_correlated_walk_coverage_over_200_repeats():
    """Back-jump walk (f = 0.43): the f interval and the tracer-D interval (Poisson x f, combined on a log
    scale) cover the truth in 200 small repeats."""
    p, rate = 0.5, 0.05
    f_true = back_jump_f(p)
    D = f_true * rate * A * A / 6
    hits = np.zeros(2)
    n = 200
    for seed in range(n):
        pos, t, cell, _ = kmc_cubic(16, 1000, 0.2, rate, A, 6, 0.12, seed=5000 + seed, back_prob=p)
        tracer = rows(jump_analysis(traj(pos, t, cell), SITES, "Li")).loc["jumps x f"]
        hits += [tracer["f_lo"] <= f_true <= tracer["f_hi"], tracer["D_lo_A2_ps"] <= D <= tracer["D_hi_A2_ps"]]
    coverage = hits / n
    print("coverage (f, D x f) of the back-jump walk:", coverage)
    assert coverage[1] >= 0.93, coverage
    assert coverage[0] >= 0.90, coverage          # measured 0.93: the t interval on <cos> is a little short


def test_correlation_factor_needs_pairs():
    out = correlation_factor(np.array([[1.0, 0, 0]]), np.array([0]))
    assert out["f"] == 1.0 and np.isnan(out["f_lo"]) and out["n_pairs"] == 0
    # strictly alternating jumps: <cos> = -1 gives f -> 0
    v = np.array([[1.0, 0, 0], [-1.0, 0, 0]] * 5)
    assert correlation_factor(v, np.zeros(10))["f"] < 1e-6


# ---- interstitial in rocksalt: types and the defect's path


def test_rocksalt_interstitialcy_types_and_defect_path():
    rates = {"direct": 0.02, "collinear": 0.06, "noncollinear": 0.03}
    pos, t, cell, sites, generated = kmc_rocksalt_interstitial(4.0, 4, 3000, 0.1, rates, 0.12, seed=5)
    result = jump_analysis(traj(pos, t, cell), sites, "Li")
    made = Counter(g[1] for g in generated)
    times = np.array([g[0] for g in generated])
    # events closer than a frame and a residence time cannot be told apart: they become one chain
    crowded = int((np.diff(times) < 0.3).sum())
    typed = result.rates.set_index("type")
    names = {"direct": "direct", "collinear": "interstitialcy collinear",
             "noncollinear": "interstitialcy non-collinear"}
    for mech, name in names.items():
        assert made[mech] - 2 * crowded <= typed.loc[name, "n_events"] <= made[mech], (mech, typed, made)
        assert typed.loc[name, "rate_lo_per_ps"] <= rates[mech] <= typed.loc[name, "rate_hi_per_ps"]
        assert typed.loc[name, "carriers"] == pytest.approx(1.0)
    assert typed["n_events"].sum() == len(generated) - crowded
    assert set(typed.index) <= set(names.values()) | {"interstitialcy chain"}
    assert typed.loc["interstitialcy collinear", "lambda2_A2"] == pytest.approx(12.0)    # (a sqrt(3)/2)^2
    assert typed.loc["direct", "lambda2_A2"] == pytest.approx(4.0)                        # (a/2)^2
    # each interstitialcy is two atomic jumps paired on one lattice site
    paired = result.events[result.events["pair"] >= 0]
    chains = typed["n_events"].get("interstitialcy chain", 0)
    pairs = typed.loc["interstitialcy collinear", "n_events"] + typed.loc["interstitialcy non-collinear", "n_events"]
    assert len(paired) == 2 * pairs + 3 * chains           # a chain here is two interstitialcies in one frame
    assert (result.defects["n_interstitials"] == 1).all() and (result.defects["n_vacancies"] == 0).all()
    # the defect's path is the sum of the generated defect moves
    assert len(result.defect_events) == len(generated) - crowded
    moved = np.sum([g[2] for g in generated], axis=0)
    assert result.defect_path[-1, 0] - result.defect_path[0, 0] == pytest.approx(moved, abs=1e-6)
    d = rows(result, "interstitial")
    lam2 = {"direct": 4.0, "collinear": 12.0, "noncollinear": 6.0}          # non-collinear: mean over targets
    D_true = sum(rates[m] * lam2[m] for m in rates) / 6
    assert d.loc["jumps", "D_lo_A2_ps"] <= D_true <= d.loc["jumps", "D_hi_A2_ps"]


def test_vacancy_path_on_a_full_lattice():
    """Fill a cubic lattice but one site; swap atoms into the vacancy: jumps are vacancy hops, the vacancy's
    path moves against them."""
    rng = np.random.default_rng(2)
    sites = cubic_sites(4, A)
    xyz = sites.cartesian()
    occupant = np.arange(1, len(sites))                 # site 0 empty
    vacancy = 0
    pos = np.empty((300, len(occupant), 3))
    frame_pos = xyz[occupant].copy()
    for f in range(300):
        if f % 20 == 10:
            d = (np.eye(3)[rng.integers(3)] * rng.choice([-1, 1])) * A
            target = int(np.argmin(np.linalg.norm(minimum_image(xyz - (xyz[vacancy] + d), sites.cell), axis=1)))
            atom = int(np.nonzero(occupant == target)[0][0])
            frame_pos[atom] -= d
            occupant[atom], vacancy = vacancy, target
        pos[f] = frame_pos
    result = jump_analysis(traj(pos + rng.normal(scale=0.1, size=pos.shape), np.arange(300) * 0.1, sites.cell),
                           sites, "Li")
    assert set(result.events["type"]) == {"vacancy"}
    assert len(result.events) == 15 and len(result.defect_events) == 15
    assert (result.defects["n_vacancies"] == 1).all()
    assert rows(result, "vacancy").loc["jumps", "n_events"] == 15
    # a vacancy hop moves the vacancy by minus the atom's jump
    ev, dv = result.events.iloc[0], result.defect_events.iloc[0]
    assert dv[["dx_A", "dy_A", "dz_A"]].to_numpy(float) == pytest.approx(-ev[["dx_A", "dy_A", "dz_A"]].to_numpy(float))


# ---- sites


def test_assign_sites_minimum_image_and_changing_cell():
    sites = cubic_sites(3, A)
    cell = sites.cell
    # an atom just below the upper face belongs to the site at the origin
    site, dist = assign_sites(np.array([[[3 * A - 0.1, 0.05, 0.0]]]), cell, sites)
    assert site[0, 0] == 0 and dist[0, 0] == pytest.approx(np.hypot(0.1, 0.05))
    # NPT-like: the cell grows by 10 %, atoms sit on the scaled sites, unwrapped by whole cells
    cells = np.stack([cell, 1.1 * cell])
    positions = np.stack([sites.cartesian(cell), sites.cartesian(1.1 * cell) + 1.1 * cell[0]])
    site, dist = assign_sites(positions, cells, sites)
    assert (site == np.arange(len(sites))).all() and dist.max() < 1e-9
    # a triclinic cell
    tri = Sites.from_cartesian(np.array([[0, 0, 0], [1.5, 1.0, 1.0]]), [[3, 0, 0], [1, 3, 0], [0.5, 0.5, 3]])
    site, _ = assign_sites(np.array([[[3.9, 2.9, 2.9]]]), tri.cell, tri)       # near the image of site 0
    assert site[0, 0] == 0


def test_strided_search_equals_the_full_search():
    pos, t, cell, _ = kmc_cubic(32, 600, 0.1, 0.2, A, 6, 0.25, seed=8)
    fast = assign_sites(pos, cell, SITES, max_distance_A=1.0)
    full = assign_sites(pos, cell, SITES, max_distance_A=1.0, stride=10 ** 9)
    assert (fast[0] == full[0]).all()
    np.testing.assert_allclose(fast[1], full[1], rtol=0, atol=1e-9)          # inf (no site) matches inf
    assert (fast[0] >= 0).mean() > 0.9
    # a skewed cell: the image found by rounding fractions is not always the nearest; the search covers it
    skew = np.array([[6 * A, 0, 0], [2 * A, 6 * A, 0], [A, A, 6 * A]])
    sheared = Sites(SITES.frac, skew, SITES.kinds)
    moved = np.linalg.solve(cell.T, pos.reshape(-1, 3).T).T.reshape(pos.shape) @ skew
    fast = assign_sites(moved, skew, sheared, max_distance_A=1.0)
    full = assign_sites(moved, skew, sheared, max_distance_A=1.0, stride=10 ** 9)
    assert (fast[0] == full[0]).all()


def test_rocksalt_sites_and_clustered_sites():
    sites = rocksalt_sites(4.0, (2, 2, 2))
    assert (sites.kinds == "lattice").sum() == 32 and (sites.kinds == "interstitial").sum() == 64
    pos, t, cell, _ = kmc_cubic(16, 1000, 0.2, 0.02, A, 6, 0.12, seed=4)
    clustered = cluster_sites(pos, cell, block_frames=10)
    ref = SITES.cartesian()
    # every clustered site lies on a lattice site
    site, dist = assign_sites(clustered.cartesian()[None], cell, SITES)
    assert dist.max() < 0.3
    with_ref = jump_analysis(traj(pos, t, cell), SITES, "Li")
    without = jump_analysis(traj(pos, t, cell), None, "Li")
    assert len(without.events) >= 0.9 * len(with_ref.events) and len(ref) == 216
    with pytest.raises(ConfigurationError, match="different cell|for the simulated supercell"):
        jump_analysis(traj(pos, t, cell), rocksalt_sites(4.0, (1, 1, 1)), "Li")


# ---- results and the run directory


def test_write_plot_and_run_directory(tmp_path):
    from transport_synth import write_dump

    from sei_lmp.run.directory import Manifest, RunDirectory

    pos, t, cell, _ = kmc_cubic(8, 200, 0.1, 0.1, A, 6, 0.1, seed=9)
    run = RunDirectory(tmp_path / "T600K")
    run.path.mkdir()
    Manifest(protocol="diffusion_nvt", backend="plugin", elements=("Li",),
             settings={"temperature_K": 600.0, "md": {"timestep_fs": 1.0}}).write(run.path)
    write_dump(run.production_dump, np.arange(200) * 100, np.broadcast_to(cell, (200, 3, 3)), pos,
               np.ones(8, int))
    from_dir = jump_analysis(run.path, SITES)
    from_traj = jump_analysis(traj(pos, t, cell), SITES)
    assert from_dir.info["temperature_K"] == 600.0 and from_dir.info["name"] == "T600K"
    columns = ["time_ps", "atom", "from_site", "to_site"]
    assert len(from_traj.events) > 5
    pd.testing.assert_frame_equal(from_dir.events[columns], from_traj.events[columns], check_dtype=False)
    written = from_dir.write(tmp_path / "out")
    assert all(p.is_file() for p in written) and {p.suffix for p in written} == {".csv", ".json", ".png"}
    ax = from_dir.plot()
    assert ax.figure.__class__.__name__ == "Figure" and len(ax.collections) >= 2
    with pytest.raises(ConfigurationError, match="no manifest"):
        jump_analysis(tmp_path / "out", SITES)



# ---- GEMDAT (not installed with sei_lmp: its matplotlib pin < 3.11 clashes with ours; run with it on the path)


def test_jump_counts_match_gemdat():
    pytest.importorskip("gemdat")
    from gemdat import Trajectory as GemdatTrajectory
    from gemdat.jumps import Jumps
    from pymatgen.core import Element, Lattice, Structure

    pos, t, cell, _ = kmc_cubic(16, 1000, 0.2, 0.05, A, 6, 0.15, seed=3)
    lattice = Lattice(cell)
    frac = np.linalg.solve(cell.T, pos.reshape(-1, 3).T).T.reshape(pos.shape)
    theirs = GemdatTrajectory(species=[Element("Li")] * 16, coords=frac, lattice=lattice, time_step=0.2e-12,
                              coords_are_displacement=False, constant_lattice=True)
    reference = Structure(lattice, ["Li"] * len(SITES), SITES.frac, labels=["Li"] * len(SITES))
    transitions = theirs.transitions_between_sites(sites=reference, floating_specie="Li", site_radius=1.0)
    for frames in (1, 2, 3):
        gemdat_jumps = Jumps(transitions, minimal_residence=frames).data
        ours = jump_analysis(traj(pos, t, cell), SITES, "Li", r_capture_A=1.0, min_residence_ps=0.2 * frames)
        assert len(ours.events) == len(gemdat_jumps) > 100
        # the same jumps: atom, destination and the frame of arrival
        mine = set(zip(ours.events["atom"], ours.events["to_site"], ours.events["frame"]))
        assert mine == set(zip(gemdat_jumps["atom index"], gemdat_jumps["destination site"],
                               gemdat_jumps["stop time"]))
        # GEMDAT names as origin the last site touched, even a visit too short to count (199 -> 205 for one
        # frame -> 204 is its "205 -> 204"); ours is the site the atom resided on, so jumps chain up
        for _, jumps in ours.events.groupby("atom"):
            assert (jumps["from_site"].to_numpy()[1:] == jumps["to_site"].to_numpy()[:-1]).all()
