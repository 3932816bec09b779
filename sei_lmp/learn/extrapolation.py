"""Where a potential extrapolates: the highest-grade atom of an explore run's worst guarded frame and its
neighbours, so a learning run says which chemistry its potential has not seen (e.g. a P stripped of its S with a
P-P bond at a Li | Li3PS4 interface), not only that the grade rose."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from ase import Atoms

# neighbours within this distance are listed: first shells of the SEI chemistries (Li-S 2.4-2.6, P-S 2.05,
# P-P 2.2, Li-F 2.0, C-O 1.3 A); the learning's own cutoff would list dozens
NEIGHBOUR_CUTOFF_A = 3.0


def worst_atom(frame: Atoms, grade: np.ndarray, cutoff: float = NEIGHBOUR_CUTOFF_A) -> dict:
    """The atom of ``frame`` with the highest per-atom ``grade``: its species, grade and neighbours within
    ``cutoff`` (count and nearest distance per species, nearest first: ``"1 P 2.07, 1 S 2.05, 3 Li 2.44"``)."""
    from ase.neighborlist import neighbor_list

    grade = np.asarray(grade, float).ravel()
    if len(grade) != len(frame):
        raise ValueError(f"{len(grade)} per-atom grades for a frame of {len(frame)} atoms")
    i = int(np.argmax(grade))
    first, second, distance = neighbor_list("ijd", frame, cutoff)
    mine = first == i
    symbols = np.array(frame.get_chemical_symbols())[second[mine]]
    nearest = {s: float(distance[mine][symbols == s].min()) for s in set(symbols)}
    order = sorted(nearest, key=nearest.get)
    return {"species": frame[i].symbol, "atom": i, "grade": float(grade[i]),
            "neighbours": ", ".join(f"{int((symbols == s).sum())} {s} {nearest[s]:.2f}" for s in order) or "none",
            "neighbour_counts": {s: int((symbols == s).sum()) for s in order},
            "nearest_A": {s: round(nearest[s], 3) for s in order}}


def dump_frames(dump: Path, elements: list[str]) -> list[tuple[int, Atoms, np.ndarray | None]]:
    """(step, frame, per-atom grade or None) of every frame of an extrapolative dump, types mapped to
    ``elements``; the one reader of these dumps (the selection's candidates come from it too)."""
    from ase.io import read

    out = []
    if not dump.is_file() or dump.stat().st_size == 0:
        return out
    for f in read(dump, index=":", format="lammps-dump-text"):
        a = Atoms([elements[t - 1] for t in f.arrays["type"]], positions=f.positions, cell=f.cell, pbc=True)
        grade = np.asarray(f.arrays["f_gamma"], float).ravel() if "f_gamma" in f.arrays else None
        out.append((int(f.info.get("timestep", -1)), a, grade))
    return out


def where_grade_rose(runs: dict, cutoff: float = NEIGHBOUR_CUTOFF_A) -> pd.DataFrame:
    """One row per explore run that saved guarded frames (``runs`` as in a generation's explore.json): the
    worst atom of its highest-grade frame, the step of that frame and whether the run held."""
    rows = []
    for key, info in runs.items():
        frames = [f for f in dump_frames(Path(info.get("dump", "")), info.get("elements", [])) if f[2] is not None]
        if not frames:
            continue
        step, frame, grade = max(frames, key=lambda f: float(f[2].max()))
        worst = worst_atom(frame, grade, cutoff)
        rows.append({"run": key, "held": bool(info.get("completed")), "frames": len(frames), "step": step,
                     "max_grade": worst["grade"], "species": worst["species"],
                     "neighbours": worst["neighbours"]})
    return pd.DataFrame(rows)
