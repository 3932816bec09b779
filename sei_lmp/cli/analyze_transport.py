"""``sei-lmp analyze`` commands for transport analysis."""

from __future__ import annotations

from pathlib import Path

import typer


def _split(values: str | None) -> list[str] | None:
    return [v.strip() for v in values.split(",") if v.strip()] if values else None


def _charges(values: str | None) -> dict[str, float] | None:
    if not values:
        return None
    out = {}
    for item in values.split(","):
        element, sep, charge = item.partition("=")
        if not sep:
            raise typer.BadParameter(f"--charges expects EL=Q pairs (e.g. Li=1,S=-2), got '{item}'")
        out[element.strip()] = float(charge)
    return out


def diffusion(
    run_dirs: list[Path] = typer.Argument(..., help="finished diffusion_nvt run directories"),
    species: str | None = typer.Option(None, help="elements to analyse, comma-separated (default: all)"),
    framework: str = typer.Option("auto", help="elements whose centre-of-mass drift is removed: auto (all others), "
                                  "none, or a comma-separated list"),
    window: str | None = typer.Option(None, help="fit window START:END in ps (default: from the log-log slope)"),
    charges: str | None = typer.Option(None, help="formal charges EL=Q,... (default Li=1)"),
    regions: int | None = typer.Option(None, help="also resolve D in this many slabs along c"),
    at: float = typer.Option(300.0, help="extrapolate the Arrhenius fit to this temperature (K)"),
    output: Path = typer.Option(Path("transport"), "--output", "-o", help="directory for CSV/Parquet/PNG"),
) -> None:
    """D (cm2/s), conductivity (mS/cm) per run and, over several temperatures, Arrhenius Ea (eV)."""
    import warnings

    import pandas as pd
    from rich.console import Console
    from rich.table import Table

    from sei_lmp.analysis.transport import TransportWarning, arrhenius, fit_arrhenius, transport_run
    from sei_lmp.analysis.transport.plots import plot_arrhenius, plot_msd, save
    from sei_lmp.errors import SeiLmpError

    console = Console()
    fw = None if framework.lower() == "none" else "auto" if framework == "auto" else _split(framework)
    output.mkdir(parents=True, exist_ok=True)
    tables = []
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", TransportWarning)
            for run_dir in run_dirs:
                result = transport_run(run_dir, _split(species), framework=fw, window=window,
                                       charges=_charges(charges), regions=regions, progress=True)
                tables.append(result.table)
                name = result.table["run"].iloc[0]
                save(plot_msd({k: v for k, v in result.msd.items() if "@" not in k and k != "collective"},
                              result.fits, title=name), output / f"msd_{name}.png")
                for key, curve in result.msd.items():
                    curve.to_csv(output / f"msd_{name}_{key.replace('@', '_')}.csv", index=False)
                if result.onsager is not None:
                    result.onsager.assign(run=name).to_csv(output / f"onsager_{name}.csv", index=False)
            table = pd.concat(tables, ignore_index=True)
            table.to_csv(output / "diffusion.csv", index=False)
            table.to_parquet(output / "diffusion.parquet", index=False)
            fits_table = None
            overall = table[table["region"] == "all"]
            if overall["temperature_K"].nunique() >= 2:
                fits_table = arrhenius(overall, at_K=at)
                fits_table.to_csv(output / "arrhenius.csv", index=False)
                fits_table.to_parquet(output / "arrhenius.parquet", index=False)
                fits = {sp: fit_arrhenius(g["temperature_K"], g["D_cm2_s"], g["D_err_cm2_s"])
                        for sp, g in overall.groupby("species")}
                save(plot_arrhenius(overall, fits, extrapolate_to_K=at), output / "arrhenius.png")
    except SeiLmpError as err:
        console.print(f"[red]error:[/red] {err}")
        raise typer.Exit(2) from err
    for w in caught:
        console.print(f"[yellow]warning:[/yellow] {w.message}")
    shown = Table(title="diffusion (D in cm2/s, sigma in mS/cm)")
    columns = ("run", "temperature_K", "species", "region", "D_cm2_s", "D_err_cm2_s", "msd_max_A2", "sigma_NE_mS_cm")
    for col in columns:
        shown.add_column(col)
    for _, row in table.iterrows():
        shown.add_row(*[f"{row[c]:.4g}" if isinstance(row[c], float) else str(row[c]) for c in columns])
    console.print(shown)
    if fits_table is not None:
        for _, row in fits_table.iterrows():
            console.print(f"{row['species']}: Ea = {row['Ea_eV']:.3f} +- {row['Ea_err_eV']:.3f} eV, "
                          f"D({at:g} K) = {row[f'D_{at:g}K_cm2_s']:.3g} cm2/s "
                          f"[{row[f'D_{at:g}K_low_cm2_s']:.3g}, {row[f'D_{at:g}K_high_cm2_s']:.3g}]")
    console.print(f"wrote {output}/diffusion.csv, .parquet and figures")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the ``analyze`` group."""
    app.command("diffusion")(diffusion)
