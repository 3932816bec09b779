"""The ``sei-lmp`` command line: a thin layer over the Python API."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

app = typer.Typer(no_args_is_help=True, help="sei_lmp: ML-potential MD of battery interphases with LAMMPS.")


@app.command()
def info() -> None:
    """Show the plugin, the LAMMPS it loads into, and the pair styles available."""
    from rich.console import Console
    from rich.table import Table

    from sei_lmp import __version__
    from sei_lmp.run.plugin import PLUGIN_STYLES, plugin_path, start_lammps

    lmp = start_lammps(styles=())
    try:
        table = Table(title=f"sei_lmp {__version__}")
        table.add_column("item")
        table.add_column("value")
        table.add_row("plugin", str(plugin_path()))
        table.add_row("LAMMPS", str(lmp.version()))
        for style in PLUGIN_STYLES:
            table.add_row(f"pair_style {style}", "yes" if lmp.has_style("pair", style) else "MISSING")
    finally:
        lmp.close()
    Console().print(table)


@app.command()
def demo(
    potential: Optional[Path] = typer.Option(None, help="MTP file (default: the shipped Li MTP)"),
    cells: int = typer.Option(5, help="bcc cells per edge (2 atoms each)"),
    temperature: float = typer.Option(300.0, help="target temperature in K"),
    steps: int = typer.Option(2000, help="NVE steps of 1 fs"),
) -> None:
    """NVE MD of bcc Li with pair_style sei/mtp; prints the energy conservation."""
    from rich.console import Console
    from rich.progress import Progress
    from rich.table import Table

    from sei_lmp.demo import run_nve

    console = Console()
    with Progress(console=console) as bar:
        task = bar.add_task("NVE MD", total=steps)
        result = run_nve(potential, cells=cells, temperature=temperature, steps=steps,
                         progress=lambda done, total: bar.update(task, completed=done))
    table = Table(title=f"NVE, {result.natoms} Li atoms, {result.potential.name}, dt = {result.timestep_fs} fs")
    for col in ("step", "T [K]", "PE [eV]", "E_tot [eV]"):
        table.add_column(col, justify="right")
    stride = max(1, len(result.step) // 10)
    for k in list(range(0, len(result.step), stride)) + [len(result.step) - 1]:
        table.add_row(str(result.step[k]), f"{result.temperature[k]:.1f}",
                      f"{result.potential_energy[k]:.6f}", f"{result.total_energy[k]:.6f}")
    console.print(table)
    console.print(
        f"energy drift {result.drift_mev_per_atom_ps:+.4f} meV/atom/ps, fluctuation "
        f"{result.fluctuation_mev_per_atom:.4f} meV/atom, max |E-E0| {result.max_deviation_mev_per_atom:.4f} "
        f"meV/atom; {result.us_per_atom_step:.1f} us/atom-step"
    )


def main() -> None:
    app()


if __name__ == "__main__":
    main()
