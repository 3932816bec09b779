"""Error types of sei_lmp; the class says whose fault it is and when it happens.

``ConfigurationError`` comes *before* a run (an install, a potential or an input is wrong);
``RunFailed`` comes *during* one (LAMMPS stopped); ``ParseError`` when reading output back.
"""


class SeiLmpError(Exception):
    """Base class of every error raised by sei_lmp."""


class ConfigurationError(SeiLmpError):
    """The set-up cannot work: fix the installation, potential or input named in the message."""


class PluginError(ConfigurationError):
    """The sei_lmp LAMMPS plugin is missing or could not be loaded into this LAMMPS."""


class RunLocked(ConfigurationError):
    """Another runner holds the run directory: the run is going on elsewhere, nothing is wrong with it."""


class RunFailed(SeiLmpError):
    """LAMMPS stopped with an error during a run."""


class ParseError(SeiLmpError):
    """A LAMMPS output file could not be read back."""


class DeckError(SeiLmpError):
    """A deck could not be rendered (a template problem, not an input problem)."""


class IncompleteDataWarning(UserWarning):
    """An input is usable but incomplete (e.g. a dump whose last frame was cut off): the result leaves it out."""
