"""Plotting never changes matplotlib's backend: with a non-Agg backend chosen (as a notebook user would),
every plot function and result ``plot()`` of the analyses, and the figures their ``write()`` saves, leave
``matplotlib.get_backend()`` as it was; and no module of analysis, viz or the CLI calls ``matplotlib.use``."""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest

import sei_lmp

PACKAGE = Path(sei_lmp.__file__).parent


@pytest.fixture
def pdf_backend():
    before = matplotlib.get_backend()
    matplotlib.use("pdf")
    yield "pdf"
    matplotlib.use(before)


def _transport_results():
    from sei_lmp.analysis.transport import analyze_trajectory
    from sei_lmp.io import Trajectory

    rng = np.random.default_rng(0)
    out = []
    for k, temperature in enumerate((600.0, 900.0)):
        li = np.cumsum(rng.normal(scale=0.3 * (k + 1), size=(120, 12, 3)), axis=0)
        host = rng.normal(scale=0.01, size=(120, 6, 3)) + 5.0
        traj = Trajectory.from_positions(np.concatenate([li, host], axis=1), ["Li"] * 12 + ["F"] * 6,
                                         np.arange(120) * 0.1, np.eye(3) * 10.0)
        out.append(analyze_trajectory(traj, temperature, species=["Li"], run=f"T{temperature:g}K"))
    return out


def _interphase_table():
    times = np.arange(6, dtype=float)
    table = pd.DataFrame({"time_ps": times, "thickness": 2.0 + 3.0 * np.sqrt(times), "step": times * 1000})
    z = np.linspace(0, 20, 11)
    profiles = pd.concat([pd.DataFrame({"frame": k, "step": k * 1000, "z": z, "x_F": np.clip(1 - z / (10 + k), 0, 1)})
                          for k in range(6)], ignore_index=True)
    table.attrs.update(profiles=profiles, marker="F")
    return table


@pytest.mark.filterwarnings("ignore::sei_lmp.analysis.transport.TransportWarning")
def test_no_plot_changes_the_backend(pdf_backend, tmp_path):
    from sei_lmp.analysis.interphase import InterphaseResult, fit_growth, plot_growth, plot_profiles, plot_thickness
    from sei_lmp.analysis.structure import (
        DefectsResult,
        MeltQuenchQA,
        SpeciationResult,
        StructureResult,
        glass_transition,
        plot_quench_curve,
        plot_rdf,
    )
    from sei_lmp.analysis.transport import TransportSeries
    from sei_lmp.analysis.transport.plots import plot_arrhenius, plot_msd, save

    results = _transport_results()
    series = TransportSeries.from_results(results)
    T = np.linspace(300, 1500, 60)
    curve = pd.DataFrame({"temperature": T, "density": 2.0 - np.where(T < 900, 1e-4, 4e-4) * (T - 900),
                          "energy": -3.0 + 2e-4 * T + np.where(T > 900, 1e-4 * (T - 900), 0.0)})
    qa = MeltQuenchQA([], [], {"density": 2.0}, curve=curve,
                      tg_density=glass_transition(T, curve["density"]), tg_energy=glass_transition(T, curve["energy"]))
    table = _interphase_table()
    rdf = pd.DataFrame({"r": np.linspace(0.1, 5, 50), "Li-F": np.ones(50)})
    structure = StructureResult(rdf, pd.DataFrame({"cn": [6.0]}), pd.DataFrame({"SC": [1.0]}),
                                pd.DataFrame({"FCC": [1.0]}), pd.DataFrame({"density": [2.6]}))
    defects = DefectsResult(pd.DataFrame({"frame": [0, 1], "vacancies": [0, 1], "interstitials": [0, 1]}))
    speciation = SpeciationResult(pd.DataFrame({"frame": [0], "LiF": [1.0]}),
                                  pd.DataFrame({"frame": [0, 0], "z": [1.0, 2.0], "label": ["LiF", "LiF"],
                                                "fraction": [1.0, 1.0]}))

    axes = [plot_msd(results[0].msd, results[0].fits), plot_arrhenius(series.table, series.fits), results[0].plot(),
            series.plot(), plot_quench_curve(qa), plot_quench_curve(curve), qa.plot(),
            plot_profiles(table.attrs["profiles"], "F"), plot_thickness(table),
            plot_growth(table["time_ps"], table["thickness"], [fit_growth(table["time_ps"], table["thickness"],
                                                                          "parabolic")]),
            InterphaseResult(table).plot(), InterphaseResult(table).plot_thickness(), plot_rdf(rdf), structure.plot(),
            defects.plot(), speciation.plot()]
    assert all(hasattr(ax, "figure") for ax in axes)
    save(axes[0], tmp_path / "msd.png")
    for result in (results[0], series, InterphaseResult(table), structure):
        result.write(tmp_path / type(result).__name__)
    qa.write(tmp_path / "qa")
    assert (tmp_path / "qa" / "quench_curve.png").stat().st_size > 1000
    assert (tmp_path / "TransportSeries" / "arrhenius.png").stat().st_size > 1000
    assert matplotlib.get_backend() == pdf_backend


@pytest.mark.parametrize("package", ["analysis", "viz", "cli"])
def test_no_module_switches_the_backend(package):
    calls = [str(path.relative_to(PACKAGE)) for path in (PACKAGE / package).rglob("*.py")
             if re.search(r"matplotlib\.use\(|\bplt\.switch_backend\(", path.read_text())]
    assert calls == []
