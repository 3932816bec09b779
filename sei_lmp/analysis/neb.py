"""Barriers from a nudged-elastic-band run: the band's last state as printed by LAMMPS' ``neb``.

A multi-partition LAMMPS prints the band's progress on its universe screen (``stdout.txt`` of the run):
``Step MaxReplicaForce MaxAtomForce GradV0 GradV1 GradVc EBF EBR RDT RD1 PE1 ... RDN PEN``, a block for
the plain band and, after ``Climbing replica = k``, one for the climbing-image stage. The barrier is the
last row's ``EBF`` (forward) and ``EBR`` (reverse); the band counts as converged when the largest force on
any replica is at or below the deck's ``ftol_eV_A``. An unconverged band's barrier is not reported (NaN)
and the reason says what to change.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from os import PathLike
from pathlib import Path

import numpy as np
import pandas as pd

from sei_lmp.errors import ConfigurationError, ParseError

__all__ = ["NEBResult", "analyze_neb", "read_neb", "read_neb_output"]

_HEADER_START = ("Step", "MaxReplicaForce")


def read_neb_output(path: str | PathLike) -> tuple[pd.DataFrame, int | None]:
    """Every progress row of a LAMMPS ``neb`` run (both stages) and the climbing replica (None if none)."""
    path = Path(path)
    rows, columns, climbing, stage = [], None, None, "neb"
    with path.open(errors="replace") as f:
        for line in f:
            words = line.split()
            if line.startswith("Climbing replica"):
                climbing, stage = int(words[-1]), "climb"
            elif tuple(words[:2]) == _HEADER_START:
                columns = words
            elif columns and len(words) == len(columns):
                try:
                    values = [float(w) for w in words]
                except ValueError:
                    continue
                rows.append({"stage": stage, **dict(zip(columns, values))})
    if not rows:
        raise ParseError(f"{path} has no NEB progress table (a 'Step MaxReplicaForce ...' header and rows): the run "
                         "did not reach the neb command; see its ERROR lines")
    return pd.DataFrame(rows), climbing


@dataclass(frozen=True)
class NEBResult:
    """Converged band of one run.

    Attributes
    ----------
    barrier_forward_eV, barrier_reverse_eV
        highest replica energy minus the initial / final end point (NaN when not converged).
    reaction_energy_eV
        final minus initial end-point energy.
    profile
        one row per replica: ``replica``, ``reaction_coordinate`` (0-1), ``path_A``, ``energy_eV`` (relative to
        the initial state).
    converged, max_replica_force_eV_A, ftol_eV_A, climbing_replica, steps, reason
    """

    barrier_forward_eV: float
    barrier_reverse_eV: float
    reaction_energy_eV: float
    converged: bool
    max_replica_force_eV_A: float
    ftol_eV_A: float
    climbing_replica: int | None
    steps: int
    profile: pd.DataFrame
    reason: str = ""

    def row(self) -> dict:
        return {"barrier_forward_eV": self.barrier_forward_eV, "barrier_reverse_eV": self.barrier_reverse_eV,
                "reaction_energy_eV": self.reaction_energy_eV, "converged": self.converged,
                "max_replica_force_eV_A": self.max_replica_force_eV_A, "ftol_eV_A": self.ftol_eV_A,
                "climbing_replica": self.climbing_replica, "images": len(self.profile), "neb_steps": self.steps,
                "path_length_A": float(self.profile["path_A"].iloc[-1]), "note": self.reason}

    def plot(self, ax=None, label: str | None = None):
        """Energy along the band (replicas as points, a spline through them); returns the Axes."""
        if ax is None:
            from matplotlib.figure import Figure

            ax = Figure(figsize=(5, 3.5), constrained_layout=True).subplots()
        x, y = self.profile["path_A"].to_numpy(), self.profile["energy_eV"].to_numpy()
        points = ax.plot(x, y, "o", label=label)[0]
        if len(x) > 3 and np.all(np.diff(x) > 0):
            from scipy.interpolate import CubicSpline

            grid = np.linspace(x[0], x[-1], 200)
            ax.plot(grid, CubicSpline(x, y)(grid), "-", color=points.get_color())
        ax.set_xlabel("path length (A)")
        ax.set_ylabel("E - E(initial) (eV)")
        if label:
            ax.legend(fontsize="small")
        return ax


def read_neb(path: str | PathLike, ftol_eV_A: float) -> NEBResult:
    """The band's last state from a ``neb`` run's screen output (``path``), judged against ``ftol_eV_A``."""
    table, climbing = read_neb_output(path)
    last = table.iloc[-1]
    n = sum(1 for c in table.columns if c.startswith("PE"))
    if n < 3:
        raise ParseError(f"{path}: the NEB table has {n} replicas; a band has at least 3")
    rd = np.array([last[f"RD{k}"] for k in range(1, n + 1)])
    pe = np.array([last[f"PE{k}"] for k in range(1, n + 1)])
    profile = pd.DataFrame({"replica": np.arange(1, n + 1), "reaction_coordinate": rd,
                            "path_A": rd * float(last["RDT"]), "energy_eV": pe - pe[0]})
    force = float(last["MaxReplicaForce"])
    converged = force <= ftol_eV_A * (1 + 1e-9)
    reason = ""
    forward, reverse = float(last["EBF"]), float(last["EBR"])
    if not converged:
        reason = (f"the band did not converge (largest replica force {force:.3g} eV/A > ftol {ftol_eV_A:g} after "
                  f"{int(last['Step'])} steps): run more steps (steps / climb_steps), use more images or a stiffer "
                  "spring")
        forward = reverse = math.nan
    elif climbing is None:
        reason = "no climbing image: the barrier is the highest replica, a lower bound of the saddle energy"
    return NEBResult(forward, reverse, float(pe[-1] - pe[0]), converged, force, ftol_eV_A, climbing,
                     int(last["Step"]), profile, reason)


def analyze_neb(run_dir: str | PathLike) -> pd.DataFrame:
    """One row for a finished ``neb`` deck directory: barriers, reaction energy, convergence (see :class:`NEBResult`)."""
    from sei_lmp.run import layout

    run_dir = Path(run_dir)
    output = run_dir / layout.STDOUT
    if not output.is_file():
        raise ConfigurationError(f"{run_dir} has no LAMMPS output: run the deck first (sei-lmp run {run_dir} --np "
                                 "<images>)")
    settings = _settings(run_dir)
    result = read_neb(output, float(settings.get("ftol_eV_A", 0.01)))
    return pd.DataFrame([result.row()])


def _settings(run_dir: Path) -> dict:
    from sei_lmp.run.directory import RunDirectory

    return dict(RunDirectory(run_dir).manifest.settings)
