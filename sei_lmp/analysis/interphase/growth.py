"""Growth laws of the interphase thickness d(t), fitted with uncertainties.

Models (t in ps, d in Angstrom):

``linear``
    d = d0 + k t  (reaction-limited growth); parameters ``d0``, ``k`` (A/ps).
``parabolic``
    d^2 = d0^2 + k t  (diffusion-limited growth); parameters ``d0``, ``k`` (A^2/ps).
``two_regime``
    parabolic with a fast rate ``k1`` up to ``t_break`` and a slow rate ``k2`` after it, d^2 continuous:
    the fast-then-slow diffusion regimes reported for Li | Li7P3S11 (seed 003); parameters ``d0``, ``k1``,
    ``k2``, ``t_break``.

Fits are least squares on d (weighted by ``sigma`` when given, then the errors are absolute); the
standard errors come from the covariance matrix (``scipy.optimize.curve_fit``). For ``two_regime`` the
break is first located on a grid, then refined with the other parameters. :func:`compare_growth_laws`
ranks the models by the corrected Akaike information criterion.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sei_lmp.errors import ConfigurationError

__all__ = ["MODELS", "GrowthFit", "compare_growth_laws", "fit_growth", "plot_growth"]


def _linear(t, d0, k):
    return d0 + k * t


def _parabolic(t, d0, k):
    return np.sqrt(np.maximum(d0**2 + k * t, 0.0))


def _two_regime(t, d0, k1, k2, t_break):
    d2 = d0**2 + np.where(t < t_break, k1 * t, k1 * t_break + k2 * (t - t_break))
    return np.sqrt(np.maximum(d2, 0.0))


MODELS = {"linear": (_linear, ("d0", "k")), "parabolic": (_parabolic, ("d0", "k")),
          "two_regime": (_two_regime, ("d0", "k1", "k2", "t_break"))}


@dataclass(frozen=True)
class GrowthFit:
    """A fitted growth law: ``params`` and their standard errors ``errors`` (same keys), residual sum of
    squares (``rss``, weighted when sigma was given), ``n`` points and ``aicc``."""

    model: str
    params: dict[str, float]
    errors: dict[str, float]
    rss: float
    n: int
    aicc: float

    def __call__(self, t) -> np.ndarray:
        function, names = MODELS[self.model]
        return function(np.asarray(t, dtype=float), *(self.params[k] for k in names))


def _aicc(rss: float, n: int, k: int) -> float:
    rss = max(rss, 1e-300)
    aic = n * np.log(rss / n) + 2 * k
    return aic + (2 * k * (k + 1) / (n - k - 1) if n - k - 1 > 0 else np.inf)


def fit_growth(t: Sequence[float], d: Sequence[float], model: str = "parabolic",
               sigma: Sequence[float] | None = None) -> GrowthFit:
    """Fit one growth law to thickness ``d`` (A) vs time ``t`` (ps); ``sigma``: errors of ``d``."""
    from scipy.optimize import curve_fit

    if model not in MODELS:
        raise ConfigurationError(f"unknown growth model '{model}'; use one of {', '.join(MODELS)}")
    t = np.asarray(t, dtype=float)
    d = np.asarray(d, dtype=float)
    ok = np.isfinite(t) & np.isfinite(d)
    sig = None if sigma is None else np.asarray(sigma, dtype=float)[ok]
    t, d = t[ok], d[ok]
    function, names = MODELS[model]
    if len(t) < len(names) + 2:
        raise ConfigurationError(f"the {model} growth law needs at least {len(names) + 2} finite points (got "
                                 f"{len(t)}); analyse more frames")
    if np.ptp(t) == 0:
        raise ConfigurationError("all thickness values are at the same time; a growth law needs a time series")
    slope = np.polyfit(t, d, 1)
    slope2 = np.polyfit(t, d**2, 1)
    if model == "linear":
        p0 = [slope[1], slope[0]]
    elif model == "parabolic":
        p0 = [np.sqrt(max(slope2[1], 1e-6)), slope2[0]]
    else:
        p0 = _two_regime_start(t, d, sig)
    try:
        popt, pcov = curve_fit(function, t, d, p0=p0, sigma=sig, absolute_sigma=sig is not None, maxfev=20000)
    except RuntimeError as err:
        raise ConfigurationError(f"the {model} fit did not converge ({err}); try another model") from err
    if model != "linear":
        popt[0] = abs(popt[0])     # d0 enters squared
    resid = (d - function(t, *popt)) / (sig if sig is not None else 1.0)
    rss = float(resid @ resid)
    errors = np.sqrt(np.clip(np.diag(pcov), 0, None)) if np.all(np.isfinite(pcov)) else np.full(len(popt), np.inf)
    return GrowthFit(model, dict(zip(names, map(float, popt))), dict(zip(names, map(float, errors))), rss, len(t),
                     float(_aicc(rss, len(t), len(names))))


def _two_regime_start(t, d, sig) -> list[float]:
    """Best break on a grid of interior times, with d^2 fitted by two joined straight lines."""
    order = np.argsort(t)
    ts, d2 = t[order], d[order] ** 2
    best = None
    for tb in ts[2:-2]:
        X = np.column_stack([np.ones_like(ts), np.minimum(ts, tb), np.maximum(ts - tb, 0.0)])
        coef, *_ = np.linalg.lstsq(X, d2, rcond=None)
        sse = float(np.sum((X @ coef - d2) ** 2))
        if best is None or sse < best[0]:
            best = (sse, coef, tb)
    _, coef, tb = best
    return [np.sqrt(max(coef[0], 1e-6)), coef[1], coef[2], tb]


def compare_growth_laws(t, d, sigma=None, models: Sequence[str] = tuple(MODELS)) -> pd.DataFrame:
    """Fit each model; one row per model, best (lowest AICc) first: ``model, aicc, rss, n`` and the
    parameters with ``<name>_err`` columns."""
    rows = []
    for model in models:
        try:
            fit = fit_growth(t, d, model, sigma)
        except ConfigurationError as err:
            rows.append({"model": model, "aicc": np.inf, "note": str(err)})
            continue
        row = {"model": model, "aicc": fit.aicc, "rss": fit.rss, "n": fit.n}
        for k, v in fit.params.items():
            row[k] = v
            row[f"{k}_err"] = fit.errors[k]
        rows.append(row)
    return pd.DataFrame(rows).sort_values("aicc", ignore_index=True)


def plot_growth(t, d, fits: Sequence[GrowthFit] = (), sigma=None, ax=None):
    """Thickness vs time with the fitted laws; returns the Axes."""
    from sei_lmp.analysis.figures import new_axes

    if ax is None:
        ax = new_axes((5, 3.5))
    ax.errorbar(t, d, yerr=sigma, fmt="o", ms=3, color="k", label="interphase")
    tt = np.linspace(np.min(t), np.max(t), 300)
    for fit in fits:
        ax.plot(tt, fit(tt), label=f"{fit.model} (AICc {fit.aicc:.1f})")
    ax.set_xlabel("t (ps)")
    ax.set_ylabel("thickness (A)")
    ax.legend(fontsize=8)
    return ax
