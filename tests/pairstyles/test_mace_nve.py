"""Short NVE run with sei/mace conserves energy: forces are the exact gradient of the energy LAMMPS reports
(a wrong sign, a missed ghost force or a stale graph would show up as drift)."""

from __future__ import annotations

import numpy as np
import pytest
from ase.build import bulk

import mace_models as mm
from sei_lmp.run.plugin import MACE_STYLES, mace_available, start_lammps

pytestmark = [pytest.mark.skipif(not mace_available(), reason=mm.SKIP_REASON), pytest.mark.slow]


@pytest.fixture(scope="session")
def model(tmp_path_factory):
    return mm.cached_model(tmp_path_factory.getbasetemp() / "mace_models", "m1", r_max=4.5, seed=1)[1]


@pytest.mark.parametrize(("mode", "steps"), [("no_domain_decomposition", 200)])
def test_nve_conserves_energy(model, tmp_path, mode, steps):
    atoms = bulk("LiF", "rocksalt", a=4.03, cubic=True) * (2, 2, 2)
    atoms.rattle(0.05, seed=2)
    atoms = mm.to_lammps_frame(atoms)
    data = tmp_path / "cell.data"
    mm.write_lammps_data(atoms, data, ("Li", "F"))
    lmp = start_lammps(styles=MACE_STYLES)
    try:
        for c in ["units metal", "atom_style atomic", f"read_data {data}", f"pair_style sei/mace {mode}",
                  f"pair_coeff * * {model} Li F", "velocity all create 600 87287 mom yes rot yes",
                  "timestep 0.001", "fix nve all nve", "thermo_style custom step pe ke etotal", "thermo 1"]:
            lmp.command(c)
        rows = []
        for _ in range(steps // 10):
            lmp.command("run 10 pre no post no")
            rows.append([lmp.get_thermo(k) for k in ("pe", "ke", "etotal")])
    finally:
        lmp.close()
    pe, ke, etot = np.array(rows).T
    n = len(atoms)
    assert ke.std() > 1e-3 * n * 0.0259    # energy really flows between kinetic and potential
    # total energy fluctuates far less than its parts and does not drift
    assert etot.std() < 0.02 * ke.std()
    assert abs(etot[-1] - etot[0]) / n < 2e-5    # eV/atom over the run
