"""Machine profiles: how runs are launched on a machine, kept apart from what a sweep runs.

A profile names an executor (``local``: a process pool here; ``slurm``: job arrays) and the launch
settings of one machine: the LAMMPS and mpirun executables, ranks per run, and the scheduler's options.
Profiles live in a TOML file, ``$SEI_LMP_CONFIG`` or else ``~/.config/sei_lmp/config.toml``::

    [profiles.cluster]
    executor = "slurm"
    nprocs = 4                          # MPI ranks per run
    lmp = "lmp_kokkos"
    partition = "gpu"
    account = "proj42"
    time = "04:00:00"
    modules = ["gcc/12", "cuda/12.4"]
    venv = "~/venvs/sei"
    sbatch = ["--constraint=a100"]

    [profiles.workstation]
    nprocs = 2
    jobs = 8

The profile ``local`` (run here, one rank per run, as many runs as cores) is built in; a file may
redefine it. A sweep file's ``[run]`` and ``[slurm]`` sections are a profile too
(:meth:`Profile.from_sweep`); ``--profile NAME`` lays the named one over them.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import Any

from sei_lmp.errors import ConfigurationError

__all__ = ["BUILTIN", "LAUNCH_KEYS", "LAUNCHERS", "SCHEDULER_KEYS", "Profile", "config_path", "load_profile",
           "read_profiles"]

#: how runs start, on any executor
LAUNCH_KEYS = ("executor", "lmp", "mpirun", "nprocs", "jobs", "gpus")
#: a batch scheduler's options (the ``[slurm]`` section of a sweep file)
SCHEDULER_KEYS = ("partition", "account", "qos", "time", "mem", "cpus_per_task", "job_name", "launcher",
                  "srun_args", "modules", "venv", "setup", "sbatch", "max_parallel", "python")
LAUNCHERS = ("srun", "mpirun", "none")
_INTS = ("nprocs", "jobs", "gpus", "cpus_per_task", "max_parallel")
_LISTS = ("srun_args", "modules", "setup", "sbatch")


@dataclass(frozen=True)
class Profile:
    """Launch settings of one machine; None means "the default" (see :meth:`over`).

    Attributes
    ----------
    name
        the profile's name.
    executor
        where runs execute: a module of :mod:`sei_lmp.sweep.executors` (``local``, ``slurm``).
    lmp, mpirun
        the LAMMPS and mpirun commands (default: the ones next to this Python, else on PATH).
    nprocs
        MPI ranks per run; ``jobs`` runs at a time (local); ``gpus`` GPUs per run (Slurm).
    partition, account, qos, time, mem, cpus_per_task, job_name
        the usual ``#SBATCH`` options.
    launcher
        ``srun`` | ``mpirun`` | ``none`` (one rank, plain ``lmp``) on a scheduler.
    srun_args, modules, venv, setup, sbatch, max_parallel, python
        extra srun arguments, ``module load`` lines, a virtual environment to activate, more shell lines,
        extra ``#SBATCH`` arguments, the array throttle, the Python that has sei_lmp.
    """

    name: str = "local"
    executor: str = "local"
    lmp: str | None = None
    mpirun: str | None = None
    nprocs: int | None = None
    jobs: int | None = None
    gpus: int | None = None
    partition: str | None = None
    account: str | None = None
    qos: str | None = None
    time: str | None = None
    mem: str | None = None
    cpus_per_task: int | None = None
    job_name: str | None = None
    launcher: str | None = None
    srun_args: tuple[str, ...] | None = None
    modules: tuple[str, ...] | None = None
    venv: str | None = None
    setup: tuple[str, ...] | None = None
    sbatch: tuple[str, ...] | None = None
    max_parallel: int | None = None
    python: str | None = None

    @classmethod
    def from_mapping(cls, name: str, raw: Any, where: str | None = None) -> Profile:
        """A profile from a TOML table; unknown keys and wrong types are refused, naming the key."""
        where = where or f"profile '{name}'"
        if not isinstance(raw, Mapping):
            raise ConfigurationError(f"{where} must be a table of key = value")
        known = (*LAUNCH_KEYS, *SCHEDULER_KEYS)
        extra = sorted(set(raw) - set(known))
        if extra:
            raise ConfigurationError(f"unknown key(s) {', '.join(map(repr, extra))} in {where}; "
                                     f"known: {', '.join(sorted(known))}")
        values: dict[str, Any] = {}
        for key, value in raw.items():
            if value is None:
                continue
            if key in _INTS:
                if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                    raise ConfigurationError(f"{where}: {key} must be a positive integer, got {value!r}")
            elif key in _LISTS:
                if not (isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value)):
                    raise ConfigurationError(f"{where}: {key} must be a list of strings, got {value!r}")
                value = tuple(value)
            elif isinstance(value, (int, float)) and not isinstance(value, bool) and key not in LAUNCH_KEYS:
                value = str(value)      # time = 60, mem = 4000: Slurm takes them as written
            elif not isinstance(value, str) or not value:
                raise ConfigurationError(f"{where}: {key} must be a string, got {value!r}")
            values[key] = value
        if values.get("launcher", "srun") not in LAUNCHERS:
            raise ConfigurationError(f"{where}: launcher must be 'srun', 'mpirun' or 'none', "
                                     f"got {values['launcher']!r}")
        return cls(name=name, **values)

    @classmethod
    def from_sweep(cls, spec, executor: str = "local") -> Profile:
        """The profile a sweep file's ``[run]`` and ``[slurm]`` sections make, for ``executor``.

        As before profiles existed: the local pool takes ``run.mpirun``, a scheduler takes
        ``slurm.mpirun`` before it, and ``slurm.gpus`` (``run.gpus`` shaped the decks at plan time).
        """
        run, slurm = spec.run, dict(spec.slurm)
        scheduled = executor != "local"
        mpirun = (slurm.get("mpirun") or run.mpirun) if scheduled else run.mpirun
        scheduler = {k: v for k, v in slurm.items() if k in SCHEDULER_KEYS}
        values = {"executor": executor, "lmp": run.lmp, "mpirun": mpirun, "nprocs": run.nprocs, "jobs": run.jobs,
                  "gpus": slurm.get("gpus") if scheduled else run.gpus, **scheduler}
        # the sweep file was checked when it was read; its values are taken as they are
        return cls(name=f"sweep {spec.name}",
                   **{k: tuple(v) if isinstance(v, list) else v for k, v in values.items() if v is not None})

    def over(self, base: Profile) -> Profile:
        """This profile laid over ``base``: every setting this one leaves at None comes from ``base``."""
        mine = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)
                if getattr(self, f.name) is not None and f.name != "name"}
        return dataclasses.replace(base, name=self.name, **mine)

    def with_options(self, options: Mapping[str, Any] | None) -> Profile:
        """A copy with ``options`` (keys as in a profile table) set, checked like a profile."""
        if not options:
            return self
        return Profile.from_mapping(self.name, options, f"options of profile '{self.name}'").over(self)

    def scheduler_options(self) -> dict[str, Any]:
        """The scheduler's options that are set, as a sweep file's ``[slurm]`` table (lists, plain types)."""
        keys = (*SCHEDULER_KEYS, "mpirun", "gpus")
        return {k: list(v) if isinstance(v, tuple) else v
                for k in keys if (v := getattr(self, k)) is not None}


#: profiles every machine has
BUILTIN = {"local": Profile(name="local", executor="local")}


def config_path() -> Path:
    """``$SEI_LMP_CONFIG``, else ``~/.config/sei_lmp/config.toml``."""
    given = os.environ.get("SEI_LMP_CONFIG")
    return Path(given).expanduser() if given else Path.home() / ".config" / "sei_lmp" / "config.toml"


def read_profiles(path: str | PathLike | None = None) -> dict[str, Profile]:
    """The built-in profiles and those of the config file (which may redefine a built-in one).

    A missing default config file means no profiles of one's own; a file named by ``path`` or
    ``$SEI_LMP_CONFIG`` must exist.
    """
    import tomllib

    named = path is not None or "SEI_LMP_CONFIG" in os.environ
    path = Path(path).expanduser() if path is not None else config_path()
    profiles = dict(BUILTIN)
    if not path.is_file():
        if named:
            raise ConfigurationError(f"the sei_lmp config file {path} does not exist")
        return profiles
    try:
        raw = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as err:
        raise ConfigurationError(f"{path} is not valid TOML: {err}") from err
    extra = sorted(set(raw) - {"profiles"})
    if extra:
        raise ConfigurationError(f"unknown key(s) {', '.join(map(repr, extra))} in {path}; known: profiles")
    tables = raw.get("profiles", {})
    if not isinstance(tables, Mapping):
        raise ConfigurationError(f"{path}: 'profiles' must be tables [profiles.NAME]")
    for name, table in tables.items():
        profiles[name] = Profile.from_mapping(name, table, f"[profiles.{name}] of {path}")
    return profiles


def load_profile(name: str | None = None, path: str | PathLike | None = None) -> Profile:
    """The profile ``name`` (default ``local``) from :func:`read_profiles`; unknown names are refused."""
    name = name or "local"
    profiles = read_profiles(path)
    if name not in profiles:
        raise ConfigurationError(f"no profile '{name}' (known: {', '.join(sorted(profiles))}); define it as "
                                 f"[profiles.{name}] in {Path(path) if path else config_path()}")
    return profiles[name]
