"""Plots of collected sweep results; each function returns its matplotlib ``Axes``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

BOLTZMANN_EV = 8.617333262e-5


def arrhenius_axes(results: pd.DataFrame, fits: pd.DataFrame | None = None, ax=None):
    """log D against 1000/T, one series per group (everything but temperature and seed), with fit lines
    where ``fits`` has ``Ea_eV`` and ``D0_cm2_s`` (``D = D0 exp(-Ea / kT)``)."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(5, 4))
    labels = [c for c in ("structure", "potential", "species") if c in results.columns]
    groups = results.groupby(labels, sort=True) if labels else [((), results)]
    for values, group in groups:
        values = values if isinstance(values, tuple) else (values,)
        name = " ".join(map(str, values))
        group = group[group["D_cm2_s"] > 0]        # a log axis cannot show D <= 0 (too short a run)
        if group.empty:
            continue
        x = 1000.0 / group["temperature_K"].to_numpy(float)
        err = np.abs(group["D_err_cm2_s"].to_numpy(float)) if "D_err_cm2_s" in group else None
        line = ax.errorbar(x, group["D_cm2_s"], yerr=err, fmt="o", label=name)
        d0 = next((c for c in ("D0_cm2_s", "D0") if fits is not None and c in fits.columns), None)
        if d0 is not None and "Ea_eV" in fits.columns:
            match = fits
            for key, value in zip(labels, values):
                if key in match.columns:
                    match = match[match[key] == value]
            if len(match) and np.isfinite(match["Ea_eV"].iloc[0]):
                t = np.linspace(group["temperature_K"].min(), group["temperature_K"].max(), 50)
                d = match[d0].iloc[0] * np.exp(-match["Ea_eV"].iloc[0] / (BOLTZMANN_EV * t))
                ax.plot(1000.0 / t, d, "-", color=line[0].get_color(),
                        label=f"Ea = {match['Ea_eV'].iloc[0]:.3f} eV")
    ax.set_yscale("log")
    ax.set_xlabel("1000 / T (1/K)")
    ax.set_ylabel("D (cm$^2$/s)")
    ax.legend(fontsize="small")
    return ax


def plot_collected(results: pd.DataFrame, fits: pd.DataFrame | None, protocol: str, out: Path) -> list[Path]:
    """Write the standard plot of a protocol's collected results into ``out``; the files written."""
    import matplotlib.pyplot as plt

    if protocol == "diffusion_nvt" and {"temperature_K", "D_cm2_s"} <= set(results.columns):
        ax = arrhenius_axes(results, fits)
        path = out / "arrhenius.png"
        ax.figure.tight_layout()
        ax.figure.savefig(path, dpi=120)
        plt.close(ax.figure)
        return [path]
    return []
