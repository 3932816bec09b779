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

Not every MSD supports a D. The automatic window starts only where the local log-log slope of the MSD has
reached 1 (the ballistic and caging regimes are over) and stays there up to the window end; with
``hop_length_A`` the fit also counts the effective hops its slope implies over the run (n_atoms 2 d D t_run /
hop^2). The result carries a ``status``:

* ``measured``: a diffusive regime and at least ``min_hops`` effective hops: D with its error;
* ``upper_bound``: too few hops (diffusive-looking, or still growing faster than linearly: a run so short
  that it has not left the ballistic regime), or a non-positive slope: D is NaN and ``D_upper_cm2_s`` bounds it
  (the larger of the largest MSD reached, MSD_max / (2 d t), and the 95 % Poisson upper limit on the hop count);
* ``not_diffusive``: the MSD never leaves its plateau (log-log slope below 1 up to the window end): D is NaN,
  with the same upper bound;
* ``superdiffusive``: the MSD grows faster than linearly up to the end (an undamped drift, ballistic or
  flowing motion) with at least ``min_hops`` hops (or no hop count): the fitted number is kept, with the
  reason, but it is not a diffusion coefficient.

``reason`` says in words why a D is missing and what would give one (run longer, hotter).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.linalg

from sei_lmp.errors import ConfigurationError
from sei_lmp.units import A2_PER_PS_TO_CM2_PER_S

__all__ = ["D_STATUSES", "DiffusionFit", "DiffusiveWindow", "auto_window", "diffusive_window", "fit_diffusion",
           "judge", "parse_window", "poisson_upper", "random_walk_covariance"]

#: what a fit's ``status`` can be (see the module docstring)
D_STATUSES = ("measured", "upper_bound", "not_diffusive", "superdiffusive")


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
    #: one of :data:`D_STATUSES`; D_cm2_s is NaN unless "measured" or "superdiffusive"
    status: str = "measured"
    #: bound on D when it is not measured (cm^2/s), else NaN
    D_upper_cm2_s: float = float("nan")
    #: hops of ``hop_length_A`` the fitted slope implies over the run, summed over atoms (NaN without a hop length)
    effective_hops: float = float("nan")
    #: why D is missing or not a diffusion coefficient, and what would fix it ("" when measured)
    reason: str = ""
    #: when the MSD became diffusive (log-log slope steadily near 1), ps; the window end when it had not settled
    #: by then, NaN for a window given by hand
    onset_ps: float = float("nan")

    @property
    def measured(self) -> bool:
        return self.status == "measured"


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


@dataclass
class DiffusiveWindow:
    """Where an MSD is diffusive: the fit window, whether the log-log slope reached 1, the slope at the window
    end and the time it took to get there (``onset_ps``: the end of the ballistic / caging regime)."""

    start_ps: float
    end_ps: float
    diffusive: bool
    slope_end: float
    onset_ps: float
    notes: list[str] = field(default_factory=list)


