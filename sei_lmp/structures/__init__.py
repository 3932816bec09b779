"""Structures: built-in SEI phases, supercells, data files, defects, amorphous packings, interfaces, and
migration hops (end points of a vacancy or interstitial jump, for NEB barriers).

Every builder is a pure function that returns a new ``ase.Atoms`` with its report in ``atoms.info``;
pymatgen is used only inside. Structure and data files are read by :mod:`sei_lmp.io`
(:func:`sei_lmp.io.read_structure`, :func:`sei_lmp.io.read_lammps_data`).
"""

from sei_lmp.structures.amorphous import amorphous, molecule
from sei_lmp.structures.datafile import write_lammps_data
from sei_lmp.structures.defects import add_frenkel_pair, add_interstitial, add_vacancy, voids
from sei_lmp.structures.interfaces import build_interface
from sei_lmp.structures.migration import final_state, hop, interstitial_hop, relax_endpoints, vacancy_hop
from sei_lmp.structures.phases import PHASES, phase, phases
from sei_lmp.structures.supercell import perpendicular_widths, supercell

__all__ = ["PHASES", "add_frenkel_pair", "add_interstitial", "add_vacancy", "amorphous", "build_interface",
           "final_state", "hop", "interstitial_hop", "molecule", "perpendicular_widths", "phase", "phases",
           "relax_endpoints", "supercell", "vacancy_hop", "voids", "write_lammps_data"]
