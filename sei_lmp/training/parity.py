"""Parity plots (predicted vs teacher) of energy, forces and stress, as a PNG next to a potential's card."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from ase import Atoms

from sei_lmp.training.metrics import GPA_PER_EV_A3


def parity_plot(images: Sequence[Atoms], predictions: Sequence[dict], path: Path, *, title: str = "",
                summary: dict | None = None, baseline: dict | None = None) -> Path:
    """Three panels (energy per atom [eV], force components [eV/A], stress components [GPa]) of
    ``predictions`` against the labels of ``images``; ``summary``/``baseline`` (from
    ``metrics.errors``) are printed in the panels. Returns ``path``."""
    from matplotlib.figure import Figure  # not pyplot: the caller's backend stays as it is

    ref_e = np.array([a.calc.results["energy"] / len(a) for a in images])
    pred_e = np.array([p["energy"] / len(a) for a, p in zip(images, predictions)])
    ref_f = np.concatenate([np.ravel(a.calc.results["forces"]) for a in images])
    pred_f = np.concatenate([np.ravel(p["forces"]) for p in predictions])
    ref_s = np.concatenate([np.ravel(a.calc.results.get("stress", np.full(6, np.nan))) for a in images])
    pred_s = np.concatenate([np.ravel(p["stress"]) for p in predictions])
    panels = [("energy [eV/atom]", ref_e, pred_e, "energy_rmse_meV_per_atom", "meV/atom"),
              ("force component [eV/A]", ref_f, pred_f, "forces_rmse_eV_per_A", "eV/A"),
              ("stress component [GPa]", ref_s * GPA_PER_EV_A3, pred_s * GPA_PER_EV_A3, "stress_rmse_GPa", "GPa")]
    types = [a.info.get("config_type", "") for a in images]
    fig = Figure(figsize=(13, 4.3))
    axes = fig.subplots(1, 3)
    for ax, (label, ref, pred, key, unit) in zip(axes, panels):
        if label.startswith("energy"):
            for t in sorted(set(types)):
                mask = np.array([x == t for x in types])
                ax.scatter(ref[mask], pred[mask], s=10, alpha=0.7, label=t or "config")
            ax.legend(fontsize=6, loc="lower right")
        else:
            ax.scatter(ref, pred, s=3, alpha=0.35, lw=0)
        finite = np.isfinite(ref) & np.isfinite(pred)
        if finite.any():
            lo, hi = np.min([ref[finite].min(), pred[finite].min()]), np.max([ref[finite].max(), pred[finite].max()])
            ax.plot([lo, hi], [lo, hi], "k--", lw=0.8)
        ax.set_xlabel(f"teacher {label}")
        ax.set_ylabel(f"potential {label}")
        text = []
        if summary and key in summary:
            text.append(f"RMSE {summary[key]:.3g} {unit}")
        if baseline and key in baseline:
            text.append(f"baseline {baseline[key]:.3g} {unit}")
        if text:
            ax.text(0.04, 0.96, "\n".join(text), transform=ax.transAxes, va="top", fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    return path
