"""Arrhenius fits against known Ea (coverage over seeds), against scipy's weighted curve_fit on the LLZO D(T)
data set, the Li-melting warning; conductivity: Nernst-Einstein by hand, Haven ratio and Onsager terms."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.constants import elementary_charge
from scipy.constants import k as kb
from scipy.optimize import curve_fit
from transport_synth import brownian

from sei_lmp.analysis.transport import (
    TransportWarning,
    analyze_trajectory,
    arrhenius,
    fit_arrhenius,
    nernst_einstein_mS_cm,
)
from sei_lmp.errors import ConfigurationError
from sei_lmp.io import Trajectory
from sei_lmp.units import BOLTZMANN_EV_PER_K as KB_EV


def test_arrhenius_recovers_ea_and_extrapolation_within_intervals():
    ea, d0 = 0.3, 1e-3
    temps = np.array([500.0, 600.0, 700.0, 800.0, 900.0])
    hits_ea, hits_300 = 0, 0
    for seed in range(60):
        rng = np.random.default_rng(seed)
        d_true = d0 * np.exp(-ea / (KB_EV * temps))
        rel = 0.1
        d = d_true * np.exp(rng.normal(scale=rel, size=len(temps)))
        fit = fit_arrhenius(temps, d, rel * d)
        hits_ea += abs(fit.Ea_eV - ea) < 2 * fit.Ea_err_eV
        pred = fit.predict(300.0).iloc[0]
        hits_300 += pred["D_low_cm2_s"] < d0 * np.exp(-ea / (KB_EV * 300)) < pred["D_high_cm2_s"]
    assert hits_ea >= 0.85 * 60 and hits_300 >= 0.85 * 60


def test_llzo_fit_matches_scipy_weighted_curve_fit(validation_dir):
    path = validation_dir / "datasets" / "LLZO_D_T" / "D_T.csv"
    if not path.is_file():
        pytest.skip(f"{path} not found")
    data = pd.read_csv(path)
    table = data.rename(columns={"T": "temperature_K", "D": "D_cm2_s", "D_error": "D_err_cm2_s"}).assign(species="Li")
    result = arrhenius(table).iloc[0]
    popt, pcov = curve_fit(lambda x, a, b: a + b * x, 1 / data["T"], np.log(data["D"]),
                           sigma=data["D_error"] / data["D"], absolute_sigma=False)
    assert result["Ea_eV"] == pytest.approx(-popt[1] * KB_EV, rel=1e-6)
    fit = fit_arrhenius(data["T"], data["D"], data["D_error"])
    expected_err = np.sqrt(pcov[1, 1]) * KB_EV * (1 if fit.chi2_red > 1 else 1 / np.sqrt(fit.chi2_red))
    assert result["Ea_err_eV"] == pytest.approx(expected_err, rel=1e-6)
    assert 0.1 < result["Ea_eV"] < 0.5 and result["D_300K_low_cm2_s"] < result["D_300K_cm2_s"] < \
        result["D_300K_high_cm2_s"]


def test_li_metal_window_across_melting_warns_and_bad_tables_are_refused():
    temps = np.array([400.0, 500.0, 600.0])
    d = 1e-3 * np.exp(-0.3 / (KB_EV * temps))
    table = pd.DataFrame({"temperature_K": temps, "D_cm2_s": d, "D_err_cm2_s": 0.1 * d, "species": "Li",
                          "composition": "Li"})
    with pytest.warns(TransportWarning, match="crosses 453.65 K \\(Li metal melts\\)"):
        arrhenius(table)
    with pytest.raises(ConfigurationError, match="lacks columns"):
        arrhenius(table.drop(columns="D_err_cm2_s"))
    with pytest.raises(ConfigurationError, match="D must be positive"):
        fit_arrhenius([400, 500], [1e-6, -1e-6], [1e-7, 1e-7])
    with pytest.raises(ConfigurationError, match="at least two temperatures"):
        fit_arrhenius([400, 400], [1e-6, 1e-6], [1e-7, 1e-7])


def test_nernst_einstein_by_hand():
    # 10 Li in 1000 A^3, D = 1e-5 cm2/s, 600 K: n q^2 D / kT in S/m, x10 for mS/cm
    expected = 10 / 1e-27 * elementary_charge ** 2 * 1e-9 / (kb * 600) * 10
    assert nernst_einstein_mS_cm(1e-5, 10, 1000.0, 600.0) == pytest.approx(expected, rel=1e-12)
    assert nernst_einstein_mS_cm(1e-5, 10, 1000.0, 600.0, charge=2) == pytest.approx(4 * expected, rel=1e-12)


def test_independent_carriers_have_haven_ratio_one_and_no_cross_terms():
    n, dt = 1500, 0.1
    li = brownian(n, 30, dt, 0.5, seed=31)
    cl = brownian(n, 30, dt, 0.2, seed=32)
    traj = Trajectory.from_positions(np.concatenate([li, cl], axis=1), ["Li"] * 30 + ["Cl"] * 30,
                                     np.arange(n) * dt, np.eye(3) * 15.0)
    result = analyze_trajectory(traj, 600.0, framework=None, charges={"Li": 1, "Cl": -1}, window="2:40")
    row = result.table.set_index("species")
    haven, err = row.loc["Li", "haven_ratio"], row.loc["Li", "haven_ratio_err"]
    assert abs(haven - 1) < 3 * err and err < 0.5
    ons = result.onsager.set_index(["species_i", "species_j"])
    cross = ons.loc[("Cl", "Li")]
    assert abs(cross["L_e2_mS_cm"]) < 3 * cross["L_err_e2_mS_cm"]
    # the diagonal Onsager term of independent atoms is their Nernst-Einstein conductivity
    diag = ons.loc[("Li", "Li")]
    assert abs(diag["L_e2_mS_cm"] - row.loc["Li", "sigma_NE_mS_cm"]) < 3 * diag["L_err_e2_mS_cm"]


def test_perfectly_correlated_species_have_equal_cross_and_diagonal_terms():
    n, dt = 600, 0.1
    a = brownian(n, 10, dt, 0.5, seed=41)
    b = a + 1.0                                              # b rides along with a
    traj = Trajectory.from_positions(np.concatenate([a, b], axis=1), ["Li"] * 10 + ["Na"] * 10, np.arange(n) * dt,
                                     np.eye(3) * 15.0)
    ons = analyze_trajectory(traj, 600.0, framework=None, window="1:20").onsager.set_index(["species_i", "species_j"])
    assert ons.loc[("Li", "Na"), "L_e2_mS_cm"] == pytest.approx(ons.loc[("Li", "Li"), "L_e2_mS_cm"], rel=1e-9)
