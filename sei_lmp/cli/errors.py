"""The one error handler of ``sei-lmp``: a :class:`~sei_lmp.errors.SeiLmpError` from any command becomes one
line on stderr and an exit status, without a traceback. Any other exception is a bug and keeps its traceback.
Python warnings raised while a command runs (an analysis' notes) are shown as one ``note:`` line each, once,
without Python's file and source lines.

The root app is built with :class:`ErrorHandlingGroup`, so commands need no try/except of their own.
"""

from __future__ import annotations

import contextlib
import warnings

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


@contextlib.contextmanager
def notes_on_stderr():
    """Show each distinct warning raised inside as ``note: <message>`` on stderr, as it comes (a long run
    shows its notes while it goes on), without the file and source line Python prints."""
    from rich.console import Console
    from rich.markup import escape

    console = Console(stderr=True, soft_wrap=True, highlight=False)
    seen: set[str] = set()

    def show(message, category, filename, lineno, file=None, line=None):
        text = str(message)
        if text not in seen:
            seen.add(text)
            console.print(f"[yellow]note:[/yellow] {escape(text)}")

    with warnings.catch_warnings():
        warnings.simplefilter("always")
        for noisy in (DeprecationWarning, PendingDeprecationWarning, FutureWarning):
            warnings.simplefilter("ignore", noisy)      # third-party library internals, not notes for the user
        warnings.showwarning = show
        yield


class ErrorHandlingGroup(TyperGroup):
    """Root command group: turns a sei_lmp error of any sub-command into :func:`report_error` + exit status,
    and warnings into one-line notes (:func:`notes_on_stderr`)."""

    def invoke(self, ctx):
        try:
            with notes_on_stderr():
                return super().invoke(ctx)
        except SeiLmpError as err:
            report_error(err)
            raise typer.Exit(EXIT_STATUS.get(ctx.invoked_subcommand, DEFAULT_EXIT_STATUS)) from err
