"""Waiting for runs that a runner still holds (sei_lmp.sweep.wait_for_held_runs)."""

from __future__ import annotations

import threading
import time

from sei_lmp.run import RunDirectory
from sei_lmp.sweep import wait_for_held_runs


def test_waits_for_runs_a_killed_callers_workers_still_hold(tmp_path):
    """Sweep workers live in sessions of their own, so after a learning (or a seed check) is killed with
    SIGKILL they finish their runs; the resumed caller must wait for those runs instead of summarising them
    half-way."""
    run_dir = tmp_path / "sweep" / "runs" / "a"
    run_dir.mkdir(parents=True)
    (tmp_path / "sweep" / "runs" / "b").mkdir()          # a run nobody holds
    held, released = threading.Event(), []

    def worker():
        with RunDirectory(run_dir).lock():
            held.set()
            time.sleep(1.0)
            released.append(time.monotonic())

    thread = threading.Thread(target=worker)
    thread.start()
    held.wait(5)
    assert RunDirectory(run_dir).state().state == "running"
    assert wait_for_held_runs(tmp_path / "sweep", poll_s=0.05)
    assert released and time.monotonic() >= released[0]     # it returned only after the runner let go
    thread.join()
    assert not wait_for_held_runs(tmp_path / "sweep", poll_s=0.05)
