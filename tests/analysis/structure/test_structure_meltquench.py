"""Melt-quench QA: Tg from a synthetic two-slope density curve, verdicts with reasons on synthetic run
directories (log + manifest + final structure), and the whole chain on a real tiny melt-quench run."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from ase.io import write

from sei_lmp.analysis.structure import (
    QACriteria,
    analyze_melt_quench,
    check_melt_quench,
    glass_transition,
    partial_rdf,
    plot_quench_curve,
    quench_curve,
)
from sei_lmp.errors import ConfigurationError
from sei_lmp.structures import phase

TG = 900.0
STAGES = {"heat": 1000, "hold": 2000, "quench": 12000, "anneal": 13000, "total": 15000}
COLUMNS = "Step Time Temp PotEng KinEng TotEng Press Volume Density Lx Ly Lz"


def two_slope(T, low=-1e-4, high=-4e-4, at_tg=2.0):
    return at_tg + np.where(T < TG, low, high) * (T - TG)


def write_run(directory: Path, final_atoms, n_atoms=400, noise=2e-4, final_drift=0.0, seed=0) -> Path:
    """A melt-quench deck directory as the deck and runner leave it, with a known density curve."""
    rng = np.random.default_rng(seed)
    directory.mkdir(parents=True, exist_ok=True)
    manifest = {"protocol": "melt_quench", "elements": ["Li", "F"], "stages": STAGES,
                "settings": {"md": {"timestep_fs": 1.0}}}
    (directory / "manifest.json").write_text(json.dumps(manifest))
    lines = ["LAMMPS (22 Jul 2025 - Update 4)"]
    edges = [0, *STAGES.values()]
    temps = {"heat": (300, 2000), "hold": (2000, 2000), "quench": (2000, 300), "anneal": (300, 300),
             "total": (300, 300)}
    for (name, end), start in zip(STAGES.items(), edges):
        lines += ["Per MPI rank memory allocation (min/avg/max) = 3 | 3 | 3 Mbytes", f"   {COLUMNS}"]
        for step in range(start, end + 1, 100):
            t0, t1 = temps[name]
            T = t0 + (t1 - t0) * (step - start) / (end - start)
            rho = two_slope(T) + rng.normal(0, noise) + (final_drift * (step - start) / (end - start)
                                                        if name == "total" else 0.0)
            pe = n_atoms * (-1.5 + 2e-4 * T + (1e-4 * (T - TG) if T > TG else 0.0))
            lines.append(f"{step} {step / 1000:.3f} {T:.3f} {pe:.5f} 1.0 1.0 0.0 1000.0 {rho:.6f} 10 10 10")
        lines.append("Loop time of 1.0 on 1 procs for 100 steps with 400 atoms")
    (directory / "log.lammps").write_text("\n".join(lines) + "\n")
    if final_atoms is not None:
        write(directory / "final.data", final_atoms, format="lammps-data", specorder=["Li", "F"], masses=True)
    return directory


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_tg_from_two_slopes(seed):
    T = np.linspace(300, 2000, 150)
    rho = two_slope(T) + np.random.default_rng(seed).normal(0, 2e-4, T.shape)
    fit = glass_transition(T, rho)
    assert abs(fit.tg - TG) < max(3 * fit.tg_err, 10.0)
    assert fit.tg_err < 60
    assert fit.slope_low == pytest.approx(-1e-4, rel=0.2) and fit.slope_high == pytest.approx(-4e-4, rel=0.1)
    with pytest.raises(ConfigurationError, match="needs at least 8 points"):
        glass_transition(T[:5], rho[:5])


def test_quench_curve_reads_the_quench_stage(tmp_path, glass):
    run = write_run(tmp_path / "mq", glass)
    curve = quench_curve(run)
    assert curve["step"].min() == STAGES["hold"] and curve["step"].max() == STAGES["quench"]
    assert curve["temperature"].iloc[0] == pytest.approx(2000) and curve["temperature"].iloc[-1] == pytest.approx(300)
    assert curve["energy"].iloc[-1] == pytest.approx(-1.5 + 2e-4 * 300, abs=1e-6)    # per atom
    with pytest.raises(ConfigurationError, match="unknown stage 'cool'"):
        quench_curve(run, "cool")


def test_verdict_passes_for_a_glass(tmp_path, glass):
    qa = check_melt_quench(write_run(tmp_path / "mq", glass), reference=glass,
                           criteria=QACriteria(require_tg=True, density_window=(1.9, 2.2)))
    assert qa.passed and qa.verdict == "PASS", (qa.reasons, qa.missing)
    assert qa.metrics["rdf_r_factor"] == pytest.approx(0.0, abs=1e-12)
    assert abs(qa.metrics["tg_density"] - TG) < max(3 * qa.metrics["tg_density_err"], 10.0)
    assert abs(qa.metrics["tg_energy"] - TG) < max(3 * qa.metrics["tg_energy_err"], 10.0)
    assert qa.metrics["density"] == pytest.approx(two_slope(300.0), abs=1e-3)
    ax = plot_quench_curve(qa)
    assert ax.get_xlabel() == "T (K)"


def test_verdict_fails_with_reasons(tmp_path, glass):
    crystal = phase("LiF") * (3, 3, 3)
    qa = check_melt_quench(write_run(tmp_path / "xtal", crystal), reference=glass)
    assert not qa.passed
    assert any(r.startswith("residual crystallinity 100.0% > 5.0% (PTM)") for r in qa.reasons)
    assert any(r.startswith("final RDF differs from the reference") for r in qa.reasons)
    drifting = check_melt_quench(write_run(tmp_path / "drift", glass, final_drift=0.3))
    assert any("density not steady over the final stage" in r for r in drifting.reasons)
    # missing data is no failed criterion: nothing could be checked (INCONCLUSIVE, with what to do)
    unfinished = check_melt_quench(write_run(tmp_path / "killed", None))
    assert unfinished.reasons == [] and unfinished.verdict == "INCONCLUSIVE"
    assert unfinished.missing == [f"{tmp_path / 'killed'} has no final.data: the run has not finished; finish it "
                                  f"with 'sei-lmp run {tmp_path / 'killed'}'"]
    window = check_melt_quench(write_run(tmp_path / "w", glass), criteria=QACriteria(density_window=(2.5, 3.0)))
    assert any(r.startswith("density 2.06") and "outside [2.5, 3.0]" in r for r in window.reasons)


def test_analyze_melt_quench_contract(tmp_path, glass):
    runs = [write_run(tmp_path / f"r{k}", atoms) for k, atoms in enumerate([glass, phase("LiF") * (3, 3, 3)])]
    table = pd.concat([analyze_melt_quench(r) for r in runs], ignore_index=True)
    assert list(table.columns) == ["run_dir", "crystalline_fraction", "density", "density_rsd", "density_change", "energy",
                                   "rdf_r_factor", "tg_density", "tg_density_err", "tg_energy", "tg_energy_err",
                                   "verdict", "passed", "reasons", "missing", "notes"]
    # no reference and no density window: nothing failed for the glass, but it cannot PASS either
    assert table["verdict"].tolist() == ["INCONCLUSIVE", "FAIL"] and table["passed"].tolist() == [False, False]
    assert "no reference for the structure" in table["missing"].iloc[0]
    assert "no density window" in table["missing"].iloc[0]
    assert np.isnan(table["rdf_r_factor"]).all()
    with pytest.raises(ConfigurationError, match="has no manifest.json: pass a melt-quench deck directory"):
        analyze_melt_quench(tmp_path)


def test_reference_from_another_run(tmp_path, glass):
    a = write_run(tmp_path / "a", glass)
    b = write_run(tmp_path / "b", glass)
    qa = check_melt_quench(a, reference=b)
    assert qa.metrics["rdf_r_factor"] == pytest.approx(0.0, abs=1e-12)
    csv = tmp_path / "ref.csv"
    partial_rdf(glass, cutoff=6.0, bins=120).to_csv(csv, index=False)
    assert check_melt_quench(a, reference=csv).metrics["rdf_r_factor"] == pytest.approx(0.0, abs=1e-9)


@pytest.mark.slow
def test_real_tiny_melt_quench_run(tmp_path):
    """The shipped Li MTP: melt 128 bcc Li atoms, quench fast, and run every check on the result."""
    from sei_lmp.decks import MeltQuench, render_deck
    from sei_lmp.potentials import load_potential

    repo = Path(__file__).resolve().parents[3]
    pot = load_potential(repo / "potentials" / "Li_mtp_L10_mlearn.mtp")
    settings = {"md.thermo_every": "20", "md.restart_every": "1000", "md.tdamp_steps": "20", "heat_ps": 0.4,
                "hold_ps": 0.4, "t_melt": 1200, "t_final": 300, "quench_rate_k_per_ps": 1000, "anneal_ps": 0.2,
                "equilibrate_ps": 0.4, "sample_every": 20}
    deck = render_deck(MeltQuench().with_settings(settings), phase("Li", a=3.43) * (4, 4, 4), pot, "plugin",
                       workdir=tmp_path / "build")
    out = deck.write(tmp_path / "mq")
    lmp = Path(sys.executable).parent / "lmp"
    proc = subprocess.run([str(lmp), "-in", "in.lmp", "-log", "log.lammps"], cwd=out, capture_output=True,
                          text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stdout[-2000:]
    qa = check_melt_quench(out, reference=phase("Li", a=3.43) * (4, 4, 4))
    curve = qa.curve
    assert len(curve) >= 40 and curve["temperature"].iloc[0] > curve["temperature"].iloc[-1]
    assert 0.3 < qa.metrics["density"] < 0.7                          # Li near 0.5 g/cm^3
    assert 0.0 <= qa.metrics["crystalline_fraction"] <= 1.0
    assert np.isfinite(qa.metrics["rdf_r_factor"])
    # this short NVT melt leaves a barostat transient on the quench: a Tg, or the note that says why not
    assert np.isfinite(qa.metrics["tg_density"]) or any("not monotonic" in m for m in qa.missing)
    assert qa.verdict == ("FAIL" if qa.reasons else "INCONCLUSIVE" if qa.missing else "PASS")
    table = analyze_melt_quench(out)
    assert table["density"].iloc[0] == pytest.approx(qa.metrics["density"])


def test_v_shaped_density_is_not_a_glass_transition(tmp_path, glass):
    """A density that falls and then rises on cooling (barostat transient) gives no Tg, and fails when a
    Tg is required."""
    run = write_run(tmp_path / "v", glass)
    log = (run / "log.lammps").read_text().splitlines()
    columns = COLUMNS.split()
    out = []
    for line in log:
        parts = line.split()
        if len(parts) == len(columns) and parts[0].isdigit() and STAGES["hold"] <= int(parts[0]) <= STAGES["quench"]:
            T = float(parts[2])
            parts[columns.index("Density")] = f"{2.0 + 4e-4 * abs(T - 1200.0):.6f}"
            line = " ".join(parts)
        out.append(line)
    (run / "log.lammps").write_text("\n".join(out) + "\n")
    qa = check_melt_quench(run, criteria=QACriteria(require_tg=True))
    assert not qa.passed and np.isnan(qa.metrics["tg_density"])
    assert any(r.startswith("density vs T on the quench is not monotonic") for r in qa.reasons)
