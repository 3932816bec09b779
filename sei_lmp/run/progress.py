"""A progress bar over timesteps, fed with the thermo lines LAMMPS prints."""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["StepProgress"]


class StepProgress:
    """A rich progress bar on stderr over timesteps ``start .. total``; disabled, it shows nothing."""

    def __init__(self, enabled: bool, label: str, total: int, start: int):
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        self._bar = Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                             TextColumn("steps"), TimeRemainingColumn(), TextColumn("{task.fields[status]}"),
                             console=Console(stderr=True), disable=not enabled)
        self._task = self._bar.add_task(label, total=max(total, 1), completed=start, status="")

    def __enter__(self) -> StepProgress:
        self._bar.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self._bar.__exit__(*exc)

    def update(self, columns: Sequence[str], values: Sequence[float]) -> None:
        """Move to the step of a thermo row (``values[0]``) and show its next three columns."""
        status = "  ".join(f"{c} {v:.6g}" for c, v in list(zip(columns, values))[1:4])
        self._bar.update(self._task, completed=values[0], status=status)
