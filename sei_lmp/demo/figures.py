"""Figures of the main demo: the jump-rate Arrhenius plot with the NEB barrier beside it, the jump timeline,
the NEB energy profiles and the MSD of Li."""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from sei_lmp.demo.single_run import new_figure, save_figure

__all__ = ["arrhenius_figure", "barrier_figure", "msd_figure", "timeline_figure"]

BOLTZMANN_EV_PER_K = 8.617333262e-5


def arrhenius_figure(fit, barriers: pd.DataFrame, path: Path) -> Path:
    """Rate per interstitial vs 1000/T (exact Poisson bars, the likelihood fit and its band down to 300 K) and
    the slope of the lowest NEB barrier drawn through the data, for the eye to compare."""
    fig, ax = new_figure(figsize=(5.8, 4.2))
    fit.plot(ax, extrapolate=True)
    ok = barriers.dropna(subset=["barrier_eV"])
    seen = fit.counts > 0
    if len(ok) and seen.any():
        low = ok.loc[ok["barrier_eV"].idxmin()]
        # anchored at the count-weighted centre of the data, where the fit is best determined
        beta = 1 / (BOLTZMANN_EV_PER_K * fit.temperature_K[seen])
        centre = float(np.average(beta, weights=fit.counts[seen]))
        rate_c = float(fit.counts[seen].sum() / fit.exposure_ps[seen].sum()) if not fit.supported else \
            float(fit.rate(1 / (BOLTZMANN_EV_PER_K * centre)))
        grid = np.linspace(fit.temperature_K.min(), fit.temperature_K.max(), 20)
        b = 1 / (BOLTZMANN_EV_PER_K * grid)
        ax.plot(1000 / grid, rate_c * np.exp(-low["barrier_eV"] * (b - centre)), "k--", lw=1,
                label=f"slope of the NEB barrier ({low['mechanism'].replace('_', ' ')}, {low['barrier_eV']:.3f} eV)")
        ax.legend(fontsize=7)
    ax.set_ylabel("jumps per interstitial per ps")
    ax.set_title("Li interstitial in LiF: jump rate", fontsize=9)
    return save_figure(fig, path, dpi=150)


def timeline_figure(analyses: Mapping[float, object], path: Path) -> Path:
    """Every interstitial jump (mechanism event) in time, one row per temperature, coloured by its type."""
    temps = sorted(analyses)
    fig, ax = new_figure(figsize=(7.5, 1.0 + 0.55 * len(temps)))
    kinds = sorted({k for ja in analyses.values() for k in ja.mechanisms["type"].unique()})
    colours = dict(zip(kinds, [f"C{i}" for i in range(len(kinds))]))
    for row, t in enumerate(temps):
        ja = analyses[t]
        ax.hlines(row, 0, ja.info["run_time_ps"], color="0.85", lw=0.8, zorder=0)
        for kind, group in ja.mechanisms.groupby("type"):
            ax.scatter(group["time_ps"], np.full(len(group), row), marker="|", s=120, color=colours[kind],
                       label=kind if row == 0 or kind not in ax.get_legend_handles_labels()[1] else None)
    handles, labels = ax.get_legend_handles_labels()
    unique = dict(zip(labels, handles))
    if unique:
        ax.legend(unique.values(), unique.keys(), fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0),
                  frameon=False)
    ax.set_yticks(range(len(temps)), [f"{t:g} K" for t in temps])
    ax.set_ylim(-0.6, len(temps) - 0.4)
    ax.set_xlabel("production time (ps)")
    ax.set_title("jumps of the interstitial (mechanism events; an interstitialcy moves two atoms)", fontsize=9)
    return save_figure(fig, path, dpi=150)


def barrier_figure(runs: Mapping[str, Path], teacher: Mapping[str, float], path: Path) -> Path:
    """NEB energy profiles of every mechanism, the teacher's barrier of each as a dotted level."""
    from sei_lmp.analysis.neb import plot_barriers

    fig, ax = new_figure(figsize=(5.8, 4.0))
    plot_barriers({m.replace("_", " "): d for m, d in runs.items()}, ax=ax)
    for i, mechanism in enumerate(runs):
        if mechanism in teacher:
            ax.axhline(teacher[mechanism], color=f"C{i}", ls=":", lw=1)
    if any(m in teacher for m in runs):
        ax.plot([], [], "k:", lw=1, label="teacher's barrier (card)")
    ax.legend(fontsize=7)
    ax.set_title("NEB, climbing image: Li interstitial in LiF", fontsize=9)
    return save_figure(fig, path, dpi=150)


def msd_figure(diffusion: pd.DataFrame, options: dict, path: Path) -> Path | None:
    """MSD of Li at every temperature with its fit window (shaded) as the sweep collection chose it."""
    from sei_lmp.analysis.transport import TransportWarning, transport_run

    fig, ax = new_figure(figsize=(5.5, 4))
    for _, row in diffusion.iterrows():
        with warnings.catch_warnings():          # the collection already reported this analysis's notes
            warnings.simplefilter("ignore", TransportWarning)
            curve = transport_run(row["run_dir"], **options).msd["Li"]
        line, = ax.loglog(curve["time_ps"].iloc[1:], curve["msd_xyz_A2"].iloc[1:],
                          label=f"{row['temperature_K']:.0f} K")
        if math.isfinite(row.get("fit_start_ps", math.nan)) and math.isfinite(row.get("fit_end_ps", math.nan)):
            ax.axvspan(row["fit_start_ps"], row["fit_end_ps"], color=line.get_color(), alpha=0.08)
    if not ax.lines:
        return None
    ax.set_xlabel("t (ps)")
    ax.set_ylabel("MSD of Li, all atoms (A$^2$)")
    ax.legend(fontsize=7)
    return save_figure(fig, path, dpi=150)
