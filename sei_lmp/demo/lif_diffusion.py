"""The main job: Li-interstitial diffusion in LiF with the shipped MTP, from structure to report.

structure (LiF + one Li interstitial at the largest void) -> one NVT-diffusion deck per temperature
(a sweep) -> runs with ``pair_style sei/mtp`` on a local pool -> transport analysis (MSD, D with
errors, Arrhenius, Nernst-Einstein sigma) -> figures, an OVITO snapshot and ``report.md``/``report.html``.

Every step is timed; re-running continues where an interrupted demo stopped (the sweep is resumable).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import pandas as pd

#: what MLIP studies report for interstitial Li in LiF (issue 11 / seed 002); compared in the report
LITERATURE_EA_EV = (0.20, 0.24)
SHIPPED_LIF_MTP = "LiF_mtp_*_chgnet.mtp"


@dataclass(frozen=True)
class DemoSettings:
    """Size of the demo. The defaults fit in about 10 minutes on 2 cores; :meth:`quick` is the CI mode."""

    # the distilled demo MTP lets atoms collide within 20 ps at 1100 K (measured), so the window stops at 1000 K;
    # at 600 K the interstitial hopped less than once in 150 ps (measured), a point that only adds noise. With
    # 4-7 hops per temperature Ea is still noisy: 0.19-0.54 eV over cell sizes, time steps and windows (measured)
    temperatures: tuple[float, ...] = (700.0, 775.0, 850.0, 925.0, 1000.0)
    cells: int = 3                      # conventional LiF cells per edge (8 atoms each) + 1 interstitial
    equilibrate_ps: float = 4.0
    # NVT at the potential's own 0 K cell: the distilled demo MTP is not stable under an NPT barostat at
    # 1000 K (it was fitted near CHGNet's equilibrium volume); thermal expansion is neglected
    equilibrate_npt: bool = False
    production_ps: float = 80.0
    dump_every_ps: float = 0.1
    # 2 fs: NVE of this cell at ~1100 K with the shipped MTP holds the energy to 0.03 meV/atom (std over 5 ps,
    # drift 0.008 meV/atom/ps; 1 fs: 0.009); twice the hops per CPU second, which set the error of Ea
    timestep_fs: float = 2.0
    jobs: int | None = None             # runs at a time (default: cores)
    seed: int = 20261122
    potential: Path | None = None       # default: the shipped LiF MTP
    render: bool = True
    # `demo --all`: also a Li3PS4 melt-quench and a Li | Li2S interface run with the shipped Li-P-S ACE
    extras: bool = False
    lips_potential: Path | None = None  # default: the shipped Li-P-S ACE

    @classmethod
    def quick(cls, **changes) -> DemoSettings:
        """A minute-scale version for tests and CI: two temperatures, 217 atoms, short runs."""
        return replace(cls(temperatures=(800.0, 1000.0), cells=3, equilibrate_ps=1.0, production_ps=3.0,
                           dump_every_ps=0.02), **changes)


@dataclass
class DemoResult:
    """Everything the report shows."""

    output: Path
    settings: DemoSettings
    potential: Path
    structure_report: dict
    diffusion: pd.DataFrame                  # one row per temperature (species Li)
    arrhenius: pd.DataFrame                  # D Arrhenius fit (Ea, D0, D at 300 K with its interval)
    conductivity: pd.DataFrame               # sigma T Arrhenius fit (sigma at 300 K with its interval)
    timings_s: dict[str, float] = field(default_factory=dict)
    figures: dict[str, Path] = field(default_factory=dict)
    report: Path | None = None
    glass: object | None = None              # demo.glass.GlassResult with --all
    interface: object | None = None          # demo.interface.InterfaceResult with --all

    @property
    def headline(self) -> dict[str, float]:
        fit = self.arrhenius.iloc[0]
        sigma = self.conductivity.iloc[0] if len(self.conductivity) else {}
        return {"Ea_eV": float(fit["Ea_eV"]), "Ea_err_eV": float(fit["Ea_err_eV"]),
                "D_300K_cm2_s": float(fit["D_300K_cm2_s"]),
                "sigma_300K_mS_cm": float(sigma.get("sigma_300K_mS_cm", float("nan"))),
                "sigma_300K_low_mS_cm": float(sigma.get("sigma_300K_low_mS_cm", float("nan"))),
                "sigma_300K_high_mS_cm": float(sigma.get("sigma_300K_high_mS_cm", float("nan")))}


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
        "grid": {"temperature": [float(t) for t in settings.temperatures]},
        "run": {"nprocs": 1, **({"jobs": settings.jobs} if settings.jobs else {})},
    }


def run_demo(output: str | Path = "demo_out", settings: DemoSettings | None = None, *,
             progress: bool = True, log: Callable[[str], None] = print) -> DemoResult:
    """Run the whole demo into ``output`` and write ``report.md`` and ``report.html`` there."""
    from ase.io import write

    from sei_lmp.data import shipped_potential
    from sei_lmp.potentials import load_potential
    from sei_lmp.errors import RunFailed
    from sei_lmp.sweep import parse_sweep, plan_sweep, run_local, sweep_status

    settings = settings or DemoSettings()
    output = Path(output).resolve()
    output.mkdir(parents=True, exist_ok=True)
    timings: dict[str, float] = {}

    def step(name: str):
        timings[name] = time.perf_counter()

    def done(name: str):
        timings[name] = time.perf_counter() - timings[name]
        log(f"  {name}: {timings[name]:.1f} s")

    potential_path = Path(settings.potential) if settings.potential else shipped_potential(SHIPPED_LIF_MTP)
    potential = load_potential(potential_path)

    step("structure")
    a0 = relaxed_lattice_constant(potential)
    atoms = build_structure(settings.cells, potential, a0)
    structure_file = output / "structure" / "LiF_Li_interstitial.extxyz"
    structure_file.parent.mkdir(exist_ok=True)
    write(structure_file, atoms, format="extxyz")
    structure_report = {"atoms": len(atoms), "lattice_constant_A": round(a0, 4), "formula": atoms.get_chemical_formula(),
                        "cell_A": [round(float(x), 4) for x in atoms.cell.lengths()],
                        "interstitial": atoms.info.get("defect", {})}
    done("structure")

    step("decks")
    runs = output / "sweep"
    spec = parse_sweep(_sweep_file(settings, structure_file, potential_path), base=output, source="demo")
    plan_sweep(spec, runs, progress=False)
    done("decks")

    step("MD")
    outcome = run_local(runs, progress=progress)
    failed = outcome[outcome["outcome"].isin(["failed", "configuration error", "interrupted"])]
    if len(failed):
        status = sweep_status(runs)
        raise RunFailed(f"demo runs did not finish: {failed[['run_id', 'outcome', 'reason']].to_dict('records')}; "
                        f"status:\n{status.to_string()}\nre-run the demo to resume them")
    done("MD")

    step("analysis")
    from sei_lmp.analysis.transport import arrhenius, transport_run
    from sei_lmp.sweep import load_sweep

    analysed = {}
    for _, row in load_sweep(runs)[1].iterrows():
        # block averaging: one hopping interstitial among ~100 vibrating Li is not the independent random walk
        # the GLS covariance assumes
        analysed[row["run_id"]] = transport_run(runs / row["directory"], ["Li"], method="blocks")
        analysed[row["run_id"]].table.insert(0, "run_id", row["run_id"])
        analysed[row["run_id"]].table.insert(1, "run_dir", str(runs / row["directory"]))
    diffusion = pd.concat([r.table for r in analysed.values()]).sort_values("temperature_K").reset_index(drop=True)
    # ln D needs D > 0: temperatures where the run measured no diffusion are left out of the fit (and said so)
    measurable = diffusion[diffusion["D_cm2_s"] > 0]
    if measurable["temperature_K"].nunique() >= 2:
        fit_d = arrhenius(measurable)
        fit_sigma = arrhenius(measurable, quantity="sigma_NE_mS_cm")
    else:
        fit_d, fit_sigma = _no_fit(len(measurable)), pd.DataFrame()
    fit_d["left_out_K"] = ", ".join(f"{t:g}" for t in diffusion.loc[diffusion["D_cm2_s"] <= 0, "temperature_K"])
    figures = _figures(output, analysed, diffusion)
    done("analysis")

    if settings.render:
        step("image")
        figures.update(_snapshot(output, runs, diffusion))
        done("image")

    result = DemoResult(output, settings, potential_path, structure_report, diffusion, fit_d, fit_sigma, timings, figures)
    if settings.extras:
        _run_extras(result, progress, log)
    from sei_lmp.demo.report import write_report

    result.report = write_report(result)
    diffusion.to_csv(output / "diffusion.csv", index=False)
    fit_d.to_csv(output / "arrhenius.csv", index=False)
    return result


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
                          "notes": "fewer than two temperatures with a positive D: no Arrhenius fit"}])


def _figures(output: Path, analysed: dict, diffusion: pd.DataFrame) -> dict[str, Path]:
    """MSD of Li at every temperature with its fit window, and the Arrhenius plot with the 300 K band."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sei_lmp.analysis.transport import fit_arrhenius
    from sei_lmp.analysis.transport.plots import plot_arrhenius, save

    fig, ax = plt.subplots(figsize=(5.5, 4))
    for _, row in diffusion.iterrows():
        curve = analysed[row["run_id"]].msd["Li"]
        line, = ax.loglog(curve["time_ps"].iloc[1:], curve["msd_xyz_A2"].iloc[1:], label=f"{row['temperature_K']:.0f} K")
        ax.axvspan(row["fit_start_ps"], row["fit_end_ps"], color=line.get_color(), alpha=0.08)
    ax.set_xlabel("t (ps)")
    ax.set_ylabel("MSD of Li (A$^2$)")
    ax.legend(fontsize=7)
    figures = {}
    if ax.lines:
        fig.tight_layout()
        figures["msd"] = output / "msd.png"
        fig.savefig(figures["msd"], dpi=150)
    plt.close(fig)

    measurable = diffusion[diffusion["D_cm2_s"] > 0]
    fits = {"Li": fit_arrhenius(measurable["temperature_K"], measurable["D_cm2_s"], measurable["D_err_cm2_s"])} \
        if measurable["temperature_K"].nunique() >= 2 else {}
    ax = plot_arrhenius(measurable, fits, extrapolate_to_K=300.0)
    ax.set_title("Li in LiF (one interstitial), sei/mtp")
    ax.figure.tight_layout()
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
    dump = Path(hottest["run_dir"]) / "production.dump"
    path = output / "snapshot.png"
    render_snapshot(dump, path, view="perspective",
                    title=f"LiF + Li_i at {hottest['temperature_K']:.0f} K, last frame")
    return {"snapshot": path}


def settings_dict(settings: DemoSettings) -> dict:
    return {k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(settings).items()}
