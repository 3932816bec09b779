"""Slurm job arrays: the script a cluster gets, and a real submission to a localhost Slurm."""

from __future__ import annotations

import json
import shlex

import pytest
from sweep_helpers import REPO

from sei_lmp.errors import ConfigurationError
from sei_lmp.run import read_attempts
from sei_lmp.sweep.executors.slurm import submit, submitted_jobs, write_array_script
from sei_lmp.sweep.plan import plan_sweep
from sei_lmp.sweep.spec import read_sweep
from sei_lmp.sweep.status import sweep_status

KOKKOS = """
[run]
nprocs = 2

[slurm]
partition = "gpu"
time = "01:00:00"
launcher = "srun"
srun_args = ["--gpu-bind=closest"]
modules = ["gcc/12", "cuda/12.4"]
venv = "/opt/venvs/sei"
setup = ["export OMP_PROC_BIND=spread"]
sbatch = ["--constraint=a100"]
max_parallel = 2
"""


def _lines(script):
    return script.read_text().splitlines()


def test_kokkos_array_script(write_sweep, tmp_path):
    spec = read_sweep(write_sweep(extra=KOKKOS))
    spec = type(spec)(**{**spec.__dict__, "backend": "kokkos"})
    table = plan_sweep(spec, tmp_path / "out", progress=False)
    for directory in table["directory"]:
        manifest = json.loads((tmp_path / "out" / directory / "manifest.json").read_text())
        assert manifest["pair_style"] == "mtp/kk"
        # one GPU per rank: the plan rewrote the switches for run.nprocs = 2
        assert manifest["switches"][:4] == ["-k", "on", "g", "2"] and "-sf" in manifest["switches"]
    (tmp_path / "out" / table["directory"][0] / "done").write_text("{}")     # finished runs are left out
    script = write_array_script(tmp_path / "out")
    lines = _lines(script)
    assert lines[0] == "#!/bin/bash"
    for expected in ("#SBATCH --array=0-2%2", "#SBATCH --ntasks=2", "#SBATCH --gpus=2", "#SBATCH --partition=gpu",
                     "#SBATCH --time=01:00:00", "#SBATCH --constraint=a100", "module load gcc/12",
                     "module load cuda/12.4", "source /opt/venvs/sei/bin/activate", "export OMP_PROC_BIND=spread"):
        assert expected in lines, expected
    runs = lines[lines.index("RUNS=(") + 1: lines.index(")")]
    assert [shlex.split(r)[0] for r in runs] == [str(tmp_path / "out" / d) for d in table["directory"][1:]]
    command = shlex.split(lines[-1].replace('"$RUN_DIR"', "RUN_DIR"))
    assert command[:4] == ["exec", "python", "-m", "sei_lmp.sweep.executors.worker"]
    assert command[command.index("--launcher") + 1] == "srun"
    assert command[command.index("--nprocs") + 1] == "2"
    assert command[command.index("--srun-args") + 1] == "--gpu-bind=closest"


def test_nothing_to_submit_and_bad_launcher(write_sweep, tmp_path):
    table = plan_sweep(read_sweep(write_sweep(temperatures=(600,), seeds=(1,))), tmp_path / "out", progress=False)
    with pytest.raises(ConfigurationError, match="slurm.launcher 'none' runs one rank, but run.nprocs = 3"):
        spec_dir = tmp_path / "out"
        sweep = json.loads((spec_dir / "sweep.json").read_text())
        sweep["run"]["nprocs"] = 3
        (spec_dir / "sweep.json").write_text(json.dumps(sweep))
        write_array_script(spec_dir, options={"launcher": "none"})
    (tmp_path / "out" / table["directory"][0] / "done").write_text("{}")
    assert write_array_script(tmp_path / "out") is None


def test_submit_without_sbatch(tmp_path):
    script = tmp_path / "x.sbatch"
    script.write_text("#!/bin/bash\n")
    with pytest.raises(ConfigurationError, match="'no-such-sbatch' not found: submit on a Slurm login node"):
        submit(script, sbatch="no-such-sbatch")


