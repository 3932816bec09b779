"""The main job: NVE MD of bcc Li with the shipped MTP through sei/mtp conserves energy."""

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
    """The main job in its CI size: LiF + interstitial -> decks -> sei/mtp runs -> transport -> report."""
    import warnings

    from sei_lmp.analysis.transport import TransportWarning
    from sei_lmp.demo import DemoSettings, run_demo
    from sei_lmp.viz import can_render

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TransportWarning)     # 3 ps runs are too short, and say so
        # --all: the Li3PS4 melt-quench and the Li | Li2S interface run ride along at their quick size
        result = run_demo(tmp_path, DemoSettings.quick(extras=True), progress=False, log=lambda _: None)
    assert result.structure_report["atoms"] == 217
    assert result.structure_report["formula"] == "F108Li109"
    # the potential's own lattice constant, not the literature one, starts the runs
    assert 4.0 < result.structure_report["lattice_constant_A"] < 4.3
    assert list(result.diffusion["temperature_K"]) == [800.0, 1000.0]
    # 3 ps with one interstitial rarely shows diffusion: each temperature has a measured D with an error bar,
    # or no D and an upper bound with the reason; the report says which temperatures were left out of the fit
    d = result.diffusion
    measured = d["D_status"] == "measured"
    assert (d.loc[measured, "D_err_cm2_s"] > 0).all()
    assert (d.loc[~measured, "D_cm2_s"].isna() & (d.loc[~measured, "D_upper_cm2_s"] > 0)).all()
    assert d.loc[~measured, "D_note"].str.len().gt(0).all()
    text = result.report.read_text()
    if not (d["D_cm2_s"] > 0).all():
        assert "left out of the Arrhenius fit" in text
    # a number the data support is headlined in bold; else the report says there is no result, and why
    if result.unsupported:
        assert "Ea: **no result**" in text and "**Ea =" not in text
    else:
        assert "**Ea =" in text
    for section in ("## Headline", "sigma(300 K)", "## Compared with the literature", "0.20-0.24 eV",
                    "## D(T)", "## How long each step took", "arrhenius.png", "msd.png"):
        assert section in text, section
    for name in ("arrhenius.png", "msd.png", "report.html", "diffusion.csv", "arrhenius.csv"):
        assert (tmp_path / name).is_file(), name
    if can_render()[0]:
        assert (tmp_path / "snapshot.png").stat().st_size > 10_000
        assert "snapshot.png" in text
    assert set(result.timings_s) >= {"structure", "decks", "MD", "analysis", "glass: melt-quench MD",
                                      "interface: NPT MD"}
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


def test_literature_comparison_says_when_few_hops_carry_ea():
    from sei_lmp.demo.report import FEW_HOPS, _literature_sentence

    few = _literature_sentence(0.19, 0.07, [3.7, 4.3, 7.0])
    assert "consistent with" in few and "3.7-7.0 effective hops" in few and "--seed" in few
    many = _literature_sentence(0.19, 0.07, [FEW_HOPS, 40.0])
    assert "consistent with" in many and "effective hops" not in many
    assert "above" in _literature_sentence(0.60, 0.05, [20.0, 30.0])
    assert "too uncertain" in _literature_sentence(0.44, 0.165, [2.9, 6.8])


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
