"""ACE active sets: MaxVol properties, Python grades = sei/ace's in-run grades, and selection."""

from __future__ import annotations

import numpy as np
import pytest
from ase.build import bulk
from ase.calculators.emt import EMT
from ase.calculators.singlepoint import SinglePointCalculator

from lammps_eval import per_atom_grades, write_data
from sei_lmp.learn import ace_active_set
from sei_lmp.learn.maxvol import INIT_VALUE, grades, greedy_select, swap_in

pytest.importorskip("pyace")


def test_maxvol_bounds_every_row_and_grows_the_volume():
    rng = np.random.default_rng(3)
    rows = rng.normal(size=(200, 12)) * rng.uniform(0.1, 3, 12)
    A0 = rows[:12].copy()
    A, inverse, slot = swap_in(A0, rows, tol=1.0 + 1e-7)
    np.testing.assert_allclose(A @ inverse, np.eye(12), atol=1e-9)
    assert grades(rows, inverse).max() <= 1.0 + 1e-6
    assert np.allclose(grades(A, inverse), 1.0)                  # active rows grade exactly 1
    assert abs(np.linalg.det(A)) > abs(np.linalg.det(A0))
    assert set(slot[slot >= 0]) <= set(range(200))


def test_unseen_directions_stay_extrapolative():
    rows = np.zeros((30, 4))
    rows[:, :3] = np.random.default_rng(0).normal(size=(30, 3))   # column 4 never excited
    _, inverse, slot = swap_in(INIT_VALUE * np.eye(4), rows, tol=1.0 + 1e-7)
    assert (slot >= 0).sum() == 3                                   # the fourth starting row stays
    assert grades(rows, inverse).max() <= 1.0 + 1e-6
    assert grades(np.array([[0, 0, 0, 1.0]]), inverse)[0] == pytest.approx(1 / INIT_VALUE)


def test_greedy_selection_leaves_out_near_copies():
    rng = np.random.default_rng(1)
    base = rng.normal(size=(40, 5))
    A, inv, _ = swap_in(INIT_VALUE * np.eye(5), base, tol=1.0 + 1e-7)
    far = 6 * rng.normal(size=(3, 5))
    candidates = [{"X": far}, {"X": far * (1 + 1e-9)}, {"X": base[:3]}, {"X": -7 * far}]
    picked = greedy_select({"X": (A, inv)}, candidates, cap=4, min_grade=2.0, tol=1.0 + 1e-7)
    assert 2 not in picked                          # inside the set
    assert not ({0, 1} <= set(picked))              # a near-copy of a chosen frame is covered by it
    assert greedy_select({"X": (A, inv)}, candidates, cap=1, min_grade=2.0, tol=1.0 + 1e-7) == [picked[0]]


def _labelled(a):
    a.calc = EMT()
    e, f, s = a.get_potential_energy(), a.get_forces(), a.get_stress()
    a.calc = SinglePointCalculator(a, energy=e, forces=f, stress=s)
    return a


@pytest.fixture(scope="module")
def cu_potential(tmp_path_factory):
    from sei_lmp.training.fit_ace import ACEFitSettings, fit_ace

    d = tmp_path_factory.mktemp("cu")
    train = []
    for k in range(8):
        a = bulk("Cu", "fcc", a=3.61, cubic=True).repeat(2)
        a.rattle(0.03, seed=k)
        train.append(_labelled(a))
    settings = ACEFitSettings(species=("Cu",), cutoff=4.5, functions_per_element=40, nradmax_by_orders=(8, 4, 3),
                              lmax_by_orders=(0, 2, 1))
    result = fit_ace(train, settings, d / "cu.yace", progress=False)
    summary = ace_active_set.build_active_set(result.yaml, train, d / "cu.asi")
    return result, summary, train


def _hot(amplitude, seed):
    a = bulk("Cu", "fcc", a=3.61, cubic=True).repeat(2)
    a.rattle(amplitude, seed=seed)
    return a


