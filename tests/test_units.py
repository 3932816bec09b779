"""sei_lmp.units against values known independently of it."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.constants as sc

from sei_lmp import units


def test_constants_match_codata():
    assert units.BOLTZMANN_J_PER_K == sc.k
    assert units.ELEMENTARY_CHARGE_C == sc.e
    assert units.AVOGADRO_PER_MOL == sc.N_A
    assert units.BOLTZMANN_EV_PER_K == pytest.approx(sc.k / sc.e, rel=1e-9)
    assert units.AMU_G == pytest.approx(sc.physical_constants["atomic mass constant"][0] * 1e3, rel=1e-9)
    # 1 g/mol is one amu per molecule
    assert units.AMU_G * units.AVOGADRO_PER_MOL == pytest.approx(1.0, rel=1e-9)


def test_thermal_energy_at_300_K():
    assert units.kT_eV(300.0) == pytest.approx(0.025852, abs=5e-7)


def test_diffusion_and_time():
    assert units.A2_PER_PS_TO_CM2_PER_S == pytest.approx(1e-16 / 1e-12)      # (1e-8 cm)^2 / 1e-12 s
    assert units.A2_PER_PS_TO_CM2_PER_S * units.CM2_PER_S_TO_A2_PER_PS == pytest.approx(1.0)
    assert units.A2_PER_PS_TO_M2_PER_S == pytest.approx(1e-20 / 1e-12)
    assert units.fs_to_ps(2.0) == pytest.approx(0.002)
    np.testing.assert_allclose(units.fs_to_ps(np.array([1000.0, 500.0])), [1.0, 0.5])


def test_lif_density_from_its_cell():
    # rock-salt LiF, a = 4.027 A, 4 formula units: 2.64 g/cm^3 (handbook value 2.635)
    from ase.build import bulk

    atoms = bulk("LiF", "rocksalt", a=4.027, cubic=True)
    rho = units.density_g_cm3(atoms.get_masses().sum(), atoms.get_volume())
    assert rho == pytest.approx(4 * (6.94 + 18.998) / 4.027**3 / (units.AVOGADRO_PER_MOL * 1e-24), rel=1e-3)
    assert rho == pytest.approx(2.635, abs=0.01)


def test_pressure_units():
    assert units.GPA_PER_EV_A3 == pytest.approx(sc.e / 1e-30 / 1e9, rel=1e-8)
    assert units.KBAR_PER_EV_A3 == pytest.approx(10 * units.GPA_PER_EV_A3)
    assert units.BAR_PER_EV_A3 == pytest.approx(1e4 * units.GPA_PER_EV_A3)
    assert units.LAMMPS_METAL_NKTV2P == pytest.approx(units.BAR_PER_EV_A3, rel=1e-6)


def test_nernst_einstein_prefactor_by_hand():
    # 10 carriers in 1000 A^3 at 600 K with D = 1e-5 cm^2/s, in SI
    n = 10 / 1000e-30
    sigma_s_m = n * sc.e**2 * 1e-5 * 1e-4 / (sc.k * 600.0)
    assert units.NERNST_EINSTEIN_MS_CM * 10 / 1000.0 * 1e-5 / 600.0 == pytest.approx(sigma_s_m * 10, rel=1e-12)
