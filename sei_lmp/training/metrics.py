"""Held-out errors of a fitted potential, and a trivial baseline to compare them with.

The baseline knows only the composition: per-species constant energies from least squares on the training
set, zero forces and zero stress. A potential that does not beat it clearly has learnt nothing.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import numpy as np
import pandas as pd
from ase import Atoms

from sei_lmp.errors import ConfigurationError
from sei_lmp.units import GPA_PER_EV_A3

#: eV/A^3 -> GPa


def _reference(atoms: Atoms) -> dict:
    results = getattr(atoms.calc, "results", None) or {}
    if "energy" not in results or "forces" not in results:
        raise ConfigurationError("a reference configuration has no energy/forces; compare on labelled frames")
    return results


class SpeciesEnergyBaseline:
    """E = sum_s n_s e_s with e_s from least squares on the training set; forces and stress zero."""

    def __init__(self, species: Sequence[str]):
        self.species = list(species)
        self.energies: np.ndarray | None = None

    def _counts(self, images: Sequence[Atoms]) -> np.ndarray:
        symbols = [a.get_chemical_symbols() for a in images]
        unknown = {s for sym in symbols for s in sym} - set(self.species)
        if unknown:
            raise ConfigurationError(f"baseline species {self.species} do not cover {sorted(unknown)}")
        return np.array([[sym.count(s) for s in self.species] for sym in symbols], float)

    def fit(self, images: Sequence[Atoms]) -> SpeciesEnergyBaseline:
        counts = self._counts(images)
        energies = np.array([_reference(a)["energy"] for a in images])
        # a single composition ratio (e.g. only stoichiometric cells) makes the system rank-deficient;
        # lstsq then returns the minimum-norm solution, which still predicts those cells' mean
        self.energies = np.linalg.lstsq(counts, energies, rcond=None)[0]
        return self

    def predict(self, images: Sequence[Atoms]) -> list[dict]:
        if self.energies is None:
            raise ConfigurationError("fit the baseline on the training set before predicting")
        e = self._counts(images) @ self.energies
        return [{"energy": float(ei), "forces": np.zeros((len(a), 3)), "stress": np.zeros(6)}
                for ei, a in zip(e, images)]


def error_table(images: Sequence[Atoms], predictions: Sequence[dict]) -> pd.DataFrame:
    """One row per configuration: config_type, n_atoms, reference and predicted energy per atom [eV],
    force error RMS [eV/A] and stress error RMS [GPa] of that configuration."""
    if len(images) != len(predictions):
        raise ConfigurationError(f"{len(images)} configurations but {len(predictions)} predictions")
    rows = []
    for atoms, pred in zip(images, predictions):
        ref = _reference(atoms)
        n = len(atoms)
        df = np.asarray(pred["forces"]) - np.asarray(ref["forces"])
        row = {"config_type": atoms.info.get("config_type", ""), "n_atoms": n,
               "energy_ref_eV_per_atom": ref["energy"] / n, "energy_pred_eV_per_atom": pred["energy"] / n,
               "forces_sq_sum": float(np.sum(df**2)), "forces_abs_sum": float(np.sum(np.abs(df))),
               "forces_count": df.size}
        if "stress" in ref and pred.get("stress") is not None:
            ds = (np.asarray(pred["stress"]) - np.asarray(ref["stress"])) * GPA_PER_EV_A3
            row.update(stress_sq_sum=float(np.sum(ds**2)), stress_abs_sum=float(np.sum(np.abs(ds))),
                       stress_count=ds.size)
        rows.append(row)
    return pd.DataFrame(rows)


def summarise(table: pd.DataFrame) -> dict:
    """RMSE/MAE of energy [meV/atom], forces [eV/A] and stress [GPa] over a table from :func:`error_table`."""
    de = table["energy_pred_eV_per_atom"] - table["energy_ref_eV_per_atom"]
    out = {"n_structures": int(len(table)), "n_atoms": int(table["n_atoms"].sum()),
           "energy_rmse_meV_per_atom": float(1000 * np.sqrt(np.mean(de**2))),
           "energy_mae_meV_per_atom": float(1000 * np.mean(np.abs(de))),
           "forces_rmse_eV_per_A": float(np.sqrt(table["forces_sq_sum"].sum() / table["forces_count"].sum())),
           "forces_mae_eV_per_A": float(table["forces_abs_sum"].sum() / table["forces_count"].sum())}
    if "stress_count" in table and table["stress_count"].sum() > 0:
        out["stress_rmse_GPa"] = float(np.sqrt(table["stress_sq_sum"].sum() / table["stress_count"].sum()))
        out["stress_mae_GPa"] = float(table["stress_abs_sum"].sum() / table["stress_count"].sum())
    return out


def bootstrap_rmse(table: pd.DataFrame, *, resamples: int = 2000, level: float = 0.95, seed: int = 0) -> dict:
    """Percentile-bootstrap intervals of the energy, force and stress RMSEs of a table from :func:`error_table`.

    Whole configurations are resampled: the force errors inside one configuration are correlated, so
    resampling atoms would make the interval too narrow. Fewer than 5 configurations give no interval
    (``{}``): too few to say how the error spreads.
    """
    n = len(table)
    if n < 5:
        return {}
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, n, size=(resamples, n))
    de2 = ((table["energy_pred_eV_per_atom"] - table["energy_ref_eV_per_atom"]).to_numpy() * 1000) ** 2
    tail = (1 - level) / 2 * 100
    out = {"energy_rmse_meV_per_atom": np.sqrt(de2[picks].mean(axis=1)),
           "forces_rmse_eV_per_A": np.sqrt(table["forces_sq_sum"].to_numpy()[picks].sum(axis=1)
                                           / table["forces_count"].to_numpy()[picks].sum(axis=1))}
    if "stress_count" in table and table["stress_count"].fillna(0).sum() > 0:
        sq, count = table["stress_sq_sum"].fillna(0).to_numpy(), table["stress_count"].fillna(0).to_numpy()
        with np.errstate(invalid="ignore", divide="ignore"):
            out["stress_rmse_GPa"] = np.sqrt(sq[picks].sum(axis=1) / count[picks].sum(axis=1))
    label = f"ci{round(level * 100)}"
    return {f"{name}_{label}": [float(np.nanpercentile(v, tail)), float(np.nanpercentile(v, 100 - tail))]
            for name, v in out.items()}


def errors(images: Sequence[Atoms], predictions: Sequence[dict]) -> dict:
    """Summary errors of ``predictions`` against the labels of ``images``."""
    return summarise(error_table(images, predictions))


def errors_by_type(images: Sequence[Atoms], predictions: Sequence[dict]) -> pd.DataFrame:
    """:func:`summarise` per ``config_type`` (one row each)."""
    table = error_table(images, predictions)
    return pd.DataFrame({k: summarise(g) for k, g in table.groupby("config_type")}).T


def validation_block(train: Sequence[Atoms], test: Sequence[Atoms], pred_train: Sequence[dict],
                     pred_test: Sequence[dict], species: Sequence[str]) -> dict:
    """The ``validation`` section of a potential's card: held-out and training errors, the trivial
    baseline's held-out errors (fitted on ``train``), and held-out errors per ``config_type``."""
    baseline = SpeciesEnergyBaseline(species).fit(train)
    return {
        "held_out": errors(test, pred_test),
        "held_out_baseline": {**errors(test, baseline.predict(test)),
                              "model": "per-species constant energies (least squares on train), zero forces, "
                                       "zero stress",
                              "species_energies_eV": dict(zip(species, map(float, baseline.energies)))},
        "train": errors(train, pred_train),
        "held_out_by_config_type": json.loads(errors_by_type(test, pred_test).to_json(orient="index")),
    }
