"""Starting LAMMPS with the sei_lmp plugin, and running decks.

The run directory (:class:`RunDirectory`, :class:`Manifest`) is the one owner of a run's files and
state; :func:`run_deck` runs a deck in it on this machine; :func:`load_profile` gives the launch
settings of a named machine profile.
"""

from sei_lmp.run.directory import (
    Manifest,
    RunDirectory,
    RunState,
    latest_restart,
    read_attempts,
    restart_step,
)
from sei_lmp.run.plugin import plugin_directory, plugin_path, start_lammps
from sei_lmp.run.process import build_command

__all__ = ["Manifest", "Profile", "RunDirectory", "RunResult", "RunState", "build_command", "latest_restart",
           "load_profile", "plugin_directory", "plugin_path", "read_attempts", "restart_step", "run_deck",
           "start_lammps"]

_LAZY = {"run_deck": "local", "RunResult": "local", "Profile": "profiles", "load_profile": "profiles"}


def __getattr__(name: str):
    # the runner pulls in pandas; load it only when asked for
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f"sei_lmp.run.{_LAZY[name]}"), name)
    raise AttributeError(name)
