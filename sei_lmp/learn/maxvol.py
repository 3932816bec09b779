"""MaxVol (D-optimal) choice of n rows of an m x n matrix: the rows whose square submatrix A has the largest
|det A|. Every row b then has coefficients c = b A^-1 with max |c| <= tol; that max is the extrapolation grade
(Podryabinkin & Shapeev 2017 for MTP, Lysogorskiy et al. 2023 for ACE).

Greedy swaps with the rank-one update of C = B A^-1 (Goreinov et al. 2010): each swap grows |det A| by max|C|.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg


def regularised(rows: np.ndarray, scale: float = 1e-6) -> tuple[np.ndarray, int]:
    """``rows`` with ``scale * max|rows| * I`` appended: with fewer data rows than columns (or columns the
    data never excite) the active set keeps these rows, and a new row along such a direction gets a grade
    of ~1/scale: extrapolation, as it should. Returns the stacked matrix and the number of data rows."""
    rows = np.asarray(rows, float)
    n = rows.shape[1]
    size = float(np.abs(rows).max()) if rows.size else 1.0
    return np.vstack([rows, np.eye(n) * scale * (size or 1.0)]), len(rows)


def maxvol(rows: np.ndarray, start: np.ndarray | None = None, tol: float = 1.01,
           max_swaps: int | None = None) -> np.ndarray:
    """Indices of the n rows of ``rows`` (m x n, m >= n, full column rank) chosen by MaxVol.

    ``start``: n row indices to begin from (an existing active set); otherwise rows chosen by QR with column
    pivoting of ``rows.T``. Stops when no row has a coefficient above ``tol``.
    """
    B = np.asarray(rows, float)
    m, n = B.shape
    if m < n:
        raise ValueError(f"MaxVol needs at least as many rows as columns ({m} < {n}); regularise first")
    if start is None:
        _, _, piv = scipy.linalg.qr(B.T, mode="economic", pivoting=True)
        idx = np.array(piv[:n])
    else:
        idx = np.array(start, int)
    C = np.linalg.solve(B[idx].T, B.T).T          # C = B A^-1, so C[idx] = I
    max_swaps = max_swaps if max_swaps is not None else 10 * n + 100
    for _ in range(max_swaps):
        i, j = np.unravel_index(np.argmax(np.abs(C)), C.shape)
        if abs(C[i, j]) <= tol:
            break
        # row i replaces idx[j]: C <- C - C[:, j] (C[i] - e_j) / C[i, j]
        ci = C[i].copy()
        ci[j] -= 1.0
        C -= np.outer(C[:, j] / C[i, j], ci)
        idx[j] = i
    return idx


def grades(rows: np.ndarray, inverse: np.ndarray) -> np.ndarray:
    """Per-row grade max_k |(b A^-1)_k| for the active set's inverse ``inverse``."""
    return np.abs(np.asarray(rows, float) @ inverse).max(axis=1) if len(rows) else np.zeros(0)
