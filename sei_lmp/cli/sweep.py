"""``sei-lmp sweep ...``: plan, run, watch and collect parameter sweeps."""

from __future__ import annotations

import typer

app = typer.Typer(no_args_is_help=True, help="Parameter sweeps: plan | run | status | collect.")
