"""Run a sweep on this machine: a pool of worker processes, each running one deck (possibly under
``mpirun -np k``), as many at a time as the cores allow.

Finished runs are skipped, interrupted and failed ones are resumed from their newest restart. A
SIGTERM or Ctrl-C to the sweep is passed on to every worker, which stops its LAMMPS and records the
attempt as interrupted, so the next ``run`` picks up where this one stopped.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from os import PathLike
from pathlib import Path

import pandas as pd

import sei_lmp
from sei_lmp.run.directory import RunDirectory
from sei_lmp.run.process import sigterm_exits, stop_all
from sei_lmp.run.profiles import Profile
from sei_lmp.sweep.executors import base
from sei_lmp.sweep.plan import load_sweep

__all__ = ["Executor", "LocalExecutor", "run_local"]

OUTCOMES = {0: "done", 1: "failed", 2: "configuration error", 3: "running elsewhere"}


@dataclass
class _Job:
    run_id: str
    run: RunDirectory
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


class LocalExecutor(base.Executor):
    """A pool of worker processes on this machine (profile: ``nprocs`` ranks per run, ``jobs`` runs at a time)."""

    name = "local"

    def run(self, sweep_dir: str | PathLike, runs: Iterable[str] | None = None, *, submit: bool = False,
            progress: bool = True, jobs: int | None = None) -> base.Launch:
        """Run every unfinished run here; ``submit`` has no meaning for a local pool.

        ``jobs``: runs at a time; default the profile's, else cores // ranks per run.
        """
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        directory = Path(sweep_dir).resolve()
        spec, table = load_sweep(directory)
        launch = self.settings(spec)
        nprocs = launch.nprocs or 1
        jobs = jobs or launch.jobs or max(1, (os.cpu_count() or 1) // nprocs)
        queue, results = base.unfinished(directory, table, runs)

        env = worker_environment()
        active: list[_Job] = []
        bar = Progress(TextColumn("[bold]sweep {task.fields[name]}"), BarColumn(), MofNCompleteColumn(),
                       TextColumn("runs, {task.fields[active]} running"), TimeElapsedColumn(), disable=not progress)
        # SIGTERM becomes SystemExit in the main thread, so the workers get stopped on the way out
        with bar, sigterm_exits(replace=True):
            task = bar.add_task("runs", total=len(queue), name=spec.name, active=0)
            try:
                while queue or active:
                    while queue and len(active) < jobs:
                        rid, rdir = queue.pop(0)
                        run = RunDirectory(rdir)
                        log = run.worker_log.open("ab")
                        process = subprocess.Popen(worker_command(rdir, nprocs, launch.lmp, launch.mpirun), cwd=rdir,
                                                   env=env, stdout=log, stderr=subprocess.STDOUT,
                                                   stdin=subprocess.DEVNULL, start_new_session=True)
                        log.close()
                        active.append(_Job(rid, run, process, time.monotonic()))
                    for job in [j for j in active if j.process.poll() is not None]:
                        active.remove(job)
                        results.append(_result(job))
                        bar.advance(task)
                    bar.update(task, active=len(active))
                    time.sleep(0.1)
            except BaseException:
                stop_all(job.process for job in active)
                for job in active:
                    results.append({**_result(job), "outcome": "interrupted"})
                raise
        return base.Launch(results=pd.DataFrame(results, columns=base.RESULT_COLUMNS))


Executor = LocalExecutor


def run_local(directory: str | PathLike, *, jobs: int | None = None, nprocs: int | None = None,
              lmp: str | None = None, mpirun: str | None = None, runs: Iterable[str] | None = None,
              progress: bool = True, profile: Profile | None = None) -> pd.DataFrame:
    """Run every unfinished run of the sweep in ``directory``.

    Parameters
    ----------
    jobs
        runs at a time; default the profile's, else ``run.jobs`` of the sweep file, else cores //
        ranks per run.
    nprocs, lmp, mpirun
        override the profile and the sweep file's ``[run]`` section.
    runs
        run ids to consider (default: all).
    profile
        a machine profile laid over the sweep file's ``[run]`` section.

    Returns
    -------
    pandas.DataFrame
        one row per run this call looked at: ``run_id``, ``outcome`` (done, already done, failed,
        configuration error, interrupted), ``returncode``, ``seconds``, ``reason``.
    """
    overrides = {k: v for k, v in (("nprocs", nprocs), ("lmp", lmp), ("mpirun", mpirun)) if v is not None}
    if overrides:
        profile = (profile or Profile(name="arguments")).with_options(overrides)
    return LocalExecutor(profile).run(directory, runs, progress=progress, jobs=jobs).results


def _result(job: _Job) -> dict:
    code = job.process.returncode
    outcome = OUTCOMES.get(code, "interrupted")
    reason = ""
    if code == 1:
        reason = job.run.failure_reason()
    elif code != 0:
        lines = job.run.worker_log.read_text(errors="replace").strip().splitlines()
        reason = lines[-1] if lines else ""
    return {"run_id": job.run_id, "outcome": outcome, "returncode": code,
            "seconds": round(time.monotonic() - job.started, 2), "reason": reason}
