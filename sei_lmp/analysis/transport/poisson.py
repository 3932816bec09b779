"""Exact intervals for counted events (jumps): the one place Poisson statistics are written.

Rare events are counts, so their intervals come from the Poisson distribution, not from a normal
approximation: the central (Garwood) interval ``[chi2(a/2, 2n) / 2, chi2(1 - a/2, 2n + 2) / 2]``; for no
event at all a one-sided upper limit (``-ln(1 - confidence)``, 3.0 at 95 %) is what a rate can be said to be
below; and for a weighted sum of independent counts (D from several jump types) the Fay-Feuer gamma interval.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

__all__ = ["poisson_interval", "poisson_upper_limit", "weighted_poisson_interval"]


def poisson_upper_limit(counts, confidence: float = 0.95):
    """One-sided upper limit of a Poisson mean for observed ``counts`` (3.0 for n = 0 at 95 %)."""
    limit = stats.chi2.ppf(confidence, 2 * np.asarray(counts, dtype=float) + 2) / 2
    return float(limit) if np.ndim(limit) == 0 else limit


def poisson_interval(counts, confidence: float = 0.95, *, zero_one_sided: bool = False):
    """Exact (Garwood) central interval of a Poisson mean for observed ``counts`` (a number or an array).

    The lower end is 0 at n = 0; with ``zero_one_sided`` the upper end there is the one-sided limit
    (:func:`poisson_upper_limit`, the "3 / exposure" rule) instead of the central one (3.69 at 95 %).
    Returns ``(low, high)``: floats for a number, arrays for an array.
    """
    n = np.asarray(counts, dtype=float)
    alpha = 1.0 - confidence
    low = np.where(n > 0, stats.chi2.ppf(alpha / 2, np.maximum(2 * n, 1e-300)) / 2, 0.0)
    high = stats.chi2.ppf(1 - alpha / 2, 2 * n + 2) / 2
    if zero_one_sided:
        high = np.where(n > 0, high, poisson_upper_limit(n, confidence))
    if n.ndim == 0:
        return float(low), float(high)
    return low, high


def weighted_poisson_interval(counts, weights, confidence: float = 0.95) -> tuple[float, float, float]:
    """Estimate and interval of sum(w_i N_i) for independent Poisson N_i (Fay-Feuer gamma interval).

    With all counts zero the lower end is 0 and the upper end the one-sided limit max(w) x -ln(1-confidence).
    """
    counts, weights = np.asarray(counts, float), np.asarray(weights, float)
    alpha = 1.0 - confidence
    y, v = float(weights @ counts), float((weights ** 2) @ counts)
    wm = float(weights.max()) if len(weights) else 0.0
    if y <= 0:
        return 0.0, 0.0, wm * float(stats.gamma.ppf(confidence, 1.0))
    lo = float(stats.gamma.ppf(alpha / 2, y * y / v, scale=v / y))
    hi = float(stats.gamma.ppf(1 - alpha / 2, (y + wm) ** 2 / (v + wm ** 2), scale=(v + wm ** 2) / (y + wm)))
    return y, lo, hi
