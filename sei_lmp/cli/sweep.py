"""``sei-lmp sweep ...``: plan, run, watch and collect parameter sweeps."""

from __future__ import annotations

from pathlib import Path

import typer

app = typer.Typer(no_args_is_help=True, help="Parameter sweeps: plan | run | status | collect.")

STATE_COLOURS = {"done": "green", "running": "cyan", "interrupted": "yellow", "failed": "red", "pending": "white"}


@app.command()
def plan(
    sweep_file: Path = typer.Argument(..., help="sweep file (.toml, .yaml)"),
    output: Path | None = typer.Option(None, "--output", "-o", help="sweep directory (default: ./<name>)"),
) -> None:
    """Render one deck directory per sweep point and the table sweep.csv/sweep.parquet."""
    from rich.console import Console

    from sei_lmp.sweep.plan import plan_sweep
    from sei_lmp.sweep.spec import read_sweep

    spec = read_sweep(sweep_file)
    output = output or Path(spec.name)
    table = plan_sweep(spec, output)
    Console().print(f"planned {len(table)} runs of {spec.protocol} in {output} "
                    f"(parameters: {', '.join(spec.parameters) or 'none'}); run them with: sei-lmp sweep run {output}")


@app.command()
def run(
    directory: Path = typer.Argument(..., help="sweep directory written by 'sei-lmp sweep plan'"),
    executor: str | None = typer.Option(None, "--executor", "-e",
                                        help="local | slurm (default: the profile's, else local)"),
    profile: str | None = typer.Option(None, "--profile", help="machine profile of the sei_lmp config file, laid "
                                       "over the sweep file's [run]/[slurm] sections"),
    jobs: int | None = typer.Option(None, "--jobs", "-j", min=1, help="local: runs at a time (default cores // ranks)"),
    np: int | None = typer.Option(None, "--np", min=1, help="local: MPI ranks per run (default: run.nprocs)"),
    only: list[str] = typer.Option([], "--only", help="run only these run ids (repeatable)"),
    submit: bool = typer.Option(False, "--submit", help="slurm: submit the array with sbatch (default: only write it)"),
) -> None:
    """Run every unfinished run (finished ones are skipped, interrupted ones resume)."""
    from rich.console import Console

    from sei_lmp.run.profiles import Profile, load_profile
    from sei_lmp.sweep.executors import get_executor
    from sei_lmp.sweep.executors.base import SUCCESS

    console = Console()
    launch = load_profile(profile) if profile else None
    name = executor or (launch.executor if launch else "local")
    if np is not None and name == "local":
        launch = (launch or Profile(name="command line")).with_options({"nprocs": np})
    chosen = get_executor(name, launch)
    options = {"jobs": jobs} if name == "local" else {}
    until = _spec_until(directory)
    if until:
        _check_until_species(directory, until)
    launched = chosen.run(directory, only or None, submit=submit, **options)
    if until and launched.results is not None and launched.ok:
        launched = _run_until(directory, chosen, only, options, until, console, launched.results)
    elif until and name != "local":
        console.print("note: [until] lengthens runs only with the local executor; here, collect, then "
                      "re-plan longer runs for the temperatures with too few jumps")
    if launched.results is not None:
        for _, row in launched.results.iterrows():
            colour = "green" if row["outcome"] in SUCCESS else "red"
            console.print(f"[{colour}]{row['outcome']:>14}[/{colour}] {row['run_id']}"
                          + (f"  {row['reason']}" if row["reason"] else ""))
        if not launched.ok:
            raise typer.Exit(1)
    elif launched.script is None:
        console.print(launched.note or "nothing to submit")
    else:
        console.print(f"wrote {launched.script}")
        if launched.job_id is not None:
            console.print(f"submitted job array {launched.job_id}")
        else:
            console.print(f"submit it with: sbatch {launched.script}  (or re-run with --submit)")


def _spec_until(directory: Path) -> dict:
    from sei_lmp.sweep import load_sweep

    spec, _ = load_sweep(directory)
    return spec.until


