"""Ionic conductivity: Nernst-Einstein from tracer D, collective (charge) MSD, Haven ratio, Onsager L_ij.

Green-Kubo/Einstein forms used (d = 3 dimensions, V the mean cell volume, e the elementary charge):

* Nernst-Einstein   sigma_NE = n q^2 D / (kB T),  n = N_carriers / V
* collective        sigma = e^2 / (2 d V kB T) d/dt < |sum_i z_i dr_i(t)|^2 >
* Onsager           L_ij  = 1 / (2 d V kB T) d/dt < dR_i(t) . dR_j(t) >,  dR_i = sum over atoms of species i

L_ij are reported as e^2 L_ij in mS/cm (a conductivity per unit charge squared), so that
sigma = sum_ij z_i z_j e^2 L_ij. The Haven ratio is sigma_NE / sigma.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from sei_lmp.analysis.transport.fit import DiffusionFit, fit_diffusion
from sei_lmp.analysis.transport.msd import cross_msd_fft
from sei_lmp.errors import ConfigurationError
from sei_lmp.units import A2_PER_PS_TO_CM2_PER_S, CM2_PER_S_TO_A2_PER_PS, NERNST_EINSTEIN_MS_CM

__all__ = ["DEFAULT_CHARGES", "collective_conductivity", "nernst_einstein_mS_cm", "onsager", "slope_to_mS_cm"]

#: formal charges used when none are given (the carrier ions of the systems this package targets)
DEFAULT_CHARGES = {"Li": 1.0, "Na": 1.0, "K": 1.0}


def nernst_einstein_mS_cm(D_cm2_s, n_carriers: int, volume_A3: float, temperature_K: float, charge: float = 1.0):
    """sigma = n q^2 D / (kB T) in mS/cm (works elementwise on arrays of D)."""
    if temperature_K <= 0 or volume_A3 <= 0:
        raise ConfigurationError(f"temperature ({temperature_K} K) and volume ({volume_A3} A^3) must be positive")
    return NERNST_EINSTEIN_MS_CM * n_carriers / volume_A3 * charge ** 2 * np.asarray(D_cm2_s) / temperature_K


def slope_to_mS_cm(slope_A2_ps: float, volume_A3: float, temperature_K: float, ndim: int = 3) -> float:
    """e^2 / (2 d V kB T) times a collective-MSD slope (e^2 A^2/ps) -> mS/cm."""
    # one carrier of unit charge whose "D" is the slope / 2d
    return nernst_einstein_mS_cm(slope_A2_ps * A2_PER_PS_TO_CM2_PER_S / (2 * ndim), 1, volume_A3, temperature_K)


def _fit_collective(time_ps, curve, window) -> DiffusionFit:
    # one collective "particle": the random-walk covariance with n = 1 gives the statistical error
    return fit_diffusion(time_ps, curve, n_atoms=1, ndim=3, window=window)


def collective_conductivity(time_ps: np.ndarray, charge_positions: np.ndarray, volume_A3: float,
                            temperature_K: float, window=None) -> dict:
    """sigma (mS/cm) with its error from the all-origins MSD of the charge displacement sum_i z_i r_i(t)
    ((n_frames, 3), in e A)."""
    curve = cross_msd_fft(charge_positions, charge_positions).sum(axis=1)
    fit = _fit_collective(time_ps, curve, window)
    factor = slope_to_mS_cm(1.0, volume_A3, temperature_K)
    return {"sigma_mS_cm": fit.slope_A2_ps * factor, "sigma_err_mS_cm": 2 * 3 * fit.D_err_cm2_s * CM2_PER_S_TO_A2_PER_PS * factor,
            "fit": fit, "msd": curve}


def onsager(time_ps: np.ndarray, species_displacements: Mapping[str, np.ndarray], volume_A3: float,
            temperature_K: float, window=None) -> pd.DataFrame:
    """e^2 L_ij (mS/cm) for every pair of species from their summed displacements ((n_frames, 3) each, A).

    Errors of cross terms use the random-walk covariance scaled by the geometric mean of the two diagonal
    slopes (exact for the diagonal, conservative for independent species)."""
    names = list(species_displacements)
    factor = slope_to_mS_cm(1.0, volume_A3, temperature_K)
    diag: dict[str, DiffusionFit] = {}
    rows = []
    for a_i, a in enumerate(names):
        for b in names[a_i:]:
            curve = cross_msd_fft(species_displacements[a], species_displacements[b]).sum(axis=1)
            if a == b:
                fit = _fit_collective(time_ps, curve, window)
                diag[a] = fit
                slope, err = fit.slope_A2_ps, 6 * fit.D_err_cm2_s * CM2_PER_S_TO_A2_PER_PS
            else:
                fa, fb = diag[a], None
                # fit the cross curve in the same window; error from the diagonal scales
                window_ab = (fa.fit_start_ps, fa.fit_end_ps)
                # GLS estimates do not depend on the covariance scale, so a cross curve (which may be negative)
                # is fitted exactly like a diagonal one in the same window
                fit = fit_diffusion(time_ps, curve, n_atoms=1, ndim=3, window=window_ab)
                slope = fit.slope_A2_ps
                rows_b = cross_msd_fft(species_displacements[b], species_displacements[b]).sum(axis=1)
                fb = fit_diffusion(time_ps, rows_b, n_atoms=1, ndim=3, window=window_ab)
                diag.setdefault(b, fb)
                err = np.sqrt((6 * fa.D_err_cm2_s * CM2_PER_S_TO_A2_PER_PS) * (6 * fb.D_err_cm2_s * CM2_PER_S_TO_A2_PER_PS))
            rows.append({"species_i": a, "species_j": b, "L_e2_mS_cm": slope * factor,
                         "L_err_e2_mS_cm": err * factor, "fit_start_ps": fit.fit_start_ps,
                         "fit_end_ps": fit.fit_end_ps})
    return pd.DataFrame(rows)
