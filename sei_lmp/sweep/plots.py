"""Plots of collected sweep results: ``*_axes`` functions draw on (and return) a matplotlib ``Axes``;
``*_plot`` functions are a protocol's ``plot`` entry and write files. Neither changes the global backend."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sei_lmp.units import BOLTZMANN_EV_PER_K



def arrhenius_axes(results: pd.DataFrame, fits: pd.DataFrame | None = None, ax=None, confidence: float = 0.95):
    """log D against 1000/T, one series per group (everything but temperature and seed), with fit lines
    where ``fits`` has a finite ``Ea_eV`` and ``D0_cm2_s`` (``D = D0 exp(-Ea / kT)``).

    Runs without a measurable D (left out of the fit, see :func:`sei_lmp.sweep.collect.screen_runs`) are
    upper-limit arrows: at their own upper bound column if the analysis gave one, else at D + z D_err,
    else at the lowest D shown (said in the legend). A group whose fit is not supported says so in the legend.
    """
    from scipy import stats

    from sei_lmp.sweep.collect import screen_runs

    if ax is None:
        from matplotlib.figure import Figure

        ax = Figure(figsize=(5, 4)).subplots()
    z = float(stats.norm.ppf(0.5 + confidence / 2))
    labels = [c for c in ("structure", "potential", "species") if c in results.columns]
    groups = results.groupby(labels, sort=True) if labels else [((), results)]
    for values, group in groups:
        values = values if isinstance(values, tuple) else (values,)
        name = " ".join(map(str, values))
        group = group.reset_index(drop=True)
        shown, dropped = screen_runs(group, "temperature_K", confidence)
        color = None
        if len(shown):
            x = 1000.0 / shown["temperature_K"].to_numpy(float)
            err = np.abs(shown["D_err_cm2_s"].to_numpy(float)) if "D_err_cm2_s" in shown else None
            line = ax.errorbar(x, shown["D_cm2_s"], yerr=err, fmt="o", label=name)
            color = line[0].get_color()
        if len(dropped):
            bound, guessed = _upper_bounds(dropped, z, shown)
            ok = np.isfinite(bound) & (bound > 0)
            if ok.any():
                text = f"{name}: no measurable D\n(upper limit" + (
                    "; without a bound: at the lowest D shown)" if guessed[ok].any() else ")")
                bars = ax.errorbar(1000.0 / dropped["temperature_K"].to_numpy(float)[ok], bound[ok],
                                   yerr=0.4 * bound[ok], uplims=True, fmt="v", color=color, capsize=3, label=text)
                color = color or bars[0].get_color()
        match = _fit_row(fits, labels, values)
        if match is None:
            continue
        d0 = next((c for c in ("D0_cm2_s", "D0") if c in match.index), None)
        ea = pd.to_numeric(match.get("Ea_eV", np.nan), errors="coerce")
        if d0 is not None and np.isfinite(ea) and len(shown):
            t = np.linspace(shown["temperature_K"].min(), shown["temperature_K"].max(), 50)
            d = match[d0] * np.exp(-ea / (BOLTZMANN_EV_PER_K * t))
            ax.plot(1000.0 / t, d, "-", color=color, label=f"Ea = {ea:.3f} eV")
        elif isinstance(match.get("reason"), str) and match["reason"]:
            ax.plot([], [], " ", label=_short(f"{name}: no Ea ({match['reason'].removeprefix('not supported: ')})"))
    ax.set_yscale("log")
    ax.set_xlabel("1000 / T (1/K)")
    ax.set_ylabel("D (cm$^2$/s)")
    ax.legend(fontsize="small")
    return ax


def _short(text: str, width: int = 80) -> str:
    # a legend entry no wider than the axes: cut, then wrapped onto lines of 40 characters
    import textwrap

    text = text if len(text) <= width else text[:width - 4] + "...)"
    return "\n".join(textwrap.wrap(text, 40))


def _fit_row(fits: pd.DataFrame | None, labels: list[str], values: tuple) -> pd.Series | None:
    """The fit row of one plotted group, if any."""
    if fits is None or not len(fits):
        return None
    match = fits
    for key, value in zip(labels, values):
        if key in match.columns:
            match = match[match[key] == value]
    return match.iloc[0] if len(match) else None


def _upper_bounds(dropped: pd.DataFrame, z: float, shown: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Upper bound on D of each dropped run, and whether it is only a placeholder (the lowest D shown)."""
    from sei_lmp.sweep.collect import UPPER_BOUND_COLUMNS

    bound = np.full(len(dropped), np.nan)
    for column in UPPER_BOUND_COLUMNS["D_cm2_s"]:
        if column in dropped:
            values = pd.to_numeric(dropped[column], errors="coerce").to_numpy(float)
            bound = np.where(np.isfinite(bound), bound, values)
    if {"D_cm2_s", "D_err_cm2_s"} <= set(dropped.columns):
        d = pd.to_numeric(dropped["D_cm2_s"], errors="coerce").to_numpy(float)
        e = pd.to_numeric(dropped["D_err_cm2_s"], errors="coerce").to_numpy(float)
        from_err = np.where(np.isfinite(d) & np.isfinite(e) & (e > 0), d + z * np.abs(e), np.nan)
        bound = np.where(np.isfinite(bound), bound, from_err)
    bound = np.where(bound > 0, bound, np.nan)
    guessed = ~np.isfinite(bound)
    lowest = shown["D_cm2_s"].min() if len(shown) else np.nan
    return np.where(guessed, lowest, bound), guessed


def arrhenius_plot(results: pd.DataFrame, fits: pd.DataFrame | None, out: Path) -> list[Path]:
    """``arrhenius.png`` in ``out`` (the diffusion protocol's plot); the files written."""
    if not {"temperature_K", "D_cm2_s"} <= set(results.columns):
        return []
    ax = arrhenius_axes(results, fits)
    path = Path(out) / "arrhenius.png"
    ax.figure.tight_layout()
    ax.figure.savefig(path, dpi=120)
    return [path]
