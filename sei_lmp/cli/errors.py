"""The one error handler of ``sei-lmp``: a :class:`~sei_lmp.errors.SeiLmpError` from any command becomes one
line on stderr and an exit status, without a traceback. Any other exception is a bug and keeps its traceback.

The root app is built with :class:`ErrorHandlingGroup`, so commands need no try/except of their own.
"""

from __future__ import annotations

import typer
from typer.core import TyperGroup

from sei_lmp.errors import SeiLmpError

__all__ = ["DEFAULT_EXIT_STATUS", "EXIT_STATUS", "ErrorHandlingGroup", "report_error"]

#: a sei_lmp error is a bad input, like a usage error: status 2 ...
DEFAULT_EXIT_STATUS = 2
#: ... except for the top-level commands that run MD, where it means the run did not happen or failed
EXIT_STATUS = {"run": 1, "demo": 1}


def report_error(err: BaseException) -> None:
    """Print ``error: <message>`` on stderr as one line (no wrapping, no markup from the message)."""
    from rich.console import Console
    from rich.markup import escape

    Console(stderr=True, soft_wrap=True, highlight=False).print(f"[red]error:[/red] {escape(str(err))}")


class ErrorHandlingGroup(TyperGroup):
    """Root command group: turns a sei_lmp error of any sub-command into :func:`report_error` + exit status."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except SeiLmpError as err:
            report_error(err)
            raise typer.Exit(EXIT_STATUS.get(ctx.invoked_subcommand, DEFAULT_EXIT_STATUS)) from err
