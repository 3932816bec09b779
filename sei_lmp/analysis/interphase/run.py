"""Interface-reaction runs end to end: profiles vs time, interfaces, thickness vs time, growth-law fits, plots."""

from __future__ import annotations

from os import PathLike
from pathlib import Path

import numpy as np
import pandas as pd

from sei_lmp.analysis.interphase.growth import compare_growth_laws
from sei_lmp.analysis.interphase.interfaces import interfaces
from sei_lmp.analysis.interphase.profiles import composition_profiles
from sei_lmp.errors import ConfigurationError
from sei_lmp.run.directory import RunDirectory

__all__ = ["analyze_interface_run", "growth_table", "plot_profiles", "plot_thickness", "thickness_vs_time"]


def _timestep_ps(run_dir: Path) -> float:
    """The run's MD time step in ps, from its manifest (a missing one is an error, not 1 fs)."""
    run = RunDirectory(run_dir)
    if not run.has_manifest():
        raise ConfigurationError(f"{run_dir} has no {run.manifest_path.name}: pass an interface deck directory "
                                 "written by 'sei-lmp deck interface_npt'")
    try:
        return run.manifest.timestep_fs / 1000.0
    except ConfigurationError as err:
        raise ConfigurationError(f"{run.manifest_path}: {err}") from None


def analyze_interface_run(run_dir: str | PathLike, element: str | None = None,
                          pure: tuple[float, float] | None = None, bin_width: float = 2.0, frames=None,
                          lo: float = 0.1, hi: float = 0.9, smooth: int = 1, smooth_width: float = 0.0,
                          progress: bool = False) -> pd.DataFrame:
    """Interfaces of every dumped frame of an interface run (``trajectory.dump`` + ``manifest.json``).

    Returns one row per frame and interface: ``run_dir, frame, step, time_ps, interface, position,
    thickness, edge_hi, edge_lo, from_phase, to_phase`` (lengths in Angstrom, along z). ``attrs``:
    ``profiles`` (the composition profiles) and ``marker``. Arguments as in :func:`interfaces`.
    """
    run_dir = Path(run_dir)
    dt = _timestep_ps(run_dir)
    profiles = composition_profiles(run_dir, bin_width=bin_width, frames=frames, progress=progress)
    table = interfaces(profiles, element=element, pure=pure, lo=lo, hi=hi, smooth=smooth, smooth_width=smooth_width)
    table.insert(0, "run_dir", str(run_dir))
    table.insert(3, "time_ps", table["step"].astype(float) * dt)
    table.attrs.update(profiles=profiles, marker=table.attrs.get("element"))
    return table


def thickness_vs_time(table: pd.DataFrame) -> pd.DataFrame:
    """Mean interphase thickness over the interfaces of each frame, with the spread between them:
    ``time_ps, thickness, thickness_err`` (standard error over interfaces, NaN for one interface)."""
    grouped = table.groupby("time_ps")["thickness"]
    out = pd.DataFrame({"thickness": grouped.mean(), "n": grouped.count(), "std": grouped.std(ddof=1)})
    out["thickness_err"] = out["std"] / np.sqrt(out["n"])
    return out.reset_index()[["time_ps", "thickness", "thickness_err", "n"]]


def plot_profiles(profiles: pd.DataFrame, element: str, frames=None, ax=None):
    """Fraction of ``element`` along z for chosen frames (default: first, middle, last); returns the Axes."""
    import matplotlib

    from sei_lmp.analysis.figures import new_axes

    column = f"x_{element}"
    if column not in profiles.columns:
        raise ConfigurationError(f"no element '{element}' in the profiles")
    available = sorted(profiles["frame"].unique())
    chosen = frames if frames is not None else sorted({available[0], available[len(available) // 2], available[-1]})
    if ax is None:
        ax = new_axes((5, 3.5))
    colours = matplotlib.colormaps["viridis"](np.linspace(0, 1, len(chosen)))
    for colour, frame in zip(colours, chosen):
        rows = profiles[profiles["frame"] == frame]
        ax.plot(rows["z"], rows[column], "-", color=colour, label=f"step {int(rows['step'].iloc[0])}")
    ax.set_xlabel("z (A)")
    ax.set_ylabel(f"fraction of {element}")
    ax.legend(fontsize=8)
    return ax


def plot_thickness(table: pd.DataFrame, models=("linear", "parabolic", "two_regime"), ax=None):
    """Interphase thickness vs time with the growth laws that fit; returns the Axes."""
    from sei_lmp.analysis.interphase.growth import fit_growth, plot_growth

    series = thickness_vs_time(table)
    fits = []
    for model in models:
        try:
            fits.append(fit_growth(series["time_ps"], series["thickness"], model))
        except ConfigurationError:
            continue
    sigma = series["thickness_err"].to_numpy()
    return plot_growth(series["time_ps"], series["thickness"], fits, None if np.all(np.isnan(sigma)) else sigma, ax)


def growth_table(table: pd.DataFrame) -> pd.DataFrame:
    """:func:`compare_growth_laws` on the mean thickness vs time of an :func:`analyze_interface_run` table."""
    series = thickness_vs_time(table)
    return compare_growth_laws(series["time_ps"], series["thickness"])
