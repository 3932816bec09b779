"""Structures: built-in SEI phases, readers, supercells, data files, defects, amorphous packings, interfaces.

Every builder is a pure function that returns a new ``ase.Atoms`` with its report in ``atoms.info``;
pymatgen is used only inside.
"""

from sei_lmp.structures.amorphous import amorphous, molecule
from sei_lmp.structures.datafile import data_file_elements, read_lammps_data, write_lammps_data
from sei_lmp.structures.defects import add_frenkel_pair, add_interstitial, add_vacancy, voids
from sei_lmp.structures.interfaces import build_interface
from sei_lmp.structures.io import read_structure
from sei_lmp.structures.phases import PHASES, phase, phases
from sei_lmp.structures.supercell import perpendicular_widths, supercell

__all__ = ["PHASES", "add_frenkel_pair", "add_interstitial", "add_vacancy", "amorphous", "build_interface",
           "data_file_elements", "molecule", "perpendicular_widths", "phase", "phases", "read_lammps_data",
           "read_structure", "supercell", "voids", "write_lammps_data"]
