"""Analyse every finished run of a sweep with its protocol's analysis, into one tidy table, then fit
per group (e.g. Arrhenius per potential and species) and plot.

The protocol class says which analysis, group fit and plot apply (``Protocol.analysis``, ``group_fit``,
``fit_over``, ``fit_by``, ``plot``: ``"module:function"`` strings imported only when used), so collecting a
diffusion sweep never imports the structure analysis, and a new protocol needs no edit here.

One group or one run never stops the collect: runs without a measurable D are left out of their group's fit
and named in ``fits.csv`` (``dropped``), and a group without a supported result has NaN and a ``reason``. A run
the analysis cannot measure at all (it refuses with a sei_lmp error, e.g. an MSD with too few points) keeps a row
in ``results.csv`` with its parameters and the refusal in ``analysis_error``, is named with that reason in the
``dropped`` column of its groups' fits, and is reported as a note; only when no run can be analysed does the
collect stop, with an error naming every run and why.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping
from dataclasses import asdict, is_dataclass
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from sei_lmp.analysis.transport.arrhenius import unsupported_reason
from sei_lmp.decks.protocols import PROTOCOLS, Protocol, resolve
from sei_lmp.errors import ConfigurationError, SeiLmpError
from sei_lmp.run.directory import RunDirectory
from sei_lmp.sweep.plan import load_sweep

COLLECT_DIR = "collect"
#: column of ``results`` with why the analysis could not measure a run (empty for the runs it measured)
ANALYSIS_ERROR = "analysis_error"


def _as_frame(value: Any) -> pd.DataFrame:
    """A fit's result as rows: DataFrame, Series, mapping or dataclass."""
    if isinstance(value, pd.DataFrame):
        return value.reset_index(drop=True)
    if isinstance(value, pd.Series):
        return value.to_frame().T.reset_index(drop=True)
    if is_dataclass(value):
        value = asdict(value)
    if isinstance(value, Mapping):
        return pd.DataFrame([dict(value)])
    raise ConfigurationError(f"a group fit returned {type(value).__name__}; it must return a DataFrame, Series, "
                             "mapping or dataclass")


