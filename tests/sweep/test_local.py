"""The local executor end to end on a 2 temperatures x 2 seeds bcc Li diffusion sweep: runs finish,
re-running repeats nothing, a sweep killed in the middle resumes from restarts, a broken run is
reported as failed with the LAMMPS error."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sweep_helpers import REPO

from sei_lmp.run import read_attempts
from sei_lmp.sweep.executors.local import run_local
from sei_lmp.sweep.plan import plan_sweep
from sei_lmp.sweep.spec import read_sweep
from sei_lmp.sweep.status import sweep_status

pytestmark = pytest.mark.slow


def fingerprint(directory: Path) -> dict[str, tuple[int, str]]:
    """mtime and sha256 of every file below ``directory``."""
    return {p.relative_to(directory).as_posix(): (p.stat().st_mtime_ns, hashlib.sha256(p.read_bytes()).hexdigest())
            for p in sorted(directory.rglob("*")) if p.is_file() and p.name != ".run.lock"}


def test_sweep_runs_and_rerun_repeats_nothing(write_sweep, tmp_path):
    out = tmp_path / "out"
    table = plan_sweep(read_sweep(write_sweep()), out, progress=False)
    first = run_local(out, jobs=2, progress=False)
    assert sorted(first["outcome"]) == ["done"] * 4, first.to_string()
    status = sweep_status(out)
    assert list(status["state"]) == ["done"] * 4
    for _, row in table.iterrows():
        run = out / row["directory"]
        msd = [ln for ln in (run / "msd_Li.dat").read_text().splitlines() if not ln.startswith("#")]
        assert int(msd[-1].split()[0]) == row["total_steps"]     # production reached its last step
    before = fingerprint(out / "runs")
    again = run_local(out, jobs=2, progress=False)
    assert list(again["outcome"]) == ["already done"] * 4
    assert fingerprint(out / "runs") == before


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _alive(pid: int) -> bool:
    """Whether any thread of ``pid`` is still running. A killed multithreaded process shows its leader as a
    zombie while other threads are still tearing down the shared file table (and so still hold flocks)."""
    for stat in Path(f"/proc/{pid}/task").glob("*/stat"):
        try:
            if stat.read_text().rpartition(")")[2].split()[0] not in ("Z", "X"):
                return True
        except OSError:
            continue
    return False


def _start_sweep(out: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1"}
    return subprocess.Popen([sys.executable, "-m", "sei_lmp.cli", "sweep", "run", str(out), "--jobs", "1"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)


def _wait_for_interruptible(out: Path, runs: list[Path], sweep: subprocess.Popen) -> None:
    """Until the first run is done and the second has a restart file but is not done."""
    from sei_lmp.run import latest_restart

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and sweep.poll() is None:
        if (runs[0] / "done").is_file() and (runs[1] / "runs.jsonl").is_file() and latest_restart(runs[1]):
            return
        time.sleep(0.02)
    pytest.fail(f"the sweep did not reach the second run's first restart: {sweep.poll()}")


LONGER = {"production_ps": 1.5}


@pytest.mark.parametrize("how", ["SIGKILL", "SIGTERM"])
def test_killed_sweep_resumes_without_repeating(write_sweep, tmp_path, how):
    """SIGKILL of the sweep and everything under it (a node going down) or SIGTERM to the sweep
    alone (Ctrl-C, a batch time limit): the next run keeps finished runs and resumes the rest."""
    out = tmp_path / "out"
    table = plan_sweep(read_sweep(write_sweep(settings=LONGER)), out, progress=False)
    runs = [out / d for d in table["directory"]]
    sweep = _start_sweep(out)
    _wait_for_interruptible(out, runs, sweep)
    if how == "SIGKILL":
        tree = [sweep.pid, *_descendants(sweep.pid)]
        for pid in tree:
            os.kill(pid, signal.SIGKILL)
    else:
        tree = [sweep.pid, *_descendants(sweep.pid)]
        sweep.send_signal(signal.SIGTERM)
    sweep.wait(timeout=60)
    assert sweep.returncode != 0
    deadline = time.monotonic() + 30
    while any(_alive(p) for p in tree) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(p) for p in tree), "LAMMPS or a worker outlived the sweep"

    status = sweep_status(out).set_index("run_id")
    states = [status.loc[r, "state"] for r in table["run_id"]]
    assert states == ["done", "interrupted", "pending", "pending"], status.to_string()
    if how == "SIGTERM":   # the worker recorded the attempt as stopped from outside
        assert read_attempts(runs[1])[-1]["status"] == "interrupted"
    finished = fingerprint(runs[0])
    stopped_at = status.loc[table["run_id"][1], "last_step"]
    assert 0 < stopped_at < table["total_steps"][1]

    outcome = run_local(out, jobs=2, progress=False).set_index("run_id")
    assert outcome.loc[table["run_id"][0], "outcome"] == "already done"
    assert set(outcome["outcome"]) == {"already done", "done"}
    assert fingerprint(runs[0]) == finished                       # finished outputs untouched
    attempts = read_attempts(runs[1])
    assert len(attempts) == 2 and attempts[-1]["restart"] is not None   # resumed, not restarted
    assert int(attempts[-1]["restart"].rsplit(".", 1)[1]) > 0
    assert [len(read_attempts(r)) for r in runs[2:]] == [1, 1]
    assert list(sweep_status(out)["state"]) == ["done"] * 4


def test_broken_run_is_reported_with_its_error(write_sweep, tmp_path):
    out = tmp_path / "out"
    table = plan_sweep(read_sweep(write_sweep(temperatures=(600,))), out, progress=False)
    broken = out / table["directory"][1]
    deck = (broken / "in.lmp").read_text()
    (broken / "in.lmp").write_text(deck.replace("units", "no_such_command here\nunits", 1))
    outcome = run_local(out, progress=False).set_index("run_id")
    assert outcome.loc[table["run_id"][0], "outcome"] == "done"
    assert outcome.loc[table["run_id"][1], "outcome"] == "failed"
    assert "Unknown command" in outcome.loc[table["run_id"][1], "reason"]
    status = sweep_status(out).set_index("run_id")
    assert list(status["state"]) == ["done", "failed"]
    reason = status.loc[table["run_id"][1], "reason"]
    assert reason.startswith("ERROR") and "no_such_command" in reason
