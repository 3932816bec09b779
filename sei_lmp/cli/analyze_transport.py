"""``sei-lmp analyze`` commands for transport analysis."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from sei_lmp.cli.types import OutputDir, parse_pairs, split_list

AnalysedSpecies = Annotated[Optional[str], typer.Option(
    "--species", help="elements to analyse, comma-separated (default: all)")]


def diffusion(
    run_dirs: list[Path] = typer.Argument(..., help="finished diffusion_nvt run directories"),
    species: AnalysedSpecies = None,
    framework: str = typer.Option("auto", help="elements whose centre-of-mass drift is removed: auto (all others), "
                                  "none, or a comma-separated list"),
    window: Optional[str] = typer.Option(None, help="fit window START:END in ps (default: from the log-log slope)"),
    charges: Optional[str] = typer.Option(None, help="formal charges EL=Q,... (default Li=1)"),
    regions: Optional[int] = typer.Option(None, help="also resolve D in this many slabs along c"),
    at: float = typer.Option(300.0, help="extrapolate the Arrhenius fit to this temperature (K)"),
    output: OutputDir = Path("transport"),
) -> None:
    """D (cm2/s), conductivity (mS/cm) per run and, over several temperatures, Arrhenius Ea (eV).

    Writes diffusion.csv/.parquet, MSD curves and figures per run and, over two or more temperatures,
    arrhenius.csv/.parquet/.png into --output.
    """
    import warnings

    from rich.console import Console
    from sei_lmp.cli.tables import new_table

    from sei_lmp.analysis.transport import TransportSeries, TransportWarning, transport_run

    console = Console()
    fw = None if framework.lower() == "none" else "auto" if framework == "auto" else split_list(framework)
    output.mkdir(parents=True, exist_ok=True)
    results = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", TransportWarning)
        for run_dir in run_dirs:
            result = transport_run(run_dir, split_list(species), framework=fw, window=window,
                                   charges=parse_pairs(charges, "--charges") or None, regions=regions,
                                   progress=True)
            result.write(output)
            results.append(result)
        series = TransportSeries.from_results(results, at_K=at)
        series.write(output)
    for w in caught:
        console.print(f"[yellow]warning:[/yellow] {w.message}")
    columns = ("run", "temperature_K", "species", "region", "D_cm2_s", "D_err_cm2_s", "msd_max_A2", "sigma_NE_mS_cm")
    shown = new_table("diffusion (D in cm2/s, sigma in mS/cm)", columns, right=columns[4:])
    for _, row in series.table.iterrows():
        shown.add_row(*[f"{row[c]:.4g}" if isinstance(row[c], float) else str(row[c]) for c in columns])
    console.print(shown)
    if series.arrhenius is not None:
        for _, row in series.arrhenius.iterrows():
            console.print(f"{row['species']}: Ea = {row['Ea_eV']:.3f} +- {row['Ea_err_eV']:.3f} eV, "
                          f"D({at:g} K) = {row[f'D_{at:g}K_cm2_s']:.3g} cm2/s "
                          f"[{row[f'D_{at:g}K_low_cm2_s']:.3g}, {row[f'D_{at:g}K_high_cm2_s']:.3g}]")
    console.print(f"wrote {output}/diffusion.csv, .parquet and figures")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the ``analyze`` group."""
    app.command("diffusion")(diffusion)
