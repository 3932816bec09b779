"""nve_drift against series whose drift and scatter are known by construction."""

from __future__ import annotations

import numpy as np
import pytest

from sei_lmp.analysis.thermo import nve_drift
from sei_lmp.errors import ConfigurationError


def test_linear_drift_plus_noise_of_known_size():
    natoms, slope_eV_ps, sigma_eV = 200, 0.04, 0.002
    t = np.linspace(0.0, 5.0, 20001)
    noise = np.random.default_rng(7).normal(0.0, sigma_eV, t.size)
    result = nve_drift(t, -812.5 + slope_eV_ps * t + noise, natoms)
    # 0.04 eV/ps over 200 atoms = 0.2 meV/atom/ps; 2 meV of scatter over 200 atoms = 0.01 meV/atom
    assert result.drift_meV_per_atom_per_ps == pytest.approx(0.2, rel=0.01)
    assert result.fluctuation_meV_per_atom == pytest.approx(0.01, rel=0.02)
    assert result.max_deviation_meV_per_atom == pytest.approx(
        1000 * np.max(np.abs(slope_eV_ps * t + noise - noise[0])) / natoms)
    assert (result.natoms, result.n_samples, result.duration_ps) == (natoms, t.size, 5.0)


def test_exact_line_has_no_fluctuation_and_the_time_origin_does_not_matter():
    t = np.arange(10) * 0.05
    a = nve_drift(t, 3.0 - 0.5 * t, 10)
    b = nve_drift(t + 100.0, 3.0 - 0.5 * t, 10)
    assert a.drift_meV_per_atom_per_ps == pytest.approx(-50.0)
    assert a.fluctuation_meV_per_atom == pytest.approx(0.0, abs=1e-9)
    assert a.max_deviation_meV_per_atom == pytest.approx(50.0 * 0.45)
    assert b.drift_meV_per_atom_per_ps == pytest.approx(a.drift_meV_per_atom_per_ps)


@pytest.mark.parametrize("t, e, n", [([0.0], [1.0], 1), ([0.0, 0.0], [1.0, 2.0], 1), ([0.0, 1.0], [1.0], 1),
                                     ([0.0, 1.0], [1.0, 2.0], 0)])
def test_unusable_input_is_refused(t, e, n):
    with pytest.raises(ConfigurationError, match="nve_drift"):
        nve_drift(t, e, n)
