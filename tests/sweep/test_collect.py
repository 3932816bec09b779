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
    # the collected row is the analysis of that run's own files
    for column in ("D_cm2_s", "D_upper_cm2_s"):
        np.testing.assert_allclose(results[column].iloc[0], direct[column].iloc[0], rtol=1e-12, equal_nan=True)
    assert results["D_status"].iloc[0] == direct["D_status"].iloc[0]
    # 0.3-ps runs of a perfect crystal reach no diffusive regime: no D, so no Arrhenius number, only why
    assert set(results["D_status"]) <= {"not_diffusive", "upper_bound"} and results["D_cm2_s"].isna().all()
    assert fits is not None and len(fits) == 1 and np.isnan(fits["Ea_eV"].iloc[0])
    assert fits["n_dropped"].iloc[0] == 4 and fits["reason"].iloc[0]


# --- unmeasurable temperatures: dropped with a note, never an abort or a number the data cannot support ---
def diffusion_rows(temperatures, d_values, d_errors, species="Li"):
    """Rows as the transport analysis gives them, one per run (run ids name temperature and seed)."""
    rows = []
    for i, (t, d, e) in enumerate(zip(temperatures, d_values, d_errors)):
        rows.append({"run_id": f"T{t:g}_s{i}", "structure": "bcc", "potential": "mtp", "temperature_K": float(t),
                     "md.seed": i, "species": species, "D_cm2_s": d, "D_err_cm2_s": e})
    return pd.DataFrame(rows)


def arrhenius_group_fits(rows):
    from sei_lmp.sweep.collect import group_fits

    return group_fits(rows, DiffusionNVT, ["structure", "potential", "temperature_K", "md.seed"])


@pytest.fixture
def quiet():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")      # the Arrhenius fit warns about poor fits: not what is tested here
        yield


def test_a_temperature_without_diffusion_is_dropped_with_a_note(quiet):
    ea, d0 = 0.3, 1e-3
    temps = [400, 400, 500, 500, 600, 600]
    d = [d0 * np.exp(-ea / (BOLTZMANN_EV * t)) for t in temps]
    d[0], d[1] = -2e-9, np.nan                        # 400 K: a negative slope and no fit at all
    rows = diffusion_rows(temps, d, [0.05 * abs(x) if np.isfinite(x) else np.nan for x in d])
    fits = arrhenius_group_fits(rows)
    assert len(fits) == 1
    row = fits.iloc[0]
    # the rest is fitted: the two measurable temperatures give the true line
    assert row["Ea_eV"] == pytest.approx(ea, rel=1e-6) and row["n_temperatures"] == 4
    assert row["n_dropped"] == 2
    assert "T400_s0 (400.0 K): D_cm2_s = -2e-09 <= 0" in row["dropped"]
    assert "T400_s1 (400.0 K): no measurable D_cm2_s" in row["dropped"]


def test_fewer_than_two_measurable_temperatures_give_nan_with_the_reason(quiet):
    rows = diffusion_rows([400, 500, 600], [-1e-8, 1e-9, 5e-7], [1e-9, 2e-9, 2e-8])
    row = arrhenius_group_fits(rows).iloc[0]
    assert np.isnan(row["Ea_eV"])
    assert "fewer than 2 temperature_K values with a measurable result (600)" in row["reason"]
    assert "T500_s1 (500.0 K): D_cm2_s = 1e-09 +- 2e-09 is consistent with zero" in row["dropped"]


def test_a_perfect_crystal_sweep_says_its_ea_is_not_supported(quiet):
    # what the README's bcc Li example gives: a D at each temperature, flat in T within its (large) errors;
    # the weighted fit would say Ea ~ 0.001 +- 1.6 eV
    rows = diffusion_rows([400, 400, 450, 450, 500, 500], [1.9e-9, 2.2e-9, 1.7e-9, 2.4e-9, 2.3e-9, 1.9e-9],
                          [0.5e-9] * 6)
    row = arrhenius_group_fits(rows).iloc[0]
    assert np.isnan(row["Ea_eV"]) and np.isnan(row["Ea_err_eV"]) and np.isnan(row["D_300K_cm2_s"])
    assert row["reason"].startswith("not supported: the fit gives Ea = ")
    assert "interval reaches zero" in row["reason"]
    assert (row["T_min_K"], row["T_max_K"]) == (400, 500)     # what was fitted stays on the row
    assert row["dropped"] == "" and row["n_dropped"] == 0       # every run was measurable


