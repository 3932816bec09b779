"""Constructed structures with known answers for the structure-analysis tests."""

from __future__ import annotations

import numpy as np
import pytest
from ase import Atoms


def random_packing(symbols, box, min_distance, seed=0) -> Atoms:
    """Random sequential addition in a periodic box (a length, or three for an orthorhombic box): no two
    atoms closer than ``min_distance``."""
    box = np.broadcast_to(np.asarray(box, dtype=float), (3,))
    rng = np.random.default_rng(seed)
    positions = np.empty((0, 3))
    for _ in range(200 * len(symbols)):
        if len(positions) == len(symbols):
            break
        trial = rng.random(3) * box
        delta = positions - trial
        delta -= box * np.round(delta / box)
        if len(positions) == 0 or np.min(np.einsum("ij,ij->i", delta, delta)) >= min_distance**2:
            positions = np.vstack([positions, trial])
    else:
        raise RuntimeError("random packing jammed: lower the density or min_distance")
    return Atoms(list(symbols), positions=positions, cell=box, pbc=True)


@pytest.fixture(scope="session")
def glass() -> Atoms:
    """A random Li-F 'glass': 400 atoms at the density of LiF, no pair closer than 1.5 A."""
    n = 400
    box = (n / 8 * 4.0173**3) ** (1 / 3)     # LiF: 8 atoms per 4.017 A cube
    return random_packing(["Li", "F"] * (n // 2), box, 1.5, seed=7)


@pytest.fixture(scope="session")
def make_packing():
    return random_packing
