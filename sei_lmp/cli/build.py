"""``sei-lmp build ...``: structures and LAMMPS data files."""

from __future__ import annotations

import typer

app = typer.Typer(no_args_is_help=True, help="Build structures (crystals, defects, amorphous, interfaces) and data files.")
