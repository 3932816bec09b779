"""Figures for files without touching matplotlib's global state.

A :class:`matplotlib.figure.Figure` made directly (not through ``pyplot``) belongs to no backend: it saves to
PNG headless, and a notebook's backend stays what the user chose (no ``matplotlib.use``). Plot functions take
an ``ax`` to draw into (e.g. from ``plt.subplots()`` in a notebook) and make one with :func:`new_axes` when
none is given; ``ax.figure`` is then the figure to show or save.
"""

from __future__ import annotations

from os import PathLike

__all__ = ["new_axes", "save_figure"]


def new_axes(figsize: tuple[float, float] = (5, 3.5), layout: str | None = None):
    """One Axes on a new pyplot-free Figure (``layout``: None, "constrained" or "tight")."""
    from matplotlib.figure import Figure

    return Figure(figsize=figsize, layout=layout).add_subplot()


def save_figure(ax, path: str | PathLike, dpi: int = 150, tight: bool = False) -> None:
    """Save the figure of ``ax`` to ``path`` (``tight``: apply tight_layout first); a pyplot figure is closed."""
    figure = ax.figure
    if tight:
        figure.tight_layout()
    figure.savefig(path, dpi=dpi)
    import sys

    if "matplotlib.pyplot" in sys.modules:        # only pyplot keeps a reference to close; never import it here
        sys.modules["matplotlib.pyplot"].close(figure)
