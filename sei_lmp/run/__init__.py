"""Starting LAMMPS with the sei_lmp plugin, and running decks."""

from sei_lmp.run.plugin import plugin_directory, plugin_path, start_lammps

__all__ = ["plugin_directory", "plugin_path", "start_lammps"]
