"""Active sets of linear ACE potentials (``.asi``) and the MaxVol choice of new training configurations.

An atom's row is its vector of B-projections (python-ace computes them from the B-basis ``.yaml``); per element
the active set A holds the n rows of largest |det| (:mod:`sei_lmp.learn.maxvol`), and ``sei/ace activeset
pot.yaml pot.asi`` grades atoms with gamma = max|b A^-1|. The ``.asi`` is a NumPy ``.npz`` with A^-1 per element
symbol (what pacemaker's ``pace_activeset`` writes and ``pair_style pace/extrapolation`` reads).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from ase import Atoms

from sei_lmp.learn.maxvol import INIT_VALUE, greedy_select, swap_in
from sei_lmp.learn.maxvol import grades as row_grades
from sei_lmp.potentials.grades import MAXVOL


def _basis(yaml: Path):
    from pyace import ACEBBasisSet, BBasisConfiguration

    return ACEBBasisSet(BBasisConfiguration(str(yaml)))


def projections(yaml: Path, images: Sequence[Atoms]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per element: (B-projection rows of its atoms in ``images``, the image index of each row)."""
    from pyace.activelearning import compute_B_projections

    basis = _basis(yaml)
    names = list(basis.elements_name)
    if not images:
        return {}
    rows, owner = compute_B_projections(basis, list(images), structure_ind_list=list(range(len(images))))
    return {names[st]: (np.asarray(rows[st]), np.asarray(owner[st])) for st in rows}


@dataclass(frozen=True)
class ActiveSetSummary:
    path: Path
    size: dict[str, int]          # functions per element (rows of A)
    from_data: dict[str, int]     # rows that are atoms of the data (the rest: starting rows kept)


def build_active_set(yaml: Path, images: Sequence[Atoms], out: Path) -> ActiveSetSummary:
    """MaxVol active set of ``images`` (the training set) for the potential's B-basis, written to ``out``
    (``.asi``). Each element's set starts from INIT_VALUE * max|b| * I (B-projections are not of order one, as
    MTP gradients are); directions its data never reached keep those rows and grade as extrapolation."""
    inverse, size, from_data = {}, {}, {}
    for element, (rows, _) in projections(yaml, images).items():
        n = rows.shape[1]
        start = INIT_VALUE * (float(np.abs(rows).max()) or 1.0)
        _, inv, slot = swap_in(start * np.eye(n), rows, MAXVOL.maxvol_tolerance, np.eye(n) / start)
        inverse[element] = inv
        size[element], from_data[element] = n, int((slot >= 0).sum())
    out = Path(out)
    with open(out, "wb") as fh:
        np.savez(fh, **inverse)
    return ActiveSetSummary(out, size, from_data)


def read_inverse(asi: Path) -> dict[str, np.ndarray]:
    with np.load(asi) as data:
        return {k: np.array(data[k]) for k in data.files}


def frame_grades(yaml: Path, asi: Path, images: Sequence[Atoms]) -> np.ndarray:
    """Max gamma over the atoms of each image."""
    inverse = read_inverse(asi)
    out = np.zeros(len(images))
    for element, (rows, owner) in projections(yaml, images).items():
        np.maximum.at(out, owner, row_grades(rows, inverse[element]))
    return out


def select(yaml: Path, asi: Path, candidates: Sequence[Atoms], cap: int,
           min_grade: float = MAXVOL.save) -> list[int]:
    """Indices of ``candidates`` to label (:func:`sei_lmp.learn.maxvol.greedy_select` over the per-element
    sets): largest grade first, each choice swapped into the sets before the rest are regraded, so near-copies
    of a chosen frame are left out; none graded <= ``min_grade``; at most ``cap``."""
    if not candidates or cap <= 0:
        return []
    inverse = read_inverse(asi)
    sets = {element: (np.linalg.inv(inv), inv) for element, inv in inverse.items()}
    rows: list[dict[str, np.ndarray]] = [{} for _ in candidates]
    for element, (r, owner) in projections(yaml, candidates).items():
        for k in range(len(candidates)):
            rows[k][element] = r[owner == k]
    return greedy_select(sets, rows, cap, min_grade=min_grade, tol=MAXVOL.maxvol_tolerance)
