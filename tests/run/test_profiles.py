"""Machine profiles from the sei_lmp config file: a good file, unknown keys and names refused with the known
ones listed, the built-in ``local`` profile, and laying a profile over another."""

from __future__ import annotations

import pytest

from sei_lmp.errors import ConfigurationError
from sei_lmp.run.profiles import BUILTIN, Profile, config_path, load_profile, read_profiles

CONFIG = """
[profiles.cluster]
executor = "slurm"
nprocs = 4
lmp = "lmp_kokkos"
partition = "gpu"
account = "proj42"
time = "04:00:00"
mem = 4000
modules = ["gcc/12", "cuda/12.4"]
sbatch = ["--constraint=a100"]

[profiles.workstation]
nprocs = 2
jobs = 8
"""


@pytest.fixture
def config(tmp_path, monkeypatch):
    path = tmp_path / "config.toml"
    path.write_text(CONFIG)
    monkeypatch.setenv("SEI_LMP_CONFIG", str(path))
    return path


def test_good_file(config):
    assert config_path() == config
    cluster = load_profile("cluster")
    assert cluster == Profile(name="cluster", executor="slurm", nprocs=4, lmp="lmp_kokkos", partition="gpu",
                              account="proj42", time="04:00:00", mem="4000", modules=("gcc/12", "cuda/12.4"),
                              sbatch=("--constraint=a100",))
    workstation = load_profile("workstation")
    assert workstation.executor == "local" and workstation.nprocs == 2 and workstation.jobs == 8
    assert sorted(read_profiles()) == ["cluster", "local", "workstation"]
    assert load_profile() == BUILTIN["local"] == Profile()        # built in, the default
    assert cluster.scheduler_options() == {"partition": "gpu", "account": "proj42", "time": "04:00:00",
                                           "mem": "4000", "modules": ["gcc/12", "cuda/12.4"],
                                           "sbatch": ["--constraint=a100"]}


def test_unknown_profile_lists_the_known_ones(config):
    with pytest.raises(ConfigurationError, match=r"no profile 'laptop' \(known: cluster, local, workstation\)"):
        load_profile("laptop")


def test_unknown_key_lists_the_known_ones(config):
    config.write_text(CONFIG + 'partiton = "gpu"\n')
    with pytest.raises(ConfigurationError, match=r"unknown key\(s\) 'partiton' in \[profiles.workstation\] of "
                                                 r".*; known: account, cpus_per_task, executor, gpus, job_name"):
        load_profile("workstation")
    config.write_text("[machines.x]\nnprocs = 1\n")
    with pytest.raises(ConfigurationError, match="unknown key\\(s\\) 'machines' in .*; known: profiles"):
        read_profiles()


@pytest.mark.parametrize("line, message", [
    ("nprocs = 0", "nprocs must be a positive integer"),
    ('modules = "gcc"', "modules must be a list of strings"),
    ('launcher = "ssh"', "launcher must be 'srun', 'mpirun' or 'none'"),
    ("lmp = 3", "lmp must be a string"),
])
def test_bad_values(config, line, message):
    config.write_text(f"[profiles.bad]\n{line}\n")
    with pytest.raises(ConfigurationError, match=message):
        load_profile("bad")


def test_missing_files(tmp_path, monkeypatch):
    monkeypatch.setenv("SEI_LMP_CONFIG", str(tmp_path / "nowhere.toml"))
    with pytest.raises(ConfigurationError, match="config file .*nowhere.toml does not exist"):
        load_profile("local")
    monkeypatch.delenv("SEI_LMP_CONFIG")
    monkeypatch.setenv("HOME", str(tmp_path))       # no ~/.config/sei_lmp/config.toml: the built-ins only
    assert read_profiles() == BUILTIN


def test_a_profile_over_another():
    base = Profile(name="sweep", nprocs=2, lmp="lmp", partition="cpu", modules=("gcc",))
    over = Profile(name="cluster", executor="slurm", partition="gpu", account="a").over(base)
    assert over == Profile(name="cluster", executor="slurm", nprocs=2, lmp="lmp", partition="gpu", account="a",
                           modules=("gcc",))
    assert over.with_options({"nprocs": 8, "setup": ["export X=1"]}).nprocs == 8
    with pytest.raises(ConfigurationError, match="unknown key\\(s\\) 'np'"):
        over.with_options({"np": 8})
