"""``TransportResult`` and ``TransportSeries`` own their files and figures: ``write()`` gives the files that
``sei-lmp analyze diffusion`` has always written, with the same contents, and ``plot()`` returns an Axes."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import constants
from transport_synth import brownian

from sei_lmp.analysis.transport import TransportSeries, TransportWarning, analyze_trajectory, arrhenius
from sei_lmp.io import Trajectory
from sei_lmp.errors import ConfigurationError

DT = 0.1                                                   # ps between frames
KB_EV = constants.k / constants.e


def walkers(temperature: float, seed: int):
    """20 Li walkers with an Arrhenius D (Ea 0.2 eV) among 10 nearly still F: a two-species result."""
    d = 50.0 * np.exp(-0.2 / (KB_EV * temperature))                    # A^2/ps
    li, host = brownian(200, 20, DT, d, seed=seed), brownian(200, 10, DT, 1e-4, seed=seed + 100)
    traj = Trajectory.from_positions(np.concatenate([li, host], axis=1), ["Li"] * 20 + ["F"] * 10,
                                     np.arange(200) * DT, np.eye(3) * 12.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TransportWarning)
        return analyze_trajectory(traj, temperature, species=["Li"], run=f"T{temperature:g}K")


@pytest.fixture(scope="module")
def results():
    return [walkers(t, seed) for seed, t in enumerate((600.0, 750.0, 900.0))]


def test_run_result_writes_curves_onsager_and_msd_figure(results, tmp_path):
    result = results[0]
    written = result.write(tmp_path)
    assert sorted(p.name for p in written) == sorted(p.name for p in tmp_path.iterdir()) == [
        "msd_T600K.png", "msd_T600K_Li.csv", "msd_T600K_collective.csv", "onsager_T600K.csv"]
    for key, curve in result.msd.items():
        pd.testing.assert_frame_equal(pd.read_csv(tmp_path / f"msd_T600K_{key}.csv"), curve)
    onsager = pd.read_csv(tmp_path / "onsager_T600K.csv")
    assert (onsager["run"] == "T600K").all() and len(onsager) == len(result.onsager)
    assert (tmp_path / "msd_T600K.png").stat().st_size > 1000


def test_run_result_plot_draws_species_and_fits_only(results):
    ax = results[0].plot()
    labels = [line.get_label() for line in ax.get_lines()]
    assert labels[0] == "Li" and labels[1].startswith("Li: D = ") and len(labels) == 2     # no collective curve
    assert ax.get_title() == "T600K" and ax.get_xscale() == ax.get_yscale() == "log"


def test_series_writes_tables_and_arrhenius(results, tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TransportWarning)
        series = TransportSeries.from_results(results, at_K=300.0)
        expected = arrhenius(series.table[series.table["region"] == "all"], at_K=300.0)
    assert series.table["run"].tolist() == ["T600K", "T750K", "T900K"]
    pd.testing.assert_frame_equal(series.arrhenius, expected)
    assert set(series.fits) == {"Li"} and series.fits["Li"].Ea_eV == pytest.approx(expected["Ea_eV"].iloc[0])
    written = series.write(tmp_path)
    assert [p.name for p in written] == ["diffusion.csv", "diffusion.parquet", "arrhenius.csv", "arrhenius.parquet",
                                         "arrhenius.png"]
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "diffusion.parquet"), series.table)
    np.testing.assert_allclose(pd.read_csv(tmp_path / "diffusion.csv")["D_cm2_s"], series.table["D_cm2_s"],
                               rtol=1e-12)
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "arrhenius.parquet"), expected)
    ax = series.plot()
    assert ax.get_yscale() == "log" and ax.get_xlabel() == "1000 / T (1/K)"
    assert any(line.get_label().startswith("Ea = ") for line in ax.get_lines())


def test_one_temperature_has_no_fit(results, tmp_path):
    series = TransportSeries.from_results(results[:1])
    assert series.arrhenius is None and series.fits == {}
    assert [p.name for p in series.write(tmp_path)] == ["diffusion.csv", "diffusion.parquet"]
    assert not any(line.get_label().startswith("Ea = ") for line in series.plot().get_lines())
    with pytest.raises(ConfigurationError, match="no transport results"):
        TransportSeries.from_results([])
