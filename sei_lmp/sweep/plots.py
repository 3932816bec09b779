"""Plots of collected sweep results: ``*_axes`` functions draw on (and return) a matplotlib ``Axes``;
``*_plot`` functions are a protocol's ``plot`` entry and write files. Neither changes the global backend."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sei_lmp.units import BOLTZMANN_EV_PER_K



def arrhenius_axes(results: pd.DataFrame, fits: pd.DataFrame | None = None, ax=None):
    """log D against 1000/T, one series per group (everything but temperature and seed), with fit lines
    where ``fits`` has ``Ea_eV`` and ``D0_cm2_s`` (``D = D0 exp(-Ea / kT)``)."""
    if ax is None:
        from matplotlib.figure import Figure

        ax = Figure(figsize=(5, 4)).subplots()
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
                d = match[d0].iloc[0] * np.exp(-match["Ea_eV"].iloc[0] / (BOLTZMANN_EV_PER_K * t))
                ax.plot(1000.0 / t, d, "-", color=line[0].get_color(),
                        label=f"Ea = {match['Ea_eV'].iloc[0]:.3f} eV")
    ax.set_yscale("log")
    ax.set_xlabel("1000 / T (1/K)")
    ax.set_ylabel("D (cm$^2$/s)")
    ax.legend(fontsize="small")
    return ax


def arrhenius_plot(results: pd.DataFrame, fits: pd.DataFrame | None, out: Path) -> list[Path]:
    """``arrhenius.png`` in ``out`` (the diffusion protocol's plot); the files written."""
    if not {"temperature_K", "D_cm2_s"} <= set(results.columns):
        return []
    ax = arrhenius_axes(results, fits)
    path = Path(out) / "arrhenius.png"
    ax.figure.tight_layout()
    ax.figure.savefig(path, dpi=120)
    return [path]
