"""Starting LAMMPS with the sei_lmp plugin, and running decks."""

from sei_lmp.run.plugin import plugin_directory, plugin_path, start_lammps

__all__ = ["RunResult", "latest_restart", "plugin_directory", "plugin_path", "run_deck", "start_lammps"]


def __getattr__(name: str):
    # the runner pulls in pandas; load it only when asked for
    if name in ("run_deck", "latest_restart", "RunResult"):
        from sei_lmp.run import local

        return getattr(local, name)
    raise AttributeError(name)
