"""The main job (Li interstitial in LiF: NEB, jumps, count Arrhenius, report) and the NVE check of the
shipped Li MTP through sei/mtp."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from sei_lmp.cli import app
from sei_lmp.data import shipped_potential
from sei_lmp.demo import run_nve


@pytest.mark.slow
def test_nve_with_shipped_li_potential():
    result = run_nve(cells=4, steps=1000, temperature=300.0)
    assert result.natoms == 128
    assert shipped_potential("Li_mtp_*.mtp") == result.potential
    # stated bound: |E - E0| < 0.1 meV/atom and |drift| < 0.05 meV/atom/ps over 1 ps at 1 fs
    assert result.max_deviation_mev_per_atom < 0.1
    assert abs(result.drift_mev_per_atom_ps) < 0.05
    assert 200 < result.temperature[len(result.temperature) // 2:].mean() < 400   # equipartition: ~300 K


def test_demo_command_prints_conservation():
    out = CliRunner().invoke(app, ["demo", "--nve", "--cells", "3", "--steps", "200"])
    assert out.exit_code == 0, out.output
    assert "energy drift" in out.output and "meV/atom/ps" in out.output


@pytest.mark.slow
def test_quick_demo_writes_every_report_section(tmp_path):
    """The main job in its CI size: LiF + interstitial -> NEB deck -> decks -> sei/ace runs -> jump analysis ->
    count Arrhenius -> report; with --all the glass and interface demos ride along."""
    from sei_lmp.demo import DemoSettings, run_demo
    from sei_lmp.viz import can_render

    result = run_demo(tmp_path, DemoSettings.quick(extras=True), progress=False, log=lambda _: None)
    assert result.structure_report["atoms"] == 217
    assert result.structure_report["formula"] == "F108Li109"
    # the potential's own lattice constant (the shipped ACE: 4.092 A), not the literature one, starts the runs
    assert result.structure_report["lattice_constant_A"] == pytest.approx(4.092, abs=2e-3)
    # the NEB deck reproduces the shipped ACE's collinear interstitialcy barrier (issue 18's table: 0.112 at
    # fmax 0.03; 0.109 converged), next to the teacher's from the card
    row = result.barriers.set_index("mechanism").loc["interstitialcy_collinear"]
    assert row["converged"] and row["barrier_eV"] == pytest.approx(0.109, abs=0.01)
    assert row["teacher_eV"] == pytest.approx(0.108, abs=0.02)
    # jumps per temperature: counts, exposure in interstitial-ps, exact intervals around the rate
    j = result.jumps
    assert list(j["temperature_K"]) == [700.0, 900.0]
    assert (j["exposure_ps"] > 3.0).all() and (j["jumps"] >= 0).all()
    assert ((j["rate_low_per_ps"] <= j["rate_per_ps"]) & (j["rate_per_ps"] <= j["rate_high_per_ps"])).all()
    assert result.fit.counts.sum() == j["jumps"].sum()
    text = result.report.read_text()
    # a number the data support is headlined in bold; else the report says there is no result, and why
    if result.unsupported:
        assert "Ea: **no result**" in text and "**Ea =" not in text
    else:
        assert "**Ea =" in text and result.headline["Ea_low_eV"] > 0
    for section in ("## Headline", "sigma(300 K)", "## Migration barriers (NEB)", "## Jumps and D per temperature",
                    "### Jump types", "## Compared with the literature", "0.20-0.24 eV", "PBE",
                    "## How long each step took", "arrhenius.png", "barriers.png", "jump_timeline.png", "msd.png"):
        assert section in text, section
    for name in ("arrhenius.png", "barriers.png", "jump_timeline.png", "msd.png", "report.html", "jumps.csv",
                 "jump_types.csv", "barriers.csv", "diffusion_msd.csv", "arrhenius/arrhenius_counts.csv"):
        assert (tmp_path / name).is_file(), name
    if can_render()[0]:
        assert (tmp_path / "interstitial_path.png").stat().st_size > 10_000
        assert "interstitial_path.png" in text
    assert set(result.timings_s) >= {"structure", "NEB barriers", "decks", "MD", "analysis",
                                      "glass: melt-quench MD", "interface: NPT MD"}
    # the extra protocols: their QA / profile outputs reach the report
    glass, interface = result.glass, result.interface
    assert glass.atoms == 64 and glass.run_dir.joinpath("final.data").is_file()
    assert glass.qa.curve is not None and len(glass.qa.curve) > 5        # the quench was sampled
    assert 1.0 < glass.qa.metrics["density"] < 3.0                       # g/cm3: a condensed phase, not a gas
    # both interfaces of the periodic cell in every dumped frame (a slab built with broken stacking, or a
    # profile that reads Li2S's S planes as phases, loses them), and a stable interface: Li2S is fully
    # lithiated, so the interphase only roughens (a collapsed structure mixes within picoseconds)
    dumped = interface.interfaces.attrs["profiles"]["frame"].nunique()
    assert dumped >= 10 and interface.interfaces.groupby("frame").size().eq(2).all()
    assert interface.interfaces["frame"].nunique() == dumped
    thickness = interface.thickness["thickness"]
    assert (thickness > 0).all() and thickness.max() - thickness.iloc[0] < 2 * interface.settings.smooth_width
    assert "Interfaces found in" in text and "thermodynamically stable" in text
    for section in ("## Li3PS4 glass: melt-quench and its quality checks", "QA verdict:", "Tg from density",
                    "## Li | Li2S interface", "interphase thickness", "glass_quench.png", "glass_rdf.png",
                    "interface_profiles.png", "interface_thickness.png"):
        assert section in text, section
    for name in ("glass_qa.csv", "interface_positions.csv", "interface_thickness.csv"):
        assert (tmp_path / name).is_file(), name
    # a re-run keeps the finished NEB band and MD runs (nothing is recomputed or overwritten)
    stamp = (tmp_path / "neb" / "interstitialcy_collinear" / "manifest.json").stat().st_mtime_ns
    again = run_demo(tmp_path, DemoSettings.quick(), progress=False, log=lambda _: None)
    assert (tmp_path / "neb" / "interstitialcy_collinear" / "manifest.json").stat().st_mtime_ns == stamp
    assert again.jumps["jumps"].tolist() == j["jumps"].tolist()
    assert again.barriers["barrier_eV"].tolist() == result.barriers["barrier_eV"].tolist()


def _fit_and_barriers(counts, barriers):
    import pandas as pd

    from sei_lmp.analysis.transport import fit_count_arrhenius

    temps = [450.0, 550.0, 700.0, 900.0]
    fit = fit_count_arrhenius(temps, counts, [50.0] * 4, jump_length_A=2.0, carrier_density_per_A3=1e-3)
    table = pd.DataFrame({"mechanism": list(barriers), "barrier_eV": list(barriers.values())})
    return fit, table


def _result(fit, barriers, tmp_path):
    import pandas as pd

    from sei_lmp.demo.results import DemoResult, DemoSettings

    types = pd.DataFrame({"type": ["interstitialcy collinear", "direct"], "events": [80, 20]})
    return DemoResult(tmp_path, DemoSettings(), tmp_path / "p.yace", {}, barriers, pd.DataFrame(), types, fit,
                      pd.DataFrame())


def test_md_ea_is_compared_with_the_lowest_neb_barrier(tmp_path):
    """Counts drawn from Ea = 0.11 eV agree with a 0.109 eV barrier; a 0.30 eV lowest barrier is outside the
    interval and the sentence says which way and points at the jump types; no Ea: no comparison."""
    import numpy as np

    rates = 5.5 * np.exp(-0.11 / (8.617e-5 * np.array([450.0, 550.0, 700.0, 900.0]))) * 50.0
    counts = np.round(rates).astype(int)
    fit, barriers = _fit_and_barriers(counts, {"interstitialcy_collinear": 0.109, "direct": 0.183})
    result = _result(fit, barriers, tmp_path)
    assert fit.supported and "agrees with the potential's lowest NEB barrier, 0.109 eV" in result.agreement()
    assert "interstitialcy collinear as the commonest jump (80 % of 100)" in result.agreement()
    fit, barriers = _fit_and_barriers(counts, {"direct": 0.30, "interstitialcy_noncollinear": 0.40})
    sentence = _result(fit, barriers, tmp_path).agreement()
    assert "does not contain the lowest NEB barrier, 0.300 eV" in sentence and "anharmonic" in sentence
    fit, barriers = _fit_and_barriers([3, 3, 3, 3], {"direct": 0.30})
    assert not fit.supported and "gives no Ea" in _result(fit, barriers, tmp_path).agreement()


def _package_imports(package: str) -> dict[str, set[str]]:
    """module -> the modules of ``package`` it imports (at any depth of the file), from the source."""
    import ast
    from pathlib import Path

    import sei_lmp

    root = Path(sei_lmp.__file__).parent.parent
    graph = {}
    for path in sorted((root / package.replace(".", "/")).glob("*.py")):
        name = f"{package}.{path.stem}" if path.stem != "__init__" else package
        found = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(package):
                found.add(node.module)
                found.update(f"{node.module}.{a.name}" for a in node.names)
            elif isinstance(node, ast.Import):
                found.update(a.name for a in node.names if a.name.startswith(package))
        graph[name] = found
    return {m: {d for d in deps if d in graph and d != m} for m, deps in graph.items()}


def test_demo_modules_import_no_cycle():
    """Data flows run -> result -> report: no demo module reaches itself through the others (the package's
    __init__ only re-exports, so it is left out)."""
    graph = {m: deps - {"sei_lmp.demo"} for m, deps in _package_imports("sei_lmp.demo").items() if m != "sei_lmp.demo"}
    assert "sei_lmp.demo.results" in graph["sei_lmp.demo.report"]

    def reaches(start, target, seen=()):
        return any(d == target or (d not in seen and reaches(d, target, (*seen, d))) for d in graph[start])

    cycles = [m for m in graph if reaches(m, m)]
    assert not cycles, f"import cycle through {cycles}"


def test_demo_helpers_time_blocks_and_leave_the_backend_alone(tmp_path):
    import matplotlib

    from sei_lmp.demo.single_run import new_figure, save_figure, timed

    backend = matplotlib.get_backend()
    timings, lines = {}, []
    with timed(timings, "step", lines.append):
        fig, ax = new_figure()
        ax.plot([0, 1], [1, 0])
        path = save_figure(fig, tmp_path / "a.png")
    assert path.stat().st_size > 1000 and timings["step"] >= 0 and lines == [f"  step: {timings['step']:.1f} s"]
    assert matplotlib.get_backend() == backend
