"""State of every run of a sweep, read from its directory alone (works while runs go on elsewhere).

States:

``done``
    the deck reached its final step (``done`` marker of :func:`sei_lmp.run.run_deck`).
``running``
    a runner holds the run's lock (same machine), or the last attempt has no end record and ran on
    another host (a cluster node: it cannot be checked from here).
``interrupted``
    the last attempt was stopped (signal, Ctrl-C, time limit) or its runner died; running the sweep
    again resumes it from its newest restart.
``failed``
    LAMMPS stopped with an error; ``reason`` is the ERROR line of its output.
``pending``
    never started.
"""

from __future__ import annotations

import contextlib
import os
import socket
from os import PathLike
from pathlib import Path

import pandas as pd

from sei_lmp.sweep.plan import load_sweep

STATES = ("done", "running", "interrupted", "failed", "pending")
#: exit statuses that mean "stopped from outside", not "LAMMPS found an error"
_SIGNALLED = {-9, -15, -2, 137, 143, 130}


def _locked(directory: Path) -> bool:
    """Whether a run_deck holds the run's lock right now."""
    lock = directory / ".run.lock"
    if not lock.is_file():
        return False
    import fcntl

    with lock.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
    return False


def _alive(pid: int) -> bool:
    """Whether process ``pid`` runs; a zombie (an orphan not reaped yet) does not count."""
    stat = Path(f"/proc/{pid}/stat")
    if Path("/proc/self/stat").is_file():
        try:
            return stat.read_text().rpartition(")")[2].split()[0] != "Z"
        except OSError:
            return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def failure_reason(directory: str | PathLike) -> str:
    """The first LAMMPS ERROR line of a run's output, else the end of the last attempt's record."""
    from sei_lmp.run.local import read_attempts

    directory = Path(directory)
    for name in ("stdout.txt", "log.lammps"):
        path = directory / name
        if path.is_file():
            with path.open(errors="replace") as f:
                errors = [line.strip() for line in f if line.lstrip().startswith("ERROR")]
            if errors:
                return errors[-1]      # the last attempt's error
    attempts = read_attempts(directory)
    if attempts and attempts[-1].get("errors"):
        return " | ".join(attempts[-1]["errors"][-3:])
    worker = directory / "sweep_worker.log"
    if worker.is_file():
        lines = [ln for ln in worker.read_text(errors="replace").splitlines() if ln.strip()]
        if lines:
            return lines[-1]
    return "unknown (no ERROR line in stdout.txt or log.lammps)"


def run_state(directory: str | PathLike) -> dict:
    """``state``, ``reason``, ``attempts``, ``last_step`` and ``restart`` of one run directory."""
    from sei_lmp.run.local import latest_restart, read_attempts, restart_step

    directory = Path(directory)
    attempts = read_attempts(directory)
    info = {"state": "pending", "reason": "", "attempts": len(attempts), "last_step": None, "restart": None}
    with contextlib.suppress(Exception):     # a broken manifest is reported by the runner, not here
        if (latest := latest_restart(directory)) is not None:
            info["restart"] = latest.relative_to(directory).as_posix()
            info["last_step"] = restart_step(latest)
    if attempts and attempts[-1].get("last_step") is not None:
        info["last_step"] = max(info["last_step"] or 0, attempts[-1]["last_step"])
    if (directory / "done").is_file():
        info["state"] = "done"
    elif _locked(directory):
        info["state"] = "running"
    elif attempts:
        last = attempts[-1]
        if "ended" not in last:
            # no end record: running on another host (cannot be checked from here), or its runner died
            if last.get("host") != socket.gethostname():
                info.update(state="running", reason=f"started {last.get('started')} on {last.get('host')}")
            elif int(last.get("pid") or 0) > 0 and _alive(int(last["pid"])):
                info.update(state="running", reason=f"LAMMPS (pid {last.get('pid')}) runs without its runner")
            else:
                info.update(state="interrupted", reason="the runner died during the attempt")
        elif last.get("status") == "interrupted" or last.get("returncode") in _SIGNALLED:
            info.update(state="interrupted", reason=f"stopped from outside (exit status {last.get('returncode')})")
        else:
            info.update(state="failed", reason=failure_reason(directory))
    elif (directory / "sweep_worker.log").is_file() and (directory / "sweep_worker.log").read_text().strip():
        info.update(state="failed", reason=failure_reason(directory))
    return info


def sweep_status(directory: str | PathLike) -> pd.DataFrame:
    """One row per run of the sweep in ``directory``: run_id, state, reason, progress and parameters."""
    directory = Path(directory)
    spec, table = load_sweep(directory)
    rows = []
    for _, row in table.iterrows():
        info = run_state(directory / row["directory"])
        total = row.get("total_steps")
        progress = (min(1.0, (info["last_step"] or 0) / total) if total else None) if info["state"] != "done" else 1.0
        rows.append({"run_id": row["run_id"], **info, "progress": progress,
                     **{k: row[k] for k in ("structure", "potential", *spec.parameters) if k in row}})
    return pd.DataFrame(rows)
