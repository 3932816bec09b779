"""The main job: Li-interstitial diffusion in LiF with the shipped MTP, from structure to report.

structure (LiF + one Li interstitial at the largest void) -> one NVT-diffusion deck per temperature
(a sweep) -> runs with ``pair_style sei/mtp`` on a local pool -> transport analysis (MSD, D with
errors, Arrhenius, Nernst-Einstein sigma) -> figures, an OVITO snapshot and ``report.md``/``report.html``.

Every step is timed; re-running continues where an interrupted demo stopped (the sweep is resumable).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

from sei_lmp.demo.report import write_report
from sei_lmp.demo.results import DemoResult, DemoSettings
from sei_lmp.demo.single_run import new_figure, save_figure, timed
from sei_lmp.run import layout

SHIPPED_LIF_MTP = "LiF_mtp_*_chgnet.mtp"


def relaxed_lattice_constant(potential, name: str = "LiF") -> float:
    """Cubic lattice constant of a built-in phase at zero pressure with ``potential`` (LAMMPS box/relax):
    starting the MD from the potential's own cell avoids a violent first barostat response."""
    import tempfile

    from sei_lmp.run.plugin import start_lammps
    from sei_lmp.structures import phase, write_lammps_data

    crystal = phase(name)
    elements = list(potential.species)
    block = potential.pair_block("plugin", elements)
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "crystal.data"
        write_lammps_data(crystal, data, elements)
        lmp = start_lammps()
        try:
            for line in ("units metal", "atom_style atomic", f"read_data {data}", *block.lines,
                         "fix relax all box/relax iso 0.0 vmax 0.01", "minimize 0 1e-8 2000 20000"):
                lmp.command(line)
            edge = lmp.extract_global("boxxhi") - lmp.extract_global("boxxlo")
        finally:
            lmp.close()
    return float(edge)          # the conventional cubic cell: its edge is the lattice constant


def build_structure(cells: int, potential, lattice_constant: float | None = None):
    """Rocksalt LiF, ``cells``^3 conventional cells (at ``lattice_constant`` if given), with one Li at the
    largest empty site."""
    from sei_lmp.structures import add_interstitial, phase

    crystal = phase("LiF", a=lattice_constant) if lattice_constant else phase("LiF")
    return add_interstitial(crystal.repeat(cells), "Li", species=potential.species)


def _sweep_file(settings: DemoSettings, structure_file: Path, potential: Path) -> dict:
    return {
        "name": "demo_lif_interstitial", "protocol": "diffusion_nvt", "backend": "plugin",
        "structures": [{"name": "LiF_Li_i", "source": str(structure_file)}],
        "potentials": [{"name": "mtp", "path": str(potential)}],
        "settings": {"equilibrate_ps": settings.equilibrate_ps, "production_ps": settings.production_ps,
                     "dump_every_ps": settings.dump_every_ps, "md.timestep_fs": settings.timestep_fs,
                     "equilibrate_npt": settings.equilibrate_npt,
                     "md.seed": settings.seed},
        "grid": {"temperature_K": [float(t) for t in settings.temperatures]},
        "run": {"nprocs": 1, **({"jobs": settings.jobs} if settings.jobs else {})},
    }


