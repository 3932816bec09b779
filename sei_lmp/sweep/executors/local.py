"""Run a sweep on this machine: a pool of worker processes, each running one deck (possibly under
``mpirun -np k``), as many at a time as the cores allow.

Finished runs are skipped, interrupted and failed ones are resumed from their newest restart. A
SIGTERM or Ctrl-C to the sweep is passed on to every worker, which stops its LAMMPS and records the
attempt as interrupted, so the next ``run`` picks up where this one stopped.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from os import PathLike
from pathlib import Path

import pandas as pd

import sei_lmp
from sei_lmp.errors import ConfigurationError
from sei_lmp.sweep.plan import load_sweep
from sei_lmp.sweep.status import run_state

WORKER_LOG = "sweep_worker.log"
OUTCOMES = {0: "done", 1: "failed", 2: "configuration error"}


@dataclass
class _Job:
    run_id: str
    directory: Path
    process: subprocess.Popen
    started: float


def worker_command(directory: Path, nprocs: int, lmp: str | None, mpirun: str | None,
                   launcher: str = "mpirun", python: str | None = None) -> list[str]:
    command = [python or sys.executable, "-m", "sei_lmp.sweep.executors.worker", str(directory), "--nprocs", str(nprocs),
               "--launcher", launcher]
    if lmp:
        command += ["--lmp", lmp]
    if mpirun:
        command += ["--mpirun", mpirun]
    return command


def worker_environment() -> dict[str, str]:
    """The workers import the same sei_lmp as this process, and use one OpenMP thread unless told."""
    env = dict(os.environ)
    source = str(Path(sei_lmp.__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join([source, *filter(None, [env.get("PYTHONPATH")])])
    env.setdefault("OMP_NUM_THREADS", "1")
    return env


@contextlib.contextmanager
def _signals_to_exit() -> Iterator[None]:
    """SIGTERM becomes SystemExit in the main thread, so the workers get stopped on the way out."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.getsignal(signal.SIGTERM)

    def handler(signum, frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _stop_all(jobs: Iterable[_Job], grace: float = 30.0) -> None:
    jobs = list(jobs)
    for job in jobs:
        with contextlib.suppress(ProcessLookupError):
            job.process.send_signal(signal.SIGTERM)     # run_deck stops LAMMPS and records the attempt
    deadline = time.monotonic() + grace
    for job in jobs:
        try:
            job.process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(job.process.pid, signal.SIGKILL)
            job.process.wait()


def run_local(directory: str | PathLike, *, jobs: int | None = None, nprocs: int | None = None,
              lmp: str | None = None, mpirun: str | None = None, runs: Iterable[str] | None = None,
              progress: bool = True) -> pd.DataFrame:
    """Run every unfinished run of the sweep in ``directory``.

    Parameters
    ----------
    jobs
        runs at a time; default ``run.jobs`` of the sweep file, else cores // ranks per run.
    nprocs, lmp, mpirun
        override the sweep file's ``[run]`` section.
    runs
        run ids to consider (default: all).

    Returns
    -------
    pandas.DataFrame
        one row per run this call looked at: ``run_id``, ``outcome`` (done, already done, failed,
        configuration error, interrupted), ``returncode``, ``seconds``, ``reason``.
    """
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    directory = Path(directory).resolve()
    spec, table = load_sweep(directory)
    nprocs = nprocs or spec.run.nprocs
    lmp, mpirun = lmp or spec.run.lmp, mpirun or spec.run.mpirun
    jobs = jobs or spec.run.jobs or max(1, (os.cpu_count() or 1) // nprocs)
    wanted = set(runs) if runs is not None else None
    if wanted is not None and (unknown := wanted - set(table["run_id"])):
        raise ConfigurationError(f"no run(s) {sorted(unknown)} in {directory}; see 'sei-lmp sweep status'")

    queue, results = [], []
    for _, row in table.iterrows():
        if wanted is not None and row["run_id"] not in wanted:
            continue
        state = run_state(directory / row["directory"])["state"]
        if state == "done":
            results.append({"run_id": row["run_id"], "outcome": "already done", "returncode": 0, "seconds": 0.0,
                            "reason": ""})
        elif state == "running":
            results.append({"run_id": row["run_id"], "outcome": "running elsewhere", "returncode": None,
                            "seconds": 0.0, "reason": "a runner holds its lock"})
        else:
            queue.append((row["run_id"], directory / row["directory"]))

    env = worker_environment()
    active: list[_Job] = []
    bar = Progress(TextColumn("[bold]sweep {task.fields[name]}"), BarColumn(), MofNCompleteColumn(),
                   TextColumn("runs, {task.fields[active]} running"), TimeElapsedColumn(), disable=not progress)
    with bar, _signals_to_exit():
        task = bar.add_task("runs", total=len(queue), name=spec.name, active=0)
        try:
            while queue or active:
                while queue and len(active) < jobs:
                    rid, rdir = queue.pop(0)
                    log = (rdir / WORKER_LOG).open("ab")
                    process = subprocess.Popen(worker_command(rdir, nprocs, lmp, mpirun), cwd=rdir, env=env,
                                               stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                               start_new_session=True)
                    log.close()
                    active.append(_Job(rid, rdir, process, time.monotonic()))
                for job in [j for j in active if j.process.poll() is not None]:
                    active.remove(job)
                    results.append(_result(job))
                    bar.advance(task)
                bar.update(task, active=len(active))
                time.sleep(0.1)
        except BaseException:
            _stop_all(active)
            for job in active:
                results.append({**_result(job), "outcome": "interrupted"})
            raise
    return pd.DataFrame(results, columns=["run_id", "outcome", "returncode", "seconds", "reason"])


def _result(job: _Job) -> dict:
    code = job.process.returncode
    outcome = OUTCOMES.get(code, "interrupted")
    reason = ""
    if code != 0:
        from sei_lmp.sweep.status import failure_reason

        reason = failure_reason(job.directory) if code == 1 else \
            (job.directory / WORKER_LOG).read_text(errors="replace").strip().splitlines()[-1:] or [""]
        reason = reason if isinstance(reason, str) else reason[0]
    return {"run_id": job.run_id, "outcome": outcome, "returncode": code,
            "seconds": round(time.monotonic() - job.started, 2), "reason": reason}
