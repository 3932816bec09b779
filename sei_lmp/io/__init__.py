"""Reading LAMMPS output back into Python."""

from sei_lmp.io.lammps_log import read_log, read_thermo

__all__ = ["read_log", "read_thermo"]
