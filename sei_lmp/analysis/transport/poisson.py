"""Exact intervals for counted events (jumps): the one place Poisson statistics are written.

Rare events are counts, so their intervals come from the Poisson distribution, not from a normal
approximation: the central (Garwood) interval ``[chi2(a/2, 2n) / 2, chi2(1 - a/2, 2n + 2) / 2]``; for no
event at all a one-sided upper limit (``-ln(1 - confidence)``, 3.0 at 95 %) is what a rate can be said to be
below; for a weighted sum of independent counts (D from several jump types) the Fay-Feuer gamma interval; and for
two rates (a student potential's events against its teacher's) the exact conditional test: given n = n1 + n2
events, n1 is binomial with p = e1 / (e1 + e2) when the rates are equal, so the Clopper-Pearson interval of that
proportion gives the rate ratio's. Counts from several runs that vary more than Poisson (each MD run of a glass
drifts its own way) are compared quasi-Poisson: both counts are divided by the dispersion the runs show
(:func:`overdispersion`), which widens the interval instead of trusting the pooled count.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

__all__ = ["RateRatio", "overdispersion", "poisson_interval", "poisson_rate_ratio", "poisson_upper_limit",
           "weighted_poisson_interval"]


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


@dataclass(frozen=True)
class RateRatio:
    """Rate of events 1 over rate of events 2, each counted over its own exposure (e.g. anion-ps)."""
    ratio: float        # (n1 / e1) / (n2 / e2); inf when n2 = 0 < n1, nan when both are 0
    low: float          # central interval at ``confidence`` (exact, conditional on n1 + n2)
    high: float         # inf when n2 = 0
    p_greater: float    # one-sided p-value of "rate 1 is not above rate 2" (1.0 when no event was seen)
    confidence: float
    dispersion: float   # the counts were divided by this (1: Poisson)


def overdispersion(counts, exposures) -> float:
    """Pearson dispersion of per-run counts about one common rate, sum((n_i - m_i)^2 / m_i) / (k - 1) with
    m_i = rate x exposure_i; 1 when the runs scatter no more than Poisson, or when fewer than two runs or no
    event leave nothing to estimate it from."""
    n, e = np.asarray(counts, float), np.asarray(exposures, float)
    if len(n) < 2 or n.sum() == 0:
        return 1.0
    expected = n.sum() / e.sum() * e
    return max(1.0, float(((n - expected) ** 2 / expected).sum() / (len(n) - 1)))


def poisson_rate_ratio(n1: float, e1: float, n2: float, e2: float, confidence: float = 0.95, *,
                       dispersion: float = 1.0) -> RateRatio:
    """Exact conditional comparison of two Poisson rates, ``n1`` events over exposure ``e1`` against ``n2`` over
    ``e2``: the rate ratio, its interval, and the p-value that rate 1 exceeds rate 2 only by chance. With
    ``dispersion`` > 1 (quasi-Poisson) both counts count for n / dispersion events (the beta-function form of the
    binomial tail takes the non-integer counts)."""
    if min(n1, n2) < 0 or min(e1, e2) <= 0 or dispersion < 1:
        raise ValueError(f"counts must be >= 0, exposures > 0 and dispersion >= 1, got {n1}, {e1}, {n2}, {e2}, "
                         f"{dispersion}")
    ratio = float("nan") if n1 + n2 == 0 else float("inf") if n2 == 0 else n1 / e1 / (n2 / e2)
    n1, n2 = n1 / dispersion, n2 / dispersion
    alpha, scale = 1.0 - confidence, e2 / e1
    if n1 + n2 == 0:
        return RateRatio(ratio, 0.0, float("inf"), 1.0, confidence, dispersion)
    p_low = stats.beta.ppf(alpha / 2, n1, n2 + 1) if n1 > 0 else 0.0
    p_high = stats.beta.ppf(1 - alpha / 2, n1 + 1, n2) if n2 > 0 else 1.0

    def to_ratio(p: float) -> float:
        return float("inf") if p >= 1 else float(p / (1 - p) * scale)

    # P(X >= n1) for X ~ Binomial(n1 + n2, e1 / (e1 + e2)), as the regularised incomplete beta function
    p_greater = float(stats.beta.cdf(e1 / (e1 + e2), n1, n2 + 1)) if n1 > 0 else 1.0
    return RateRatio(ratio, to_ratio(p_low), to_ratio(p_high), p_greater, confidence, dispersion)
