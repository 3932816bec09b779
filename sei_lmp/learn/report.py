"""Report of a learning run: the per-generation table, grade vs time per generation, errors vs generation and
the final potential's parity plot."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd


def grade_figure(directory: Path, stop: float, save: float, out: Path, unit: str = "") -> Path:
    """Max grade vs MD time of every explore run, one colour per generation (log scale), with the thresholds."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7.5, 4.2))
    ax = fig.subplots()
    gens = sorted(directory.glob("gen-*/explore.json"))
    colours = [f"C{k % 10}" for k in range(len(gens))]
    for colour, path in zip(colours, gens):
        g = int(path.parent.name.split("-")[1])
        for k, (key, run) in enumerate(json.loads(path.read_text())["runs"].items()):
            t, y = np.array(run["time_ps"]), np.array(run["grade"])
            if run["stopped_by_grade"]:                     # the stopping grade, at the step it happened
                t = np.append(t, run["ps_held"])
                y = np.append(y, run["max_grade"])
            ax.plot(t, y, color=colour, lw=1, marker="x" if run["stopped_by_grade"] else None, markevery=[-1],
                    label=f"generation {g}" if k == 0 else None)
    ax.axhline(stop, color="k", ls="--", lw=0.8, label=f"stop ({stop:g})")
    ax.axhline(save, color="0.5", ls=":", lw=0.8, label=f"save ({save:g})")
    ax.set_yscale("log")
    return _finish(fig, ax, "MD time [ps]", "max extrapolation grade" + (f" [{unit}]" if unit else ""), out)


def error_figure(table: pd.DataFrame, out: Path) -> Path:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6.5, 3.8))
    ax = fig.subplots()
    for col, label in (("train_forces_rmse_eV_per_A", "training set"),
                       ("holdout_forces_rmse_eV_per_A", "held-out"),
                       ("new_frames_forces_rmse_eV_per_A", "frames it selected (before adding them)")):
        if col in table:
            ax.plot(table["generation"], table[col], marker="o", label=label)
    if {"holdout_forces_rmse_ci95_lo", "holdout_forces_rmse_ci95_hi"} <= set(table.columns):
        ax.fill_between(table["generation"], table["holdout_forces_rmse_ci95_lo"],
                        table["holdout_forces_rmse_ci95_hi"], color="C1", alpha=0.2, lw=0,
                        label="held-out, 95 % bootstrap interval")
    return _finish(fig, ax, "generation", "force RMSE [eV/A]", out)


def _finish(fig, ax, xlabel: str, ylabel: str, out: Path) -> Path:
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    return out


def write_report(result, plan) -> Path:
    """``report.md`` with the table and figures of ``result`` (a :class:`~sei_lmp.learn.loop.LearningResult`)."""
    d = result.directory
    figures = [grade_figure(d, plan.grades.stop, plan.grades.save, d / "grades.png", plan.grades.unit),
               error_figure(result.table, d / "errors.png")]
    parity = _parity(result, plan)
    if parity:
        figures.append(parity)
    lines = [f"# Learning run {plan.name}", "",
             f"Teacher: {plan.teacher}. Family: {plan.family} ({', '.join(plan.species)}). "
             f"{plan.grades.describe()}.", "",
             f"**{'Converged' if result.converged else 'Not converged'}**: {result.reason}.", "",
             result.table.to_markdown(index=False, floatfmt=".4g"), "",
             *[f"![{f.stem}]({f.name})" for f in figures], "",
             *_where_grade_rose(d),
             f"Final potential: `{result.final}` (card beside it)." if result.final else ""]
    out = d / "report.md"
    out.write_text("\n".join(lines) + "\n")
    return out


def _where_grade_rose(directory: Path) -> list[str]:
    """The report's section on what the potential had not seen: per generation and explore run, the
    highest-grade atom of its worst guarded frame (also written to ``where_grade_rose.csv``)."""
    from sei_lmp.learn.extrapolation import NEIGHBOUR_CUTOFF_A, where_grade_rose

    tables = []
    for explored in sorted(directory.glob("gen-*/explore.json")):
        table = where_grade_rose(json.loads(explored.read_text())["runs"])
        if len(table):
            tables.append(table.assign(generation=int(explored.parent.name.split("-")[1])))
    if not tables:
        return []
    table = pd.concat(tables, ignore_index=True)
    table = table[["generation", *[c for c in table.columns if c != "generation"]]]
    table.to_csv(directory / "where_grade_rose.csv", index=False)
    return ["## Where the grade rose", "",
            "The highest-grade atom of each explore run's worst guarded frame, with its neighbours within "
            f"{NEIGHBOUR_CUTOFF_A:g} A (count and nearest distance per species): the chemistry the potential had "
            "not seen in that generation.", "",
            table.to_markdown(index=False, floatfmt=".3g"), ""]


def _parity(result, plan) -> Path | None:
    from sei_lmp.learn.plan import fit_settings
    from sei_lmp.learn.refit import adapter
    from sei_lmp.training.metrics import errors
    from sei_lmp.training.parity import parity_plot
    from sei_lmp.training.teacher import read_labels

    if not result.final:
        return None
    frames = read_labels(result.directory / "labels.extxyz")
    fit = adapter(plan.family, fit_settings(plan.family, plan.species, plan.fit))
    pred = fit.predict(result.final, frames)
    return parity_plot(frames, pred, result.directory / "parity.png", title=f"{plan.name}: final potential vs "
                       f"{plan.teacher} on every labelled frame", summary=errors(frames, pred))
