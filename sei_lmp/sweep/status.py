"""State of every run of a sweep, read from its directory alone (works while runs go on elsewhere).

The states of one run (done, running, interrupted, failed, pending) are described in
:mod:`sei_lmp.run.directory`, which reads them (:meth:`sei_lmp.run.RunDirectory.state`).
"""

from __future__ import annotations

from dataclasses import asdict
from os import PathLike
from pathlib import Path

import pandas as pd

from sei_lmp.run.directory import STATES, RunDirectory
from sei_lmp.sweep.plan import load_sweep

__all__ = ["STATES", "sweep_status"]


def sweep_status(directory: str | PathLike) -> pd.DataFrame:
    """One row per run of the sweep in ``directory``: run_id, state, reason, progress and parameters."""
    directory = Path(directory)
    spec, table = load_sweep(directory)
    rows = []
    for _, row in table.iterrows():
        info = asdict(RunDirectory(directory / row["directory"]).state())
        total = row.get("total_steps")
        progress = (min(1.0, (info["last_step"] or 0) / total) if total else None) if info["state"] != "done" else 1.0
        rows.append({"run_id": row["run_id"], **info, "progress": progress,
                     **{k: row[k] for k in ("structure", "potential", *spec.parameters) if k in row}})
    return pd.DataFrame(rows)
