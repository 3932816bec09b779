"""Poisson maximum-likelihood Arrhenius from jump counts: interval coverage, zero counts, unsupported data."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from sei_lmp.analysis.transport import fit_arrhenius
from sei_lmp.analysis.transport import poisson_interval
from sei_lmp.analysis.transport.arrhenius_counts import CountArrheniusFit, fit_count_arrhenius
from sei_lmp.errors import ConfigurationError
from sei_lmp.units import BOLTZMANN_EV_PER_K

RATE0_PER_PS = 10.0
EA_EV = 0.30
TEMPS_K = np.array([400.0, 500.0, 600.0, 700.0, 800.0])


def true_rate(temperature_K):
    return RATE0_PER_PS * np.exp(-EA_EV / (BOLTZMANN_EV_PER_K * np.asarray(temperature_K)))


def draw(rng, exposure_ps):
    return rng.poisson(true_rate(TEMPS_K) * exposure_ps)


def test_profile_interval_of_ea_covers_at_the_stated_level():
    # 2 to 120 expected jumps per temperature: the few-count regime where a Hessian interval is poor
    rng = np.random.default_rng(20261205)
    exposure = np.full(len(TEMPS_K), 1000.0)
    repeats, hits, hits_rate = 400, 0, 0
    for _ in range(repeats):
        fit = fit_count_arrhenius(TEMPS_K, draw(rng, exposure), exposure, at_K=300.0)
        assert np.isfinite(fit.Ea_low_eV) and np.isfinite(fit.Ea_high_eV)
        hits += fit.Ea_low_eV <= EA_EV <= fit.Ea_high_eV
        hits_rate += fit.rate_at_K_low_per_ps <= true_rate(300.0) <= fit.rate_at_K_high_per_ps
    assert 0.93 <= hits / repeats <= 0.975
    assert 0.93 <= hits_rate / repeats <= 0.975


def test_a_zero_count_temperature_is_used_and_drawn_as_a_limit():
    exposure = np.full(len(TEMPS_K), 1000.0)
    counts = np.array([0, 10, 27, 58, 118])
    fit = fit_count_arrhenius(TEMPS_K, counts, exposure)
    without = fit_count_arrhenius(TEMPS_K[1:], counts[1:], exposure[1:])
    assert fit.supported and without.supported
    # no jump at 400 K pulls the line down there: a steeper slope than without that temperature
    assert fit.Ea_eV > without.Ea_eV + 1e-3
    assert fit.Ea_high_eV - fit.Ea_low_eV < without.Ea_high_eV - without.Ea_low_eV
    table = fit.table()
    assert table["jumps"].iloc[0] == 0 and table["rate_low_per_ps"].iloc[0] == 0
    assert table["rate_upper_limit_per_ps"].iloc[0] == pytest.approx(-np.log(0.05) / 1000.0, rel=1e-9)
    ax = fit.plot()
    # the one zero-count temperature is an upper-limit arrow at its one-sided limit, not a point
    limits = [c for c in ax.containers if "upper limit" in str(c.get_label())]
    assert len(limits) == 1
    x, y = limits[0].lines[0].get_data()
    np.testing.assert_allclose(x, [1000 / 400.0])
    np.testing.assert_allclose(y, table["rate_upper_limit_per_ps"].iloc[:1])
    points = [c for c in ax.containers if "jumps / exposure" in str(c.get_label())]
    assert len(points[0].lines[0].get_xdata()) == 4
    assert type(ax.figure).__module__ == "matplotlib.figure"


def test_one_temperature_gives_nan_with_a_reason():
    fit = fit_count_arrhenius([600.0, 600.0], [12, 9], [500.0, 400.0])
    assert not fit.supported and np.isnan(fit.Ea_eV) and np.isnan(fit.rate_at_K_per_ps)
    assert "only one temperature" in fit.reason and "more temperatures" in fit.reason
    assert "not determined" in fit.headline()
    assert list(fit.counts) == [21] and list(fit.exposure_ps) == [900.0]      # runs at one T are pooled


def test_all_zero_counts_give_upper_bounds_on_the_rate_at_each_temperature():
    exposure = np.array([100.0, 200.0, 400.0, 800.0])
    fit = fit_count_arrhenius(TEMPS_K[:4], [0, 0, 0, 0], exposure)
    assert not fit.supported and np.isnan(fit.Ea_eV) and "no jumps" in fit.reason
    assert fit.summary()["Ea_interval"] == "unbounded"
    table = fit.table()
    np.testing.assert_allclose(table["rate_upper_limit_per_ps"], -np.log(0.05) / exposure, rtol=1e-9)
    assert (table["rate_low_per_ps"] == 0).all()
    # extrapolated: no lower bound, a finite upper bound (rates do not rise on cooling)
    assert fit.rate_at_K_low_per_ps == 0 and 0 < fit.rate_at_K_high_per_ps < np.inf
    fit.plot()


def test_jumps_at_one_temperature_only_bound_ea_from_below():
    fit = fit_count_arrhenius(TEMPS_K, [0, 0, 0, 0, 40], np.full(5, 1000.0))
    assert not fit.supported and np.isnan(fit.Ea_eV)
    assert fit.Ea_low_eV > 0 and fit.Ea_high_eV == np.inf
    assert "unbounded above" in fit.summary()["Ea_interval"] and "lower temperatures" in fit.reason


def test_flat_rates_never_give_a_negative_or_bold_ea():
    rng = np.random.default_rng(3)
    for _ in range(20):
        fit = fit_count_arrhenius([450.0, 500.0], rng.poisson(5, 2), [100.0, 100.0])
        assert np.isnan(fit.Ea_eV) or fit.Ea_eV > 0
        assert np.isnan(fit.Ea_eV) or fit.Ea_low_eV > 0


def test_mle_agrees_with_the_weighted_ln_rate_fit_with_many_counts():
    rng = np.random.default_rng(7)
    exposure = np.full(len(TEMPS_K), 1e6)              # 2e3 to 1e5 jumps per temperature
    counts = draw(rng, exposure)
    fit = fit_count_arrhenius(TEMPS_K, counts, exposure)
    rate = counts / exposure
    weighted = fit_arrhenius(TEMPS_K, rate, rate / np.sqrt(counts))
    assert fit.Ea_eV == pytest.approx(weighted.Ea_eV, abs=2e-4)
    assert (fit.Ea_high_eV - fit.Ea_low_eV) / 2 == pytest.approx(1.96 * weighted.Ea_err_eV, rel=0.05)
    assert fit.Ea_low_eV < EA_EV < fit.Ea_high_eV


def test_d_and_sigma_at_300_k_follow_the_rate():
    exposure = np.full(len(TEMPS_K), 1e4)
    counts = np.round(true_rate(TEMPS_K) * exposure).astype(int)
    fit = fit_count_arrhenius(TEMPS_K, counts, exposure, jump_length_A=2.0, correlation_factor=0.8,
                              carrier_density_per_A3=0.05)
    row = fit.summary()
    d = row["rate_300K_per_ps"] * 4.0 * 0.8 / 6 * 1e-4
    assert row["D_300K_cm2_s"] == pytest.approx(d, rel=1e-12)
    for end in ("low", "high"):
        assert row[f"D_300K_{end}_cm2_s"] / row["D_300K_cm2_s"] == pytest.approx(
            row[f"sigma_300K_{end}_mS_cm"] / row["sigma_300K_mS_cm"], rel=1e-9)
    assert row["rate_300K_low_per_ps"] < true_rate(300.0) < row["rate_300K_high_per_ps"]


def test_write_and_plot(tmp_path):
    exposure = np.full(len(TEMPS_K), 1000.0)
    fit = fit_count_arrhenius(TEMPS_K, [0, 10, 27, 58, 118], exposure, label="Li")
    paths = fit.write(tmp_path)
    assert [p.name for p in paths] == ["arrhenius_counts.csv", "arrhenius_counts_fit.json", "arrhenius_counts.png"]
    assert len(pd.read_csv(paths[0])) == 5
    saved = json.loads(paths[1].read_text())
    assert saved["Ea_eV"] == pytest.approx(fit.Ea_eV) and saved["supported"] is True
    assert paths[2].stat().st_size > 1000
    fit = fit_count_arrhenius(TEMPS_K, [0] * 5, exposure)
    saved = json.loads(fit.write(tmp_path / "zero")[1].read_text())
    assert saved["Ea_eV"] is None and saved["Ea_high_eV"] == "inf"


def test_poisson_interval_is_exact():
    low, high = poisson_interval([0, 1, 10])
    np.testing.assert_allclose(high, [3.6889, 5.5716, 18.3904], rtol=1e-4)
    np.testing.assert_allclose(low, [0.0, 0.0253, 4.7954], rtol=1e-3)


@pytest.mark.parametrize("args, match", [
    (([500.0, 600.0], [1, -1], [1.0, 1.0]), "integers >= 0"),
    (([500.0, 600.0], [1.5, 1], [1.0, 1.0]), "integers >= 0"),
    (([500.0, 600.0], [1, 1], [0.0, 1.0]), "exposures"),
    (([500.0, -1.0], [1, 1], [1.0, 1.0]), "temperatures"),
])
def test_bad_input_is_refused(args, match):
    with pytest.raises(ConfigurationError, match=match):
        fit_count_arrhenius(*args)


def test_result_type():
    assert isinstance(fit_count_arrhenius(TEMPS_K, [1, 2, 3, 4, 5], np.ones(5)), CountArrheniusFit)


def test_count_arrhenius_fits_each_species_of_a_run_table():
    from sei_lmp.analysis.transport import count_arrhenius

    rng = np.random.default_rng(11)
    rows = [{"temperature_K": t, "species": s, "jumps": int(rng.poisson(true_rate(t) * 2000.0 * k)),
             "exposure_ps": 1000.0 * k, "jump_length_A": 2.0}
            for s, k in (("Li", 2.0), ("Na", 0.0)) for t in TEMPS_K for _ in range(2)]
    table = count_arrhenius(pd.DataFrame(rows).assign(exposure_ps=lambda d: d["exposure_ps"].clip(lower=1.0)))
    assert list(table["species"]) == ["Li", "Na"]
    li, na = table.iloc[0], table.iloc[1]
    assert li["supported"] and li["Ea_low_eV"] < EA_EV < li["Ea_high_eV"] and np.isfinite(li["D_300K_cm2_s"])
    assert not na["supported"] and np.isnan(na["Ea_eV"]) and "no jumps" in na["reason"]
    with pytest.raises(ConfigurationError, match="lacks columns"):
        count_arrhenius(pd.DataFrame(rows).drop(columns="jumps"))


def test_an_open_band_stays_on_the_scale_of_the_data():
    fit = fit_count_arrhenius(TEMPS_K, [0, 0, 0, 0, 40], np.full(5, 1000.0))
    ax = fit.plot()
    # Ea > 0.49 eV bounds the rate at 300 K from above near 1e-17 /ps; the open lower side is not drawn to 1e-300
    assert fit.band([300.0])[1][0] == pytest.approx(1.7e-17, rel=0.05)
    assert ax.get_ylim()[0] > 1e-22
