"""Supercells: the most cubic integer multiple of a cell whose perpendicular widths hold a potential's cutoff.

A cell of volume ``V`` whose three perpendicular widths are all at least ``W`` has ``V >= W**3``, so the
search starts at ``ceil(W**3 / V_cell)`` unit cells and takes, for each count, the integer matrix (a
{-1, 0, 1} neighbourhood of the ideal cube's matrix) with the largest smallest width.
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from sei_lmp.errors import ConfigurationError

#: the neighbour skin of the decks (sei_lmp.decks.protocols.MDSettings.neighbor_skin_A; also LAMMPS' metal default)
DEFAULT_SKIN = 2.0
DEFAULT_MAX_ATOMS = 100_000
#: with a target atom count, cell counts within this fraction of it compete on cubicity
TARGET_WINDOW = 0.1

_OFFSETS = np.array(list(itertools.product((-1, 0, 1), repeat=9)), dtype=int).reshape(-1, 3, 3)


def perpendicular_widths(cell) -> np.ndarray:
    """Distances between opposite faces of the cell (rows a, b, c), in the cell's length unit."""
    cell = np.asarray(cell, float)
    volume = abs(np.linalg.det(cell))
    return np.array([volume / np.linalg.norm(np.cross(cell[(k + 1) % 3], cell[(k + 2) % 3])) for k in range(3)])


def _best_matrix(cell: np.ndarray, n: int) -> tuple[np.ndarray, float] | None:
    """Integer matrix P with det P = n whose supercell P @ cell has the largest smallest width."""
    volume = abs(np.linalg.det(cell))
    edge = (n * volume) ** (1 / 3)
    ideal = np.rint(edge * np.linalg.inv(cell)).astype(int)
    candidates = ideal[None] + _OFFSETS
    dets = np.rint(np.linalg.det(candidates.astype(float))).astype(int)
    candidates = candidates[dets == n]
    diagonal = _diagonal_for(cell, n)
    if diagonal is not None:
        candidates = np.concatenate([candidates, diagonal[None]])
    if not len(candidates):
        return None
    cells = candidates.astype(float) @ cell
    cross = np.stack([np.cross(cells[:, (k + 1) % 3], cells[:, (k + 2) % 3]) for k in range(3)], axis=1)
    widths = n * volume / np.linalg.norm(cross, axis=2)
    # largest smallest width; among equals the shortest longest edge (the more cubic one)
    score = widths.min(axis=1) - 1e-6 * np.linalg.norm(cells, axis=2).max(axis=1)
    k = int(np.argmax(score))
    return candidates[k], float(widths[k].min())


