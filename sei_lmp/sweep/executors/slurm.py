"""Run a sweep as a Slurm job array: one array task per unfinished run.

The script is written into ``<sweep>/slurm/`` and submitted with ``sbatch`` only when asked. Each
task runs :mod:`sei_lmp.sweep.executors.worker` on its run directory, which launches LAMMPS with
``srun`` (default) or ``mpirun`` and resumes from the newest restart, so resubmitting the same
sweep after a time limit continues it. Options come from the ``[slurm]`` section of the sweep file,
or from a machine profile (:mod:`sei_lmp.run.profiles`) laid over it, with the same keys:

=================  ==================================================================
partition, account, qos, time, mem, cpus_per_task, job_name     the usual ``#SBATCH`` lines
gpus               GPUs per run (kokkos backend; default one per rank)
launcher           ``srun`` | ``mpirun`` | ``none`` (one rank, plain ``lmp``)
srun_args, mpirun  extra srun arguments / the mpirun command
modules            ``module load`` lines
venv               a virtual environment to activate (``source <venv>/bin/activate``)
setup              more shell lines before the run (exports, conda activate ...)
sbatch             extra ``#SBATCH`` arguments, e.g. ``["--constraint=a100"]``
max_parallel       array throttle (``--array=0-9%4``)
python             the Python that has sei_lmp (default: ``python`` after the venv, else this one)
=================  ==================================================================
"""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from os import PathLike
from pathlib import Path
from typing import Any

from sei_lmp.errors import ConfigurationError
from sei_lmp.run.directory import RunDirectory
from sei_lmp.run.profiles import Profile
from sei_lmp.sweep.executors import base
from sei_lmp.sweep.executors.base import unfinished
from sei_lmp.sweep.plan import load_sweep

SLURM_DIR = "slurm"
SUBMISSIONS = "submissions.jsonl"


def _kokkos_device(switches: Iterable[str]) -> tuple[str, int] | None:
    """('g', N) for ``-k on g N`` (GPUs), ('t', N) for ``-k on t N`` (CPU threads) in a deck's switches."""
    switches = list(switches)
    for k in range(len(switches) - 3):
        if switches[k] == "-k" and switches[k + 1] == "on" and switches[k + 2] in ("g", "t"):
            return switches[k + 2], int(switches[k + 3])
    return None


def write_array_script(directory: str | PathLike, *, runs: Iterable[str] | None = None,
                       options: Mapping[str, Any] | None = None, profile: Profile | None = None) -> Path | None:
    """Write the job-array script for every unfinished run not queued already; None if there is none.

    The launch settings are the sweep file's ``[run]`` and ``[slurm]`` sections, with ``profile`` (a
    machine profile) laid over them and ``options`` (keys as in ``[slurm]``) over that. The array index
    maps to the run directories listed in the script (written in the same file, so a later plan
    cannot shift them).
    """
    directory = Path(directory).resolve()
    spec, table = load_sweep(directory)
    launch = SlurmExecutor(profile).settings(spec).with_options(options)
    queued = queued_runs(directory)
    todo = [rdir for _, rdir in unfinished(directory, table, runs)[0] if str(rdir) not in queued]
    if not todo:
        return None
    script = directory / SLURM_DIR / f"{spec.name}.sbatch"
    script.parent.mkdir(parents=True, exist_ok=True)
    script.write_text(array_script(spec, launch, todo, directory / SLURM_DIR / "logs"))
    script.chmod(0o755)
    (directory / SLURM_DIR / f"{spec.name}.runs.txt").write_text("\n".join(str(d) for d in todo) + "\n")
    return script


def array_script(spec, launch: Profile, todo: list[Path], logs: Path) -> str:
    """The text of the job-array script running the run directories ``todo``, one per array task."""
    opts = launch.scheduler_options()
    nprocs = launch.nprocs or 1
    launcher = opts.get("launcher", "srun")
    if launcher == "none" and nprocs > 1:
        raise ConfigurationError(f"slurm.launcher 'none' runs one rank, but run.nprocs = {nprocs}; use srun or mpirun")
    # GPUs or CPU threads: from the decks' Kokkos switches (plan wrote them for each run), unless the config says
    gpus = opts.get("gpus")
    cpus = opts.get("cpus_per_task", 1)
    if spec.backend == "kokkos":
        device = _kokkos_device(RunDirectory(todo[0]).manifest.switches)
        if device and device[0] == "t":          # a CPU-only Kokkos: threads per rank, no GPU
            cpus = opts.get("cpus_per_task", device[1])
        elif gpus is None:
            gpus = device[1] if device else nprocs

    name = opts.get("job_name", f"sweep-{spec.name}")
    logs.mkdir(parents=True, exist_ok=True)
    array = f"0-{len(todo) - 1}" + (f"%{opts['max_parallel']}" if opts.get("max_parallel") else "")
    lines = ["#!/bin/bash", f"# sei_lmp sweep '{spec.name}': {len(todo)} runs, one per array task",
             f"#SBATCH --job-name={name}", f"#SBATCH --array={array}", f"#SBATCH --ntasks={nprocs}",
             f"#SBATCH --cpus-per-task={cpus}",
             f"#SBATCH --output={logs}/%A_%a.out"]
    for key, flag in (("partition", "partition"), ("account", "account"), ("qos", "qos"), ("time", "time"),
                      ("mem", "mem")):
        if opts.get(key):
            lines.append(f"#SBATCH --{flag}={opts[key]}")
    if gpus:
        lines.append(f"#SBATCH --gpus={gpus}")
    lines += [f"#SBATCH {arg}" for arg in opts.get("sbatch", [])]
    lines += ["", "set -euo pipefail"]
    lines += [f"module load {m}" for m in opts.get("modules", [])]
    if opts.get("venv"):
        lines.append(f"source {shlex.quote(str(Path(opts['venv']).expanduser()))}/bin/activate")
    lines += list(opts.get("setup", []))
    python = opts.get("python") or ("python" if opts.get("venv") else sys.executable)
    lines += ["export OMP_NUM_THREADS=${OMP_NUM_THREADS:-" + str(cpus) + "}", "",
              "RUNS=(", *[f"  {shlex.quote(str(d))}" for d in todo], ")",
              'RUN_DIR="${RUNS[$SLURM_ARRAY_TASK_ID]}"', 'echo "sei_lmp sweep task $SLURM_ARRAY_TASK_ID: $RUN_DIR"']
    command = [python, "-m", "sei_lmp.sweep.executors.worker", '"$RUN_DIR"', "--nprocs", str(nprocs),
               "--launcher", launcher]
    if launch.lmp:
        command += ["--lmp", launch.lmp]
    if launcher == "mpirun" and launch.mpirun:
        command += ["--mpirun", launch.mpirun]
    if launcher == "srun" and opts.get("srun_args"):
        command += ["--srun-args", " ".join(opts["srun_args"])]
    lines += ["exec " + " ".join(c if c == '"$RUN_DIR"' else shlex.quote(c) for c in command), ""]
    return "\n".join(lines)


