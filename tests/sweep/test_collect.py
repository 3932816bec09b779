"""collect: the protocol's analysis on every finished run, one tidy table with the run parameters,
a group fit per potential/structure/species, and a plot."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sei_lmp.errors import ConfigurationError
from sei_lmp.decks import DiffusionNVT
from sei_lmp.sweep import collect as collect_module
from sei_lmp.sweep.collect import collect, resolve
from sei_lmp.sweep.executors.local import run_local
from sei_lmp.sweep.plan import plan_sweep
from sei_lmp.sweep.spec import read_sweep

BOLTZMANN_EV = 8.617333262e-5


@pytest.fixture(scope="module")
def finished_sweep(tmp_path_factory):
    from sweep_helpers import sweep_toml

    root = tmp_path_factory.mktemp("collect")
    (root / "s.toml").write_text(sweep_toml("collect", temperatures=(600, 900), seeds=(1, 2)))
    out = root / "out"
    plan_sweep(read_sweep(root / "s.toml"), out, progress=False)
    outcome = run_local(out, jobs=2, progress=False)
    assert set(outcome["outcome"]) == {"done"}
    return out


# a stand-in analysis: Einstein relation (end-point MSD) on the deck's own MSD file, temperature from the manifest
def msd_diffusion(run_dir: Path, species=None) -> pd.DataFrame:
    data = np.loadtxt(Path(run_dir) / "msd_Li.dat")
    manifest = json.loads((Path(run_dir) / "manifest.json").read_text())
    dt_ps = manifest["settings"]["md"]["timestep_fs"] / 1000.0
    slope = data[-1, 4] / ((data[-1, 0] - data[0, 0]) * dt_ps)      # A^2/ps: crude, but positive
    return pd.DataFrame([{"temperature_K": float(manifest["settings"]["temperature_K"]), "species": "Li",
                          "D_cm2_s": slope / 6.0 * 1e-4, "D_err_cm2_s": 0.1 * slope / 6.0 * 1e-4}])


def simple_arrhenius(table: pd.DataFrame) -> dict:
    slope, intercept = np.polyfit(1.0 / table["temperature_K"], np.log(table["D_cm2_s"]), 1)
    return {"Ea_eV": -slope * BOLTZMANN_EV, "D0_cm2_s": float(np.exp(intercept)), "n_runs": len(table)}


@pytest.fixture
def stand_in(monkeypatch):
    monkeypatch.setattr(DiffusionNVT, "analysis", f"{__name__}:msd_diffusion")
    monkeypatch.setattr(DiffusionNVT, "group_fit", f"{__name__}:simple_arrhenius")


@pytest.mark.slow
def test_collect_with_a_registered_analysis(finished_sweep, stand_in):
    results, fits = collect(finished_sweep, progress=False)
    table = pd.read_parquet(finished_sweep / "sweep.parquet")
    assert len(results) == 4
    # the run's parameters sit next to what the analysis found in that run's own files
    np.testing.assert_array_equal(results["temperature_K"].astype(float), results["temperature_K"])
    assert list(results["run_id"]) == list(table["run_id"])
    for _, row in results.iterrows():
        expected = msd_diffusion(finished_sweep / "runs" / row["run_id"])
        assert row["D_cm2_s"] == expected["D_cm2_s"].iloc[0]
    # one fit over temperatures and seeds: the same numbers as fitting the table directly
    assert len(fits) == 1 and fits["n_runs"].iloc[0] == 4
    direct = simple_arrhenius(results)
    assert fits["Ea_eV"].iloc[0] == pytest.approx(direct["Ea_eV"], rel=1e-12)
    assert {"structure", "potential", "species"} <= set(fits.columns)
    assert (finished_sweep / "collect" / "results.parquet").is_file()
    pd.testing.assert_frame_equal(pd.read_parquet(finished_sweep / "collect" / "results.parquet"), results)
    assert (finished_sweep / "collect" / "arrhenius.png").stat().st_size > 1000


def test_missing_analysis_is_a_clear_error(monkeypatch):
    with pytest.raises(ConfigurationError, match="analysis module sei_lmp.analysis.nothing is not available"):
        resolve("sei_lmp.analysis.nothing:analyze_run")
    with pytest.raises(ConfigurationError, match="sei_lmp.sweep.spec has no function 'analyze_run'"):
        resolve("sei_lmp.sweep.spec:analyze_run")


def test_collect_before_any_run_finished(write_sweep, tmp_path, stand_in):
    plan_sweep(read_sweep(write_sweep(temperatures=(600,), seeds=(1,))), tmp_path / "out", progress=False)
    with pytest.raises(ConfigurationError, match="no finished runs in .*; run the sweep first"):
        collect(tmp_path / "out", progress=False)


@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("sei_lmp.analysis.transport") is None,
                    reason="sei_lmp.analysis.transport is not there yet (another issue)")
def test_collect_with_the_transport_analysis(finished_sweep):
    import warnings

    from sei_lmp.analysis.transport import analyze_run

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")     # 0.3 ps runs: the analysis rightly warns about statistics
        results, fits = collect(finished_sweep, progress=False)
        direct = analyze_run(finished_sweep / "runs" / results["run_id"].iloc[0])
    assert len(results) == 4 and set(results["species"]) == {"Li"}
    np.testing.assert_array_equal(results["temperature_K"].astype(float), results["temperature_K"])
    assert results["D_cm2_s"].iloc[0] == pytest.approx(direct["D_cm2_s"].iloc[0], rel=1e-12)
    assert fits is not None and len(fits) == 1 and "Ea_eV" in fits.columns
