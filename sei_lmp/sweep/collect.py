"""Analyse every finished run of a sweep with its protocol's analysis, into one tidy table, then fit
per group (e.g. Arrhenius per potential and species) and plot.

The protocol class says which analysis, group fit and plot apply (``Protocol.analysis``, ``group_fit``,
``fit_over``, ``fit_by``, ``plot``: ``"module:function"`` strings imported only when used), so collecting a
diffusion sweep never imports the structure analysis, and a new protocol needs no edit here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, is_dataclass
from os import PathLike
from pathlib import Path
from typing import Any

import pandas as pd

from sei_lmp.decks.protocols import PROTOCOLS, Protocol, resolve
from sei_lmp.errors import ConfigurationError
from sei_lmp.run.directory import RunDirectory
from sei_lmp.sweep.plan import load_sweep

COLLECT_DIR = "collect"


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
    frames = []
    for row in track(done, description="analysing", disable=not progress):
        try:
            result = analyze(directory / row["directory"], **dict(options or {}))
        except ConfigurationError:
            raise
        except Exception as err:   # an analysis bug or unreadable output: say which run
            raise ConfigurationError(f"analysis of {row['run_id']} failed: {type(err).__name__}: {err}") from err
        result = _as_frame(result)
        front = {k: row[k] for k in keys if k not in result.columns}
        frames.append(pd.concat([pd.DataFrame([front] * len(result)), result.reset_index(drop=True)], axis=1))
    results = pd.concat(frames, ignore_index=True)
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


def group_fits(results: pd.DataFrame, protocol: str | type[Protocol], keys: list[str]) -> pd.DataFrame:
    """Apply the protocol's group fit to every group of ``results`` (``protocol``: a name or class)."""
    protocol = PROTOCOLS[protocol] if isinstance(protocol, str) else protocol
    if protocol.group_fit is None:
        raise ConfigurationError(f"protocol '{protocol.name}' has no group fit")
    fit = resolve(protocol.group_fit, "group fit")
    by = [k for k in keys if k not in protocol.fit_over and k in results.columns]
    by += [k for k in protocol.fit_by if k in results.columns]
    rows = []
    for values, group in results.groupby(by, dropna=False, sort=True) if by else [((), results)]:
        values = values if isinstance(values, tuple) else (values,)
        label = dict(zip(by, values))
        try:
            fitted = _as_frame(fit(group.reset_index(drop=True)))
        except ConfigurationError:
            raise
        except Exception as err:   # noqa: BLE001 - e.g. too few temperatures in a group: recorded per group
            fitted = pd.DataFrame([{"fit_error": f"{type(err).__name__}: {err}"}])
        rows.append(pd.concat([pd.DataFrame([label] * len(fitted)),
                               fitted.drop(columns=[c for c in by if c in fitted.columns])], axis=1))
    return pd.concat(rows, ignore_index=True)