def diffusive_window(time: np.ndarray, msd: np.ndarray, *, end_fraction: float = 0.5, tolerance: float = 0.25,
                     min_msd_A2: float = 0.0) -> DiffusiveWindow:
    """The diffusive window of an MSD judged from the data.

    It ends at ``end_fraction`` of the run (longer lags have too few origins) and starts where the local
    log-log slope has come within 1 +- ``tolerance`` and stays there up to the end, and no earlier than where
    the MSD reaches ``min_msd_A2`` (per atom; 0 = no floor: a per-atom floor would reject one mobile defect
    among many vibrating atoms, whose averaged MSD stays small; the hop count of :func:`fit_diffusion` judges
    that case). ``diffusive`` is False when a log-log line over the last factor 3 of the window has a slope
    outside 1 +- 2 ``tolerance`` or the floor is never reached; the window is then a quarter to all of the end,
    for a diagnostic fit only.
    """
    notes: list[str] = []
    end = float(time[-1]) * end_fraction
    inside = time <= end
    grid, slope = _local_slope(time[inside], msd[inside])
    if len(grid) == 0:
        raise ConfigurationError(f"fewer than 4 positive MSD points below {end:.3g} ps: the run is too short to "
                                 "fit (write more frames, or give the window explicitly)")
    bad = np.nonzero(np.abs(slope - 1.0) > tolerance)[0]
    settled = not (len(bad) and bad[-1] + 1 >= len(grid))
    onset = float(grid[bad[-1] + 1]) if len(bad) and settled else float(grid[0])
    # the verdict: one log-log line over the last factor 3 of the window, far less noisy than the local slope
    # at its end (a few random walkers wander +-0.3 around 1 there); twice the tolerance either side
    late = inside & (time >= end / 3) & (time > 0) & (msd > 0)
    tail = float(np.polyfit(np.log(time[late]), np.log(msd[late]), 1)[0]) if late.sum() >= 3 else float(slope[-1])
    diffusive = abs(tail - 1.0) <= 2 * tolerance
    if min_msd_A2 > 0:
        reached = np.nonzero(msd[inside] >= min_msd_A2)[0]
        if len(reached) == 0:
            diffusive = False
            notes.append(f"MSD stays below {min_msd_A2:g} A^2 up to {end:.3g} ps: atoms have not left their sites")
        else:
            onset = max(onset, float(time[inside][reached[0]]))
    if not diffusive:
        if not notes:
            kind = "sub-diffusive (caged, still on the vibrational plateau)" if tail < 1 else \
                "super-diffusive (drift or ballistic motion)"
            notes.append(f"no diffusive regime: log-log slope {tail:.2f} over {end / 3:.3g}-{end:.3g} ps (want 1); the "
                         f"MSD is {kind}: run longer or hotter")
        return DiffusiveWindow(end / 4, end, False, tail, float("nan"), notes)
    if not settled:
        notes.append(f"log-log slope {slope[-1]:.2f} at {end:.3g} ps is not yet steadily 1: window {end / 4:.3g}-"
                     f"{end:.3g} ps is a guess; run longer")
        return DiffusiveWindow(end / 4, end, True, tail, float("nan"), notes)
    start = max(onset, 0.1 * end)
    if start > 0.6 * end:
        notes.append(f"diffusive regime only from {start:.3g} ps of a {end:.3g} ps window: run longer")
        start = min(start, 0.6 * end)
    return DiffusiveWindow(start, end, True, tail, onset, notes)


def auto_window(time: np.ndarray, msd: np.ndarray, *, end_fraction: float = 0.5,
                tolerance: float = 0.25, min_msd_A2: float = 0.0) -> tuple[float, float, list[str]]:
    """(start, end, notes) of :func:`diffusive_window`."""
    w = diffusive_window(time, msd, end_fraction=end_fraction, tolerance=tolerance, min_msd_A2=min_msd_A2)
    return w.start_ps, w.end_ps, w.notes


def poisson_upper(count: float, confidence: float = 0.95) -> float:
    """One-sided upper limit of a Poisson mean after observing ``count`` events (Garwood; non-integer counts
    such as effective hops are accepted, negative ones read as none)."""
    from sei_lmp.analysis.transport.poisson import poisson_upper_limit

    return float(poisson_upper_limit(max(count, 0.0), confidence))


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
                  max_points: int = 64, inflate: bool = True, hop_length_A: float | None = None,
                  min_hops: float = 10.0, min_msd_A2: float = 0.0, duration_ps: float | None = None,
                  tolerance: float = 0.25) -> DiffusionFit:
    """Fit D (cm^2/s) to an all-origins MSD sampled at equal time intervals starting at t = 0.

    Without a window the diffusive one is found from the data (:func:`diffusive_window`, with ``tolerance``
    and ``min_msd_A2``); where there is none the result is ``not_diffusive`` (or ``superdiffusive``). With
    ``hop_length_A`` a fit whose slope implies fewer than ``min_hops`` hops over ``duration_ps`` (default: the
    curve's length) summed over the ``n_atoms`` atoms is an ``upper_bound``. See the module docstring."""
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
    regime = None
    if start is None or end is None:
        regime = diffusive_window(time_ps, msd_A2, tolerance=tolerance, min_msd_A2=min_msd_A2)
        notes = list(regime.notes)
        end = regime.end_ps if end is None else end
        start = regime.start_ps if start is None else start
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
    fit = DiffusionFit(D_cm2_s=slope * scale, D_err_cm2_s=slope_err * scale, slope_A2_ps=slope,
                       intercept_A2=intercept, fit_start_ps=float(lags[0] * dt), fit_end_ps=float(lags[-1] * dt),
                       n_points=len(lags), chi2_red=chi2_red, method=method, ndim=ndim, notes=notes)
    if regime is not None:
        fit.onset_ps = regime.onset_ps if np.isfinite(regime.onset_ps) else regime.end_ps
    return judge(fit, time_ps, msd_A2, n_atoms=n_atoms, regime=regime, hop_length_A=hop_length_A,
                 min_hops=min_hops, duration_ps=duration_ps)