def _check_until_species(directory: Path, until: dict) -> None:
    """The plan's [until] species check over the rendered runs (whose elements are all known by now)."""
    from sei_lmp.run.directory import RunDirectory
    from sei_lmp.sweep import load_sweep
    from sei_lmp.sweep.plan import check_until_species

    _, table = load_sweep(directory)
    check_until_species(until, {run_id: RunDirectory(directory / sub).manifest.elements
                                for run_id, sub in zip(table["run_id"], table["directory"])}, what="run")


def _run_until(directory: Path, chosen, only: list[str], options: dict, until: dict, console, first):
    """The sweep's [until] section: count jumps, lengthen the runs with too few, run them again, repeat."""
    import pandas as pd

    from sei_lmp.sweep import load_sweep
    from sei_lmp.sweep.extend import count_jumps, run_until

    _, table = load_sweep(directory)
    if only:
        table = table[table["run_id"].isin(only)]
    ids = {directory / d: r for d, r in zip(table["directory"], table["run_id"])}
    results = [first]

    def run_many(dirs):
        launched = chosen.run(directory, [ids[d] for d in dirs], **options)
        results.append(launched.results)
        if not launched.ok:
            raise typer.Exit(1)

    outcome = run_until(list(ids), lambda d: count_jumps(d, until["species"], until["min_residence_ps"]),
                        min_count=until["min_jumps"], add_ps=until["add_ps"], max_rounds=until["max_rounds"],
                        budget_s=until["budget_s"], run_many=run_many,
                        log=lambda line: console.print(f"until: {line}"))
    console.print(f"until: {outcome.rounds} round(s), {outcome.reason}; jumps: "
                  + ", ".join(f"{ids[Path(d)]} {c[-1]}" for d, c in outcome.counts.items()))
    from sei_lmp.sweep.executors.base import Launch

    merged = pd.concat([r for r in results if r is not None], ignore_index=True)
    # a run's last real outcome: a later round's "already done" does not hide the round that ran it
    ran = merged[merged["outcome"] != "already done"]
    merged = pd.concat([ran, merged[~merged["run_id"].isin(ran["run_id"])]]).drop_duplicates("run_id", keep="last")
    return Launch(results=merged.reset_index(drop=True))


@app.command()
def status(
    directory: Path = typer.Argument(..., help="sweep directory"),
    as_json: bool = typer.Option(False, "--json", help="print the table as JSON records"),
) -> None:
    """Show done / running / interrupted / failed / pending for every run, with failure reasons."""
    from rich.console import Console
    from sei_lmp.cli.tables import new_table

    from sei_lmp.sweep.status import STATES, sweep_status

    table = sweep_status(directory)
    console = Console()
    if as_json:
        console.print_json(table.to_json(orient="records"))
        return
    view = new_table(f"sweep {directory}", ("run", "state", "progress", "attempts", "reason"))
    for _, row in table.iterrows():
        colour = STATE_COLOURS[row["state"]]
        progress = f"{100 * row['progress']:.0f} %" if row["progress"] is not None else ""
        view.add_row(row["run_id"], f"[{colour}]{row['state']}[/{colour}]", progress, str(row["attempts"]),
                     str(row["reason"]))
    console.print(view)
    counts = table["state"].value_counts()
    console.print(", ".join(f"{counts.get(s, 0)} {s}" for s in STATES))


@app.command()
def collect(
    directory: Path = typer.Argument(..., help="sweep directory"),
    fit: bool = typer.Option(True, help="fit per group (Arrhenius for diffusion)"),
    plots: bool = typer.Option(True, help="write plots into <sweep>/collect/"),
) -> None:
    """Analyse every finished run into collect/results.csv (+ fits.csv and plots)."""
    from rich.console import Console

    from sei_lmp.sweep.collect import COLLECT_DIR
    from sei_lmp.sweep.collect import collect as gather

    console = Console()
    results, fits = gather(directory, fit=fit, plots=plots)
    console.print(results.to_string(max_rows=40))
    if fits is not None:
        console.print(fits.to_string(max_rows=40))
    console.print(f"written to {Path(directory) / COLLECT_DIR}")