def test_a_negative_ea_is_never_a_result(quiet):
    rows = diffusion_rows([400, 500, 600], [3e-7, 2e-7, 1e-7], [1e-9] * 3)
    row = arrhenius_group_fits(rows).iloc[0]
    assert np.isnan(row["Ea_eV"]) and "<= 0" in row["reason"]


def test_dropped_temperatures_are_drawn_as_upper_limits(quiet):
    from sei_lmp.sweep.plots import arrhenius_axes

    temps = [400, 500, 600, 700]
    d = [1e-9, 5e-8, 3e-7, 1e-6]
    err = [2e-9, 2e-9, 1e-8, 3e-8]                    # 400 K: consistent with zero
    rows = pd.concat([diffusion_rows(temps, d, err), diffusion_rows([300], [np.nan], [np.nan])], ignore_index=True)
    fits = arrhenius_group_fits(rows)
    assert np.isfinite(fits["Ea_eV"].iloc[0])
    ax = arrhenius_axes(rows, fits)
    limits = [c for c in ax.containers if "upper limit" in str(c.get_label())]
    assert len(limits) == 1 and "lowest D shown" in limits[0].get_label()    # 300 K has no bound of its own
    x, y = limits[0].lines[0].get_data()
    np.testing.assert_allclose(x, [1000 / 400, 1000 / 300])
    np.testing.assert_allclose(y, [1e-9 + 1.959963984540054 * 2e-9, 5e-8])
    points = [c for c in ax.containers if "upper limit" not in str(c.get_label())]
    assert len(points[0].lines[0].get_xdata()) == 3


def test_an_unsupported_fit_is_named_in_the_plot(quiet):
    from sei_lmp.sweep.plots import arrhenius_axes

    rows = diffusion_rows([400, 450, 500], [2.0e-9, 1.7e-9, 2.2e-9], [0.5e-9] * 3)
    ax = arrhenius_axes(rows, arrhenius_group_fits(rows))
    texts = ax.get_legend_handles_labels()[1]
    assert any(t.startswith("bcc mtp Li: no Ea (the fit gives Ea =") for t in texts)
    assert not any(t.startswith("Ea = ") for t in texts)


def negative_at_600(run_dir: Path, species=None) -> pd.DataFrame:
    """The stand-in analysis, with no measurable diffusion at 600 K (a negative MSD slope)."""
    row = msd_diffusion(run_dir, species)
    if row["temperature_K"].iloc[0] == 600:
        row["D_cm2_s"] = -abs(row["D_cm2_s"])
    return row


@pytest.mark.slow
def test_collect_keeps_going_when_a_temperature_has_no_diffusion(finished_sweep, monkeypatch, quiet):
    monkeypatch.setattr(DiffusionNVT, "analysis", f"{__name__}:negative_at_600")
    results, fits = collect(finished_sweep, progress=False)
    assert len(results) == 4 and (results["D_cm2_s"] < 0).sum() == 2
    row = fits.iloc[0]
    # two seeds at 900 K are one temperature: no Ea, and the reason and the dropped runs are in fits.csv
    assert np.isnan(row["Ea_eV"]) and "fewer than 2 temperature_K values" in row["reason"]
    assert row["n_dropped"] == 2 and row["dropped"].count("(600.0 K): D_cm2_s =") == 2
    saved = pd.read_csv(finished_sweep / "collect" / "fits.csv")
    assert "dropped" in saved.columns and "reason" in saved.columns
    assert (finished_sweep / "collect" / "arrhenius.png").stat().st_size > 1000