def _diagonal_for(cell: np.ndarray, n: int) -> np.ndarray | None:
    """The diagonal matrix with product n that maximises the smallest width (None if none is cheap to find)."""
    widths = perpendicular_widths(cell)
    best = None
    for i in range(1, n + 1):
        if n % i:
            continue
        for j in range(1, n // i + 1):
            if (n // i) % j:
                continue
            m = (i, j, n // (i * j))
            w = min(m[k] * widths[k] for k in range(3))
            if best is None or w > best[0]:
                best = (w, m)
    return np.diag(best[1]) if best else None


def _cutoff_of(cutoff) -> float | None:
    if cutoff is None:
        return None
    value = getattr(cutoff, "cutoff", cutoff)     # a sei_lmp Potential or a number
    try:
        value = float(value)
    except (TypeError, ValueError) as err:
        raise ConfigurationError(f"cutoff must be a number (Angstrom) or a Potential, got {cutoff!r}") from err
    if not value > 0:
        raise ConfigurationError(f"cutoff must be positive, got {value}")
    return value


def _smallest_valid(cell, n_from: int, need: float, nat: int, max_atoms: int, rc, skin) -> np.ndarray:
    """The first cell count from ``n_from`` up whose best matrix holds the width ``need``."""
    # multiplying each edge by ceil(need / width) always works, so the search ends there at the latest
    diagonal = [max(1, math.ceil(need / w - 1e-9)) for w in perpendicular_widths(cell)]
    for n in range(n_from, math.prod(diagonal)):
        if n * nat > max_atoms:
            break
        found = _best_matrix(cell, n)
        if found is not None and found[1] >= need - 1e-9:
            return found[0]
    if math.prod(diagonal) * nat > max_atoms or n_from * nat > max_atoms:
        raise ConfigurationError(
            f"no supercell within max_atoms={max_atoms} has all perpendicular widths >= {need:.2f} A "
            f"(2 x (cutoff {rc} + skin {skin})); raise max_atoms (about {math.prod(diagonal) * nat} atoms "
            "always work) or use a smaller cutoff or skin")
    return np.diag(diagonal)


def supercell_matrix(atoms, *, cutoff=None, skin: float = DEFAULT_SKIN, target_atoms: int | None = None,
                     max_atoms: int = DEFAULT_MAX_ATOMS) -> tuple[np.ndarray, dict]:
    """Choose the supercell matrix (see :func:`supercell`) and its report without building it."""
    cell = np.asarray(atoms.cell[:], float)
    if abs(np.linalg.det(cell)) < 1e-9:
        raise ConfigurationError("the structure has no 3D periodic cell; give one with a non-zero volume")
    nat = len(atoms)
    rc = _cutoff_of(cutoff)
    need = 2.0 * (rc + skin) if rc is not None else 0.0
    n_low = max(1, math.ceil(need**3 / abs(np.linalg.det(cell)) - 1e-9)) if need else 1
    if n_low * nat > max_atoms:
        raise ConfigurationError(
            f"no supercell within max_atoms={max_atoms} has all perpendicular widths >= {need:.2f} A "
            f"(2 x (cutoff {rc} + skin {skin})): that needs at least {n_low * nat} atoms; raise max_atoms "
            "or use a smaller cutoff or skin")
    volume = abs(np.linalg.det(cell))
    if target_atoms:
        if target_atoms > max_atoms:
            raise ConfigurationError(f"target_atoms={target_atoms} exceeds max_atoms={max_atoms}; raise max_atoms")
        # the most cubic shape within +-TARGET_WINDOW of the target, nearer the target on ties
        n_t = max(1, round(target_atoms / nat))
        lo, hi = math.floor(n_t * (1 - TARGET_WINDOW)), math.ceil(n_t * (1 + TARGET_WINDOW))
        best = None
        for n in range(max(n_low, lo, 1), max(n_low, hi) + 1):
            if n * nat > max_atoms:
                break
            found = _best_matrix(cell, n)
            if found is None or found[1] < need - 1e-9:
                continue
            key = (round(found[1] / (n * volume) ** (1 / 3), 3), -abs(n - n_t))
            if best is None or key > best[0]:
                best = (key, found[0])
        if best is not None:
            matrix = best[1]
        else:
            matrix = _smallest_valid(cell, max(n_low, hi), need, nat, max_atoms, rc, skin)
    else:
        matrix = _smallest_valid(cell, n_low, need, nat, max_atoms, rc, skin)
    widths = perpendicular_widths(matrix @ cell)
    n = int(round(abs(np.linalg.det(matrix))))
    report = {"matrix": matrix.tolist(), "n_cells": n, "natoms": int(n * nat),
              "widths": [float(w) for w in widths], "min_width_required": need,
              "cutoff": rc, "skin": skin,
              "cubicity": float(widths.min() / (abs(np.linalg.det(matrix @ cell))) ** (1 / 3))}
    return matrix, report


def supercell(atoms, *, cutoff=None, skin: float = DEFAULT_SKIN, target_atoms: int | None = None,
              max_atoms: int = DEFAULT_MAX_ATOMS):
    """Most cubic supercell of ``atoms`` with every perpendicular width >= 2 (cutoff + skin).

    Parameters
    ----------
    atoms
        periodic ``ase.Atoms``.
    cutoff
        potential cutoff in Angstrom, or a :class:`sei_lmp.potentials.Potential` (its ``.cutoff``).
    skin
        neighbour skin in Angstrom (the decks' ``md.neighbor_skin_A``, 2.0).
    target_atoms
        aim at about this many atoms (rounded to whole cells, raised if the widths need more).
    max_atoms
        refuse (:class:`ConfigurationError`) rather than build more atoms than this.

    The chosen matrix, widths and cubicity (smallest width / cube root of volume, 1 for a cube) are in
    ``atoms.info["supercell"]``.
    """
    from ase.build import make_supercell

    matrix, report = supercell_matrix(atoms, cutoff=cutoff, skin=skin, target_atoms=target_atoms,
                                      max_atoms=max_atoms)
    out = make_supercell(atoms, matrix, wrap=True)
    out.info = {**atoms.info, "supercell": report}
    return out
