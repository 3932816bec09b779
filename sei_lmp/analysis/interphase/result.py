"""The result of an interface run as ``sei-lmp analyze interphase`` reports it: interfaces per frame, the
composition profiles, thickness vs time and (with enough frames) growth-law fits, with their files and figures."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pandas as pd

from sei_lmp.analysis.interphase.run import growth_table, plot_profiles, plot_thickness, thickness_vs_time

__all__ = ["MIN_GROWTH_TIMES", "InterphaseResult"]

#: growth laws are fitted (and the thickness figure drawn) from this many distinct times on
MIN_GROWTH_TIMES = 4


@dataclass
class InterphaseResult:
    """An :func:`analyze_interface_run` table (``attrs``: ``profiles``, ``marker``) and what follows from it."""

    table: pd.DataFrame

    @property
    def profiles(self) -> pd.DataFrame:
        return self.table.attrs["profiles"]

    @property
    def marker(self) -> str:
        return self.table.attrs["marker"]

    @cached_property
    def thickness(self) -> pd.DataFrame:
        """:func:`thickness_vs_time` of the table."""
        return thickness_vs_time(self.table)

    @cached_property
    def growth(self) -> pd.DataFrame | None:
        """:func:`growth_table`, or None below :data:`MIN_GROWTH_TIMES` distinct times."""
        return growth_table(self.table) if self.thickness["time_ps"].nunique() >= MIN_GROWTH_TIMES else None

    def plot(self, ax=None):
        """Marker fraction along z for the first, middle and last frame; returns the Axes."""
        return plot_profiles(self.profiles, self.marker, ax=ax)

    def plot_thickness(self, ax=None):
        """Interphase thickness vs time with the growth laws that fit; returns the Axes."""
        return plot_thickness(self.table, ax=ax)

    def write(self, directory) -> list[Path]:
        """``interfaces.csv``, ``profiles.csv``, ``thickness.csv``, ``profiles.png`` and, with enough frames,
        ``growth.csv`` and ``thickness.png``. Returns the paths written."""
        from sei_lmp.analysis.figures import save_figure

        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        written = [directory / "interfaces.csv", directory / "profiles.csv", directory / "thickness.csv",
                   directory / "profiles.png"]
        self.table.to_csv(written[0], index=False)
        self.profiles.to_csv(written[1], index=False)
        self.thickness.to_csv(written[2], index=False)
        save_figure(self.plot(), written[3], dpi=150, tight=True)
        if self.growth is not None:
            written += [directory / "growth.csv", directory / "thickness.png"]
            self.growth.to_csv(written[-2], index=False)
            save_figure(self.plot_thickness(), written[-1], dpi=150, tight=True)
        return written
