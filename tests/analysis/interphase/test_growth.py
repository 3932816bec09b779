"""Growth-law fits recover the law a thickness series was generated with, within the reported errors."""

from __future__ import annotations

import numpy as np
import pytest

from sei_lmp.analysis.interphase import compare_growth_laws, fit_growth
from sei_lmp.errors import ConfigurationError

T = np.linspace(1.0, 200.0, 60)
NOISE = 0.15   # A


def noisy(d, seed):
    return d + np.random.default_rng(seed).normal(0.0, NOISE, d.shape)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_parabolic_law_recovered(seed):
    d0, k = 3.0, 0.8                       # A, A^2/ps
    d = noisy(np.sqrt(d0**2 + k * T), seed)
    fit = fit_growth(T, d, "parabolic", sigma=np.full_like(T, NOISE))
    assert abs(fit.params["k"] - k) < 3 * fit.errors["k"]
    assert abs(fit.params["d0"] - d0) < 3 * fit.errors["d0"]
    assert 0 < fit.errors["k"] < 0.1 * k
    ranking = compare_growth_laws(T, d, sigma=np.full_like(T, NOISE), models=("linear", "parabolic"))
    assert ranking["model"].iloc[0] == "parabolic"


def test_linear_law_recovered():
    d0, k = 2.0, 0.05
    d = noisy(d0 + k * T, 5)
    fit = fit_growth(T, d, "linear")
    assert abs(fit.params["k"] - k) < 3 * fit.errors["k"]
    assert abs(fit.params["d0"] - d0) < 3 * fit.errors["d0"]
    assert compare_growth_laws(T, d, models=("linear", "parabolic"))["model"].iloc[0] == "linear"


@pytest.mark.parametrize("seed", [3, 4])
def test_two_regimes_fast_then_slow(seed):
    d0, k1, k2, tb = 2.0, 2.0, 0.2, 40.0
    d2 = d0**2 + np.where(T < tb, k1 * T, k1 * tb + k2 * (T - tb))
    d = noisy(np.sqrt(d2), seed)
    fit = fit_growth(T, d, "two_regime", sigma=np.full_like(T, NOISE))
    for name, true in (("k1", k1), ("k2", k2), ("t_break", tb)):
        assert abs(fit.params[name] - true) < 3 * fit.errors[name], (name, fit.params, fit.errors)
    assert fit.params["k1"] > 5 * fit.params["k2"]
    assert compare_growth_laws(T, d, sigma=np.full_like(T, NOISE))["model"].iloc[0] == "two_regime"


def test_growth_errors():
    with pytest.raises(ConfigurationError, match="unknown growth model 'cubic'; use one of linear, parabolic, two_regime"):
        fit_growth(T, T, "cubic")
    with pytest.raises(ConfigurationError, match="needs at least 6 finite points"):
        fit_growth(T[:4], T[:4], "two_regime")
