"""At 80 columns (a default terminal, CI logs) the command-line tables fold long names, paths and numbers
instead of cutting them with an ellipsis."""

from __future__ import annotations

from typer.testing import CliRunner

from sei_lmp.cli import app
from sei_lmp.cli.tables import new_table


def test_info_at_80_columns_cuts_nothing():
    out = CliRunner().invoke(app, ["info"], env={"COLUMNS": "80"}, terminal_width=80)
    assert out.exit_code == 0, out.output
    assert "\u2026" not in out.output
    # the longest shipped name arrives whole, folded over two lines of its cell
    assert "LiF_mace_chgnet.model" in out.output and "-lammps.pt" in out.output


def test_a_long_number_folds_instead_of_ending_in_an_ellipsis():
    from rich.console import Console

    table = new_table("t", [f"column {k}" for k in range(8)], right=[f"column {k}" for k in range(8)])
    table.add_row(*["-1234.567891234" for _ in range(8)])
    console = Console(width=80, record=True, force_terminal=False)
    console.print(table)
    text = console.export_text()
    assert "\u2026" not in text
    assert text.count("-1234") == 8      # every number is there, digits folded onto the next line