def run_demo(output: str | Path = "demo_out", settings: DemoSettings | None = None, *,
             progress: bool = True, log: Callable[[str], None] = print) -> DemoResult:
    """Run the whole demo into ``output`` and write ``report.md`` and ``report.html`` there."""
    from ase.io import write

    from sei_lmp.data import shipped_potential
    from sei_lmp.errors import RunFailed
    from sei_lmp.potentials import load_potential
    from sei_lmp.sweep import parse_sweep, plan_sweep, run_local, sweep_status

    settings = settings or DemoSettings()
    output = Path(output).resolve()
    output.mkdir(parents=True, exist_ok=True)
    timings: dict[str, float] = {}

    potential_path = Path(settings.potential) if settings.potential else shipped_potential(SHIPPED_LIF_MTP)
    potential = load_potential(potential_path)

    with timed(timings, "structure", log):
        a0 = relaxed_lattice_constant(potential)
        atoms = build_structure(settings.cells, potential, a0)
        structure_file = output / "structure" / "LiF_Li_interstitial.extxyz"
        structure_file.parent.mkdir(exist_ok=True)
        write(structure_file, atoms, format="extxyz")
        structure_report = {"atoms": len(atoms), "lattice_constant_A": round(a0, 4),
                            "formula": atoms.get_chemical_formula(),
                            "cell_A": [round(float(x), 4) for x in atoms.cell.lengths()],
                            "interstitial": atoms.info.get("defect", {})}

    with timed(timings, "decks", log):
        runs = output / "sweep"
        spec = parse_sweep(_sweep_file(settings, structure_file, potential_path), base=output, source="demo")
        plan_sweep(spec, runs, progress=False)

    with timed(timings, "MD", log):
        outcome = run_local(runs, progress=progress)
        failed = outcome[outcome["outcome"].isin(["failed", "configuration error", "interrupted"])]
        if len(failed):
            status = sweep_status(runs)
            raise RunFailed(f"demo runs did not finish: {failed[['run_id', 'outcome', 'reason']].to_dict('records')}; "
                            f"status:\n{status.to_string()}\nre-run the demo to resume them")

    with timed(timings, "analysis", log):
        diffusion, fit_d, fit_sigma = analyse_sweep(runs)
        figures = _figures(output, diffusion)

    if settings.render:
        with timed(timings, "image", log):
            figures.update(_snapshot(output, runs, diffusion))

    result = DemoResult(output, settings, potential_path, structure_report, diffusion, fit_d, fit_sigma, timings,
                        figures)
    if settings.extras:
        _run_extras(result, progress, log)
    result.report = write_report(result)
    diffusion.to_csv(output / "diffusion.csv", index=False)
    fit_d.to_csv(output / "arrhenius.csv", index=False)
    return result


#: transport options of the demo: block averaging, since one hopping interstitial among ~100 vibrating Li is not
#: the independent random walk the GLS covariance assumes
TRANSPORT_OPTIONS = {"species": ["Li"], "method": "blocks"}


