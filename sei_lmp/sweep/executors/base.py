"""What every executor does: start the unfinished runs of a planned sweep somewhere, and say where they stand.

An executor is a module ``sei_lmp.sweep.executors.<name>`` exposing a class ``Executor`` (a subclass of
:class:`Executor` here); :func:`sei_lmp.sweep.executors.get_executor` finds it by name, so a new
scheduler is one new file. Runs always execute through :mod:`sei_lmp.sweep.executors.worker`, so they
resume, journal their attempts and refuse a second runner the same way everywhere.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING

from sei_lmp.errors import ConfigurationError
from sei_lmp.run.profiles import Profile

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["RESULT_COLUMNS", "SUCCESS", "Executor", "Launch", "unfinished"]

#: the columns of :attr:`Launch.results`
RESULT_COLUMNS = ["run_id", "outcome", "returncode", "seconds", "reason"]
#: outcomes of a run that went well
SUCCESS = ("done", "already done")
#: outcomes that are no failure of this driver: the run goes on in another one (its lock is held)
ELSEWHERE = ("running elsewhere",)


@dataclass
class Launch:
    """What :meth:`Executor.run` did.

    Attributes
    ----------
    results
        runs that ran to an end here (local): one row each, columns ``run_id, outcome, returncode,
        seconds, reason``; None for a scheduler, which only queues them.
    script
        the batch script written for a scheduler; None when nothing was left to run or none is used.
    job_id
        the scheduler's job id once submitted.
    note
        why nothing was written or started (e.g. every run done or queued already).
    """

    results: pd.DataFrame | None = None
    script: Path | None = None
    job_id: str | None = None
    note: str = ""

    @property
    def ok(self) -> bool:
        """Every run that ran here finished (nothing ran counts as ok)."""
        return self.results is None or bool(self.results["outcome"].isin(SUCCESS + ELSEWHERE).all())


class Executor(ABC):
    """Starts the runs of a planned sweep with the launch settings of a :class:`Profile`.

    Parameters
    ----------
    profile
        the machine profile; its launch settings lie over the sweep file's ``[run]``/``[slurm]``
        sections. None: the sweep file alone.
    """

    #: the name it is found by (its module's name)
    name: str = ""

    def __init__(self, profile: Profile | None = None):
        self.profile = profile

    def settings(self, spec) -> Profile:
        """The launch settings for a sweep: its file's sections, with this executor's profile over them."""
        base = Profile.from_sweep(spec, self.name)
        return self.profile.over(base) if self.profile is not None else base

    @abstractmethod
    def run(self, sweep_dir: str | PathLike, runs: Iterable[str] | None = None, *, submit: bool = False,
            progress: bool = True) -> Launch:
        """Start every unfinished run of ``sweep_dir`` (only ``runs``, ids, if given).

        ``submit``: a scheduler hands its script to the queue (otherwise it only writes it).
        """

    def status(self, sweep_dir: str | PathLike) -> pd.DataFrame:
        """One row per run: state, reason, progress and parameters (read from the run directories)."""
        from sei_lmp.sweep.status import sweep_status

        return sweep_status(sweep_dir)


def unfinished(directory: Path, table, runs: Iterable[str] | None) -> tuple[list[tuple[str, Path]], list[dict]]:
    """The runs of a sweep table to start, and result rows for those that need not (done, running).

    ``runs``: ids to consider (default all); an unknown id is refused.
    """
    from sei_lmp.run.directory import RunDirectory

    wanted = set(runs) if runs is not None else None
    if wanted is not None and (unknown := wanted - set(table["run_id"])):
        raise ConfigurationError(f"no run(s) {sorted(unknown)} in {directory}; see 'sei-lmp sweep status'")
    todo, skipped = [], []
    for _, row in table.iterrows():
        if wanted is not None and row["run_id"] not in wanted:
            continue
        state = RunDirectory(directory / row["directory"]).state().state
        if state == "done":
            skipped.append({"run_id": row["run_id"], "outcome": "already done", "returncode": 0, "seconds": 0.0,
                            "reason": ""})
        elif state == "running":
            skipped.append({"run_id": row["run_id"], "outcome": "running elsewhere", "returncode": None,
                            "seconds": 0.0, "reason": "a runner holds its lock"})
        else:
            todo.append((row["run_id"], directory / row["directory"]))
    return todo, skipped


def wait_for_held_runs(directory: str | PathLike, poll_s: float = 1.0) -> bool:
    """Wait while a runner on this machine still holds a run of the sweep in ``directory``. Workers live in
    sessions of their own, so after a SIGKILL of whatever started them (a learning, a script) they finish their
    runs; a caller that reads the runs' outcomes must not read them half-way. Runs marked running on another host
    are not waited for (that cannot be checked from here). Returns whether it waited: then run the sweep again,
    to resume a run whose runner died meanwhile."""
    import socket
    import time

    from sei_lmp.run.directory import RunDirectory

    def held(run: RunDirectory) -> bool:
        attempts = run.attempts()
        here = bool(attempts) and attempts[-1].get("host") == socket.gethostname()
        return run.state().state == "running" and (run.is_locked() or here)

    runs = [RunDirectory(d) for d in sorted((Path(directory) / "runs").iterdir())]
    waited = False
    while busy := [r for r in runs if held(r)]:
        if not waited:
            print(f"waiting for {len(busy)} run(s) in {directory} that a runner still holds (the workers of an "
                  "earlier, killed call finish them)", flush=True)
        waited = True
        time.sleep(poll_s)
    return waited
