"""Wigner-Seitz analysis counts planted vacancies and interstitials exactly."""

from __future__ import annotations

import numpy as np
import pytest
from ase import Atoms

from sei_lmp.analysis.structure import wigner_seitz
from sei_lmp.structures import phase

A = 4.0173


def planted(n_li_vac: int, n_f_vac: int, n_li_int: int, seed: int = 0):
    reference = phase("LiF") * (3, 3, 3)
    defective = reference.copy()
    symbols = np.array(reference.get_chemical_symbols())
    rng = np.random.default_rng(seed)
    gone = list(rng.choice(np.nonzero(symbols == "Li")[0], n_li_vac, replace=False)) + \
        list(rng.choice(np.nonzero(symbols == "F")[0], n_f_vac, replace=False))
    del defective[sorted(gone)]
    # interstitial Li on tetrahedral sites (a/4, a/4, a/4) of distinct unit cells
    cells = [(0, 0, 0), (1, 1, 0), (2, 0, 1), (0, 2, 2)][:n_li_int]
    defective += Atoms(f"Li{n_li_int}", positions=[(np.array(c) + 0.25) * A for c in cells])
    defective.rattle(0.05, seed=seed)
    return reference, defective


@pytest.mark.parametrize(("li_vac", "f_vac", "li_int"), [(3, 0, 2), (1, 2, 4), (0, 0, 0)])
def test_planted_defects_counted_exactly(li_vac, f_vac, li_int):
    reference, defective = planted(li_vac, f_vac, li_int)
    row = wigner_seitz(defective, reference, per_type=True).iloc[0]
    assert row["vacancies"] == li_vac + f_vac
    assert row["interstitials"] == li_int
    assert row["frenkel_pairs"] == min(li_vac + f_vac, li_int)
    assert row["vacancies_Li"] == li_vac and row["vacancies_F"] == f_vac
    assert row["interstitials_Li"] == li_int and row["interstitials_F"] == 0


def test_time_series_against_first_frame():
    reference, defective = planted(2, 0, 2)
    moved = reference.copy()
    moved.positions[0] += (A / 4, A / 4, A / 4)         # one Frenkel pair: a Li hops to a tetrahedral site
    table = wigner_seitz([reference, moved, defective])
    assert list(table["vacancies"]) == [0, 1, 2]
    assert list(table["interstitials"]) == [0, 1, 2]
    assert list(table["frenkel_pairs"]) == [0, 1, 2]