def submit(script: str | PathLike, *, sbatch: str = "sbatch", extra: Iterable[str] = ()) -> str:
    """``sbatch --parsable script``; returns the job id and records it next to the script."""
    script = Path(script)
    exe = shutil.which(sbatch)
    if exe is None:
        raise ConfigurationError(f"'{sbatch}' not found: submit on a Slurm login node, or run the sweep locally")
    result = subprocess.run([exe, "--parsable", *extra, str(script)], capture_output=True, text=True,
                            cwd=script.parent, check=False)
    if result.returncode != 0:
        raise ConfigurationError(f"sbatch refused {script}: {result.stderr.strip() or result.stdout.strip()}")
    job_id = result.stdout.strip().split(";")[0]
    listed = script.with_name(script.name.replace(".sbatch", ".runs.txt"))
    runs = listed.read_text().split() if listed.is_file() else []
    with (script.parent / SUBMISSIONS).open("a") as f:
        f.write(json.dumps({"job_id": job_id, "script": script.name, "runs": runs,
                            "time": datetime.now(timezone.utc).isoformat(timespec="seconds")}) + "\n")
    return job_id


def queued_runs(directory: str | PathLike, *, squeue: str = "squeue") -> dict[str, str]:
    """Run directories whose array task of an earlier submission is still queued or running, with its job
    (``JOB_INDEX``): submitting them again would run them twice."""
    submissions = [s for s in submitted_jobs(directory) if s.get("runs")]
    if not submissions:
        return {}
    exe = shutil.which(squeue)
    if exe is None:
        raise ConfigurationError(f"earlier submissions of {directory} (jobs "
                                 f"{', '.join(s['job_id'] for s in submissions)}) cannot be checked without "
                                 f"'{squeue}': run this on the Slurm login node, so no run is queued twice")
    queued = {}
    for sub in submissions:
        result = subprocess.run([exe, "-h", "-r", "-j", sub["job_id"], "-o", "%i %T"], capture_output=True,
                                text=True, check=False)
        for line in result.stdout.splitlines():     # a finished or purged job lists nothing (or errors)
            task, _, state = line.strip().partition(" ")
            index = task.rpartition("_")[2]
            if index.isdigit() and int(index) < len(sub["runs"]) and state in LIVE_STATES:
                queued[sub["runs"][int(index)]] = task
    return queued


#: squeue states of a task that will still run (or runs)
LIVE_STATES = {"PENDING", "RUNNING", "CONFIGURING", "COMPLETING", "REQUEUED", "RESIZING", "SUSPENDED"}


def submitted_jobs(directory: str | PathLike) -> list[dict]:
    """Submissions recorded in ``<sweep>/slurm/submissions.jsonl``, oldest first."""
    path = Path(directory) / SLURM_DIR / SUBMISSIONS
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()] if path.is_file() else []


class SlurmExecutor(base.Executor):
    """Slurm job arrays: one array task per unfinished run, written to ``<sweep>/slurm/`` and submitted on request."""

    name = "slurm"

    def run(self, sweep_dir: str | PathLike, runs: Iterable[str] | None = None, *, submit: bool = False,
            progress: bool = True) -> base.Launch:
        """Write the array script (None, with a note why, when no run is left to queue) and, with ``submit``, hand
        it to sbatch."""
        script = write_array_script(sweep_dir, runs=runs, profile=self.profile)
        job_id = _sbatch(script) if submit and script is not None else None
        note = "" if script is not None else _nothing_to_submit(Path(sweep_dir))
        return base.Launch(script=script, job_id=job_id, note=note)


def _nothing_to_submit(directory: Path) -> str:
    """Why no array was written: how many runs are done, queued (by which jobs) or running."""
    from sei_lmp.sweep.status import sweep_status

    status = sweep_status(directory)
    queued = queued_runs(directory)
    done = int((status["state"] == "done").sum())
    running = int((status["state"] == "running").sum())
    parts = [f"{done} done"] + ([f"{running} running"] if running else []) + \
        ([f"{len(queued)} queued (jobs {', '.join(sorted({q.partition('_')[0] for q in queued.values()}))})"]
         if queued else [])
    return f"nothing to submit: {', '.join(parts)} of {len(status)} runs"


Executor = SlurmExecutor
_sbatch = submit     # the method's argument 'submit' hides the function
