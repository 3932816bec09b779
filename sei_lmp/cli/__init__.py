"""The ``sei-lmp`` command line: a thin layer over the Python API."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from sei_lmp.cli.errors import ErrorHandlingGroup
from sei_lmp.cli.types import (
    BackendChoice,
    DeckDir,
    Elements,
    Jobs,
    LmpPath,
    NProcs,
    OutputDir,
    PotentialFile,
    PotentialPath,
    PotentialPaths,
    Settings,
    Species,
    StructurePath,
    Temperatures,
    parse_settings,
    parse_temperatures,
    split_list,
)
from sei_lmp.decks.protocols import PROTOCOLS

app = typer.Typer(no_args_is_help=True, cls=ErrorHandlingGroup,
                  help="sei_lmp: ML-potential MD of battery interphases with LAMMPS.")


@app.command()
def info(lmp: LmpPath = None, potential: PotentialPaths = [], species: Species = None) -> None:  # noqa: B006
    """Show the plugin, the LAMMPS it loads into, and which backend and pair style each --potential would use there.

    The LAMMPS is the --lmp given, else the lammps Python module with the plugin.
    """
    from rich.console import Console
    from sei_lmp.cli.tables import new_table

    from sei_lmp import __version__
    from sei_lmp.lammps_info import probe_executable, probe_python
    from sei_lmp.run.plugin import MACE_STYLES, PLUGIN_STYLES, mace_available, plugin_path

    console = Console()
    caps = probe_executable(lmp.split()) if lmp else probe_python()
    table = new_table(f"sei_lmp {__version__}", ("item", "value"))
    table.add_row("plugin", str(plugin_path()) if not lmp else "(see the pair styles below)")
    table.add_row("LAMMPS", f"{caps.version} ({caps.source})")
    table.add_row("packages", " ".join(sorted(caps.packages)))
    table.add_row("KOKKOS", ("yes, GPU" if caps.kokkos_gpu else "yes, CPU only") if caps.kokkos else "no")
    for style in PLUGIN_STYLES:
        table.add_row(f"pair_style {style}", "yes" if caps.has("pair", style) else "MISSING")
    for style in MACE_STYLES:      # optional: built only where torch was importable at build time
        table.add_row(f"pair_style {style}", "yes" if caps.has("pair", style) else
                      "not built (install torch, then reinstall sei_lmp)" if not mace_available() else "MISSING")
    console.print(table)
    from sei_lmp.data import shipped_potentials
    from sei_lmp.potentials import load_potential

    shipped = new_table("shipped potentials (use as -p shipped:<file>)",
                        ("file", "family", "species", "cutoff (A)", "teacher / data"), right=("cutoff (A)",))
    for path in shipped_potentials():
        pot = load_potential(path)
        teacher, dataset = pot.card.provenance.get("teacher") or {}, pot.card.provenance.get("dataset") or {}
        source = (teacher.get("calculator") or dataset.get("name") or "") if isinstance(teacher, dict) else str(teacher)
        shipped.add_row(path.name, pot.family, ",".join(pot.species), f"{pot.cutoff:g}", str(source))
    console.print(shipped)
    if potential:
        from sei_lmp.sweep.target import backend_options

        view = new_table("backend per potential (first usable row is chosen)",
                         ("potential", "backend", "pair style", "here"))
        for path in potential:
            pot = load_potential(path, species=split_list(species))
            chosen = False
            for row in backend_options(pot, caps):
                here = "[green]yes[/green]" + (" (chosen)" if not chosen else "") if row["usable"] else \
                    "[red]no[/red]: " + "; ".join(row["missing"])
                chosen = chosen or row["usable"]
                view.add_row(path.name, row["backend"], row["style"], here)
            if not chosen:
                view.add_row(path.name, "-", "-", "[red]no backend can run it on this LAMMPS[/red]")
        console.print(view)


@app.command()
def demo(
    output: OutputDir = Path("demo_out"),
    quick: bool = typer.Option(False, help="minute-scale version (2 temperatures, 4 ps runs, one NEB): for CI; it "
                               "shows the machinery, and says when its data support no Ea"),
    temperatures: Temperatures = None,
    production_ps: Optional[float] = typer.Option(None, help="first NVT production per temperature (ps)"),
    min_jumps: Optional[int] = typer.Option(None, "--min-jumps", help="lengthen production until every temperature "
                                            "has seen this many interstitial jumps (0: no extension)"),
    budget: Optional[float] = typer.Option(None, "--budget", help="MD wall-time budget in s for the extensions"),
    seed: Optional[int] = typer.Option(None, help="velocity seed of the MD runs (another seed: how far Ea moves)"),
    potential: PotentialFile = None,
    jobs: Jobs = None,
    all_protocols: bool = typer.Option(False, "--all", help="also a Li3PS4 melt-quench (QA) and a Li | Li2S interface "
                                       "run (profiles) with the shipped Li-P-S ACE"),
    nve: bool = typer.Option(False, help="instead: NVE energy-conservation check of bcc Li with the shipped Li MTP"),
    cells: int = typer.Option(5, help="--nve: bcc cells per edge (2 atoms each)"),
    temperature: float = typer.Option(300.0, help="--nve: target temperature in K"),
    steps: int = typer.Option(2000, help="--nve: NVE steps of 1 fs"),
) -> None:
    """The main job: Li interstitial in LiF with the shipped LiF ACE -> NEB barriers, jump rates, Ea, D, sigma.

    Runs, tables, figures and the report go to --output. Defaults: 450,550,700,900 K, run until 10 jumps each.
    """
    if nve:
        _nve_check(potential, cells, temperature, steps)
        return
    from dataclasses import replace

    from rich.console import Console

    from sei_lmp.demo import DemoSettings, run_demo

    console = Console()
    settings = DemoSettings.quick() if quick else DemoSettings()
    changes = {"temperatures": tuple(parse_temperatures(temperatures))} if temperatures else {}
    for key, value in (("production_ps", production_ps), ("min_jumps", min_jumps), ("md_budget_s", budget),
                       ("seed", seed), ("potential", potential), ("jobs", jobs)):
        if value is not None:
            changes[key] = value
    if all_protocols:
        changes["extras"] = True
    settings = replace(settings, **changes)
    console.print(f"[bold]sei_lmp demo[/bold]: Li interstitial in LiF, {len(settings.temperatures)} temperatures, "
                  f"{settings.production_ps:g} ps first production"
                  + (f", run until {settings.min_jumps} jumps each" if settings.min_jumps else "") + f" -> {output}")
    result = run_demo(output, settings, log=console.print)
    head = result.headline
    total = sum(result.timings_s.values())
    low = result.lowest_barrier
    neb = f"lowest NEB barrier {low['barrier_eV']:.3f} eV ({low['mechanism'].replace('_', ' ')})" if low is not None \
        else "no NEB barrier converged"
    if result.unsupported:      # never a bold number the data cannot support
        console.print(f"Ea: no result: {result.unsupported}; {neb}; total {total:.0f} s")
    else:
        console.print(f"[bold]Ea = {head['Ea_eV']:.3f} eV[/bold] (95 %: {head['Ea_low_eV']:.3f}-{head['Ea_high_eV']:.3f}, "
                      f"{int(head['jumps'])} jumps); {neb}; sigma(300 K) = {head['sigma_300K_mS_cm']:.3g} mS/cm "
                      f"[{head['sigma_300K_low_mS_cm']:.3g}, {head['sigma_300K_high_mS_cm']:.3g}] for one "
                      f"interstitial per cell; total {total:.0f} s")
    if result.notes:
        console.print(f"{len(result.notes)} note(s) from the analysis: see the report")
    if result.glass is not None:
        m = result.glass.qa.metrics
        console.print(f"Li3PS4 glass: QA {result.glass.qa.verdict}, density "
                      f"{m.get('density', float('nan')):.3f} g/cm3, Tg(density) {m.get('tg_density', float('nan')):.0f} K")
    if result.interface is not None and len(result.interface.thickness):
        th = result.interface.thickness
        console.print(f"Li | Li2S: interphase thickness {th['thickness'].iloc[0]:.2f} -> {th['thickness'].iloc[-1]:.2f} A "
                      f"over {th['time_ps'].iloc[-1]:.1f} ps")
    console.print(f"report: {result.report} (and report.html)")


@app.command()
def learn(
    plan: Path = typer.Argument(..., help="learning plan (.toml): potential family, teacher, starting data, "
                                "[[explore]] MD, selection and grade thresholds"),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="directory (default: runs/learn-<plan name>); "
                                          "an existing one is resumed"),
    quick: bool = typer.Option(False, help="lay the plan's [quick] table over it (CI-sized)"),
    budget_s: Optional[float] = typer.Option(None, "--budget-s", min=0, help="wall time of this call: no new "
                                             "generation starts after it (overrides [run] budget_s; the one under "
                                             "way finishes, the last potential is written to final/, rerun to go on)"),
) -> None:
    """Active learning: generations of fit -> MD with the extrapolation guard -> MaxVol selection -> teacher
    labels, until the plan's target runs hold below the stop grade. Resumable: rerun the same command."""
    import dataclasses

    from rich.console import Console

    from sei_lmp.learn.loop import run_learning
    from sei_lmp.learn.plan import read_plan
    from sei_lmp.learn.report import write_report

    console = Console()
    spec = read_plan(plan, quick=quick)
    if budget_s is not None:
        spec = dataclasses.replace(spec, budget_s=budget_s)
    output = output or Path("runs") / f"learn-{spec.name}{'-quick' if quick else ''}"
    console.print(f"[bold]sei-lmp learn[/bold] {spec.name}: {spec.family} for {' '.join(spec.species)}, teacher "
                  f"{spec.teacher}, up to {spec.generations} generations -> {output}")
    result = run_learning(spec, output, log=console.print)
    report = write_report(result, spec)
    verdict = "[green]converged[/green]" if result.converged else "[yellow]not converged[/yellow]"
    console.print(f"{verdict}: {result.reason}")
    if result.final:
        console.print(f"final potential: {result.final} (card: {result.final.name}.json); report: {report}")
    if not result.converged:
        raise typer.Exit(2)


