"""Barriers from a nudged-elastic-band run: the band's last state as printed by LAMMPS' ``neb``.

A multi-partition LAMMPS prints the band's progress on its universe screen (``stdout.txt`` of the run):
``Step MaxReplicaForce MaxAtomForce GradV0 GradV1 GradVc EBF EBR RDT RD1 PE1 ... RDN PEN``, a block for
the plain band and, after ``Climbing replica = k``, one for the climbing-image stage. The barrier is the
last row's ``EBF`` (forward) and ``EBR`` (reverse); the band counts as converged when the largest force on
any replica is at or below the deck's ``ftol_eV_A``. An unconverged band's barrier is not reported (NaN)
and the reason says what to change; nor is that of a converged band whose replicas are very unevenly spaced
(see ``UNEVEN_SPACING``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from os import PathLike
from pathlib import Path

import numpy as np
import pandas as pd

from sei_lmp.errors import ConfigurationError, ParseError

__all__ = ["UNEVEN_SPACING", "NEBResult", "analyze_neb", "ase_neb", "barrier_table", "neb_result", "plot_barriers",
           "read_neb", "read_neb_output"]

_HEADER_START = ("Step", "MaxReplicaForce")
#: a band whose widest gap between neighbouring replicas is more than this many times its narrowest does not
#: resolve its path: replicas have slid into minima on the way (equivalent sites, a metastable state) and the
#: climbing image can sit on a metastable state, a stationary point lower than the saddle, with every force small
UNEVEN_SPACING = 3.0


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
    images: list | None = None        # the band's images (ase_neb only; positions, no calculators)

    @property
    def intermediate_eV(self) -> float:
        """Energy of the lowest interior local minimum of the profile (a metastable state on the path), NaN if
        none. A band with such a state has two saddles; a coarse band can put its climbing image on the
        intermediate and report its energy as the barrier."""
        e = self.profile["energy_eV"].to_numpy()
        inner = [e[k] for k in range(1, len(e) - 1) if e[k] < e[k - 1] and e[k] < e[k + 1]]
        return float(min(inner)) if inner else math.nan

    def row(self) -> dict:
        return {"barrier_forward_eV": self.barrier_forward_eV, "barrier_reverse_eV": self.barrier_reverse_eV,
                "reaction_energy_eV": self.reaction_energy_eV, "converged": self.converged,
                "max_replica_force_eV_A": self.max_replica_force_eV_A, "ftol_eV_A": self.ftol_eV_A,
                "climbing_replica": self.climbing_replica, "intermediate_eV": self.intermediate_eV,
                "images": len(self.profile), "neb_steps": self.steps,
                "path_length_A": float(self.profile["path_A"].iloc[-1]), "note": self.reason}

    def plot(self, ax=None, label: str | None = None):
        """Energy along the band (replicas as points, a monotone cubic through them, which does not overshoot
        where a band has few images); returns the Axes."""
        if ax is None:
            from matplotlib.figure import Figure

            ax = Figure(figsize=(5, 3.5), constrained_layout=True).subplots()
        x, y = self.profile["path_A"].to_numpy(), self.profile["energy_eV"].to_numpy()
        points = ax.plot(x, y, "o", label=label)[0]
        if len(x) > 3 and np.all(np.diff(x) > 0):
            from scipy.interpolate import PchipInterpolator

            grid = np.linspace(x[0], x[-1], 200)
            ax.plot(grid, PchipInterpolator(x, y)(grid), "-", color=points.get_color())
        ax.set_xlabel("path length (A)")
        ax.set_ylabel("E - E(initial) (eV)")
        if label:
            ax.legend(fontsize="small")
        return ax


def _uneven(path_A: np.ndarray) -> str:
    """Why a converged band's barrier cannot be trusted for its spacing, or ''."""
    gaps = np.diff(np.asarray(path_A, float))
    if len(gaps) < 2:
        return ""
    if gaps.min() <= 0 or gaps.max() > UNEVEN_SPACING * gaps.min():
        return (f"the band is uneven (replica spacing {gaps.min():.3g} to {gaps.max():.3g} A): replicas slid into "
                "minima along the path, so the climbing image may sit on a metastable state below the saddle; run "
                "more images and compare")
    return ""


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
    elif reason := _uneven(profile["path_A"]):
        forward = reverse = math.nan
    elif climbing is None:
        reason = "no climbing image: the barrier is the highest replica, a lower bound of the saddle energy"
    return NEBResult(forward, reverse, float(pe[-1] - pe[0]), converged, force, ftol_eV_A, climbing,
                     int(last["Step"]), profile, reason)


def neb_result(run_dir: str | PathLike) -> NEBResult:
    """The band of a finished ``neb`` deck directory, judged against the deck's ``ftol_eV_A``."""
    from sei_lmp.run.directory import RunDirectory

    run = RunDirectory(run_dir)
    output = run.stdout
    if not output.is_file():
        raise ConfigurationError(f"{run_dir} has no LAMMPS output: run the deck first (sei-lmp run {run_dir} --np "
                                 "<images>)")
    return read_neb(output, float(run.manifest.setting("ftol_eV_A", 0.01)))


