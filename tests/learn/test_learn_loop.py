"""`sei-lmp learn` end to end on the example built to extrapolate (fcc Cu, EMT teacher, linear ACE): the grade
falls over generations until the target runs hold, and a learning killed mid-way resumes to the same result."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import tomllib
import pytest

from sei_lmp.errors import ConfigurationError
from sei_lmp.learn.loop import run_learning
from sei_lmp.learn.plan import parse_plan, read_plan

pytest.importorskip("pyace")
REPO = Path(__file__).resolve().parents[2]
PLAN = REPO / "examples" / "learn" / "cu_emt.toml"


def _learn(out: Path, **kw):
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen([sys.executable, "-m", "sei_lmp.cli", "learn", str(PLAN), "--quick", "-o", str(out)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kw)


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    out = tmp_path_factory.mktemp("learn") / "full"
    proc = _learn(out)
    text, _ = proc.communicate(timeout=900)
    assert proc.returncode == 0, text
    return out, text


@pytest.mark.slow
def test_grade_falls_until_the_targets_hold(finished):
    out, text = finished
    table = pd.read_csv(out / "learning.csv")
    assert len(table) >= 3
    first, last = table.iloc[0], table.iloc[-1]
    # generation 0 was built to extrapolate: it stops on the grade within the first picosecond
    assert first["max_grade_targets"] > 10 and first["runs_stopped_by_grade"] > 0 and not first["targets_hold"]
    assert last["targets_hold"] and last["max_grade_targets"] < 10 and last["runs_stopped_by_grade"] == 0
    assert last["ps_held_targets"] > 10 * first["ps_held_targets"]
    assert (table["n_train"].diff().dropna() > 0).all()          # every generation added frames
    # EMT labels carry a stress: its error is tabled per generation (held out: NaN here, --quick holds none out)
    assert table["train_stress_rmse_GPa"].gt(0).all() and table["n_holdout"].eq(0).all()
    assert table["holdout_stress_rmse_GPa"].isna().all() and table["holdout_energy_rmse_meV_per_atom"].isna().all()
    assert "converged" in text
    card = json.loads((out / "final" / "cu-emt_ace.yace.json").read_text())
    assert card["provenance"]["teacher"] == "emt" and card["provenance"]["converged"]
    assert card["species"] == ["Cu"] and card["trust_region"]["explored"]
    for suffix in (".yace", ".yaml", ".asi"):
        assert (out / "final" / f"cu-emt_ace{suffix}").is_file()
    for name in ("report.md", "grades.png", "errors.png", "parity.png"):
        assert (out / name).is_file()
    # the report and the log name the atom that stopped generation 0 and its neighbours
    where = pd.read_csv(out / "where_grade_rose.csv")
    stopped = where[(where["generation"] == 0) & ~where["held"]]
    assert len(stopped) and (stopped["max_grade"] > 10).all() and (stopped["species"] == "Cu").all()
    assert "## Where the grade rose" in (out / "report.md").read_text()
    assert "on Cu (" in text


@pytest.mark.slow
def test_killed_learning_resumes_to_the_same_result(finished, tmp_path):
    full, _ = finished
    out = tmp_path / "killed"
    proc = _learn(out, start_new_session=True)
    marker = out / "gen-001" / "explore" / "0" / "sweep.json"
    deadline = time.time() + 300
    while not marker.exists() and proc.poll() is None and time.time() < deadline:
        time.sleep(0.05)
    assert proc.poll() is None, "the learning ended before it could be killed"
    time.sleep(0.5)                                  # inside generation 1's MD
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not (out / "learning.csv").exists()
    resumed = _learn(out)
    text, _ = resumed.communicate(timeout=900)
    assert resumed.returncode == 0, text
    a, b = pd.read_csv(full / "learning.csv"), pd.read_csv(out / "learning.csv")
    timings = [c for c in a if c.endswith("_s")]                 # wall times differ; everything else may not
    assert timings and a[["fit_s", "explore_s"]].notna().all().all()   # label_s: none in the last generation
    pd.testing.assert_frame_equal(a.drop(columns=timings), b.drop(columns=timings))
    assert (full / "final" / "cu-emt_ace.yace").read_bytes() == (out / "final" / "cu-emt_ace.yace").read_bytes()
    assert (full / "final" / "cu-emt_ace.asi").read_bytes() == (out / "final" / "cu-emt_ace.asi").read_bytes()


def test_resume_with_a_different_plan_is_refused(tmp_path):
    plan = read_plan(PLAN, quick=True)
    out = tmp_path / "l"
    out.mkdir()
    (out / "plan.json").write_text(json.dumps({**plan.to_dict(), "max_per_generation": 99, "generations": 99}))
    # more generations (a budget) may be asked of a resumed learning; what it selects may not change
    with pytest.raises(ConfigurationError, match=r"different plan \(changed: max_per_generation\)"):
        run_learning(plan, out, progress=False)


@pytest.mark.slow
def test_mtp_learning_writes_almtp_states_the_guard_reads(tmp_path):
    """The same case with a level-8 MTP: each generation's .almtp (MLIP-3 state written by
    sei_lmp.learn.mtp_active_set) is what sei/mtp grades the explore runs with; warm-started refits."""
    plan = REPO / "examples" / "learn" / "cu_emt_mtp.toml"
    result = run_learning(read_plan(plan, quick=True), tmp_path / "mtp", progress=False, log=lambda *_: None)
    table = result.table
    assert result.converged, result.reason
    assert table.iloc[0]["max_grade_targets"] > 10 and table.iloc[-1]["max_grade_targets"] < 10
    assert result.final.suffix == ".almtp" and b"#MVS_v1.1" in result.final.read_bytes()
    fits = [json.loads(p.read_text()) for p in sorted((tmp_path / "mtp").glob("gen-*/potential/fit.json"))]
    assert fits[0]["fit"]["warm_start"] is None
    assert all(f["fit"]["warm_start"].endswith("potential.mtp") for f in fits[1:])


def test_explore_on_a_scheduler_profile_submits_and_waits(tmp_path, monkeypatch):
    """[run] profile naming a Slurm profile: the explore sweep is submitted once, the learning stops until the
    runs have ended (here run by hand, as the cluster would) and then continues from them."""
    import sei_lmp.sweep.executors as executors
    from sei_lmp.learn.loop import ExplorationPending
    from sei_lmp.sweep import run_local

    config = tmp_path / "config.toml"
    config.write_text('[profiles.cluster]\nexecutor = "slurm"\npartition = "cpu"\n')
    monkeypatch.setenv("SEI_LMP_CONFIG", str(config))
    submitted = []

    class Queue:
        def __init__(self, profile):
            self.profile = profile

        def run(self, sweep_dir, runs=None, *, submit=False, progress=True):
            submitted.append((Path(sweep_dir), submit))

    monkeypatch.setattr(executors, "get_executor", lambda name, profile=None: Queue(profile))
    raw = tomllib.loads(PLAN.read_text())
    raw = {**raw, **raw.pop("quick"), "generations": 1, "run": {"profile": "cluster"}}
    plan = parse_plan(raw, base=PLAN.parent)
    out = tmp_path / "l"
    with pytest.raises(ExplorationPending, match="submitted on 'cluster'"):
        run_learning(plan, out, progress=False, log=lambda *_: None)
    assert submitted == [(out / "gen-000" / "explore" / "0", True)]
    with pytest.raises(ExplorationPending, match="2 explore run.s. .* queued or running"):
        run_learning(plan, out, progress=False, log=lambda *_: None)
    assert len(submitted) == 1                               # not submitted twice
    run_local(out / "gen-000" / "explore" / "0", progress=False)
    result = run_learning(plan, out, progress=False, log=lambda *_: None)
    assert len(result.table) == 1 and result.table.iloc[0]["runs_stopped_by_grade"] == 2


def test_budget_on_the_command_line_stops_before_the_next_generation(tmp_path):
    """`sei-lmp learn --budget-s 0` on a learning with one finished generation: that one is taken as it is, no
    new one starts, the last potential is written to final/ and the command says how to go on (exit 2)."""
    import dataclasses

    out = tmp_path / "l"
    run_learning(dataclasses.replace(read_plan(PLAN, quick=True), generations=1), out, progress=False,
                 log=lambda *_: None)
    before = (out / "gen-000" / "record.json").read_text()
    env = {**os.environ, "PYTHONPATH": str(REPO), "COLUMNS": "200"}
    done = subprocess.run([sys.executable, "-m", "sei_lmp.cli", "learn", str(PLAN), "--quick", "-o", str(out),
                           "--budget-s", "0"], env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "the budget of 0 s ended before generation 1" in done.stdout
    assert not (out / "gen-001").exists() and (out / "gen-000" / "record.json").read_text() == before
    assert (out / "final" / "cu-emt_ace.yace").is_file()


def test_a_learning_stored_before_keep_rules_existed_resumes(tmp_path):
    """plan.json written before the keep keys existed: their defaults are what that plan meant, so the resume
    is not refused; a stored value other than the default still is."""
    from sei_lmp.learn.loop import _check_resume

    plan = read_plan(PLAN, quick=True)
    out = tmp_path / "l"
    out.mkdir()
    old = {k: v for k, v in plan.to_dict().items() if k not in ("keep", "max_broken_per_run")}
    (out / "plan.json").write_text(json.dumps(old))
    _check_resume(plan, out)
    (out / "plan.json").write_text(json.dumps({**old, "max_broken_per_run": 9}))
    with pytest.raises(ConfigurationError, match=r"changed: max_broken_per_run"):
        _check_resume(plan, out)


def test_a_plan_start_warm_starts_generation_0(tmp_path, monkeypatch):
    """[potential] start: generation 0's refit gets the given .mtp as its previous potential."""
    import sei_lmp.learn.loop as loop

    seen = []

    class Stop(Exception):
        pass

    class Adapter:
        def fit(self, train, out_dir, previous=None):
            seen.append(previous)
            raise Stop

    start = tmp_path / "earlier.mtp"
    start.write_text("MTP\n")
    raw = tomllib.loads((REPO / "examples" / "learn" / "cu_emt_mtp.toml").read_text())
    raw["potential"]["start"] = str(start)
    plan = parse_plan(raw, base=REPO / "examples" / "learn", quick=True)
    assert plan.start == str(start.resolve())
    monkeypatch.setattr(loop, "adapter", lambda family, settings: Adapter())
    with pytest.raises(Stop):
        run_learning(plan, tmp_path / "l", progress=False, log=lambda *_: None)
    assert seen == [start.resolve()]
