"""Migration barriers of the demo: one ``neb`` deck per interstitial mechanism (relaxed end points from
:mod:`sei_lmp.structures.migration`, climbing image, LAMMPS' ``neb`` on one partition per replica), and the
teacher's barriers for the same hops from the potential's card."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd

__all__ = ["BARRIER_TOLERANCE_EV", "card_barriers", "migration_barriers"]

#: a barrier within this of the teacher's counts as reproduced (the card's validation.barriers.tolerance_eV wins)
BARRIER_TOLERANCE_EV = 0.02


def card_barriers(potential) -> tuple[dict[str, float], str]:
    """The teacher's barriers (eV per mechanism) from the potential's card (``validation.barriers.teacher``)
    and a sentence saying where they come from; ``({}, reason)`` when the card has none."""
    entry = potential.card.validation.get("barriers", {}).get("teacher", {})
    values = {k: float(v) for k, v in entry.get("barriers_eV", {}).items() if v is not None}
    if not values:
        return {}, "the potential's card gives no teacher barriers"
    return values, f"{entry.get('model', 'teacher')}: {entry.get('method', 'from the potential card')}"


def _hop(crystal, mechanism: str, potential):
    from sei_lmp.run.calculator import LammpsCalculator
    from sei_lmp.structures.migration import interstitial_hop, relax_endpoints

    return relax_endpoints(interstitial_hop(crystal, "Li", mechanism), LammpsCalculator(potential), fmax=0.005,
                           steps=5000)


def migration_barriers(directory: Path, potential, lattice_constant_A: float, cells: int,
                       mechanisms: Sequence[str], *, images: int = 7, ftol_eV_A: float = 0.01,
                       log: Callable[[str], None] | None = None) -> tuple[pd.DataFrame, dict[str, Path]]:
    """NEB barrier of each interstitial ``mechanism`` in rocksalt LiF (``cells``^3 conventional cells at
    ``lattice_constant_A`` + one Li) with ``potential``; a finished band in ``directory/<mechanism>`` is
    kept (a re-run demo does not repeat it).

    Returns the table (mechanism, barrier_eV, converged, intermediate_eV, note, teacher_eV and the rest of
    :meth:`sei_lmp.analysis.neb.NEBResult.row`) and the run directories by mechanism.
    """
    from sei_lmp.analysis.neb import barrier_table
    from sei_lmp.decks import NEB, render_deck
    from sei_lmp.run import run_deck
    from sei_lmp.run.directory import RunDirectory
    from sei_lmp.structures import phase

    crystal = phase("LiF", a=lattice_constant_A).repeat(cells)
    runs: dict[str, Path] = {}
    for mechanism in mechanisms:
        run_dir = Path(directory) / mechanism
        run = RunDirectory(run_dir)
        if not (run.has_manifest() and run.is_done()):
            if not run.has_manifest():
                deck = render_deck(NEB(images=images, ftol_eV_A=ftol_eV_A), _hop(crystal, mechanism, potential),
                                   potential, workdir=Path(directory) / "build")
                deck.write(run_dir)
            run_deck(run_dir, nprocs=images, progress=False)
        runs[mechanism] = run_dir
        if log:
            log(f"    NEB {mechanism.replace('_', ' ')}: done")
    table = barrier_table(runs).rename(columns={"label": "mechanism", "barrier_forward_eV": "barrier_eV"})
    teacher, source = card_barriers(potential)
    table["teacher_eV"] = table["mechanism"].map(teacher).astype(float)
    tolerance = float(potential.card.validation.get("barriers", {}).get("tolerance_eV", BARRIER_TOLERANCE_EV))
    table["minus_teacher_eV"] = table["barrier_eV"] - table["teacher_eV"]
    # NaN (no teacher number) compares False: such a row is not claimed to match
    table["matches_teacher"] = table["minus_teacher_eV"].abs() <= tolerance
    table.attrs.update(teacher_source=source, tolerance_eV=tolerance)
    return table, runs