def analyze_neb(run_dir: str | PathLike) -> pd.DataFrame:
    """One row for a finished ``neb`` deck directory: barriers, reaction energy, convergence (see :class:`NEBResult`)."""
    return pd.DataFrame([neb_result(run_dir).row()])


def _results(runs) -> dict[str, NEBResult]:
    """``runs``: a mapping label -> run directory or NEBResult, or a sequence of run directories (labelled by
    their names)."""
    if not isinstance(runs, Mapping):
        runs = {Path(r).name: r for r in runs}
    return {str(label): r if isinstance(r, NEBResult) else neb_result(r) for label, r in runs.items()}


def barrier_table(runs) -> pd.DataFrame:
    """One row per band (``label`` first, then :meth:`NEBResult.row`), from deck directories or results.

    ``runs``: a mapping label -> run directory or :class:`NEBResult` (e.g. ``{"collinear": "runs/neb_col"}``),
    or a sequence of run directories, labelled by their names.
    """
    rows = [{"label": label, **result.row()} for label, result in _results(runs).items()]
    return pd.DataFrame(rows)


def plot_barriers(runs, ax=None):
    """Energy profiles of several bands on one Axes (see :func:`barrier_table` for ``runs``); returns the Axes."""
    if ax is None:
        from matplotlib.figure import Figure

        ax = Figure(figsize=(5.5, 3.8), constrained_layout=True).subplots()
    for label, result in _results(runs).items():
        barrier = result.barrier_forward_eV
        result.plot(ax, label=f"{label} ({barrier:.3f} eV)" if math.isfinite(barrier) else f"{label} (unconverged)")
    return ax


def ase_neb(path, potential, *, images: int = 7, fmax_eV_A: float = 0.01, spring_eV_A2: float = 0.5,
            steps: int = 3000, interpolation: str = "linear", climb: bool = True) -> NEBResult:
    """An ASE nudged elastic band over a hop (:mod:`sei_lmp.structures.migration`), for styles that cannot run
    multi-partition and as an independent check of the ``neb`` deck.

    Every image gets its own :class:`sei_lmp.run.calculator.LammpsCalculator` over ``potential`` (a file or a
    Potential); FIRE on the band (improved tangent, climbing image unless ``climb=False``) to ``fmax_eV_A``.
    The end points are taken as they are: relax them first (``relax_endpoints``). The profile's path length is
    the cumulative distance between neighbouring images in 3N dimensions, as LAMMPS reports it.
    """
    from ase.mep import NEB as AseNEB
    from ase.optimize import FIRE

    from sei_lmp.run.calculator import LammpsCalculator
    from sei_lmp.structures.migration import images as band_images

    band = band_images(path, images, method=interpolation)
    for image in band:
        image.calc = LammpsCalculator(potential)
    neb = AseNEB(band, climb=climb, k=spring_eV_A2, method="improvedtangent")
    optimizer = FIRE(neb, logfile=None)
    converged = bool(optimizer.run(fmax=fmax_eV_A, steps=steps))
    energies = np.array([image.get_potential_energy() for image in band])
    force = float(np.sqrt((neb.get_forces() ** 2).sum(axis=1).max()))
    from ase.geometry import find_mic

    steps_between = [np.linalg.norm(find_mic(b.positions - a.positions, a.cell, a.pbc)[0])
                     for a, b in zip(band[:-1], band[1:])]
    length = np.concatenate([[0.0], np.cumsum(steps_between)])
    for image in band:
        image.calc.close()
    profile = pd.DataFrame({"replica": np.arange(1, images + 1), "reaction_coordinate": length / length[-1],
                            "path_A": length, "energy_eV": energies - energies[0]})
    top = int(np.argmax(energies))
    forward, reverse = float(energies[top] - energies[0]), float(energies[top] - energies[-1])
    reason = ""
    if not converged:
        reason = (f"the band did not converge (largest image force {force:.3g} eV/A > fmax {fmax_eV_A:g} after "
                  f"{optimizer.nsteps} steps): allow more steps, use more images or a stiffer spring")
        forward = reverse = math.nan
    elif reason := _uneven(length):
        forward = reverse = math.nan
    elif not climb:
        reason = "no climbing image: the barrier is the highest replica, a lower bound of the saddle energy"
    from ase import Atoms

    plain = [Atoms(b.numbers, positions=b.positions, cell=b.cell, pbc=b.pbc) for b in band]
    return NEBResult(forward, reverse, float(energies[-1] - energies[0]), converged, force, fmax_eV_A,
                     top + 1 if climb else None, int(optimizer.nsteps), profile, reason, plain)

