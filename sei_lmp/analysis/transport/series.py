"""Transport results of several runs together: the diffusion table and, over two or more temperatures, the
Arrhenius fit per species, with the files and the figure that ``sei-lmp analyze diffusion`` writes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from sei_lmp.analysis.transport.arrhenius import ArrheniusFit, arrhenius, fit_arrhenius
from sei_lmp.analysis.transport.run import TransportResult
from sei_lmp.errors import ConfigurationError

__all__ = ["TransportSeries"]


@dataclass
class TransportSeries:
    """Diffusion rows of several runs (``table``), the Arrhenius table per species (``arrhenius``, None below
    two temperatures), the fit objects behind it (``fits``) and the temperature it extrapolates to (``at_K``)."""

    table: pd.DataFrame
    arrhenius: pd.DataFrame | None = None
    fits: dict[str, ArrheniusFit] = field(default_factory=dict)
    at_K: float = 300.0

    @classmethod
    def from_results(cls, results: Sequence[TransportResult], at_K: float = 300.0) -> TransportSeries:
        """Stack the tables of ``results``; fit Arrhenius per species over the whole-cell rows (region "all")
        when they span two or more temperatures (warns with :class:`TransportWarning` on poor fits)."""
        if not results:
            raise ConfigurationError("no transport results to combine")
        table = pd.concat([r.table for r in results], ignore_index=True)
        overall = table[table["region"] == "all"]
        overall = overall[overall["D_cm2_s"] > 0]          # rows without a measured D (NaN) are bounds, not fitted
        if overall["temperature_K"].nunique() < 2:
            return cls(table, at_K=at_K)
        fit_table = arrhenius(overall, at_K=at_K)
        fits = {sp: fit_arrhenius(g["temperature_K"], g["D_cm2_s"], g["D_err_cm2_s"])
                for sp, g in overall.groupby("species")}
        return cls(table, fit_table, fits, at_K)

    def plot(self, ax=None):
        """log D vs 1000/T per species with the fit and its band down to ``at_K``; returns the Axes."""
        from sei_lmp.analysis.transport.plots import plot_arrhenius

        return plot_arrhenius(self.table[self.table["region"] == "all"], self.fits, ax=ax,
                              extrapolate_to_K=self.at_K)

    def write(self, directory: str | Path) -> list[Path]:
        """``diffusion.csv`` and ``.parquet``; with a fit also ``arrhenius.csv``, ``.parquet`` and ``.png``.
        Returns the paths written."""
        from sei_lmp.analysis.transport.plots import save

        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        written = [directory / "diffusion.csv", directory / "diffusion.parquet"]
        self.table.to_csv(written[0], index=False)
        self.table.to_parquet(written[1], index=False)
        if self.arrhenius is not None:
            written += [directory / "arrhenius.csv", directory / "arrhenius.parquet", directory / "arrhenius.png"]
            self.arrhenius.to_csv(written[-3], index=False)
            self.arrhenius.to_parquet(written[-2], index=False)
            save(self.plot(), written[-1])
        return written
