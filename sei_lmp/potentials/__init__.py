"""Potential registry: one object per potential file, rendering the LAMMPS lines for each backend."""

from sei_lmp.potentials.ace import ACEPotential
from sei_lmp.potentials.base import BACKENDS, Backend, PairBlock, Potential, kokkos_switches, kokkos_switches_for
from sei_lmp.potentials.card import PotentialCard
from sei_lmp.potentials.mace import MACEPotential
from sei_lmp.potentials.mtp import MTPPotential
from sei_lmp.potentials.registry import FAMILIES, load_potential
from sei_lmp.potentials.snap import SNAPPotential

__all__ = ["ACEPotential", "BACKENDS", "Backend", "FAMILIES", "MACEPotential", "MTPPotential", "PairBlock",
           "Potential", "PotentialCard", "SNAPPotential", "kokkos_switches", "kokkos_switches_for",
           "load_potential"]
