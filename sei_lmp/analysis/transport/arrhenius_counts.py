"""Arrhenius from jump counts: Poisson maximum likelihood over all temperatures, profile-likelihood intervals.

At temperature T_i a run sees n_i jumps in an exposure t_i (ps x carriers: the time each carrier was watched,
summed over carriers). With the per-carrier rate Gamma(T) = Gamma0 exp(-Ea / kB T) the counts are Poisson,

    ln L = sum_i n_i ln(Gamma_i t_i) - Gamma_i t_i      (up to a constant),

so a temperature without a jump still counts (it contributes -Gamma_i t_i and pushes the line down). Intervals
come from the profile likelihood (Wilks: chi^2 with 1 degree of freedom, a drop of 3.84 / 2 in ln L for 95 %),
not from a Hessian, so they are asymmetric where the data are (few jumps, one-sided limits).

Ea is searched in [0, ``ea_max_eV``]: a thermally activated hop does not speed up as the temperature falls.
An interval that reaches ``ea_max_eV`` is unbounded (the data set no upper limit); one that reaches 0 says the
data do not show activation. Either way the headline ``Ea_eV`` is NaN and ``reason`` says what would fix it. The
extrapolated rate (and D = Gamma lambda^2 f / 2d, sigma by Nernst-Einstein) at ``at_K`` gets its interval from
the profile of ln Gamma(at_K) over Ea; a bound fixed by the search limit, not by the data, is "unbounded".

The weighted ln D fit (:func:`sei_lmp.analysis.transport.fit_arrhenius`) stays for D tables from other sources.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import optimize, special, stats

from sei_lmp.analysis.transport.poisson import poisson_interval, poisson_upper_limit
from sei_lmp.errors import ConfigurationError
from sei_lmp.units import A2_PER_PS_TO_CM2_PER_S, BOLTZMANN_EV_PER_K, NERNST_EINSTEIN_MS_CM

__all__ = ["EA_MAX_EV", "MAX_RATE_DECADES", "CountArrheniusFit", "count_arrhenius", "fit_count_arrhenius"]

#: the largest barrier searched (eV); an interval that reaches it has no upper bound from the data
EA_MAX_EV = 5.0
#: an extrapolated rate whose interval spans more decades than this is not a result (reported as bounds only)
MAX_RATE_DECADES = 4.0


@dataclass
class CountArrheniusFit:
    """Poisson maximum-likelihood Arrhenius fit of jump counts (rates per carrier in 1/ps, energies in eV).

    ``Ea_eV`` and the ``*_at_K`` values are NaN when the data cannot support them; ``reason`` then says why
    and what would fix it. ``Ea_low_eV`` / ``Ea_high_eV`` are the profile-likelihood bounds (0 and inf mark a
    side the data leave open); ``Ea_mle_eV`` is the maximiser whatever its support.
    """

    temperature_K: np.ndarray
    counts: np.ndarray
    exposure_ps: np.ndarray
    Ea_eV: float
    Ea_mle_eV: float
    Ea_low_eV: float
    Ea_high_eV: float
    ln_rate0_per_ps: float                  # ln Gamma0 at the maximum (NaN without jumps)
    at_K: float
    rate_at_K_per_ps: float
    rate_at_K_low_per_ps: float
    rate_at_K_high_per_ps: float
    confidence: float
    ea_max_eV: float
    jump_length_A: float | None = None
    correlation_factor: float = 1.0
    ndim: int = 3
    carrier_density_per_A3: float | None = None
    charge: float = 1.0
    label: str = ""
    reason: str = ""
    notes: list[str] = field(default_factory=list)
    _profile: dict = field(default_factory=dict, repr=False)

    # --- derived numbers --------------------------------------------------------------------------------
    @property
    def supported(self) -> bool:
        """Whether the data bound Ea on both sides (the headline is a number)."""
        return bool(np.isfinite(self.Ea_eV))

    def rate(self, temperature_K, Ea_eV: float | None = None) -> np.ndarray:
        """Gamma(T) in 1/ps of the maximum-likelihood line (or of the line through the data with ``Ea_eV``)."""
        t = np.asarray(temperature_K, dtype=float)
        ea = self.Ea_mle_eV if Ea_eV is None else Ea_eV
        return np.exp(_ln_rate_for(ea, self._beta(), self.counts, self.exposure_ps, 1 / (BOLTZMANN_EV_PER_K * t)))

    def _beta(self) -> np.ndarray:
        return 1.0 / (BOLTZMANN_EV_PER_K * self.temperature_K)

    def _d_factor(self) -> float:
        # D (cm^2/s) per rate (1/ps): lambda^2 f / 2d, A^2/ps -> cm^2/s
        if self.jump_length_A is None:
            return float("nan")
        return self.jump_length_A ** 2 * self.correlation_factor / (2 * self.ndim) * A2_PER_PS_TO_CM2_PER_S

    def _sigma_factor(self) -> float:
        # sigma (mS/cm) per D (cm^2/s) at at_K, Nernst-Einstein
        if self.carrier_density_per_A3 is None:
            return float("nan")
        return NERNST_EINSTEIN_MS_CM * self.carrier_density_per_A3 * self.charge ** 2 / self.at_K

    # --- reporting ----------------------------------------------------------------------------------------
    def table(self, confidence: float | None = None) -> pd.DataFrame:
        """One row per temperature: counts, exposure, rate with its exact Poisson interval, the one-sided upper
        limit (the point drawn for zero counts) and the fitted rate."""
        conf = self.confidence if confidence is None else confidence
        low, high = poisson_interval(self.counts, conf)
        t = self.exposure_ps
        fitted = self.rate(self.temperature_K) if np.isfinite(self.ln_rate0_per_ps) else np.full(len(t), np.nan)
        return pd.DataFrame({"temperature_K": self.temperature_K, "jumps": self.counts.astype(int),
                             "exposure_ps": t, "rate_per_ps": self.counts / t, "rate_low_per_ps": low / t,
                             "rate_high_per_ps": high / t,
                             "rate_upper_limit_per_ps": poisson_upper_limit(self.counts, conf) / t,
                             "fitted_rate_per_ps": fitted})

    def summary(self) -> dict:
        """The fit as one flat row: Ea with its bounds, the rate, D and sigma at ``at_K`` with theirs, reason."""
        tag = f"{self.at_K:g}K"
        d, s = self._d_factor(), self._sigma_factor()
        row = {"label": self.label, "n_temperatures": len(self.temperature_K),
               "n_temperatures_with_jumps": int((self.counts > 0).sum()), "jumps": int(self.counts.sum()),
               "exposure_ps": float(self.exposure_ps.sum()), "supported": self.supported,
               "Ea_eV": self.Ea_eV, "Ea_low_eV": self.Ea_low_eV, "Ea_high_eV": self.Ea_high_eV,
               "Ea_interval": _interval_text(self.Ea_low_eV, self.Ea_high_eV, "eV", open_low=0.0),
               "Ea_mle_eV": self.Ea_mle_eV,
               "rate0_per_ps": float(np.exp(self.ln_rate0_per_ps)) if self.supported else np.nan,
               f"rate_{tag}_per_ps": self.rate_at_K_per_ps, f"rate_{tag}_low_per_ps": self.rate_at_K_low_per_ps,
               f"rate_{tag}_high_per_ps": self.rate_at_K_high_per_ps,
               f"rate_{tag}_interval": _interval_text(self.rate_at_K_low_per_ps, self.rate_at_K_high_per_ps, "/ps")}
        for name, factor, unit in (("D", d, "cm2_s"), ("sigma", d * s, "mS_cm")):
            if np.isfinite(factor):
                row.update({f"{name}_{tag}_{unit}": self.rate_at_K_per_ps * factor,
                            f"{name}_{tag}_low_{unit}": self.rate_at_K_low_per_ps * factor,
                            f"{name}_{tag}_high_{unit}": self.rate_at_K_high_per_ps * factor})
        row.update(confidence=self.confidence, ea_max_eV=self.ea_max_eV, reason=self.reason,
                   notes="; ".join(self.notes))
        return row

    def headline(self) -> str:
        """One line: the Ea with its interval, or why there is none."""
        pct = f"{self.confidence:.0%}"
        if self.supported:
            return (f"Ea = {self.Ea_eV:.3f} eV ({pct} interval {self.Ea_low_eV:.3f}-{self.Ea_high_eV:.3f} eV, "
                    f"{int(self.counts.sum())} jumps at {len(self.temperature_K)} temperatures)")
        return (f"Ea not determined ({pct} interval "
                f"{_interval_text(self.Ea_low_eV, self.Ea_high_eV, 'eV', open_low=0.0)}): {self.reason}")

    def __str__(self) -> str:
        return self.headline()

    def write(self, directory: str | PathLike) -> list[Path]:
        """``arrhenius_counts.csv`` (per temperature), ``arrhenius_counts_fit.json`` and ``arrhenius_counts.png``
        in ``directory``; the files written."""
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        paths = [out / "arrhenius_counts.csv", out / "arrhenius_counts_fit.json", out / "arrhenius_counts.png"]
        self.table().to_csv(paths[0], index=False)
        paths[1].write_text(json.dumps({k: _json_value(v) for k, v in self.summary().items()}, indent=2) + "\n")
        from sei_lmp.analysis.figures import save_figure

        save_figure(self.plot(), paths[2], dpi=150)
        return paths

    def plot(self, ax=None, extrapolate: bool = True):
        """Rate vs 1000/T: exact Poisson error bars, zero-count temperatures as upper-limit arrows, the fit and
        its profile-likelihood band (down to ``at_K`` when ``extrapolate``). Returns the Axes."""
        if ax is None:
            from sei_lmp.analysis.figures import new_axes

            ax = new_axes((5, 4), layout="constrained")
        tab = self.table()
        x = 1000.0 / tab["temperature_K"].to_numpy()
        seen = tab["jumps"].to_numpy() > 0
        rate = tab["rate_per_ps"].to_numpy()
        err = np.vstack([rate - tab["rate_low_per_ps"].to_numpy(), tab["rate_high_per_ps"].to_numpy() - rate])
        bars = ax.errorbar(x[seen], rate[seen], yerr=err[:, seen], fmt="o", capsize=3,
                           label=f"{self.label} jumps / exposure".strip())
        color = bars[0].get_color()
        if (~seen).any():
            limit = tab["rate_upper_limit_per_ps"].to_numpy()[~seen]
            ax.errorbar(x[~seen], limit, yerr=0.4 * limit, uplims=True, fmt="v", color=color, capsize=3,
                        label=f"no jumps: {self.confidence:.0%} upper limit")
        if np.isfinite(self.ln_rate0_per_ps):
            t_low = min(self.temperature_K.min(), self.at_K) if extrapolate else self.temperature_K.min()
            grid = np.linspace(t_low, self.temperature_K.max(), 30)
            if self.supported:     # an unsupported maximum (e.g. Ea at the search limit) is not drawn as a line
                ax.plot(1000.0 / grid, self.rate(grid), "-", color=color,
                        label=f"Ea = {self.Ea_eV:.3f} eV [{self.Ea_low_eV:.3f}, {self.Ea_high_eV:.3f}]")
            low, high = self.band(grid)
            ok = np.isfinite(high) & (high > 0)
            # an open lower side (rate may be 0) ends two decades below the data or the upper side, not at 1e-300
            shown = np.concatenate([tab["rate_low_per_ps"], tab["rate_upper_limit_per_ps"]])
            floor = 0.01 * shown[shown > 0].min()
            if ok.any():
                bottom = np.maximum(low[ok], np.minimum(floor, 0.01 * high[ok]))
                ax.fill_between(1000.0 / grid[ok], bottom, high[ok], color=color, alpha=0.2,
                                label=f"{self.confidence:.0%} profile-likelihood band")
        ax.set_yscale("log")
        ax.set_xlabel("1000 / T (1/K)")
        ax.set_ylabel("jump rate per carrier (1/ps)")
        if not self.supported:
            ax.set_title(self.reason[:90], fontsize=7)
        ax.legend(fontsize=7)
        return ax

    def band(self, temperature_K) -> tuple[np.ndarray, np.ndarray]:
        """Profile-likelihood interval of Gamma(T) at each temperature (1/ps; 0 / inf for an open side)."""
        t = np.atleast_1d(np.asarray(temperature_K, dtype=float))
        bounds = [_rate_interval(self._beta(), self.counts, self.exposure_ps, 1 / (BOLTZMANN_EV_PER_K * ti),
                                 self.ea_max_eV, self.confidence)[1:] for ti in t]
        return np.array([b[0] for b in bounds]), np.array([b[1] for b in bounds])


def _json_value(value):
    # JSON has no NaN / inf: NaN -> null, an open bound -> "inf" / "-inf"
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None if np.isnan(value) else str(value)
    return value


def _interval_text(low: float, high: float, unit: str, open_low: float | None = None) -> str:
    if not (np.isfinite(low) or np.isfinite(high)) and np.isnan(low):
        return "not determined"
    lo_open = (open_low is not None and low <= open_low) or low <= 0 or not np.isfinite(low)
    hi_open = not np.isfinite(high)
    if lo_open and hi_open:
        return "unbounded"
    if hi_open:
        return f"> {low:.4g} {unit} (unbounded above)"
    if lo_open:
        return f"< {high:.4g} {unit} (no lower bound)"
    return f"{low:.4g} to {high:.4g} {unit}"


# --- the likelihood -----------------------------------------------------------------------------------------
def _ln_rate_for(ea: float, beta: np.ndarray, n: np.ndarray, t: np.ndarray, beta_at) -> np.ndarray:
    """ln Gamma at ``beta_at`` on the line of slope ``ea`` with its prefactor at the maximum for that slope."""
    total = n.sum()
    if total == 0:
        return np.full(np.shape(beta_at), -np.inf)
    # d lnL / d ln Gamma0 = 0  ->  Gamma(beta_at) = N / sum_i t_i exp(-Ea (beta_i - beta_at))
    at = np.asarray(beta_at, dtype=float)
    return np.log(total) - special.logsumexp(-ea * (beta - at[..., None]), b=t, axis=-1)


def _profile_ea(ea: float, beta: np.ndarray, n: np.ndarray, t: np.ndarray) -> float:
    """ln L maximised over the prefactor at fixed Ea (constants dropped)."""
    total = n.sum()
    if total == 0:
        return 0.0
    ref = beta.mean()
    return float(-ea * (n * (beta - ref)).sum() - total * special.logsumexp(-ea * (beta - ref), b=t))


def _lnl(ln_rate_at: float, ea: float, beta, n, t, beta_at) -> float:
    # ln L with Gamma_i = Gamma(beta_at) exp(-Ea (beta_i - beta_at)), same constants as _profile_ea
    ln_rate = ln_rate_at - ea * (beta - beta_at)
    return float((n * ln_rate).sum() - (t * np.exp(ln_rate)).sum())


def _bounded_max(func, low: float, high: float) -> tuple[float, float]:
    """Maximum of a concave ``func`` on [low, high]: (argmax, value)."""
    res = optimize.minimize_scalar(lambda x: -func(x), bounds=(low, high), method="bounded",
                                   options={"xatol": 1e-9 * max(1.0, high - low)})
    best = [(res.x, -res.fun), (low, func(low)), (high, func(high))]
    return max(best, key=lambda p: p[1])


def _side_root(func, level: float, inside: float, edge: float) -> float:
    """Where concave ``func`` (>= level at ``inside``) crosses ``level`` between ``inside`` and ``edge``; ``edge``
    itself when it never does."""
    if func(edge) >= level:
        return edge
    return optimize.brentq(lambda x: func(x) - level, min(inside, edge), max(inside, edge), xtol=1e-10)


def _rate_interval(beta, n, t, beta_at: float, ea_max: float, confidence: float):
    """(ln Gamma(beta_at) at the maximum, low, high) with the profile-likelihood interval over Ea in
    [0, ea_max]; a bound that moves when the search limit ea_max is doubled is set by that limit, not by the
    data, and is open (0 or inf)."""
    drop = stats.chi2.ppf(confidence, 1) / 2
    total = n.sum()

    def prof(g, cap):
        return _bounded_max(lambda ea: _lnl(g, ea, beta, n, t, beta_at), 0.0, cap)

    if total > 0:
        ea_hat, _ = _bounded_max(lambda ea: _profile_ea(ea, beta, n, t), 0.0, ea_max)
        g_hat = float(_ln_rate_for(ea_hat, beta, n, t, beta_at))
        level = prof(g_hat, ea_max)[1] - drop
    else:
        # no jumps: the likelihood rises towards zero rate (ln L -> 0); start well below one expected jump
        g_hat = float(np.log(1e-3 / t.sum())) - ea_max * max(0.0, float((beta_at - beta).max()))
        level = -drop

    def root(sign, cap):
        step = 1.0
        while prof(g_hat + sign * step, cap)[1] >= level:
            step *= 2
            if step > 1e4:
                return np.inf * sign
        g = g_hat + sign * step
        return optimize.brentq(lambda x: prof(x, cap)[1] - level, min(g_hat, g), max(g_hat, g), xtol=1e-9)

    def bound(sign):
        g = root(sign, ea_max)
        if not np.isfinite(g) or prof(g, ea_max)[0] < ea_max * (1 - 1e-6):
            return g
        return g if abs(root(sign, 2 * ea_max) - g) < 1e-3 else np.inf * sign

    low = -np.inf if total == 0 else bound(-1)
    high = bound(+1)
    return g_hat if total > 0 else -np.inf, float(np.exp(low)), float(np.exp(high))


# --- the fit --------------------------------------------------------------------------------------------------
def fit_count_arrhenius(temperature_K, counts, exposure_ps, *, at_K: float = 300.0, confidence: float = 0.95,
                        jump_length_A: float | None = None, correlation_factor: float = 1.0, ndim: int = 3,
                        carrier_density_per_A3: float | None = None, charge: float = 1.0,
                        ea_max_eV: float = EA_MAX_EV, label: str = "") -> CountArrheniusFit:
    """Poisson maximum-likelihood Arrhenius fit of jump counts (see the module docstring).

    Parameters
    ----------
    temperature_K, counts, exposure_ps
        One entry per run (or per temperature): temperature, jumps seen (integers >= 0, zeros allowed) and
        exposure in ps x carriers. Runs at the same temperature are pooled (their sums are sufficient).
    at_K
        Temperature of the extrapolated rate, D and sigma (default 300 K).
    jump_length_A, correlation_factor, ndim
        With a jump length, D = Gamma lambda^2 f / (2 d) is reported at ``at_K`` (cm^2/s).
    carrier_density_per_A3, charge
        With a carrier density (and D), sigma by Nernst-Einstein at ``at_K`` (mS/cm).
    ea_max_eV
        Largest barrier searched; an interval reaching it is unbounded above.
    """
    t_in = np.asarray(temperature_K, dtype=float).ravel()
    n_in = np.asarray(counts, dtype=float).ravel()
    e_in = np.asarray(exposure_ps, dtype=float).ravel()
    if not (len(t_in) == len(n_in) == len(e_in)) or len(t_in) == 0:
        raise ConfigurationError(f"temperatures, counts and exposures must be equally long and non-empty; got "
                                 f"{len(t_in)}, {len(n_in)}, {len(e_in)}")
    if np.any(~np.isfinite(t_in)) or np.any(t_in <= 0):
        raise ConfigurationError(f"temperatures must be positive and finite, got {t_in.tolist()}")
    if np.any(~np.isfinite(n_in)) or np.any(n_in < 0) or np.any(n_in != np.round(n_in)):
        raise ConfigurationError(f"jump counts must be integers >= 0, got {n_in.tolist()}")
    if np.any(~np.isfinite(e_in)) or np.any(e_in <= 0):
        raise ConfigurationError(f"exposures (ps x carriers) must be positive and finite, got {e_in.tolist()}")
    if not 0 < confidence < 1:
        raise ConfigurationError(f"confidence must lie in (0, 1), got {confidence}")
    temps = np.unique(t_in)
    n = np.array([n_in[t_in == x].sum() for x in temps])
    t = np.array([e_in[t_in == x].sum() for x in temps])
    beta = 1.0 / (BOLTZMANN_EV_PER_K * temps)
    beta_at = 1.0 / (BOLTZMANN_EV_PER_K * at_K)
    drop = stats.chi2.ppf(confidence, 1) / 2
    total = n.sum()
    notes: list[str] = []

    if total > 0 and len(temps) > 1:
        ea_hat, top = _bounded_max(lambda ea: _profile_ea(ea, beta, n, t), 0.0, ea_max_eV)
        prof = lambda ea: _profile_ea(ea, beta, n, t)         # noqa: E731 - concave in Ea (log-sum-exp)
        ea_low = _side_root(prof, top - drop, ea_hat, 0.0)
        ea_high = _side_root(prof, top - drop, ea_hat, ea_max_eV)
        ln_rate0 = float(_ln_rate_for(ea_hat, beta, n, t, 0.0))
    else:
        ea_hat, ea_low, ea_high = np.nan, 0.0, ea_max_eV
        ln_rate0 = float(_ln_rate_for(0.0, beta, n, t, 0.0)) if total > 0 else -np.inf
    open_low = ea_low <= 0.0
    open_high = ea_high >= ea_max_eV
    reason = _reason(temps, n, t, open_low, open_high, ea_low, ea_high, confidence)
    supported = not reason

    g_hat, r_low, r_high = _rate_interval(beta, n, t, beta_at, ea_max_eV, confidence)
    r_hat = float(np.exp(g_hat))
    if supported and r_low > 0 and np.isfinite(r_high) and np.log10(r_high / r_low) > MAX_RATE_DECADES:
        notes.append(f"the {confidence:.0%} interval of the rate at {at_K:g} K spans "
                     f"{np.log10(r_high / r_low):.1f} decades: given as bounds, not as a value")
    rate_value = r_hat if supported and not notes and r_low > 0 and np.isfinite(r_high) else np.nan
    return CountArrheniusFit(
        temperature_K=temps, counts=n, exposure_ps=t, Ea_eV=float(ea_hat) if supported else np.nan,
        Ea_mle_eV=float(ea_hat), Ea_low_eV=float(ea_low), Ea_high_eV=np.inf if open_high else float(ea_high),
        ln_rate0_per_ps=ln_rate0, at_K=at_K, rate_at_K_per_ps=rate_value, rate_at_K_low_per_ps=r_low,
        rate_at_K_high_per_ps=r_high, confidence=confidence, ea_max_eV=ea_max_eV, jump_length_A=jump_length_A,
        correlation_factor=correlation_factor, ndim=ndim, carrier_density_per_A3=carrier_density_per_A3,
        charge=charge, label=label, reason=reason, notes=notes)


def _reason(temps, n, t, open_low, open_high, ea_low, ea_high, confidence) -> str:
    """Why the data cannot bound Ea (empty when they can), with what would fix it."""
    pct = f"{confidence:.0%}"
    with_jumps = int((n > 0).sum())
    if len(temps) < 2:
        return (f"counts at only one temperature ({temps[0]:g} K): Ea needs at least two temperatures; "
                "run more temperatures")
    if n.sum() == 0:
        return ("no jumps at any temperature: only upper limits on the rate; run longer or hotter until jumps "
                "are seen (see the rate_upper_limit_per_ps column)")
    if open_low and open_high:
        return (f"the {pct} interval of Ea is unbounded: the rates do not vary measurably with temperature; "
                "more jumps (longer runs) and a wider temperature range")
    if open_high:
        where = f"jumps at only one temperature ({temps[n > 0][0]:g} K)" if with_jumps == 1 else \
            "the jumps fall off too fast with cooling to bound Ea"
        return (f"{where}: Ea > {ea_low:.3g} eV at {pct} but unbounded above; run longer at the lower "
                "temperatures until jumps are seen there")
    if open_low:
        return (f"the {pct} interval of Ea reaches 0 (Ea < {ea_high:.3g} eV): the rates show no measurable "
                "activation; more jumps (longer runs) or a wider temperature range")
    return ""


def count_arrhenius(table: pd.DataFrame, *, counts: str = "jumps", exposure: str = "exposure_ps",
                    at_K: float = 300.0, confidence: float = 0.95, **options) -> pd.DataFrame:
    """:func:`fit_count_arrhenius` per species (and region, if present) of a table with one row per run.

    ``table`` needs ``temperature_K``, ``species`` and the ``counts`` and ``exposure`` columns (jumps seen and
    ps x carriers watched); a ``jump_length_A`` column (its mean per group) gives D at ``at_K``, and
    ``options`` go to :func:`fit_count_arrhenius`. Returns one :meth:`CountArrheniusFit.summary` row per group,
    usable as a sweep protocol's group fit.
    """
    need = {"temperature_K", "species", counts, exposure}
    missing = need - set(table.columns)
    if missing:
        raise ConfigurationError(f"the table lacks columns {sorted(missing)} (jump counts and exposure per run)")
    keys = ["species"] + (["region"] if "region" in table else [])
    rows = []
    for key, group in table.groupby(keys, sort=False):
        label = dict(zip(keys, key if isinstance(key, tuple) else (key,)))
        group = group.dropna(subset=[counts, exposure])
        extra = dict(options)
        if "jump_length_A" in group and "jump_length_A" not in extra and group["jump_length_A"].notna().any():
            extra["jump_length_A"] = float(group["jump_length_A"].mean())
        fit = fit_count_arrhenius(group["temperature_K"], group[counts], group[exposure], at_K=at_K,
                                  confidence=confidence, label=" ".join(map(str, label.values())), **extra)
        rows.append({**label, **{k: v for k, v in fit.summary().items() if k != "label"}})
    return pd.DataFrame(rows)