def analyse_sweep(runs: Path) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The demo sweep's D(T) table (the sweep's own collection, one row per temperature, with ``run_dir``), and
    the Arrhenius fits of D and of sigma T over the temperatures with a measurable (positive) D."""
    from sei_lmp.analysis.transport import arrhenius
    from sei_lmp.sweep import load_sweep
    # from the module: once sei_lmp.sweep.collect is imported, the package attribute 'collect' is that module
    from sei_lmp.sweep.collect import collect

    diffusion, _ = collect(runs, options=TRANSPORT_OPTIONS, fit=False, plots=False, progress=False)
    directories = {row["run_id"]: str(runs / row["directory"]) for _, row in load_sweep(runs)[1].iterrows()}
    diffusion.insert(1, "run_dir", diffusion["run_id"].map(directories))
    diffusion = diffusion.sort_values("temperature_K").reset_index(drop=True)
    # ln D needs D > 0: temperatures where the run measured no diffusion are left out of the fit (and said so)
    measurable = diffusion[diffusion["D_cm2_s"] > 0]
    if measurable["temperature_K"].nunique() >= 2:
        fit_d = arrhenius(measurable)
        fit_sigma = arrhenius(measurable, quantity="sigma_NE_mS_cm")
    else:
        fit_d, fit_sigma = _no_fit(len(measurable)), pd.DataFrame()
    # not measured: no diffusive regime or too few hops (D is NaN, with a bound), or a non-positive slope
    fit_d["left_out_K"] = ", ".join(f"{t:g}" for t in diffusion.loc[~(diffusion["D_cm2_s"] > 0), "temperature_K"])
    return diffusion, fit_d, fit_sigma


def _run_extras(result: DemoResult, progress: bool, log: Callable[[str], None]) -> None:
    """The two extra protocols of ``demo --all``, at the quick or full budget of the main demo."""
    from sei_lmp.demo.glass import GlassSettings, run_glass_demo
    from sei_lmp.demo.interface import InterfaceSettings, run_interface_demo

    quick = result.settings.production_ps <= DemoSettings.quick().production_ps
    pot = result.settings.lips_potential
    log("Li3PS4 glass (melt-quench):")
    result.glass = run_glass_demo(result.output, GlassSettings.quick() if quick else GlassSettings(), pot,
                                  progress=progress, log=log)
    log("Li | Li2S interface (NPT):")
    result.interface = run_interface_demo(result.output, InterfaceSettings.quick() if quick else InterfaceSettings(),
                                          pot, progress=progress, log=log, render=result.settings.render)
    for extra in (result.glass, result.interface):
        result.timings_s.update(extra.timings_s)
        result.figures.update(extra.figures)


def _no_fit(n_measurable: int) -> pd.DataFrame:
    """The Arrhenius row when fewer than two temperatures have a measurable D."""
    nan = float("nan")
    return pd.DataFrame([{"species": "Li", "n_temperatures": n_measurable, "T_min_K": nan, "T_max_K": nan,
                          "Ea_eV": nan, "Ea_err_eV": nan, "D0_cm2_s": nan, "chi2_red": nan, "D_300K_cm2_s": nan,
                          "D_300K_low_cm2_s": nan, "D_300K_high_cm2_s": nan,
                          "reason": "fewer than two temperatures with a measured D: no Arrhenius fit; run longer "
                                    "(--production-ps) or hotter until D is measured"}])


def _figures(output: Path, diffusion: pd.DataFrame) -> dict[str, Path]:
    """MSD of Li at every temperature with its fit window, and the Arrhenius plot with the 300 K band."""
    import warnings

    from sei_lmp.analysis.transport import TransportWarning, fit_arrhenius, transport_run
    from sei_lmp.analysis.transport.plots import plot_arrhenius, save

    fig, ax = new_figure(figsize=(5.5, 4))
    for _, row in diffusion.iterrows():
        # the curves behind the collected D (same options, so the same fit windows); the collection already
        # reported this analysis's warnings
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", TransportWarning)
            curve = transport_run(row["run_dir"], **TRANSPORT_OPTIONS).msd["Li"]
        line, = ax.loglog(curve["time_ps"].iloc[1:], curve["msd_xyz_A2"].iloc[1:], label=f"{row['temperature_K']:.0f} K")
        ax.axvspan(row["fit_start_ps"], row["fit_end_ps"], color=line.get_color(), alpha=0.08)
    ax.set_xlabel("t (ps)")
    ax.set_ylabel("MSD of Li (A$^2$)")
    ax.legend(fontsize=7)
    figures = {}
    if ax.lines:
        figures["msd"] = save_figure(fig, output / "msd.png", dpi=150)

    measurable = diffusion[diffusion["D_cm2_s"] > 0]
    fits = {"Li": fit_arrhenius(measurable["temperature_K"], measurable["D_cm2_s"], measurable["D_err_cm2_s"])} \
        if measurable["temperature_K"].nunique() >= 2 else {}
    ax = plot_arrhenius(measurable, fits, extrapolate_to_K=300.0)
    ax.set_title("Li in LiF (one interstitial), sei/mtp")      # the figure lays itself out (constrained)
    figures["arrhenius"] = output / "arrhenius.png"
    save(ax, figures["arrhenius"])
    return figures


def _snapshot(output: Path, runs: Path, diffusion: pd.DataFrame) -> dict[str, Path]:
    """OVITO image of the last frame at the highest temperature; skipped, with the reason, without Vulkan."""
    from sei_lmp.viz import can_render, render_snapshot

    ok, reason = can_render()
    if not ok:
        print(f"  no OVITO image: {reason}")
        return {}
    hottest = diffusion.iloc[-1]
    dump = Path(hottest["run_dir"]) / layout.PRODUCTION_DUMP
    path = output / "snapshot.png"
    render_snapshot(dump, path, view="perspective",
                    title=f"LiF + Li_i at {hottest['temperature_K']:.0f} K, last frame")
    return {"snapshot": path}