@pytest.mark.slow
def test_slurm_array_runs_the_sweep(slurm_cluster, write_sweep, tmp_path, monkeypatch):
    monkeypatch.setenv("SLURM_CONF", str(slurm_cluster.conf))
    out = tmp_path / "out"
    table = plan_sweep(read_sweep(write_sweep(temperatures=(600, 900), seeds=(1,))), out, progress=False)
    # the compute "node" imports this checkout's sei_lmp (the venv may hold an older install)
    script = write_array_script(out, options={"launcher": "srun", "setup": [f"export PYTHONPATH={REPO}"]})
    job = submit(script)
    assert submitted_jobs(out)[-1]["job_id"] == job
    slurm_cluster.wait_for_job(job)
    logs = sorted((out / "slurm" / "logs").glob(f"{job}_*.out"))
    assert len(logs) == 2, [p.name for p in (out / "slurm" / "logs").iterdir()]
    status = sweep_status(out)
    assert list(status["state"]) == ["done", "done"], "\n".join(p.read_text()[-2000:] for p in logs)
    for directory in table["directory"]:
        attempt = read_attempts(out / directory)[-1]
        assert attempt["command"][0].endswith(".srun_lmp") and attempt["returncode"] == 0
    # everything is done: a second array would be empty
    assert write_array_script(out) is None

    from test_collect import msd_diffusion

    from sei_lmp.decks import DiffusionNVT
    from sei_lmp.sweep import collect as collect_module

    monkeypatch.setattr(DiffusionNVT, "analysis", "test_collect:msd_diffusion")
    results, _ = collect_module.collect(out, fit=False, plots=False, progress=False)
    assert list(results["temperature_K"]) == [600.0, 900.0]
    assert results["D_cm2_s"].iloc[0] == msd_diffusion(out / table["directory"][0])["D_cm2_s"].iloc[0]


def test_queued_runs_are_not_submitted_twice(slurm_cluster, write_sweep, tmp_path, monkeypatch):
    """A held array (its tasks pending) counts as queued: a second submission would run them twice, so there is
    nothing to submit and the CLI says why; once the array is cancelled the runs can be submitted again."""
    import subprocess

    from typer.testing import CliRunner

    from sei_lmp.cli import app
    from sei_lmp.sweep.executors.slurm import queued_runs

    monkeypatch.setenv("SLURM_CONF", str(slurm_cluster.conf))
    out = tmp_path / "out"
    plan_sweep(read_sweep(write_sweep(temperatures=(600, 900), seeds=(1,))), out, progress=False)
    job = submit(write_array_script(out), extra=["--hold"])
    queued = queued_runs(out)
    assert len(queued) == 2 and {task.partition("_")[0] for task in queued.values()} == {job}
    assert write_array_script(out) is None
    result = CliRunner().invoke(app, ["sweep", "run", str(out), "--executor", "slurm", "--submit"])
    assert result.exit_code == 0, result.output
    assert f"nothing to submit: 0 done, 2 queued (jobs {job}) of 2 runs" in result.output
    assert len(submitted_jobs(out)) == 1
    subprocess.run(["scancel", job], check=True)
    slurm_cluster.wait_for_job(job)
    assert queued_runs(out) == {} and write_array_script(out) is not None


def test_cpu_kokkos_sweep_asks_for_threads_not_gpus(write_sweep, tmp_path):
    """A Kokkos built for OpenMP only (as `lmp -h` says): the plan writes `-k on t N` (run.threads) and the
    array script asks for N CPUs per task and no GPU."""
    import stat

    from sei_lmp.decks import PROTOCOLS

    styles = {"Pair": ["mtp", "mtp/kk"], "Minimize": ["cg", "cg/kk", "fire"]}
    for category, names in PROTOCOLS["diffusion_nvt"].required_styles().items():
        styles.setdefault(category.capitalize(), []).extend(names)
    styles.setdefault("Fix", []).append("pair")
    help_text = ("Large-scale Atomic/Molecular Massively Parallel Simulator - 4 Feb 2025\n\n"
                 "KOKKOS package API: OpenMP Serial\n\nInstalled packages:\n\nKOKKOS ML-MTP PLUGIN\n\n"
                 "List of individual style options included in this LAMMPS executable\n\n"
                 + "".join(f"* {cat} styles:\n\n{' '.join(names)}\n\n" for cat, names in styles.items()))
    (tmp_path / "help.txt").write_text(help_text)
    lmp = tmp_path / "lmp"
    lmp.write_text(f'#!/bin/sh\nif [ "$1" = "-h" ]; then cat {tmp_path / "help.txt"}; '
                   'else cat >/dev/null; echo "Currently loaded plugins: 0"; fi\n')
    lmp.chmod(lmp.stat().st_mode | stat.S_IEXEC)
    extra = f'[run]\nnprocs = 2\nthreads = 4\nlmp = "{lmp}"\n\n[slurm]\npartition = "cpu"\ntime = "01:00:00"\n'
    spec = read_sweep(write_sweep(extra=extra))
    spec = type(spec)(**{**spec.__dict__, "backend": "kokkos"})
    table = plan_sweep(spec, tmp_path / "out", progress=False)
    manifest = json.loads((tmp_path / "out" / table["directory"][0] / "manifest.json").read_text())
    assert manifest["switches"][:4] == ["-k", "on", "t", "4"]
    lines = _lines(write_array_script(tmp_path / "out"))
    assert "#SBATCH --cpus-per-task=4" in lines and "export OMP_NUM_THREADS=${OMP_NUM_THREADS:-4}" in lines
    assert not any(line.startswith("#SBATCH --gpus") for line in lines)