# --- a run the analysis cannot measure at all (it refuses: too few MSD points): dropped with its reason ---
TOO_SHORT = ("fewer than 4 positive MSD points below 0.04 ps: the run is too short to fit (write more frames, or "
             "give the window explicitly)")


def refuses_at_600(run_dir: Path, species=None) -> pd.DataFrame:
    """A stand-in analysis: an Arrhenius D for Li and S, except at 600 K, where it refuses as the MSD fit does for
    a very short run."""
    manifest = json.loads((Path(run_dir) / "manifest.json").read_text())
    temperature = float(manifest["settings"]["temperature_K"])
    if temperature == 600:
        raise ConfigurationError(TOO_SHORT)
    d = [1e-3 * np.exp(-ea / (BOLTZMANN_EV * temperature)) for ea in (0.3, 0.5)]
    return pd.DataFrame({"temperature_K": temperature, "species": ["Li", "S"], "D_cm2_s": d,
                         "D_err_cm2_s": [0.05 * x for x in d]})


def _planned_and_done(write_sweep, out: Path, temperatures) -> pd.DataFrame:
    from sei_lmp.run.directory import RunDirectory

    plan_sweep(read_sweep(write_sweep(temperatures=temperatures, seeds=(1,))), out, progress=False)
    table = pd.read_csv(out / "sweep.csv")
    for directory in table["directory"]:
        RunDirectory(out / directory).mark_done(1)
    return table


def test_a_run_the_analysis_refuses_is_dropped_with_its_reason(write_sweep, tmp_path, monkeypatch):
    table = _planned_and_done(write_sweep, tmp_path / "out", (600, 700, 800))
    monkeypatch.setattr(DiffusionNVT, "analysis", f"{__name__}:refuses_at_600")
    monkeypatch.setattr(DiffusionNVT, "group_fit", f"{__name__}:simple_arrhenius")
    short = table.loc[table["temperature_K"] == 600, "run_id"].iloc[0]
    with pytest.warns(UserWarning, match=f"sweep collect: {short} left out \\(not measurable\\): fewer than 4 "):
        results, fits = collect(tmp_path / "out", progress=False)
    # every run has its rows, in the sweep's order; the refused one with its parameters and the reason
    assert list(dict.fromkeys(results["run_id"])) == list(table["run_id"])
    refused = results[results["run_id"] == short].iloc[0]
    assert refused["analysis_error"] == TOO_SHORT and np.isnan(refused["D_cm2_s"])
    assert (results.loc[results["run_id"] != short, "analysis_error"] == "").all()
    # each species' fit uses 700 and 800 K and names the refused run as dropped, with why
    assert sorted(fits["species"]) == ["Li", "S"] and (fits["n_runs"] == 2).all()
    assert (fits["n_dropped"] == 1).all()
    assert (fits["dropped"] == f"{short} (600.0 K): not measurable: {TOO_SHORT}").all()
    li = fits.set_index("species").loc["Li"]
    assert li["Ea_eV"] == pytest.approx(0.3, rel=1e-6)
    saved = pd.read_csv(tmp_path / "out" / "collect" / "fits.csv")
    assert (saved["n_dropped"] == 1).all() and (tmp_path / "out" / "collect" / "arrhenius.png").is_file()


def test_when_no_run_can_be_analysed_the_error_names_them(write_sweep, tmp_path, monkeypatch):
    table = _planned_and_done(write_sweep, tmp_path / "out", (600,))
    monkeypatch.setattr(DiffusionNVT, "analysis", f"{__name__}:refuses_at_600")
    with pytest.raises(ConfigurationError) as info:
        collect(tmp_path / "out", progress=False)
    assert str(info.value) == (f"no run of {(tmp_path / 'out').resolve()} could be analysed, so nothing was "
                               f"collected: {table['run_id'].iloc[0]}: {TOO_SHORT}")
    assert not (tmp_path / "out" / "collect" / "results.csv").exists()