def judge(fit: DiffusionFit, time_ps: np.ndarray, msd_A2: np.ndarray, *, n_atoms: int,
          regime: DiffusiveWindow | None = None, hop_length_A: float | None = None, min_hops: float = 10.0,
          duration_ps: float | None = None) -> DiffusionFit:
    """Set ``status``, ``D_upper_cm2_s``, ``effective_hops`` and ``reason`` of ``fit`` (in place; returned):
    ``regime`` is the automatic window's verdict (None for a window given by hand), the hop count needs
    ``hop_length_A``. A fit that is not measured has D_cm2_s and D_err_cm2_s NaN (kept for superdiffusive)."""
    ndim = fit.ndim
    duration = float(time_ps[-1]) if duration_ps is None else float(duration_ps)
    in_window = time_ps <= fit.fit_end_ps + 1e-9
    msd_max = float(np.nanmax(msd_A2[in_window])) if in_window.any() else float("nan")
    msd_bound = msd_max / (2 * ndim * fit.fit_end_ps) * A2_PER_PS_TO_CM2_PER_S
    hops = float("nan")
    if hop_length_A is not None:
        hops = n_atoms * max(fit.slope_A2_ps, 0.0) * duration / hop_length_A ** 2
        fit.effective_hops = hops
    status, reason = "measured", ""
    if regime is not None and not regime.diffusive:
        if regime.slope_end > 1 and hop_length_A is not None and hops < min_hops:
            # still ballistic at the window end (a run of a few tenths of a ps): too few hops for any D, and the
            # faster-than-linear slope overstates even those; a bound, never the fitted number
            status = "upper_bound"
            need = duration * min_hops / max(hops, 1e-12)
            reason = (f"too few hops and no diffusive regime: the slope implies {hops:.1f} effective hops of "
                      f"{hop_length_A:g} A in {duration:.3g} ps (want {min_hops:g}) and the MSD still grows faster "
                      f"than linearly up to {regime.end_ps:.3g} ps (log-log slope {regime.slope_end:.2f}, ballistic "
                      f"motion); run well beyond {need:.3g} ps or hotter")
        elif regime.slope_end > 1:
            status = "superdiffusive"
            reason = (f"the MSD grows faster than linearly up to {regime.end_ps:.3g} ps (log-log slope "
                      f"{regime.slope_end:.2f}): a drift or ballistic motion, not diffusion; remove the drift "
                      "(framework) or run longer")
        else:
            status = "not_diffusive"
            reason = (f"no diffusive regime: the MSD is still on its plateau at {regime.end_ps:.3g} ps (log-log "
                      f"slope {regime.slope_end:.2f}, want 1; largest MSD {msd_max:.3g} A^2); run longer or hotter")
    elif fit.slope_A2_ps <= 0:
        status = "upper_bound"
        reason = "non-positive MSD slope in the diffusive window: run longer or hotter"
    elif hop_length_A is not None and hops < min_hops:
        status = "upper_bound"
        need = duration * min_hops / max(hops, 1e-12)
        reason = (f"too few hops: the slope implies {hops:.1f} effective hops of {hop_length_A:g} A in "
                  f"{duration:.3g} ps (want {min_hops:g}); run about {need:.3g} ps or hotter")
    if status in ("upper_bound", "not_diffusive"):
        bounds = [msd_bound]
        if hop_length_A is not None:
            count = 0.0 if status == "not_diffusive" or not np.isfinite(hops) else hops
            bounds.append(poisson_upper(count) * hop_length_A ** 2 / (n_atoms * 2 * ndim * duration)
                          * A2_PER_PS_TO_CM2_PER_S)
        fit.D_upper_cm2_s = float(np.nanmax(bounds))
        fit.D_cm2_s = fit.D_err_cm2_s = float("nan")
    fit.status, fit.reason = status, reason
    return fit
