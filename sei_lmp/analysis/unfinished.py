"""Why a run directory lacks the file an analysis needs, in words a user can act on.

An analysis that finds no ``production.dump`` (or no ``final.data``) asks the run directory where the run stands
(:meth:`sei_lmp.run.directory.RunDirectory.state`) before it says anything: a run the watchdog stopped has failed,
with LAMMPS' reason, which matters more than the file it never wrote; an interrupted run is resumed with
``sei-lmp run``; a run that never started is run with it.
"""

from __future__ import annotations

from os import PathLike

from sei_lmp.run.directory import RunDirectory, RunState

__all__ = ["missing_output_reason", "run_state"]


def run_state(run: RunDirectory | str | PathLike) -> RunState | None:
    """The run's state, or None when it cannot be read (a broken journal is the runner's business, not the
    analysis')."""
    probe = RunDirectory(run.path if isinstance(run, RunDirectory) else run)
    if not probe.lock_path.exists():
        # nobody holds a lock file that is not there, and asking would create it: an analysis leaves the run
        # directory as it found it
        probe.is_locked = lambda: False
    try:
        return probe.state()
    except Exception:   # noqa: BLE001 - the state only improves a message; never let it replace the real one
        return None


def _has_output(run: RunDirectory) -> bool:
    try:
        return run.started()
    except Exception:   # noqa: BLE001 - as in run_state
        return False


def missing_output_reason(run: RunDirectory | str | PathLike, missing: str) -> str:
    """One sentence, naming the run directory first: why ``missing`` (a file name) is not there and what to do.

    ``failed``: the run failed, with LAMMPS' reason, and how to run it again; ``interrupted``: resume it;
    ``running``: wait for it; ``pending``: run it; ``done``: the file was removed after the run finished.
    """
    run = run if isinstance(run, RunDirectory) else RunDirectory(run)
    path = run.path
    command = f"'sei-lmp run {path}'"
    state = run_state(run)
    if state is None:
        return f"{path} has no {missing}: the run has not finished; finish it with {command}"
    why = f" ({state.reason})" if state.reason else ""
    if state.state == "failed":
        return (f"{path}: the run failed{why} before it wrote {missing}; fix that cause, then run it again with "
                f"{command} (it goes on from its newest restart)")
    if state.state == "interrupted":
        return f"{path}: the run was interrupted{why} before it wrote {missing}; resume it with {command}"
    if state.state == "running":
        return f"{path}: the run is still going{why} and has not written {missing} yet; analyse it when it has finished"
    if state.state == "pending":
        if _has_output(run):        # output without a journal: copied in, or run by another tool
            return f"{path} has no {missing}: the run has not finished; finish it with {command}"
        return f"{path} has no {missing}: the run has not been started; run it with {command}"
    return (f"{path} has no {missing} although the run is marked done: it was moved or deleted after the run; "
            "restore it, or render the deck again and run it")
