"""Jumps of the demo's interstitial: per temperature, the jump analysis of the production run on the rocksalt
sites of the simulated cell; over all temperatures, the Poisson-likelihood Arrhenius fit of the counts."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from sei_lmp.analysis.transport.jump_stats import INTERSTITIAL_TYPES

__all__ = ["JUMP_COLUMNS", "count_fit", "interstitial_jumps", "jump_tables", "residence_sensitivity", "run_jumps"]

#: the rate columns of the per-temperature table
JUMP_COLUMNS = ("temperature_K", "jumps", "exposure_ps", "rate_per_ps", "rate_low_per_ps", "rate_high_per_ps")


def run_jumps(run_dir: str | Path, lattice_constant_A: float, cells: int, min_residence_ps: float = 0.1):
    """:class:`~sei_lmp.analysis.transport.JumpAnalysis` of the Li in a demo run, on the rocksalt sites
    (lattice and cube-centre interstitial sites) of its ``cells``^3 supercell."""
    from sei_lmp.analysis.transport import jump_analysis, rocksalt_sites

    return jump_analysis(run_dir, rocksalt_sites(lattice_constant_A, (cells,) * 3), species="Li",
                         min_residence_ps=min_residence_ps)


def residence_sensitivity(directories: Mapping[float, Path], lattice_constant_A: float, cells: int,
                          residences_ps=(0.05, 0.1, 0.2)) -> pd.DataFrame:
    """The count Arrhenius fit again for other minimum residence times: how much of Ea rests on where a
    short stay stops being a jump. One row per residence time: jumps per temperature, Ea and its interval."""
    from sei_lmp.analysis.transport import fit_count_arrhenius

    rows = []
    for residence in residences_ps:
        counts = {t: interstitial_jumps(run_jumps(d, lattice_constant_A, cells, residence))[:2]
                  for t, d in directories.items()}
        fit = fit_count_arrhenius(list(counts), [c[0] for c in counts.values()], [c[1] for c in counts.values()])
        rows.append({"min_residence_ps": residence, **{f"jumps {t:g} K": c[0] for t, c in counts.items()},
                     "Ea_eV": fit.Ea_eV, "Ea_low_eV": fit.Ea_low_eV, "Ea_high_eV": fit.Ea_high_eV})
    return pd.DataFrame(rows)


def interstitial_jumps(analysis) -> tuple[int, float, float]:
    """Interstitial jumps (mechanism events of every interstitial type), their exposure (interstitial-ps) and
    the count-weighted mean squared jump length of the interstitial (A^2; NaN without jumps)."""
    rows = analysis.rates[analysis.rates["type"].isin(INTERSTITIAL_TYPES)]
    n = int(rows["n_events"].sum())
    exposure = float(rows["exposure_ps"].max()) if len(rows) else 0.0
    seen = rows[rows["n_events"] > 0]
    l2 = float((seen["n_events"] * seen["lambda2_A2"]).sum() / n) if n else float("nan")
    return n, exposure, l2


def jump_tables(analyses: Mapping[float, object]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """From the jump analyses by temperature: one row per temperature (jumps, exposure, rate with its exact
    Poisson interval, D of the interstitial and tracer D of Li from jumps, Frenkel pairs) and the jump-type
    table (events of each type per temperature and in all)."""
    from sei_lmp.analysis.transport import poisson_interval

    rows, types = [], {}
    for temperature, ja in sorted(analyses.items()):
        n, exposure, l2 = interstitial_jumps(ja)
        low, high = poisson_interval(n, 0.95, zero_one_sided=True)
        d = ja.diffusion.set_index(["carrier", "method"])
        inter = d.loc[("interstitial", "jumps")] if ("interstitial", "jumps") in d.index else None
        tracer = d.loc[("atoms", "jumps x f")]
        rates = ja.rates.set_index("type")
        frenkel = int(rates.loc["lattice->interstitial", "n_events"]) if "lattice->interstitial" in rates.index else 0
        rows.append({"temperature_K": float(temperature), "jumps": n, "exposure_ps": exposure,
                     "rate_per_ps": n / exposure if exposure > 0 else np.nan,
                     "rate_low_per_ps": low / exposure if exposure > 0 else np.nan,
                     "rate_high_per_ps": high / exposure if exposure > 0 else np.nan,
                     "lambda2_A2": l2, "run_time_ps": ja.info["run_time_ps"],
                     "D_interstitial_cm2_s": inter["D_cm2_s"] if inter is not None else np.nan,
                     "D_interstitial_low_cm2_s": inter["D_lo_cm2_s"] if inter is not None else np.nan,
                     "D_interstitial_high_cm2_s": inter["D_hi_cm2_s"] if inter is not None else np.nan,
                     "D_tracer_jumps_cm2_s": tracer["D_cm2_s"], "D_tracer_jumps_low_cm2_s": tracer["D_lo_cm2_s"],
                     "D_tracer_jumps_high_cm2_s": tracer["D_hi_cm2_s"], "f_tracer": tracer["f"],
                     "frenkel_pairs_formed": frenkel, "notes": "; ".join(ja.notes)})
        for name, count in ja.mechanisms["type"].value_counts().items():
            types.setdefault(name, {})[float(temperature)] = int(count)
    table = pd.DataFrame(rows)
    kinds = pd.DataFrame(types).T.fillna(0).astype(int) if types else pd.DataFrame()
    if len(kinds):
        kinds = kinds[sorted(kinds.columns)]
        kinds.columns = [f"{t:g} K" for t in kinds.columns]
        kinds["events"] = kinds.sum(axis=1)
        kinds = kinds.sort_values("events", ascending=False).rename_axis("type").reset_index()
        kinds["interstitial"] = kinds["type"].isin(INTERSTITIAL_TYPES)
    return table, kinds


def count_fit(table: pd.DataFrame, volume_A3: float, n_interstitials: float = 1.0):
    """Poisson maximum-likelihood Arrhenius fit of the interstitial jump counts, with D of the interstitial and
    its Nernst-Einstein sigma at 300 K (carrier density: the interstitials per cell volume)."""
    from sei_lmp.analysis.transport import fit_count_arrhenius

    seen = table[table["jumps"] > 0]
    l2 = float((seen["jumps"] * seen["lambda2_A2"]).sum() / seen["jumps"].sum()) if len(seen) else None
    return fit_count_arrhenius(table["temperature_K"], table["jumps"], table["exposure_ps"], at_K=300.0,
                               jump_length_A=np.sqrt(l2) if l2 else None,
                               carrier_density_per_A3=n_interstitials / volume_A3, label="Li interstitial")
