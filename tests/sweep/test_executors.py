"""Executors are found by name (a third scheduler is one new module), and a sweep file's ``[slurm]`` section
is a profile: the same options from a config-file profile give the same job-array script."""

from __future__ import annotations

import dataclasses
import importlib
import sys
import textwrap

import pytest
import tomllib
from sweep_helpers import sweep_toml
from typer.testing import CliRunner

import sei_lmp.sweep.executors as executors
from sei_lmp.cli import app
from sei_lmp.errors import ConfigurationError
from sei_lmp.run.profiles import Profile, load_profile
from sei_lmp.sweep.executors import available_executors, get_executor
from sei_lmp.sweep.executors.base import Executor, Launch
from sei_lmp.sweep.executors.local import LocalExecutor
from sei_lmp.sweep.executors.slurm import SlurmExecutor, array_script
from sei_lmp.sweep.spec import parse_sweep

SLURM = """
[run]
nprocs = 2
mpirun = "mpiexec"

[slurm]
partition = "gpu"
account = "proj42"
time = "01:00:00"
launcher = "mpirun"
modules = ["gcc/12", "cuda/12.4"]
venv = "/opt/venvs/sei"
setup = ["export OMP_PROC_BIND=spread"]
sbatch = ["--constraint=a100"]
max_parallel = 2
"""


def test_executors_by_name():
    assert available_executors() == ["local", "slurm"]
    profile = Profile(name="p", nprocs=3)
    local, slurm = get_executor("local", profile), get_executor("slurm")
    assert type(local) is LocalExecutor and local.profile is profile and type(slurm) is SlurmExecutor
    assert local.name == "local" and slurm.name == "slurm"
    with pytest.raises(ConfigurationError, match="unknown executor 'pbs'; choose local or slurm"):
        get_executor("pbs")


def test_a_third_scheduler_is_one_new_module(tmp_path, monkeypatch):
    (tmp_path / "pbs.py").write_text(textwrap.dedent('''
        from sei_lmp.sweep.executors.base import Executor as Base, Launch

        class Executor(Base):
            name = "pbs"

            def run(self, sweep_dir, runs=None, *, submit=False, progress=True):
                return Launch(job_id="pbs-1")
    '''))
    monkeypatch.setattr(executors, "__path__", [*executors.__path__, str(tmp_path)])
    try:
        assert "pbs" in available_executors()
        pbs = get_executor("pbs", Profile(name="cluster", executor="pbs"))
        assert isinstance(pbs, Executor) and pbs.run("anywhere").job_id == "pbs-1" and pbs.run("x").ok
    finally:
        sys.modules.pop("sei_lmp.sweep.executors.pbs", None)
        importlib.invalidate_caches()


def test_launch_ok():
    import pandas as pd

    assert Launch().ok
    assert Launch(results=pd.DataFrame({"outcome": ["done", "already done"]})).ok
    assert not Launch(results=pd.DataFrame({"outcome": ["done", "failed"]})).ok


def _spec(extra: str):
    raw = tomllib.loads(sweep_toml("tiny", temperatures=(600,), seeds=(1,), extra=extra))
    return parse_sweep(raw)


def test_slurm_section_is_a_profile(tmp_path, monkeypatch):
    """The [slurm] + [run] sections of a sweep file, or the same keys in a config-file profile over a sweep
    file without them, write the same script."""
    todo, logs = [tmp_path / "runs" / "a", tmp_path / "runs" / "b"], tmp_path / "logs"
    with_section = _spec(SLURM)
    from_file = array_script(with_section, SlurmExecutor().settings(with_section), todo, logs)
    assert "#SBATCH --partition=gpu" in from_file and "--mpirun mpiexec" in from_file

    config = tmp_path / "config.toml"
    section = SLURM.replace("[run]\n", "").replace("[slurm]\n", "")
    config.write_text("[profiles.cluster]\nexecutor = \"slurm\"\n" + section)
    monkeypatch.setenv("SEI_LMP_CONFIG", str(config))
    bare = _spec("")
    profile = load_profile("cluster")
    assert array_script(bare, SlurmExecutor(profile).settings(bare), todo, logs) == from_file
    # the profile lies over the sweep file's own sections
    assert SlurmExecutor(dataclasses.replace(profile, partition="cpu")).settings(with_section).partition == "cpu"
    assert SlurmExecutor(Profile(name="x", executor="slurm")).settings(with_section).account == "proj42"


def test_unknown_profile_on_the_command_line(tmp_path, monkeypatch):
    monkeypatch.setenv("SEI_LMP_CONFIG", str(tmp_path / "config.toml"))
    (tmp_path / "config.toml").write_text("[profiles.cluster]\nexecutor = \"slurm\"\n")
    runner = CliRunner()
    result = runner.invoke(app, ["sweep", "run", str(tmp_path), "--profile", "laptop"])
    assert result.exit_code == 2 and "no profile 'laptop' (known: cluster, local)" in result.output
    result = runner.invoke(app, ["run", str(tmp_path), "--profile", "laptop"])
    assert result.exit_code == 1 and "no profile 'laptop'" in result.output
    result = runner.invoke(app, ["sweep", "run", str(tmp_path), "--executor", "pbs"])
    assert result.exit_code == 2 and "unknown executor 'pbs'" in result.output


def test_a_run_locked_by_another_driver_is_running_elsewhere_not_an_error(write_sweep, tmp_path):
    """Two sweep drivers that start the same run: the one that loses the lock reports 'running elsewhere'
    (exit 3 of the worker), not a configuration error, and its driver does not fail."""
    import pandas as pd

    from sei_lmp.run.directory import RunDirectory
    from sei_lmp.sweep import load_sweep, plan_sweep, read_sweep
    from sei_lmp.sweep.executors import worker
    from sei_lmp.sweep.executors.base import SUCCESS

    out = tmp_path / "out"
    plan_sweep(read_sweep(write_sweep(temperatures=(600,), seeds=(1,))), out, progress=False)
    run_dir = out / load_sweep(out)[1]["directory"].iloc[0]
    with RunDirectory(run_dir).lock():                     # the other driver's runner
        assert worker.run(run_dir) == worker.RUNNING_ELSEWHERE
    launch = Launch(results=pd.DataFrame([{"run_id": "a", "outcome": "running elsewhere", "returncode": 3,
                                           "seconds": 0.0, "reason": ""}]))
    assert launch.ok and "running elsewhere" not in SUCCESS
