"""Arrhenius fits of D(T): weighted least squares of ln D against 1/T with the per-temperature errors.

ln D = ln D0 - Ea / (kB T), weights 1 / sigma_lnD^2 with sigma_lnD = D_err / D. When the reduced chi^2 is
above 1 the parameter covariance is scaled by it and intervals use Student's t with n - 2 degrees of
freedom (the scatter exceeds the stated errors); otherwise the stated errors are taken as exact (normal
quantiles). Extrapolation gives D(T) with a confidence interval from the full parameter covariance.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from sei_lmp.analysis.transport.notes import TransportWarning
from sei_lmp.errors import ConfigurationError
from sei_lmp.units import BOLTZMANN_EV_PER_K

__all__ = ["PHASE_CHANGES_K", "ArrheniusFit", "arrhenius", "fit_arrhenius"]

#: known phase changes that break a single Arrhenius line: (system composition, species) -> (T in K, what)
PHASE_CHANGES_K = {"Li": (453.65, "Li metal melts")}


@dataclass
class ArrheniusFit:
    """Result of a weighted Arrhenius fit (D in cm^2/s, energies in eV)."""

    Ea_eV: float
    Ea_err_eV: float
    D0_cm2_s: float
    ln_D0_err: float
    covariance: np.ndarray          # of (ln D0, -Ea/kB)
    chi2_red: float
    dof: int
    temperatures_K: np.ndarray
    scaled: bool
    notes: list[str] = field(default_factory=list)

    def predict(self, temperature_K, confidence: float = 0.95) -> pd.DataFrame:
        """D at ``temperature_K`` (scalar or array) with the lower and upper bound of the interval."""
        t = np.atleast_1d(np.asarray(temperature_K, dtype=float))
        design = np.column_stack([np.ones_like(t), 1.0 / t])
        ln_d = np.log(self.D0_cm2_s) - self.Ea_eV / (BOLTZMANN_EV_PER_K * t)
        sd = np.sqrt(np.einsum("ij,jk,ik->i", design, self.covariance, design))
        q = (stats.t.ppf(0.5 + confidence / 2, self.dof) if self.scaled and self.dof > 0
             else stats.norm.ppf(0.5 + confidence / 2))
        return pd.DataFrame({"temperature_K": t, "D_cm2_s": np.exp(ln_d), "D_low_cm2_s": np.exp(ln_d - q * sd),
                             "D_high_cm2_s": np.exp(ln_d + q * sd), "ln_D_err": sd})


def fit_arrhenius(temperature_K, D, D_err) -> ArrheniusFit:
    """Weighted fit of ln D vs 1/T (see the module docstring)."""
    t = np.asarray(temperature_K, dtype=float)
    d = np.asarray(D, dtype=float)
    e = np.asarray(D_err, dtype=float)
    if len(np.unique(t)) < 2:
        raise ConfigurationError(f"an Arrhenius fit needs at least two temperatures, got {sorted(set(t.tolist()))}")
    if np.any(d <= 0) or np.any(~np.isfinite(d)):
        raise ConfigurationError(f"D must be positive at every temperature for ln D; got {d.tolist()} at "
                                 f"{t.tolist()} K (drop temperatures without measurable diffusion)")
    if np.any(e <= 0) or np.any(~np.isfinite(e)):
        raise ConfigurationError("every D needs a positive finite error (D_err_cm2_s) to weight the fit")
    y, sy = np.log(d), e / d
    design = np.column_stack([np.ones_like(t), 1.0 / t])
    w = 1.0 / sy ** 2
    normal = design.T @ (design * w[:, None])
    cov = np.linalg.inv(normal)
    beta = cov @ (design.T @ (w * y))
    dof = len(t) - 2
    chi2_red = float(((y - design @ beta) ** 2 * w).sum() / dof) if dof > 0 else float("nan")
    scaled = dof > 0 and chi2_red > 1
    notes = []
    if scaled:
        cov = cov * chi2_red
        if dof > 0 and stats.chi2.sf(chi2_red * dof, dof) < 0.01:
            notes.append(f"poor Arrhenius fit: reduced chi2 {chi2_red:.1f} over {len(t)} temperatures (not a "
                         "single activated process, or errors underestimated); errors scaled up")
    return ArrheniusFit(Ea_eV=-beta[1] * BOLTZMANN_EV_PER_K, Ea_err_eV=float(np.sqrt(cov[1, 1]) * BOLTZMANN_EV_PER_K),
                        D0_cm2_s=float(np.exp(beta[0])), ln_D0_err=float(np.sqrt(cov[0, 0])), covariance=cov,
                        chi2_red=chi2_red, dof=dof, temperatures_K=t, scaled=scaled, notes=notes)


def _phase_notes(table: pd.DataFrame, species: str, t_min: float, t_max: float) -> list[str]:
    notes = []
    for system, (t_change, what) in PHASE_CHANGES_K.items():
        pure = "composition" in table and (table["composition"].astype(str) == system).all()
        if species == system and pure and t_min < t_change < t_max:
            notes.append(f"temperature window {t_min:g}-{t_max:g} K crosses {t_change} K ({what}): fit solid and "
                         "liquid separately")
    return notes


def arrhenius(table: pd.DataFrame, *, quantity: str = "D_cm2_s", at_K: float = 300.0,
              confidence: float = 0.95) -> pd.DataFrame:
    """Arrhenius fit per species (and region, if present) of a table from :func:`analyze_run` rows.

    Returns one row per group: Ea_eV, Ea_err_eV, D0_cm2_s, chi2_red, the fitted temperature range and D at
    ``at_K`` with its ``confidence`` interval (columns D_<T>K_cm2_s, D_<T>K_low_cm2_s, D_<T>K_high_cm2_s);
    ``quantity="sigma_NE_mS_cm"`` fits sigma T instead (conductivity Arrhenius form); :func:`fit_arrhenius`
    gives the fit object of one series. Warns (:class:`TransportWarning`) on poor fits and phase changes in the window.
    """
    need = {"temperature_K", "species", quantity, quantity.replace("_cm2_s", "_err_cm2_s").replace(
        "_mS_cm", "_err_mS_cm")}
    missing = need - set(table.columns)
    if missing:
        raise ConfigurationError(f"the table lacks columns {sorted(missing)} (use rows from analyze_run)")
    err_col = quantity.replace("_cm2_s", "_err_cm2_s").replace("_mS_cm", "_err_mS_cm")
    keys = ["species"] + (["region"] if "region" in table else [])
    rows = []
    tag = f"{at_K:g}K"
    for key, group in table.groupby(keys, sort=False):
        group = group.dropna(subset=[quantity, err_col])
        label = dict(zip(keys, key if isinstance(key, tuple) else (key,)))
        t = group["temperature_K"].to_numpy(float)
        value = group[quantity].to_numpy(float)
        err = group[err_col].to_numpy(float)
        sigma_form = quantity.startswith("sigma")
        if sigma_form:                                  # sigma T = A exp(-Ea / kB T)
            value, err = value * t, err * t
        fit = fit_arrhenius(t, value, err)
        fit.notes += _phase_notes(group, label["species"], t.min(), t.max())
        for note in fit.notes:
            warnings.warn(f"{label}: {note}", TransportWarning, stacklevel=2)
        pred = fit.predict(at_K, confidence).iloc[0]
        scale = 1.0 / at_K if sigma_form else 1.0
        unit = "mS_cm" if sigma_form else "cm2_s"
        name = "sigma" if sigma_form else "D"
        rows.append({**label, "n_temperatures": len(t), "T_min_K": t.min(), "T_max_K": t.max(),
                     "Ea_eV": fit.Ea_eV, "Ea_err_eV": fit.Ea_err_eV, f"{'A' if sigma_form else 'D0'}_{unit}":
                     fit.D0_cm2_s, "ln_prefactor_err": fit.ln_D0_err, "chi2_red": fit.chi2_red,
                     f"{name}_{tag}_{unit}": pred["D_cm2_s"] * scale,
                     f"{name}_{tag}_low_{unit}": pred["D_low_cm2_s"] * scale,
                     f"{name}_{tag}_high_{unit}": pred["D_high_cm2_s"] * scale,
                     "confidence": confidence, "notes": "; ".join(fit.notes)})
    return pd.DataFrame(rows)


def unsupported_reason(row: pd.Series, confidence: float | None = None) -> str:
    """Why a fitted row's activation energy is not a result ("" when it is): no Ea, Ea <= 0, or an
    interval that reaches zero (Ea < z Ea_err: e.g. D that does not change measurably with temperature)."""
    if "Ea_eV" not in row.index:
        return ""
    ea = pd.to_numeric(row["Ea_eV"], errors="coerce")
    err = pd.to_numeric(row.get("Ea_err_eV", np.nan), errors="coerce")
    level = confidence if confidence is not None else float(row.get("confidence", 0.95) or 0.95)
    z = float(stats.norm.ppf(0.5 + level / 2))
    fitted = f"the fit gives Ea = {ea:.3g}" + (f" +- {err:.2g} eV" if np.isfinite(err) else " eV")
    if not np.isfinite(ea):
        return str(row.get("reason", "") or "") or "the fit gives no Ea"
    if ea <= 0:
        return f"not supported: {fitted} (<= 0, D does not rise with temperature); run longer until D is measured"
    if np.isfinite(err) and z * err >= ea:
        return (f"not supported: {fitted}, its {level:.0%} interval reaches zero (D does not change measurably "
                "with temperature); run longer, or hotter, until diffusion is measured")
    return ""
