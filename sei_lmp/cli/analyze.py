"""``sei-lmp analyze ...``: post-processing of finished runs.

Each analysis family registers its commands from its own module, so transport and structure analysis
do not share a file.
"""

from __future__ import annotations

from pathlib import Path

import typer

from sei_lmp.cli import analyze_structure, analyze_transport

app = typer.Typer(no_args_is_help=True, help="Analyse finished runs (dumps, logs) into tables and plots.")

analyze_transport.register(app)
analyze_structure.register(app)


@app.command("run")
def run_analysis(
    run_dirs: list[Path] = typer.Argument(..., help="finished run directories of any protocol"),
    output: Path = typer.Option(Path("analysis.csv"), "--output", "-o", help="CSV of the rows of every run"),
) -> None:
    """The analysis each run's protocol names (its class's 'analysis'), one table over all runs.

    Works for every protocol, also one added later (e.g. neb: barriers and convergence).
    """
    import pandas as pd

    from sei_lmp.decks.protocols import PROTOCOLS, resolve
    from sei_lmp.errors import ConfigurationError
    from sei_lmp.run.directory import RunDirectory

    frames = []
    for run_dir in run_dirs:
        name = RunDirectory(run_dir).manifest.protocol
        protocol = PROTOCOLS.get(name)
        if protocol is None or protocol.analysis is None:
            raise ConfigurationError(f"{run_dir}: no analysis for protocol '{name}' (known: {', '.join(PROTOCOLS)})")
        rows = resolve(protocol.analysis)(run_dir)
        frames.append(pd.concat([pd.DataFrame({"run": [str(run_dir)] * len(rows), "protocol": name}),
                                 rows.reset_index(drop=True)], axis=1))
    table = pd.concat(frames, ignore_index=True)
    table.to_csv(output, index=False)
    typer.echo(table.T.to_string(header=False) if len(table) == 1 else table.to_string(index=False))
    typer.echo(f"wrote {output}")
