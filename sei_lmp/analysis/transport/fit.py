"""Diffusion coefficients from an MSD: the diffusive window, the fit and an honest uncertainty.

Points of an all-origins MSD are strongly correlated, so an ordinary least-squares error is far too
small. The default ``method="gls"`` fits MSD = 2 d D t + c by generalised least squares with the covariance
the all-origins estimator has for a random walk with Gaussian steps (Bullerjahn, von Buelow and Hummer,
J. Chem. Phys. 153, 024116 (2020); kinisi uses the same idea): for n independent atoms, d dimensions and a
per-dimension step variance s^2 (estimated from the fitted slope),

    Cov[MSD(m), MSD(l)] = 2 d s^4 tr(A_m A_l) / n,   A_m = 1/(N-m) sum_k w_k w_k^T,

w_k marking the m steps after origin k; tr(A_m A_l) is a sum over origin offsets of squared window overlaps.
When the reduced chi^2 of the fit exceeds 1 (motion that is not a simple random walk) the error is scaled
by sqrt(chi^2) so it stays conservative. ``method="ols"`` is the naive fit (for comparison only).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.linalg

from sei_lmp.errors import ConfigurationError
from sei_lmp.units import A2_PER_PS_TO_CM2_PER_S

__all__ = ["DiffusionFit", "auto_window", "fit_diffusion", "parse_window", "random_walk_covariance"]


@dataclass
class DiffusionFit:
    """D from one MSD curve, with the window and the fit quality."""

    D_cm2_s: float
    D_err_cm2_s: float
    slope_A2_ps: float
    intercept_A2: float
    fit_start_ps: float
    fit_end_ps: float
    n_points: int
    chi2_red: float
    method: str
    ndim: int
    notes: list[str] = field(default_factory=list)


def parse_window(text: str | tuple | None) -> tuple[float | None, float | None] | None:
    """``"a:b"`` (ps, either side may be empty) -> (a, b)."""
    if text is None or isinstance(text, tuple):
        return text
    start, sep, end = str(text).partition(":")
    try:
        if not sep:
            raise ValueError(text)
        return (float(start) if start.strip() else None, float(end) if end.strip() else None)
    except ValueError as err:
        raise ConfigurationError(f"fit window '{text}' is not START:END in ps (e.g. 5:50, or 5: for 5 ps to the "
                                 "default end)") from err


def _local_slope(time: np.ndarray, msd: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """d ln MSD / d ln t on log-spaced points, smoothed over a factor ~1.5 in time."""
    ok = (time > 0) & (msd > 0)
    t, y = np.log(time[ok]), np.log(msd[ok])
    if len(t) < 4:
        return np.array([]), np.array([])
    grid = np.linspace(t[0], t[-1], max(8, min(60, len(t))))
    yg = np.interp(grid, t, y)
    half = np.log(1.5) / 2
    slope = np.empty_like(grid)
    for i, g in enumerate(grid):
        sel = (t >= g - half) & (t <= g + half)
        slope[i] = np.polyfit(t[sel], y[sel], 1)[0] if sel.sum() >= 3 else np.gradient(yg, grid)[i]
    return np.exp(grid), slope


def auto_window(time: np.ndarray, msd: np.ndarray, *, end_fraction: float = 0.5,
                tolerance: float = 0.25) -> tuple[float, float, list[str]]:
    """Diffusive window: it ends at ``end_fraction`` of the run (longer lags have too few origins) and starts
    where the log-log slope stays within 1 +- ``tolerance`` up to the end (at least 10% of the end)."""
    notes: list[str] = []
    end = float(time[-1]) * end_fraction
    inside = time <= end
    grid, slope = _local_slope(time[inside], msd[inside])
    if len(grid) == 0:
        raise ConfigurationError(f"fewer than 4 positive MSD points below {end:.3g} ps: the run is too short to "
                                 "fit (write more frames, or give the window explicitly)")
    bad = np.nonzero(np.abs(slope - 1.0) > tolerance)[0]
    start = float(grid[bad[-1] + 1]) if len(bad) and bad[-1] + 1 < len(grid) else float(grid[0])
    if len(bad) and bad[-1] + 1 >= len(grid):
        start = end / 4
        notes.append(f"no diffusive regime: log-log slope {slope[-1]:.2f} at {end:.3g} ps (want 1); fit is "
                     "sub- or super-diffusive, run longer or hotter")
    start = max(start, 0.1 * end)
    if start > 0.6 * end:
        notes.append(f"diffusive regime only from {start:.3g} ps of a {end:.3g} ps window: run longer")
        start = min(start, 0.6 * end)
    return start, end, notes


def random_walk_covariance(lags: np.ndarray, n_frames: int, step_variance: float, n_atoms: int,
                           ndim: int) -> np.ndarray:
    """Covariance of the all-origins MSD (summed over ``ndim`` dimensions, averaged over ``n_atoms``
    independent atoms) at integer ``lags`` for a random walk with per-dimension step variance
    ``step_variance`` (see the module docstring)."""
    n_steps = n_frames - 1
    lags = np.asarray(lags, dtype=int)
    origins = (n_steps - lags + 1).astype(float)
    cov = np.empty((len(lags), len(lags)))
    for i, m in enumerate(lags):                    # one row at a time, all later lags at once
        n = lags[i:, None]
        d = np.arange(-lags[i:].max() + 1, m)[None, :]   # origin offsets; windows overlap for -n < d < m
        overlap = np.clip(np.minimum(m, d + n) - np.maximum(0, d), 0, None).astype(float)
        count = np.clip(np.minimum(origins[i], origins[i:, None] - d) - np.maximum(0, -d), 0, None)
        cov[i, i:] = cov[i:, i] = (count * overlap ** 2).sum(axis=1) / (origins[i] * origins[i:])
    return cov * 2.0 * ndim * step_variance ** 2 / n_atoms


def _gls(x: np.ndarray, y: np.ndarray, cov: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    design = np.column_stack([x, np.ones_like(x)])
    scale = np.sqrt(np.diag(cov))
    corr = cov / np.outer(scale, scale) + 1e-9 * np.eye(len(x))   # jitter: neighbouring lags are ~collinear
    factor = scipy.linalg.cho_factor(corr)
    wd = scipy.linalg.cho_solve(factor, design / scale[:, None])
    normal = (design / scale[:, None]).T @ wd
    beta_cov = np.linalg.inv(normal)
    beta = beta_cov @ (wd.T @ (y / scale))
    resid = (y - design @ beta) / scale
    chi2 = float(resid @ scipy.linalg.cho_solve(factor, resid))
    return beta, beta_cov, chi2


def fit_diffusion(time_ps: np.ndarray, msd_A2: np.ndarray, *, n_atoms: int, ndim: int = 3,
                  window: tuple[float | None, float | None] | str | None = None, method: str = "gls",
                  max_points: int = 64, inflate: bool = True) -> DiffusionFit:
    """Fit D (cm^2/s) to an all-origins MSD sampled at equal time intervals starting at t = 0."""
    time_ps = np.asarray(time_ps, dtype=float)
    msd_A2 = np.asarray(msd_A2, dtype=float)
    if method not in ("gls", "ols"):
        raise ConfigurationError(f"unknown fit method '{method}'; choose gls (correlated errors) or ols")
    if n_atoms < 1:
        raise ConfigurationError("n_atoms must be at least 1")
    if len(time_ps) < 5:
        raise ConfigurationError(f"{len(time_ps)} frames are too few for a diffusion fit (need at least 5)")
    dt = time_ps[1] - time_ps[0]
    if not np.allclose(np.diff(time_ps), dt, rtol=1e-6, atol=1e-9):
        raise ConfigurationError("frames are not equally spaced in time: check for missing frames in the dump")
    window = parse_window(window)
    start, end = (window or (None, None))
    notes: list[str] = []
    if start is None or end is None:
        auto_start, auto_end, notes = auto_window(time_ps, msd_A2)
        end = auto_end if end is None else end
        start = auto_start if start is None else start
    if not (0 <= start < end <= time_ps[-1] + 1e-9):
        raise ConfigurationError(f"fit window {start:g}:{end:g} ps is not inside the run (0:{time_ps[-1]:g} ps)")
    first = max(1, int(np.ceil(start / dt - 1e-9)))
    last = int(np.floor(end / dt + 1e-9))
    if last - first < 2:
        raise ConfigurationError(f"fit window {start:g}:{end:g} ps holds {max(0, last - first + 1)} MSD points; "
                                 f"widen it (frames every {dt:g} ps)")
    lags = np.unique(np.linspace(first, last, min(max_points, last - first + 1)).round().astype(int))
    x, y = lags * dt, msd_A2[lags]
    design = np.column_stack([x, np.ones_like(x)])
    beta, *_ = np.linalg.lstsq(design, y, rcond=None)
    chi2_red = float("nan")
    if method == "ols":
        resid = y - design @ beta
        beta_cov = np.linalg.inv(design.T @ design) * (resid @ resid) / max(1, len(x) - 2)
    else:
        # the covariance depends on the slope only through its scale: the shape once, rescaled per iteration
        shape = random_walk_covariance(lags, len(time_ps), 1.0, n_atoms, ndim)
        for _ in range(3):
            step_var = max(beta[0], 1e-12) * dt / ndim
            beta, beta_cov, chi2 = _gls(x, y, shape * step_var ** 2)
        chi2_red = chi2 / max(1, len(x) - 2)
        if inflate and chi2_red > 1:
            beta_cov = beta_cov * chi2_red
        if chi2_red > 10:
            notes.append(f"poor fit: reduced chi2 {chi2_red:.1f} (MSD not linear in the window; error scaled up)")
    slope, intercept = float(beta[0]), float(beta[1])
    slope_err = float(np.sqrt(max(beta_cov[0, 0], 0.0)))
    scale = A2_PER_PS_TO_CM2_PER_S / (2 * ndim)
    if slope <= 0:
        notes.append("non-positive MSD slope: no measurable diffusion in this run")
    return DiffusionFit(D_cm2_s=slope * scale, D_err_cm2_s=slope_err * scale, slope_A2_ps=slope,
                        intercept_A2=intercept, fit_start_ps=float(lags[0] * dt), fit_end_ps=float(lags[-1] * dt),
                        n_points=len(lags), chi2_red=chi2_red, method=method, ndim=ndim, notes=notes)
