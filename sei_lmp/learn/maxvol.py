"""MaxVol (D-optimal) active sets, for every family with a MaxVol grade (MTP site-energy gradients, ACE
B-projections): n rows of largest |det A|; a row b then has coefficients c = b A^-1 and its grade is max |c|
(Podryabinkin & Shapeev 2017 for MTP, Lysogorskiy et al. 2023 for ACE).

Rows are swapped into A greedily (Goreinov et al. 2010): each swap of b into slot j multiplies |det A| by
|c_j|. A set starts, as MLIP's does, from a small multiple of the identity: with fewer independent rows than
columns (small data; parameters the data never excite) some starting rows stay, and a new row along their
directions grades ~|b| / start: extrapolation, as it should.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence

import numpy as np

#: MLIP's starting value of the active set's diagonal; ACE sets scale it by the size of their rows
INIT_VALUE = 1e-6


def grades(rows: np.ndarray, inverse: np.ndarray) -> np.ndarray:
    """Per-row grade max_k |(b A^-1)_k| for the active set's inverse ``inverse``."""
    rows = np.atleast_2d(np.asarray(rows, float))
    return np.abs(rows @ inverse).max(axis=1) if rows.size else np.zeros(0)


def swap_in(A: np.ndarray, rows: np.ndarray, tol: float,
            inv: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Swap rows of ``rows`` into ``A`` while one has a coefficient |(b A^-1)_j| > tol. Returns (A, A^-1, slot),
    where slot[j] is the index in ``rows`` now in slot j, or -1 where A's row was kept. ``inv``: A^-1 if known.

    The coefficients C = rows A^-1 and A^-1 follow each swap by rank-one (Sherman-Morrison) updates; after the
    swaps A^-1 is recomputed and C checked again, so that round-off cannot leave a row above ``tol``. Few
    inversions: on a loaded machine a threaded 151 x 151 inverse can take 0.1 s.
    """
    A = np.array(A, float)
    n = len(A)
    slot = np.full(n, -1)
    rows = np.asarray(rows, float).reshape(-1, n)
    inv = np.linalg.inv(A) if inv is None else np.array(inv, float)
    if not len(rows):
        return A, inv, slot
    for _ in range(20):
        C = rows @ inv
        swaps = 0
        while swaps < 10 * n:
            i, j = np.unravel_index(np.argmax(np.abs(C)), C.shape)
            if abs(C[i, j]) <= tol:
                break
            # row i replaces A[j]: C <- C - C[:, j] (C[i] - e_j) / C[i, j], the same for A^-1 with its column j
            ci = C[i].copy()
            ci[j] -= 1.0
            pivot = C[i, j]
            inv -= np.outer(inv[:, j] / pivot, ci)
            C -= np.outer(C[:, j] / pivot, ci)
            A[j] = rows[i]
            slot[j] = i
            swaps += 1
        if swaps == 0:
            break
        inv = np.linalg.inv(A)
    return A, inv, slot


Sets = Mapping[Hashable, tuple[np.ndarray, np.ndarray]]     # key (element, or one key for MTP) -> (A, A^-1)


def candidate_grades(sets: Sets, candidates: Sequence[Mapping[Hashable, np.ndarray]]) -> np.ndarray:
    """Max grade of each candidate (its rows per key) against ``sets``."""
    out = np.zeros(len(candidates))
    for k, rows in enumerate(candidates):
        values = [grades(r, sets[key][1]).max() for key, r in rows.items() if len(r)]
        out[k] = max(values) if values else 0.0
    return out


def greedy_select(sets: Sets, candidates: Sequence[Mapping[Hashable, np.ndarray]], cap: int, *,
                  min_grade: float, tol: float) -> list[int]:
    """Indices of candidates to label, at most ``cap``: take the one with the largest grade, swap its rows into
    (copies of) the sets, regrade the rest, repeat. A candidate the earlier choices already cover (a near-copy
    of one chosen) drops to grade <= ``tol`` and is left out; one graded <= ``min_grade`` against the given
    sets is never chosen."""
    if cap <= 0 or not len(candidates):
        return []
    before = candidate_grades(sets, candidates)
    eligible = [k for k in range(len(candidates)) if before[k] > max(min_grade, 1.0)]
    state = {key: (A.copy(), inv.copy()) for key, (A, inv) in sets.items()}
    chosen: list[int] = []
    while eligible and len(chosen) < cap:
        now = candidate_grades(state, [candidates[k] for k in eligible])
        best = int(np.argmax(now))
        if now[best] <= tol:
            break
        k = eligible.pop(best)
        chosen.append(k)
        for key, rows in candidates[k].items():
            if len(rows):
                A, inv, _ = swap_in(*state[key][:1], rows, tol, state[key][1])
                state[key] = (A, inv)
    return chosen
