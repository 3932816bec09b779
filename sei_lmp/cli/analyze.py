"""``sei-lmp analyze ...``: post-processing of finished runs.

Each analysis family registers its commands from its own module, so transport and structure analysis
do not share a file.
"""

from __future__ import annotations

import typer

from sei_lmp.cli import analyze_structure, analyze_transport

app = typer.Typer(no_args_is_help=True, help="Analyse finished runs (dumps, logs) into tables and plots.")

analyze_transport.register(app)
analyze_structure.register(app)
