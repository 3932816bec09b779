"""NVE molecular dynamics with sei/ace conserves energy, and the velocity-Verlet error shrinks as dt^2
(which it does only if the forces are the gradient of the energy)."""

from __future__ import annotations

import numpy as np
import pytest

from sei_lmp.run.plugin import start_lammps

STEPS_PS = 0.5


def nve_energy_trace(setup: list[str], timestep_ps: float, temperature: float, every: int = 10):
    """Minimise, draw velocities, run NVE for STEPS_PS; returns (natoms, time [ps], E_total [eV], T [K])."""
    lmp = start_lammps()
    try:
        for c in setup + ["minimize 1e-10 1e-6 200 2000", "reset_timestep 0",
                          f"velocity all create {2 * temperature} 4928459 mom yes rot yes dist gaussian",
                          "fix nve all nve", f"timestep {timestep_ps}", "thermo_style custom step temp etotal",
                          "run 0"]:
            lmp.command(c)
        rows = [(0.0, lmp.get_thermo("etotal"), lmp.get_thermo("temp"))]
        steps = int(round(STEPS_PS / timestep_ps))
        for done in range(every, steps + 1, every):
            lmp.command(f"run {every} pre no post no")
            rows.append((done * timestep_ps, lmp.get_thermo("etotal"), lmp.get_thermo("temp")))
        natoms = lmp.get_natoms()
    finally:
        lmp.close()
    trace = np.array(rows)
    return natoms, trace[:, 0], trace[:, 1], trace[:, 2]


@pytest.mark.slow
def test_nve_conserves_energy_trained_potential(reference_dir):
    """Cu-I (pacemaker's trained Cu example; extrapolation grade 0.37 on ideal fcc), 108-atom fcc Cu,
    300 K, 0.5 ps at 1 fs."""
    ace = reference_dir / "ace"
    setup = ["units metal", "atom_style atomic", "lattice fcc 3.61", "region box block 0 3 0 3 0 3",
             "create_box 1 box", "create_atoms 1 box", "mass 1 63.546", "pair_style sei/ace",
             f"pair_coeff * * {ace / 'potentials' / 'Cu-I.yace'} Cu"]
    natoms, t, etot, temp = nve_energy_trace(setup, 0.001, 300.0)
    max_dev = np.abs(etot - etot[0]).max() / natoms
    drift = np.polyfit(t, etot, 1)[0] / natoms
    assert max_dev < 1e-4, f"max deviation {max_dev * 1e3:.4f} meV/atom"
    assert abs(drift) < 5e-5, f"drift {drift * 1e3:.4f} meV/atom/ps"
    assert 150 < temp[len(temp) // 2:].mean() < 450

    _, t2, etot2, _ = nve_energy_trace(setup, 0.002, 300.0)
    ratio = np.abs(etot2 - etot2[0]).max() / np.abs(etot - etot[0]).max()
    assert 2.5 < ratio < 6.5, f"fluctuation ratio dt=2fs/1fs = {ratio:.2f}, expected ~4"
