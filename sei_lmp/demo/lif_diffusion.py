"""The main job: Li-interstitial diffusion in LiF with the shipped LiF ACE, from structure to report.

structure (LiF + one Li interstitial, at the potential's own lattice constant) -> NEB barriers of the
interstitial mechanisms (one ``neb`` deck each) -> one NVT-diffusion deck per temperature (a sweep) -> runs
on a local pool, lengthened until every temperature has seen enough jumps -> jump analysis (rates with exact
Poisson intervals, jump types, D from jumps; D from the MSD as the cross-check) -> Poisson-likelihood
Arrhenius fit of the counts -> figures, an OVITO image of the interstitial's path and ``report.md``/``.html``.

Every step is timed; re-running continues where an interrupted demo stopped (bands and runs are resumable).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

from sei_lmp.demo.figures import arrhenius_figure, barrier_figure, msd_figure, timeline_figure
from sei_lmp.demo.report import write_report
from sei_lmp.demo.results import DemoResult, DemoSettings
from sei_lmp.demo.single_run import timed
from sei_lmp.run import layout

#: the demo's potential: its NEB barriers reproduce its teacher's (CHGNet); the shipped MTP's do not
SHIPPED_LIF_POTENTIAL = "LiF_ace_chgnet.yace"


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
        "potentials": [{"name": potential.stem.split("_")[1] if "_" in potential.stem else "potential",
                        "path": str(potential)}],
        "settings": {"equilibrate_ps": settings.equilibrate_ps, "production_ps": settings.production_ps,
                     "dump_every_ps": settings.dump_every_ps, "md.timestep_fs": settings.timestep_fs,
                     # NVT at the potential's own 0 K cell, the cell of the NEB barriers (thermal expansion
                     # is neglected in both)
                     "equilibrate_npt": False, "md.seed": settings.seed},
        "grid": {"temperature_K": [float(t) for t in settings.temperatures]},
        "run": {"nprocs": 1, **({"jobs": settings.jobs} if settings.jobs else {})},
    }


def run_demo(output: str | Path = "demo_out", settings: DemoSettings | None = None, *,
             progress: bool = True, log: Callable[[str], None] = print) -> DemoResult:
    """Run the whole demo into ``output`` and write ``report.md`` and ``report.html`` there. Re-running it
    continues where an interrupted demo stopped (finished NEB bands and MD runs are kept)."""
    from ase.io import write

    from sei_lmp.data import shipped_potential
    from sei_lmp.demo.barriers import card_barriers, migration_barriers
    from sei_lmp.demo.jumps import count_fit, jump_tables, residence_sensitivity, run_jumps
    from sei_lmp.potentials import load_potential
    from sei_lmp.sweep import parse_sweep, plan_sweep

    settings = settings or DemoSettings()
    output = Path(output).resolve()
    output.mkdir(parents=True, exist_ok=True)
    timings: dict[str, float] = {}
    notes: list[str] = []

    potential_path = Path(settings.potential) if settings.potential else shipped_potential(SHIPPED_LIF_POTENTIAL)
    potential = load_potential(potential_path)

    with timed(timings, "structure", log):
        a0 = relaxed_lattice_constant(potential)
        atoms = build_structure(settings.cells, potential, a0)
        structure_file = output / "structure" / "LiF_Li_interstitial.extxyz"
        structure_file.parent.mkdir(exist_ok=True)
        if not structure_file.is_file():       # a resumed demo keeps the structure its runs started from
            write(structure_file, atoms, format="extxyz")
        structure_report = {"atoms": len(atoms), "lattice_constant_A": round(a0, 4),
                            "formula": atoms.get_chemical_formula(),
                            "cell_A": [round(float(x), 4) for x in atoms.cell.lengths()],
                            "volume_A3": float(atoms.get_volume()),
                            "interstitial": atoms.info.get("defect", {})}

    with timed(timings, "NEB barriers", log):
        barriers, neb_runs = migration_barriers(output / "neb", potential, a0, settings.cells, settings.mechanisms,
                                                images=settings.neb_images, ftol_eV_A=settings.neb_ftol_eV_A,
                                                log=log)
        barriers.to_csv(output / "barriers.csv", index=False)

    with timed(timings, "decks", log):
        runs = output / "sweep"
        spec = parse_sweep(_sweep_file(settings, structure_file, potential_path), base=output, source="demo")
        plan_sweep(spec, runs, progress=False)

    with timed(timings, "MD", log):
        until = run_md(runs, settings, a0, progress=progress, log=log)

    with timed(timings, "analysis", log):
        directories = _run_directories(runs)
        analyses = {t: run_jumps(d, a0, settings.cells, settings.min_residence_ps) for t, d in directories.items()}
        jumps, jump_types = jump_tables(analyses)
        fit = count_fit(jumps, structure_report["volume_A3"])
        diffusion, msd_notes = analyse_msd(runs)
        residences = sorted({0.5 * settings.min_residence_ps, settings.min_residence_ps, 2 * settings.min_residence_ps})
        sensitivity = residence_sensitivity(directories, a0, settings.cells, residences)
        sensitivity.to_csv(output / "ea_vs_residence.csv", index=False)
        jumps.to_csv(output / "jumps.csv", index=False)
        jump_types.to_csv(output / "jump_types.csv", index=False)
        fit.write(output / "arrhenius")
        diffusion.to_csv(output / "diffusion_msd.csv", index=False)
        for t, ja in analyses.items():
            ja.write(output / "jumps", prefix=f"T{t:g}")
        notes += [f"jumps at {t:g} K: {n}" for t, text in zip(jumps["temperature_K"], jumps["notes"])
                  for n in text.split("; ") if n]
        notes += [f"Arrhenius: {n}" for n in fit.notes] + msd_notes

    with timed(timings, "figures", log):
        figures = {"arrhenius": arrhenius_figure(fit, barriers, output / "arrhenius.png"),
                   "timeline": timeline_figure(analyses, output / "jump_timeline.png"),
                   "barriers": barrier_figure(neb_runs, card_barriers(potential)[0], output / "barriers.png")}
        msd = msd_figure(diffusion, TRANSPORT_OPTIONS, output / "msd.png")
        if msd is not None:
            figures["msd"] = msd

    if settings.render:
        with timed(timings, "image", log):
            figures.update(_path_image(output, analyses, directories, notes))

    result = DemoResult(output, settings, potential_path, structure_report, barriers, jumps, jump_types, fit,
                        diffusion, sensitivity, until, timings, figures, notes)
    if settings.extras:
        _run_extras(result, progress, log)
    result.report = write_report(result)
    return result


def run_md(runs: Path, settings: DemoSettings, lattice_constant_A: float, *, progress: bool = True,
           log: Callable[[str], None] = print) -> dict:
    """Run the sweep's decks on the local pool, then lengthen production of every temperature with fewer than
    ``settings.min_jumps`` interstitial jumps by ``settings.add_ps`` until all have enough, the MD budget is
    spent or ``settings.max_rounds`` rounds were made. Returns what was done (rounds, reason, counts)."""
    from sei_lmp.demo.jumps import interstitial_jumps, run_jumps
    from sei_lmp.errors import RunFailed
    from sei_lmp.sweep import run_local, sweep_status
    from sei_lmp.sweep.extend import run_until

    from sei_lmp.sweep import load_sweep

    directories = _run_directories(runs)
    _, table = load_sweep(runs)
    ids = {runs / directory: run_id for directory, run_id in zip(table["directory"], table["run_id"])}

    def run_many(dirs: list[Path]) -> None:
        outcome = run_local(runs, runs=[ids[d] for d in dirs], progress=progress)
        failed = outcome[outcome["outcome"].isin(["failed", "configuration error", "interrupted"])]
        if len(failed):
            raise RunFailed(f"demo runs did not finish: {failed[['run_id', 'outcome', 'reason']].to_dict('records')}"
                            f"; status:\n{sweep_status(runs).to_string()}\nre-run the demo to resume them")

    def count(d: Path) -> int:
        return interstitial_jumps(run_jumps(d, lattice_constant_A, settings.cells, settings.min_residence_ps))[0]

    done = run_until(list(directories.values()), count, min_count=settings.min_jumps, add_ps=settings.add_ps,
                     max_rounds=settings.max_rounds, budget_s=settings.md_budget_s, run_many=run_many,
                     log=lambda line: log(f"    {line}"))
    by_dir = {str(d): t for t, d in directories.items()}
    return {"rounds": done.rounds, "reason": done.reason, "enough": done.enough, "min_jumps": settings.min_jumps,
            "counts": {by_dir[d]: c for d, c in done.counts.items()}}


def _run_directories(runs: Path) -> dict[float, Path]:
    """Run directory of each temperature of the demo sweep."""
    from sei_lmp.run.directory import RunDirectory
    from sei_lmp.sweep import load_sweep

    _, table = load_sweep(runs)
    out = {}
    for directory in table["directory"]:
        d = runs / directory
        out[float(RunDirectory(d).manifest.temperature_K)] = d
    return dict(sorted(out.items()))


def _path_image(output: Path, analyses: dict, directories: dict[float, Path], notes: list[str]) -> dict[str, Path]:
    """OVITO image of the hottest run's last frame with the interstitial's path drawn in, wrapped into the
    cell; skipped, with the reason, without Vulkan."""
    from sei_lmp.viz import can_render, render_snapshot

    ok, reason = can_render()
    if not ok:
        notes.append(f"no OVITO image: {reason}")
        return {}
    hottest = max(analyses)
    path = analyses[hottest].defect_path
    image = output / "interstitial_path.png"
    render_snapshot(directories[hottest] / layout.PRODUCTION_DUMP, image, view="perspective", radius=0.45,
                    paths=[path[:, k] for k in range(path.shape[1])],
                    title=f"LiF + Li_i, {hottest:g} K: path of the interstitial (red)")
    return {"path_image": image}


#: transport options of the demo: block averaging, since one hopping interstitial among ~100 vibrating Li is not
#: the independent random walk the GLS covariance assumes
TRANSPORT_OPTIONS = {"species": ["Li"], "method": "blocks"}


def analyse_msd(runs: Path) -> tuple[pd.DataFrame, list[str]]:
    """The demo sweep's D(T) of Li from the MSD (the sweep's own collection with its rare-event rules: a D
    with its block error, or NaN with an upper bound and the reason), one row per temperature, with
    ``run_dir``; and the analysis's notes (for the report, not the terminal)."""
    import warnings

    # from the module: once sei_lmp.sweep.collect is imported, the package attribute 'collect' is that module
    from sei_lmp.sweep.collect import collect

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        diffusion, _ = collect(runs, options=TRANSPORT_OPTIONS, fit=False, plots=False, progress=False)
    notes = list(dict.fromkeys(f"MSD: {w.message}" for w in caught))
    directories = {str(t): str(d) for t, d in _run_directories(runs).items()}
    diffusion.insert(1, "run_dir", diffusion["temperature_K"].astype(float).astype(str).map(directories))
    return diffusion.sort_values("temperature_K").reset_index(drop=True), notes


def _run_extras(result: DemoResult, progress: bool, log: Callable[[str], None]) -> None:
    """The two extra protocols of ``demo --all``, at the quick or full budget of the main demo."""
    from sei_lmp.demo.glass import GlassSettings, run_glass_demo
    from sei_lmp.demo.interface import InterfaceSettings, run_interface_demo

    quick = result.settings.is_quick
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


