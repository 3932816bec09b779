"""Starting LAMMPS with the sei_lmp plugin, and running decks.

The run directory (:class:`RunDirectory`, :class:`Manifest`) is the one owner of a run's files and
state; :func:`run_deck` runs a deck in it on this machine; :func:`load_profile` gives the launch
settings of a named machine profile.
"""

from sei_lmp.run.plugin import plugin_directory, plugin_path, start_lammps

__all__ = ["Manifest", "Profile", "RunDirectory", "RunResult", "RunState", "build_command", "latest_restart",
           "load_profile", "plugin_directory", "plugin_path", "read_attempts", "restart_step", "run_deck",
           "start_lammps"]

#: where each public name lives; imported when first asked for (the runner pulls in pandas)
_WHERE = {
    "Manifest": "directory", "RunDirectory": "directory", "RunState": "directory", "latest_restart": "directory",
    "read_attempts": "directory", "restart_step": "directory", "build_command": "process",
    "run_deck": "local", "RunResult": "local", "Profile": "profiles", "load_profile": "profiles",
}


def __getattr__(name: str):
    if name in _WHERE:
        import importlib

        return getattr(importlib.import_module(f"sei_lmp.run.{_WHERE[name]}"), name)
    raise AttributeError(name)
