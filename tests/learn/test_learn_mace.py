"""The mace family in `sei-lmp learn`: a committee whose force spread is the grade. The grade and the selection
are checked on analytic cases, the Python grade against the one `pair_style sei/mace committee` wrote into the
explore dumps, and the quick Cu example end to end (EMT teacher): the committee's spread falls below the stop
threshold and the runs that stopped within 0.1 ps in generation 0 hold their full length."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sei_lmp.learn import mace_committee

REPO = Path(__file__).resolve().parents[2]
PLAN = REPO / "examples" / "learn" / "cu_emt_mace.toml"


def test_atom_deviation_is_the_spread_of_the_members_forces():
    rng = np.random.default_rng(3)
    f = rng.normal(size=(1, 5, 3))
    # two members at F and -F: mean 0, each |F| away from it
    assert np.allclose(mace_committee.atom_deviation(np.concatenate([f, -f])), np.linalg.norm(f[0], axis=1))
    # identical members: no spread; a shift common to all members does not count
    same = np.repeat(f, 3, axis=0) + 1.0
    assert np.allclose(mace_committee.atom_deviation(same), 0.0)
    # three members along x at -1, 0, 1: sqrt(2/3)
    three = np.zeros((3, 1, 3))
    three[:, 0, 0] = (-1.0, 0.0, 1.0)
    assert mace_committee.atom_deviation(three)[0] == pytest.approx(np.sqrt(2 / 3))
    with pytest.raises(ValueError, match="at least 2 members"):
        mace_committee.atom_deviation(f)


def test_selection_takes_the_highest_grades_and_skips_near_copies():
    features = np.array([[0.0, 0.0], [0.0, 0.001], [1.0, 0.0], [0.0, 1.0], [5.0, 5.0]])
    grades = np.array([0.9, 0.8, 0.5, 0.3, 0.01])
    # frame 1 is a near-copy of frame 0; frame 4 is below the save threshold
    assert mace_committee.select_diverse(grades, features, cap=10, min_grade=0.05) == [0, 2, 3]
    assert mace_committee.select_diverse(grades, features, cap=2, min_grade=0.05) == [0, 2]
    assert mace_committee.select_diverse(grades, features, cap=10, min_grade=1.0) == []


@pytest.fixture(scope="module")
def learned(tmp_path_factory):
    pytest.importorskip("mace")
    from sei_lmp.learn.loop import run_learning
    from sei_lmp.learn.plan import read_plan

    out = tmp_path_factory.mktemp("learn-mace") / "cu"
    result = run_learning(read_plan(PLAN, quick=True), out, progress=False, log=lambda *_: None)
    return out, result


@pytest.mark.slow
def test_committee_spread_falls_until_the_targets_hold(learned):
    out, result = learned
    table = pd.read_csv(out / "learning.csv")
    plan_stop = 0.3
    assert result.converged, result.reason
    first, last = table.iloc[0], table.iloc[-1]
    assert first["max_grade_targets"] > plan_stop and first["ps_held_targets"] < 0.2
    assert last["max_grade_targets"] < plan_stop and last["ps_held_targets"] == pytest.approx(1.2)
    assert (table["selected"].dropna() > 0).all()


@pytest.mark.slow
def test_members_are_fine_tuned_from_the_previous_generation(learned):
    out, _ = learned
    gen0 = json.loads((out / "gen-000" / "potential" / "fit.json").read_text())["fit"]["committee"]
    gen1 = json.loads((out / "gen-001" / "potential" / "fit.json").read_text())["fit"]["committee"]
    assert [m["seed"] for m in gen0] == [1, 2] and all(m["fine_tuned_from"] is None for m in gen0)
    assert [Path(m["fine_tuned_from"]).name for m in gen1] == ["member0.model", "member1.model"]
    assert all(m["epochs"] == 20 for m in gen1)      # finetune_epochs of the plan
    # mace itself says it started from the previous weights (generation 0 starts from random ones)
    logs = [out / f"gen-00{g}" / "potential" / "member1" / "member1_train.log" for g in (0, 1)]
    assert "Using foundation model" not in logs[0].read_text()
    previous = (out / "gen-000" / "potential" / "member1.model").resolve()
    assert f"Using foundation model {previous}" in logs[1].read_text()


@pytest.mark.slow
def test_python_grade_equals_the_grade_sei_mace_wrote(learned):
    """The selection's grade and the deck guard's are one number: recompute the dumped frames' per-atom
    committee spread in Python and compare with the f_gamma column LAMMPS wrote."""
    from sei_lmp.learn.loop import _candidates
    from sei_lmp.learn.refit import MACEAdapter

    out, _ = learned
    runs = json.loads((out / "gen-000" / "explore.json").read_text())["runs"]
    frames = _candidates(runs, 4)
    assert frames and all("gamma" in a.arrays for a in frames)
    models = MACEAdapter.members(out / "gen-000" / "potential" / "member0.model-lammps.pt")
    for atoms, forces in zip(frames, mace_committee.member_forces(models, frames)):
        # the dump keeps 6-7 significant digits of the positions
        assert np.abs(mace_committee.atom_deviation(forces) - atoms.arrays["gamma"]).max() < 1e-4


@pytest.mark.slow
def test_final_committee_loads_with_its_grade(learned):
    from sei_lmp.potentials import load_potential

    _, result = learned
    card = json.loads(Path(f"{result.final}.json").read_text())
    assert card["committee"] == ["cu-emt-mace_mace_member1.model-lammps.pt"]
    assert card["provenance"]["teacher"] == "emt" and card["provenance"]["converged"]
    pot = load_potential(result.final)
    assert pot.has_gamma and [p.name for p in pot.committee] == card["committee"]
    block = pot.pair_block("plugin", ["Cu"])
    assert block.pair_style.startswith("sei/mace committee ")


@pytest.mark.slow
def test_killed_mace_learning_resumes_to_the_same_result(learned, tmp_path):
    """Killed inside generation 1's MD (after generation 0's committee was fitted), the same command resumes:
    the generations' table equals the uninterrupted learning's except for wall times (MACE fits are seeded
    and fine-tuned from the stored previous members, so they are repeatable on one machine)."""
    import os
    import signal
    import subprocess
    import sys
    import time

    full, _ = learned
    out = tmp_path / "killed"

    def learn(**kw):
        return subprocess.Popen([sys.executable, "-m", "sei_lmp.cli", "learn", str(PLAN), "--quick", "-o", str(out)],
                                env={**os.environ, "PYTHONPATH": str(REPO)}, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True, **kw)

    proc = learn(start_new_session=True)
    marker = out / "gen-001" / "explore" / "0" / "sweep.json"
    deadline = time.time() + 900
    while not marker.exists() and proc.poll() is None and time.time() < deadline:
        time.sleep(0.05)
    assert proc.poll() is None, "the learning ended before it could be killed"
    time.sleep(0.5)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not (out / "learning.csv").exists()
    text, _ = learn().communicate(timeout=1800)
    assert (out / "learning.csv").is_file(), text
    a, b = pd.read_csv(full / "learning.csv"), pd.read_csv(out / "learning.csv")
    timings = [c for c in a if c.endswith("_s")]
    pd.testing.assert_frame_equal(a.drop(columns=timings), b.drop(columns=timings))
