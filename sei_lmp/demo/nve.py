"""Energy-conservation check: NVE molecular dynamics of bcc lithium with the
shipped MTP through ``pair_style sei/mtp``, reporting how well the total energy is conserved."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from sei_lmp.analysis.thermo import nve_drift
from sei_lmp.data import shipped_potential
from sei_lmp.run.plugin import start_lammps
from sei_lmp.units import fs_to_ps

LI_MASS = 6.94          # g/mol (ase.data.atomic_masses)
LI_BCC_LATTICE = 3.44   # Angstrom, PBE


@dataclass
class NVEResult:
    """Thermodynamic trace of an NVE run and its energy-conservation figures."""

    potential: Path
    natoms: int
    timestep_fs: float
    step: np.ndarray = field(repr=False)
    temperature: np.ndarray = field(repr=False)          # K
    potential_energy: np.ndarray = field(repr=False)     # eV
    total_energy: np.ndarray = field(repr=False)         # eV
    # from sei_lmp.analysis.thermo.nve_drift
    drift_mev_per_atom_ps: float = 0.0      # slope of a linear fit of E_tot(t)
    fluctuation_mev_per_atom: float = 0.0   # std of E_tot about that fit
    max_deviation_mev_per_atom: float = 0.0  # max |E_tot - E_tot(0)|
    seconds: float = 0.0
    us_per_atom_step: float = 0.0


def run_nve(
    potential: Path | None = None,
    cells: int = 5,
    temperature: float = 300.0,
    steps: int = 2000,
    timestep_fs: float = 1.0,
    every: int = 50,
    seed: int = 4928459,
    progress=None,
) -> NVEResult:
    """Run NVE MD of a ``cells``^3 bcc Li supercell started at ``temperature`` (equipartition: the
    velocities are drawn at twice that, half goes into the potential energy).

    ``progress(done, total)`` is called after each block of ``every`` steps, if given.
    """
    import time

    potential = Path(potential) if potential else shipped_potential("Li_mtp_*.mtp")
    lmp = start_lammps()
    try:
        for line in (
            "units metal",
            "atom_style atomic",
            f"lattice bcc {LI_BCC_LATTICE}",
            f"region cell block 0 {cells} 0 {cells} 0 {cells}",
            "create_box 1 cell",
            "create_atoms 1 box",
            f"mass 1 {LI_MASS}",
            "pair_style sei/mtp",
            f"pair_coeff * * {potential} 0",
            f"velocity all create {2 * temperature} {seed} mom yes rot yes dist gaussian",
            f"timestep {fs_to_ps(timestep_fs)}",
            "thermo_style custom step temp pe etotal",
            "fix integrate all nve",
            "run 0",
        ):
            lmp.command(line)
        natoms = lmp.get_natoms()
        rows = [(0, lmp.get_thermo("temp"), lmp.get_thermo("pe"), lmp.get_thermo("etotal"))]
        start = time.perf_counter()
        for done in range(every, steps + 1, every):
            lmp.command(f"run {every} pre no post no")
            rows.append((done, lmp.get_thermo("temp"), lmp.get_thermo("pe"), lmp.get_thermo("etotal")))
            if progress:
                progress(done, steps)
        seconds = time.perf_counter() - start
    finally:
        lmp.close()

    trace = np.array(rows)
    time_ps = trace[:, 0] * fs_to_ps(timestep_fs)
    etot = trace[:, 3]
    conservation = nve_drift(time_ps, etot, natoms)
    return NVEResult(
        potential=potential,
        natoms=natoms,
        timestep_fs=timestep_fs,
        step=trace[:, 0].astype(int),
        temperature=trace[:, 1],
        potential_energy=trace[:, 2],
        total_energy=etot,
        drift_mev_per_atom_ps=conservation.drift_meV_per_atom_per_ps,
        fluctuation_mev_per_atom=conservation.fluctuation_meV_per_atom,
        max_deviation_mev_per_atom=conservation.max_deviation_meV_per_atom,
        seconds=seconds,
        us_per_atom_step=seconds * 1e6 / (natoms * steps),
    )