def test_training_set_interpolates_and_hot_frames_extrapolate(cu_potential):
    result, summary, train = cu_potential
    assert summary.size == {"Cu": 40} and 0 < summary.from_data["Cu"] <= 40
    assert ace_active_set.frame_grades(result.yaml, summary.path, train).max() <= 1.0 + 1e-6
    hot = [_hot(0.05 * (k + 1), 100 + k) for k in range(4)]
    g = ace_active_set.frame_grades(result.yaml, summary.path, hot)
    assert g[-1] > 10 and np.all(np.diff(g) > 0)       # larger displacements, larger grades


def test_python_grades_equal_sei_ace_grades(cu_potential, tmp_path):
    """The .asi we write is the one sei/ace reads: per-atom gamma from LAMMPS = gamma from python-ace rows."""
    result, summary, _ = cu_potential
    frame = _hot(0.12, 7)
    rows, owner = ace_active_set.projections(result.yaml, [frame])["Cu"]
    python = grades(rows, ace_active_set.read_inverse(summary.path)["Cu"])
    data = tmp_path / "cu.data"
    write_data(data, np.diag(frame.cell.lengths()), frame.positions, [1] * len(frame), [63.546])
    lammps = per_atom_grades(data, (f"pair_style sei/ace activeset {result.yaml} {summary.path}",
                                    f"pair_coeff * * {result.path} Cu"), "sei/ace")
    np.testing.assert_allclose(lammps, python, rtol=1e-6)
    assert python.max() > 2           # a frame that is actually extrapolative


def test_select_takes_extrapolative_frames_only_and_respects_the_cap(cu_potential):
    result, summary, train = cu_potential
    candidates = [train[0], _hot(0.02, 1), _hot(0.15, 2), _hot(0.2, 3), _hot(0.25, 4)]
    g = ace_active_set.frame_grades(result.yaml, summary.path, candidates)
    picked = ace_active_set.select(result.yaml, summary.path, candidates, cap=2)
    assert len(picked) == 2 and all(g[i] > 2 for i in picked)
    assert 0 not in picked and 1 not in picked
    assert g[picked[0]] >= g[picked[1]]
    assert ace_active_set.select(result.yaml, summary.path, candidates, cap=0) == []


def test_guard_keeps_the_frames_of_a_minimisation_that_extrapolates(cu_potential, tmp_path):
    """A start structure far outside the training set: the minimiser already reaches grades above the stop
    threshold. Its frames must land in extrapolative.dump (a dump of its own: reset_timestep refuses active
    dumps), the run must stop with the deck's message, and the learning's summary must say step 0."""
    from sei_lmp.decks.protocols import DiffusionNVT
    from sei_lmp.decks.render import render_deck
    from sei_lmp.learn.loop import run_summary
    from sei_lmp.potentials import load_potential
    from sei_lmp.run.local import run_deck

    result, summary, _ = cu_potential
    start = _hot(0.25, 11).repeat((2, 1, 1))
    protocol = DiffusionNVT().with_settings({"temperature_K": 600, "equilibrate_npt": False, "equilibrate_ps": 0.1,
                                             "production_ps": 0.2, "guards.gamma_every": 1})
    deck = render_deck(protocol, start, load_potential(result.path), workdir=tmp_path / "build")
    run_dir = deck.write(tmp_path / "run")
    from sei_lmp.errors import RunFailed

    with pytest.raises(RunFailed, match="extrapolation grade above 10.0 on step 0"):
        run_deck(run_dir, progress=False)
    info = run_summary(run_dir)
    assert info["stopped_by_grade"] and not info["completed"] and info["steps"] == 0 and info["max_grade"] > 10
    from ase.io import read

    frames = read(run_dir / "extrapolative.dump", index=":", format="lammps-dump-text")
    assert frames and max(float(f.arrays["f_gamma"].max()) for f in frames) > 10