def collect(directory: str | PathLike, *, options: Mapping[str, Any] | None = None, fit: bool = True,
            plots: bool = True, progress: bool = True) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Analyse every finished run; returns (results, fits) and writes them to ``<sweep>/collect/``.

    ``results`` has the analysis rows of each run with the run's parameters in front (run_id,
    structure, potential, every setting); ``fits`` has one row per group and fitted quantity (None
    when the protocol has no group fit or ``fit`` is False). Runs not done are left out (see
    ``sei-lmp sweep status``).
    """
    from rich.progress import track

    directory = Path(directory).resolve()
    spec, table = load_sweep(directory)
    protocol = PROTOCOLS[spec.protocol]
    if protocol.analysis is None:
        raise ConfigurationError(f"protocol '{spec.protocol}' names no analysis (its class's 'analysis')")
    analyze = resolve(protocol.analysis)
    keys = ["run_id", "structure", "potential", *[k for k in table.columns if k in spec.settings or k in spec.parameters]]
    done = [row for _, row in table.iterrows() if RunDirectory(directory / row["directory"]).is_done()]
    if not done:
        raise ConfigurationError(f"no finished runs in {directory}; run the sweep first ('sei-lmp sweep run')")
    frames, refused = [], []
    for row in track(done, description="analysing", disable=not progress):
        try:
            result = analyze(directory / row["directory"], **dict(options or {}))
        except SeiLmpError as err:   # the run cannot be measured (too short, unreadable): dropped, with the reason
            refused.append((row, " ".join(str(err).split())))
            continue
        except Exception as err:   # an analysis bug: say which run
            raise ConfigurationError(f"analysis of {row['run_id']} failed: {type(err).__name__}: {err}") from err
        result = _as_frame(result)
        front = {k: row[k] for k in keys if k not in result.columns}
        frames.append(pd.concat([pd.DataFrame([front] * len(result)), result.reset_index(drop=True)], axis=1))
    if not frames:
        raise ConfigurationError(f"no run of {directory} could be analysed, so nothing was collected: "
                                 + _refusals(refused))
    for row, why in refused:
        warnings.warn(f"sweep collect: {row['run_id']} left out (not measurable): {why}", stacklevel=2)
    if refused:
        frames.append(pd.DataFrame([{**{k: row[k] for k in keys}, ANALYSIS_ERROR: why} for row, why in refused]))
    results = pd.concat(frames, ignore_index=True)
    if refused:     # the table's order is the sweep's, whatever was refused
        order = {run_id: k for k, run_id in enumerate(table["run_id"])}
        results = results.sort_values("run_id", key=lambda ids: ids.map(order), kind="stable", ignore_index=True)
        results[ANALYSIS_ERROR] = results[ANALYSIS_ERROR].fillna("")
    out = directory / COLLECT_DIR
    out.mkdir(exist_ok=True)
    results.to_csv(out / "results.csv", index=False)
    results.to_parquet(out / "results.parquet", index=False)

    fits = None
    if fit and protocol.group_fit is not None:
        fits = group_fits(results, protocol, [k for k in keys if k != "run_id"])
        fits.to_csv(out / "fits.csv", index=False)
    if plots and protocol.plot is not None:
        resolve(protocol.plot, "plot")(results, fits, out)
    return results, fits


def _refusals(refused: list[tuple[pd.Series, str]]) -> str:
    """'run_a, run_b: reason; run_c: other reason' - runs with the same reason named together."""
    by_reason: dict[str, list[str]] = {}
    for row, why in refused:
        by_reason.setdefault(why, []).append(str(row["run_id"]))
    return "; ".join(f"{', '.join(ids)}: {why}" for why, ids in by_reason.items())


def group_fits(results: pd.DataFrame, protocol: str | type[Protocol], keys: list[str]) -> pd.DataFrame:
    """Apply the protocol's group fit to every group of ``results`` (``protocol``: a name or class).

    One group never stops the others. Runs whose fitted quantity is unmeasurable (see :func:`screen_runs`)
    are left out of their group's fit and named in its ``dropped`` column; a group left with fewer than two
    values of what the fit runs over (e.g. temperatures), a fit that fails, and an Arrhenius result the data
    do not support (:func:`unsupported_reason`) give NaN with the ``reason``.
    """
    protocol = PROTOCOLS[protocol] if isinstance(protocol, str) else protocol
    if protocol.group_fit is None:
        raise ConfigurationError(f"protocol '{protocol.name}' has no group fit")
    fit = resolve(protocol.group_fit, "group fit")
    by = [k for k in keys if k not in protocol.fit_over and k in results.columns]
    by += [k for k in protocol.fit_by if k in results.columns]
    over = next((k for k in protocol.fit_over if k in results.columns), None)
    results = _spread_refused(results, [k for k in by if k not in protocol.fit_by],
                              [k for k in protocol.fit_by if k in results.columns])
    rows = []
    for values, group in results.groupby(by, dropna=False, sort=True) if by else [((), results)]:
        values = values if isinstance(values, tuple) else (values,)
        label = dict(zip(by, values))
        kept, dropped = screen_runs(group.reset_index(drop=True), over)
        fitted = _fit_group(fit, kept, over)
        if any(column in group for column in (*SCREENED, ANALYSIS_ERROR)):   # there even when nothing was dropped
            fitted["dropped"] = "; ".join(dropped["drop_reason"]) if len(dropped) else ""
            fitted["n_dropped"] = len(dropped)
        rows.append(pd.concat([pd.DataFrame([label] * len(fitted)),
                               fitted.drop(columns=[c for c in by if c in fitted.columns])], axis=1))
    return pd.concat(rows, ignore_index=True)


def _refused_mask(results: pd.DataFrame) -> pd.Series:
    if ANALYSIS_ERROR not in results:
        return pd.Series(False, index=results.index)
    return results[ANALYSIS_ERROR].fillna("").astype(str) != ""


def _spread_refused(results: pd.DataFrame, common: list[str], split: list[str]) -> pd.DataFrame:
    """A run the analysis refused has no rows per species (``split``, the protocol's ``fit_by``): it is put
    into every such group of runs with the same ``common`` keys (structure, potential, ...), so that each of
    their fits names it as dropped. Refused runs with no such group keep one row of their own."""
    refused = _refused_mask(results)
    if not refused.any() or not split:
        return results
    measured = results[~refused]
    rows = []
    for _, row in results[refused].iterrows():
        same = measured
        for key in common:
            same = same[(same[key] == row[key]) | (same[key].isna() & pd.isna(row[key]))]
        combos = same[split].drop_duplicates()
        if combos.empty:
            rows.append(row.to_frame().T)
        else:
            copies = pd.DataFrame([row] * len(combos)).reset_index(drop=True)
            copies[split] = combos.to_numpy()
            rows.append(copies)
    return pd.concat([measured, *rows], ignore_index=True)


def _fit_group(fit, kept: pd.DataFrame, over: str | None) -> pd.DataFrame:
    """The group fit of the measurable runs as rows, with NaN and a ``reason`` where there is no result."""
    if over is not None and kept[over].nunique() < 2:
        seen = ", ".join(f"{v:g}" if isinstance(v, float) else str(v) for v in sorted(kept[over].unique()))
        hint = ("run longer (until the MSD is diffusive, several A^2 or more) or at more / higher temperatures"
                if any(column in kept for column in SCREENED) else f"add runs at more {over} values")
        return pd.DataFrame([{"Ea_eV": np.nan, "reason": (
            f"fewer than 2 {over} values with a measurable result ({seen or 'none'}): {hint}")}])
    try:
        fitted = _as_frame(fit(kept))
    except Exception as err:   # noqa: BLE001 - a group's fit failing must not stop the other groups
        return pd.DataFrame([{"Ea_eV": np.nan, "fit_error": f"{type(err).__name__}: {err}",
                              "reason": f"the fit failed: {err}"}])
    reasons = [unsupported_reason(row) for _, row in fitted.iterrows()]
    if "Ea_eV" in fitted and "reason" not in fitted:
        fitted = fitted.assign(reason="")
    if any(reasons):
        fitted = fitted.copy()
        for i, why in enumerate(reasons):
            if why:
                headline = [c for c in fitted.columns if _HEADLINE.search(c) and c not in _KEEP]
                fitted.loc[i, headline] = np.nan
                fitted.loc[i, "reason"] = why
    return fitted


#: the fitted quantity a run must have measured to take part in a group fit (and its error column)
SCREENED = {"D_cm2_s": "D_err_cm2_s"}
#: columns that may hold an upper bound for a run without a measurable value (drawn as a limit)
UPPER_BOUND_COLUMNS = {"D_cm2_s": ("D_upper_cm2_s", "D_upper_bound_cm2_s", "D_limit_cm2_s")}
# fit columns that are headline numbers (blanked when the fit is not supported); ranges and counts stay
_HEADLINE = re.compile(r"^(Ea_|D0_|A_|ln_prefactor|rate0)|_\d+(\.\d+)?K_")
_KEEP = {"Ea_max_eV"}


def screen_runs(group: pd.DataFrame, over: str | None = "temperature_K",
                confidence: float = 0.95) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split a group's runs into (kept, dropped): a run is dropped when a screened quantity
    (:data:`SCREENED`, e.g. D) is missing, not positive, or consistent with zero at ``confidence``
    (value < z err) - no measurable diffusion, which a fit in log space cannot take - or when the analysis
    refused the run (``analysis_error``, see :func:`collect`). ``dropped`` has a ``drop_reason`` column naming
    the run and why."""
    z = float(stats.norm.ppf(0.5 + confidence / 2))
    why = pd.Series("", index=group.index, dtype=object)
    refused = _refused_mask(group)
    for i in group.index[refused]:
        why[i] = f"not measurable: {group.at[i, ANALYSIS_ERROR]}"
    for column, err_column in SCREENED.items():
        if column not in group:
            continue
        value = pd.to_numeric(group[column], errors="coerce")
        err = pd.to_numeric(group[err_column], errors="coerce") if err_column in group else None
        for i in group.index[~refused]:
            v = value[i]
            e = np.nan if err is None else err[i]
            if not np.isfinite(v):
                text = f"no measurable {column}"
                note = _run_note(group, i)
                text += f" ({note})" if note else ""
            elif v <= 0:
                text = f"{column} = {v:.3g} <= 0"
            elif err is not None and not (np.isfinite(e) and e > 0):
                text = f"{column} has no positive error ({e})"
            elif err is not None and v < z * e:
                text = f"{column} = {v:.3g} +- {e:.2g} is consistent with zero"
            else:
                continue
            why[i] = why[i] + ("; " if why[i] else "") + text
    bad = why != ""
    dropped = group[bad].copy()
    if len(dropped):
        name = dropped["run_id"].astype(str) if "run_id" in dropped else dropped.index.astype(str)
        at = (" (" + dropped[over].astype(str) + (" K" if over == "temperature_K" else "") + ")"
              if over in dropped else "")
        dropped["drop_reason"] = name + at + ": " + why[bad]
    return group[~bad].reset_index(drop=True), dropped.reset_index(drop=True)


def _run_note(group: pd.DataFrame, i) -> str:
    for column in ("reason", "notes"):
        if column in group and isinstance(group.at[i, column], str) and group.at[i, column]:
            return group.at[i, column][:120]
    return ""