def _nve_check(potential: Optional[Path], cells: int, temperature: float, steps: int) -> None:
    """NVE MD of bcc Li with pair_style sei/mtp; prints the energy conservation."""
    from rich.console import Console
    from rich.progress import Progress
    from sei_lmp.cli.tables import new_table

    from sei_lmp.demo import run_nve

    console = Console()
    with Progress(console=console) as bar:
        task = bar.add_task("NVE MD", total=steps)
        result = run_nve(potential, cells=cells, temperature=temperature, steps=steps,
                         progress=lambda done, total: bar.update(task, completed=done))
    columns = ("step", "T [K]", "PE [eV]", "E_tot [eV]")
    table = new_table(f"NVE MD: {result.natoms} Li, {result.potential.name}, {result.timestep_fs} fs steps", columns,
                      right=columns)
    stride = max(1, len(result.step) // 10)
    for k in sorted(set(range(0, len(result.step), stride)) | {len(result.step) - 1}):
        table.add_row(str(result.step[k]), f"{result.temperature[k]:.1f}",
                      f"{result.potential_energy[k]:.6f}", f"{result.total_energy[k]:.6f}")
    console.print(table)
    console.print(
        f"energy drift {result.drift_mev_per_atom_ps:+.4f} meV/atom/ps, fluctuation "
        f"{result.fluctuation_mev_per_atom:.4f} meV/atom, max |E-E0| {result.max_deviation_mev_per_atom:.4f} "
        f"meV/atom; {result.us_per_atom_step:.1f} us/atom-step"
    )


DATA_SUFFIXES = (".data", ".lmp", ".lammps-data", ".lammps")


@app.command()
def deck(
    protocol: str = typer.Argument(..., help=" | ".join(PROTOCOLS)),
    structure: StructurePath = ...,
    potential: PotentialPath = ...,
    backend: BackendChoice = "plugin",
    settings: Settings = [],  # noqa: B006
    species: Species = None,
    elements: Elements = None,
    pair_style: Optional[str] = typer.Option(None, help="force one of the backend's pair styles"),
    lmp: LmpPath = None,
    temperatures: Temperatures = None,
    output: OutputDir = ...,
    force: bool = typer.Option(False, "--force", help="OUTPUT holds a started or finished run: move it aside "
                               "(to OUTPUT.replaced-<time>) and write the new deck"),
) -> None:
    """Render a protocol deck for a structure and potential, checked before it is written.

    --lmp: check the deck against that LAMMPS (lmp -h). --temperatures: one deck each in OUTPUT/T<temperature>K.
    """
    import tempfile

    from rich.console import Console

    from sei_lmp.decks import PROTOCOLS, render_deck
    from sei_lmp.decks.summary import summarize
    from sei_lmp.lammps_info import probe_executable
    from sei_lmp.potentials import load_potential
    from sei_lmp.run.directory import RunDirectory

    console = Console()
    if protocol not in PROTOCOLS:
        raise typer.BadParameter(f"unknown protocol '{protocol}'; choose {', '.join(sorted(PROTOCOLS))}")
    proto = PROTOCOLS[protocol]().with_settings(parse_settings(settings))
    pot = load_potential(potential, species=split_list(species))
    if species and not pot.card.species:
        # nothing in an uncarded file names its species: a swapped order would run with wrong energies
        console.print(f"note: {pot.path.name} names no species; --species {species} is taken as its species order, "
                      "which nothing can check (a card with {\"species\": [...]} beside the file makes it checked)")
    caps = probe_executable(lmp.split()) if lmp else None
    from sei_lmp.data import resolve_structure

    structure = resolve_structure(structure)
    if structure.name.endswith(DATA_SUFFIXES):
        source = structure
    else:
        source = _deck_structure(structure, pot, proto, console)
    targets = [(output, proto)]
    if temperatures:
        if not hasattr(proto, "temperature_K"):
            raise typer.BadParameter(f"--temperatures does not apply to {protocol}")
        targets = [(output / f"T{t:g}K", proto.with_settings({"temperature_K": t}))
                   for t in parse_temperatures(temperatures)]
    for directory, settings in targets:
        # rendered aside and written in one step: a directory holding a run is refused before anything in it changes
        with tempfile.TemporaryDirectory() as scratch:
            result = render_deck(settings, source, pot, backend, type_elements=split_list(elements),
                                 capabilities=caps, pair_style=pair_style, workdir=Path(scratch))
            old = RunDirectory(directory)
            moved = old.path.is_dir() and old.started() and force
            run = RunDirectory(result.write(directory, force=force))
            for line in summarize(result, pot.cutoff).lines():
                console.print(f"  {line}")
        if moved:
            console.print(f"moved the run that was in {directory} aside (next to it, *.replaced-<time>)")
        m = run.manifest
        size = f"{m.total_steps} steps" if m.total_steps else "a minimisation"
        ranks = f" --np {m.partitions}" if m.partitions > 1 else ""       # one rank per replica at least
        console.print(f"wrote {run.input} ({size}, {m.pair_style}); run it with: sei-lmp run {directory}{ranks}")


def _deck_structure(path: Path, pot, protocol, console):
    """A structure file read by build's rules (partial occupancies refused) and, like build, repeated until
    every cell width holds 2 x (cutoff + skin); says what it did. A hop (NEB) is taken at the size it was built."""
    from sei_lmp.io.structure import read_structure
    from sei_lmp.structures import supercell
    from sei_lmp.structures.migration import FINAL

    atoms = read_structure(path)
    if FINAL in atoms.arrays:
        return atoms
    bigger = supercell(atoms, cutoff=pot.cutoff, skin=protocol.md.neighbor_skin_A)
    report = bigger.info["supercell"]
    if len(bigger) != len(atoms):
        console.print(f"{path.name}: {len(atoms)} atoms -> {len(bigger)} atoms, so every cell width holds 2 x "
                      f"(cutoff {pot.cutoff:g} + skin {protocol.md.neighbor_skin_A:g}) A "
                      f"(supercell matrix {report.get('matrix')})")
    return bigger


@app.command()
def run(
    directory: DeckDir,
    np: Optional[int] = typer.Option(None, "--np", min=1, help="MPI ranks (mpirun -np N; default: the profile's, else 1)"),
    lmp: LmpPath = None,
    profile: Optional[str] = typer.Option(None, "--profile", help="machine profile of the sei_lmp config file "
                                          "(its lmp, mpirun and ranks; default: local)"),
) -> None:
    """Run (or resume) a deck locally; thermo goes to a progress bar and a table.

    Default --lmp: the profile's, else the lmp of this environment.
    """
    from rich.console import Console

    from sei_lmp.run.local import run_deck
    from sei_lmp.run.profiles import load_profile

    console = Console()
    launch = load_profile(profile)
    result = run_deck(directory, nprocs=np or launch.nprocs or 1, lmp=lmp or launch.lmp, mpirun=launch.mpirun)
    thermo = result.thermo
    if len(thermo):
        console.print(_thermo_table(thermo))
    console.print(f"done: {directory} ({len(thermo)} thermo rows"
                  f"{', resumed from ' + str(result.restarted_from) if result.restarted_from else ''})")


def _thermo_table(thermo, rows: int = 11):
    """About ``rows`` evenly spaced thermo rows (first and last included) of the usual columns, numbers whole."""
    import numpy as np
    from sei_lmp.cli.tables import new_table

    from sei_lmp.run import layout

    wanted = [c for c in ("Step", "Time", "Temp", "PotEng", "TotEng", "Press", "Volume", "Density") if c in thermo]
    picked = thermo.iloc[np.unique(np.linspace(0, len(thermo) - 1, min(rows, len(thermo))).round().astype(int))]
    table = new_table(f"thermo (every row: {layout.STDOUT}, {layout.LOG})", wanted, right=wanted)
    for _, row in picked.iterrows():
        table.add_row(*[f"{row[c]:.0f}" if c == "Step" else f"{row[c]:.6g}" for c in wanted])
    return table


def _add_groups() -> None:
    # sub-command groups live in their own modules; imported here so `sei-lmp --help` lists them
    from sei_lmp.cli import analyze, build, sweep

    app.add_typer(build.app, name="build")
    app.add_typer(analyze.app, name="analyze")
    app.add_typer(sweep.app, name="sweep")


_add_groups()


def main() -> None:
    app()


if __name__ == "__main__":
    main()
