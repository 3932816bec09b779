"""Physical constants and unit conversions: the one place each number is written.

LAMMPS ``units metal`` is the working system: lengths in Angstrom, times in ps (time steps quoted in
fs), energies in eV, masses in amu, pressures in bar. Results are reported in the units their column
names carry (``D_cm2_s``, ``density_g_cm3``, ``sigma_mS_cm``). The SI constants are the exact values of
the 2019 SI (CODATA 2018), the same as ``scipy.constants``.

Conversion factors are named ``<FROM>_TO_<TO>`` (multiply a value in FROM to get TO) or
``<UNIT>_PER_<UNIT>``. No imports beyond the standard library, so every floor of the package can use it.
"""

from __future__ import annotations

__all__ = [
    "A2_PER_PS_TO_CM2_PER_S", "A2_PER_PS_TO_M2_PER_S", "A3_TO_CM3", "A3_TO_M3", "AMU_G",
    "AMU_PER_A3_TO_G_PER_CM3", "AVOGADRO_PER_MOL", "BAR_PER_EV_A3", "BOLTZMANN_EV_PER_K", "BOLTZMANN_J_PER_K",
    "CM2_PER_S_TO_A2_PER_PS", "CM2_TO_M2", "ELEMENTARY_CHARGE_C", "FS_PER_PS", "GPA_PER_EV_A3", "KBAR_PER_EV_A3",
    "LAMMPS_METAL_NKTV2P", "NERNST_EINSTEIN_MS_CM", "S_PER_M_TO_MS_PER_CM", "density_g_cm3", "fs_to_ps", "kT_eV",
]

# --- constants (exact in the 2019 SI) --------------------------------------------------------------
#: Boltzmann constant, J/K
BOLTZMANN_J_PER_K = 1.380649e-23
#: Boltzmann constant, eV/K (k / e, rounded to 10 significant digits as CODATA quotes it)
BOLTZMANN_EV_PER_K = 8.617333262e-5
#: elementary charge, C
ELEMENTARY_CHARGE_C = 1.602176634e-19
#: Avogadro constant, 1/mol
AVOGADRO_PER_MOL = 6.02214076e23
#: atomic mass unit (dalton), g (CODATA 2018)
AMU_G = 1.66053906660e-24

#: meV in an eV
MEV_PER_EV = 1000.0

# --- time ------------------------------------------------------------------------------------------
#: femtoseconds in a picosecond
FS_PER_PS = 1000.0

# --- length, area, volume --------------------------------------------------------------------------
#: A^3 -> cm^3
A3_TO_CM3 = 1e-24
#: A^3 -> m^3
A3_TO_M3 = 1e-30
#: cm^2 -> m^2
CM2_TO_M2 = 1e-4

# --- density, diffusion, conductivity --------------------------------------------------------------
#: amu/A^3 -> g/cm^3 (AMU_G / A3_TO_CM3, written out so it is exactly the CODATA digits)
AMU_PER_A3_TO_G_PER_CM3 = 1.66053906660
#: A^2/ps -> cm^2/s
A2_PER_PS_TO_CM2_PER_S = 1e-4
#: cm^2/s -> A^2/ps
CM2_PER_S_TO_A2_PER_PS = 1e4
#: A^2/ps -> m^2/s
A2_PER_PS_TO_M2_PER_S = 1e-8
#: S/m -> mS/cm
S_PER_M_TO_MS_PER_CM = 10.0
#: sigma_NE (mS/cm) = NERNST_EINSTEIN_MS_CM * n (1/A^3) * q^2 (e^2) * D (cm^2/s) / T (K): e^2 / kB with the
#: unit changes folded in (:func:`sei_lmp.analysis.transport.nernst_einstein_mS_cm` checks and applies it)
NERNST_EINSTEIN_MS_CM = ELEMENTARY_CHARGE_C ** 2 * CM2_TO_M2 / (A3_TO_M3 * BOLTZMANN_J_PER_K) * S_PER_M_TO_MS_PER_CM

# --- pressure and stress ---------------------------------------------------------------------------
#: eV/A^3 -> GPa
GPA_PER_EV_A3 = 160.21766208
#: eV/A^3 -> kbar (VASP's stress unit)
KBAR_PER_EV_A3 = 1602.1766208
#: eV/A^3 -> bar
BAR_PER_EV_A3 = 1.6021766208e6
#: eV/A^3 -> bar as LAMMPS ``units metal`` rounds it (``force->nktv2p``): use it to reproduce LAMMPS' pressures
LAMMPS_METAL_NKTV2P = 1.6021765e6


def fs_to_ps(time_fs):
    """Femtoseconds -> picoseconds (a time step of 2 fs is 0.002 ps); works on arrays."""
    return time_fs / FS_PER_PS


def kT_eV(temperature_K):
    """Thermal energy k_B T in eV (0.025852 eV at 300 K); works on arrays."""
    return BOLTZMANN_EV_PER_K * temperature_K


def density_g_cm3(mass_amu, volume_A3):
    """Mass density in g/cm^3 from a mass in amu and a volume in A^3; works on arrays."""
    return mass_amu / volume_A3 * AMU_PER_A3_TO_G_PER_CM3

