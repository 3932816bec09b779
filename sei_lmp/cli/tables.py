"""Rich tables for the command line that never cut a value: at 80 columns a long name, path or number folds
onto the next line of its cell instead of ending in an ellipsis."""

from __future__ import annotations

from collections.abc import Iterable


def new_table(title: str, columns: Iterable[str], *, right: Iterable[str] = ()):
    """A ``rich.table.Table`` with ``columns`` (those in ``right`` right-aligned, for numbers), every cell
    folding rather than truncating."""
    from rich.table import Table

    right = set(right)
    table = Table(title=title)
    for column in columns:
        table.add_column(column, justify="right" if column in right else "left", overflow="fold")
    return table
