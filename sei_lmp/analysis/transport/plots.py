"""Figures of transport results: each function returns its Axes and never changes the matplotlib backend."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sei_lmp.analysis.figures import new_axes, save_figure
from sei_lmp.analysis.transport.arrhenius import ArrheniusFit
from sei_lmp.analysis.transport.fit import DiffusionFit

__all__ = ["plot_arrhenius", "plot_msd", "save"]


def _axes(ax):
    return ax if ax is not None else new_axes((5, 4), layout="constrained")


def plot_msd(curves: dict[str, pd.DataFrame], fits: dict[str, DiffusionFit], ax=None, title: str = ""):
    """MSD vs t (log-log) per species with the fitted line and its window shaded."""
    ax = _axes(ax)
    for name, curve in curves.items():
        t, y = curve["time_ps"].to_numpy(), curve["msd_xyz_A2"].to_numpy()
        ok = t > 0
        line, = ax.loglog(t[ok], y[ok], label=name)
        fit = fits.get(name)
        if fit is not None:
            tt = np.linspace(fit.fit_start_ps, fit.fit_end_ps, 50)
            ax.loglog(tt, fit.slope_A2_ps * tt + fit.intercept_A2, "--", color=line.get_color(),
                      label=f"{name}: D = {fit.D_cm2_s:.2e} +- {fit.D_err_cm2_s:.1e} cm$^2$/s")
            ax.axvspan(fit.fit_start_ps, fit.fit_end_ps, color=line.get_color(), alpha=0.08)
    ax.set_xlabel("t (ps)")
    ax.set_ylabel("MSD (A$^2$)")
    ax.set_title(title)
    ax.legend(fontsize=7)
    return ax


def plot_arrhenius(table: pd.DataFrame, fits: dict[str, ArrheniusFit], ax=None, extrapolate_to_K: float = 300.0,
                   confidence: float = 0.95):
    """log10 D vs 1000/T with error bars, the fit and its confidence band down to ``extrapolate_to_K``."""
    ax = _axes(ax)
    for species, group in table.groupby("species"):
        t = group["temperature_K"].to_numpy(float)
        d, e = group["D_cm2_s"].to_numpy(float), group["D_err_cm2_s"].to_numpy(float)
        bars = ax.errorbar(1000 / t, d, yerr=e, fmt="o", capsize=3, label=f"{species}")
        fit = fits.get(species)
        if fit is not None:
            grid = np.linspace(min(t.min(), extrapolate_to_K), t.max(), 100)
            pred = fit.predict(grid, confidence)
            ax.plot(1000 / grid, pred["D_cm2_s"], color=bars[0].get_color(),
                    label=f"Ea = {fit.Ea_eV:.3f} +- {fit.Ea_err_eV:.3f} eV")
            ax.fill_between(1000 / grid, pred["D_low_cm2_s"], pred["D_high_cm2_s"], color=bars[0].get_color(),
                            alpha=0.2, label=f"{confidence:.0%} interval")
    ax.set_yscale("log")
    ax.set_xlabel("1000 / T (1/K)")
    ax.set_ylabel("D (cm$^2$/s)")
    ax.legend(fontsize=7)
    return ax


def save(ax, path) -> None:
    """Write the figure of ``ax`` as PNG (150 dpi)."""
    save_figure(ax, path, dpi=150)
