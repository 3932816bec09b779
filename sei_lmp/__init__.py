"""sei_lmp: LAMMPS decks, machine-learning pair styles and analysis for battery interphases.

Quick start::

    import sei_lmp
    lmp = sei_lmp.lammps()          # LAMMPS with the sei/* pair styles loaded
    lmp.command("units metal")
"""

from sei_lmp.errors import ConfigurationError, ParseError, PluginError, RunFailed, SeiLmpError
from sei_lmp.run.plugin import plugin_path, start_lammps

__version__ = "0.1.0"

#: start a ``lammps.lammps`` instance with the sei_lmp plugin loaded (see :func:`start_lammps`)
lammps = start_lammps

__all__ = [
    "ConfigurationError",
    "ParseError",
    "PluginError",
    "RunFailed",
    "SeiLmpError",
    "__version__",
    "lammps",
    "plugin_path",
    "start_lammps",
]
