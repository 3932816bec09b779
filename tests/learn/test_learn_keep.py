"""Keep rules of explore runs (sei_lmp.learn.keep): counted on cells whose answer is known by construction, refused
when wrong, and in the loop a run that breaks one does not hold and gives its broken frames to the teacher."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import tomllib
from ase import Atoms

from sei_lmp.errors import ConfigurationError
from sei_lmp.learn.keep import KeepRule, check_frames, kept, parse_keep
from sei_lmp.learn.plan import parse_plan

REPO = Path(__file__).resolve().parents[2]
PLAN = REPO / "examples" / "learn" / "cu_emt.toml"
PS4 = KeepRule("P", "S", 4, 2.6)


def _ps4_pair(stretch: float = 0.0) -> Atoms:
    """Two PS4 tetrahedra (P-S 2.05 A) 6 A apart in a periodic 12 A box; ``stretch`` moves one S of the first
    one outwards along its bond."""
    tet = np.array([[1, 1, 1], [1, -1, -1], [-1, 1, -1], [-1, -1, 1]]) / np.sqrt(3) * 2.05
    symbols, positions = [], []
    for centre in ([3.0, 3.0, 3.0], [9.0, 9.0, 9.0]):
        symbols += ["P", "S", "S", "S", "S"]
        positions += [centre, *(np.array(centre) + tet)]
    positions = np.array(positions, float)
    positions[1] += tet[0] / 2.05 * stretch
    return Atoms(symbols + ["Li"], positions=np.vstack([positions, [[6.0, 0.5, 6.0]]]), cell=[12, 12, 12], pbc=True)


def test_counts_intact_and_opened_anions():
    assert kept(_ps4_pair(), [PS4]) == {PS4.label: (2, 2)}
    # 2.05 + 0.5 = 2.55 A is still within 2.6; 2.05 + 0.7 = 2.75 A is not
    assert kept(_ps4_pair(0.5), [PS4]) == {PS4.label: (2, 2)}
    assert kept(_ps4_pair(0.7), [PS4]) == {PS4.label: (1, 2)}
    # a fifth S within reach is broken too: the rule counts exactly
    five = _ps4_pair() + Atoms("S", positions=[[3.0, 3.0, 0.9]])
    assert kept(five, [PS4])[PS4.label] == (1, 2)
    # across the periodic boundary: the same pair shifted by half a box
    shifted = _ps4_pair()
    shifted.positions += 5.5
    assert kept(shifted, [PS4])[PS4.label] == (2, 2)


def test_frames_report_the_worst_count_and_every_broken_frame():
    frames = [_ps4_pair(), _ps4_pair(0.7), _ps4_pair(0.2), _ps4_pair(0.9)]
    out = check_frames(frames, [PS4, KeepRule("Li", "Li", 0, 2.0)])
    assert out["broken"] == [1, 3] and not out["intact"] and out["frames"] == 4
    assert out["worst"] == {PS4.label: "1/2", "Li with 0 Li within 2 A": "1/1"}
    assert out["centre_frames_broken"] == {PS4.label: "2/8", "Li with 0 Li within 2 A": "0/4"}
    assert check_frames(frames[::2], [PS4])["intact"]
    assert not check_frames([], [PS4])["intact"]         # a run without frames has shown nothing


def test_openings_count_each_time_a_centre_breaks_not_each_frame_it_stays_broken():
    # one anion opens (two frames), closes, opens again: two openings in three broken centre-frames
    frames = [_ps4_pair(), _ps4_pair(0.7), _ps4_pair(0.9), _ps4_pair(), _ps4_pair(0.8)]
    out = check_frames(frames, [PS4])
    assert out["openings"] == {PS4.label: 2} and out["centre_frames_broken"] == {PS4.label: "3/10"}
    # broken in the first frame counts once; both anions broken at once count twice
    both = _ps4_pair(0.7)
    both.positions[6] += (both.positions[6] - both.positions[5]) / 2.05 * 0.7
    assert kept(both, [PS4])[PS4.label] == (0, 2)
    assert check_frames([_ps4_pair(0.8), _ps4_pair(), both, both], [PS4])["openings"] == {PS4.label: 3}
    assert check_frames([_ps4_pair()] * 3, [PS4])["openings"] == {PS4.label: 0}


@pytest.mark.parametrize("raw, message", [
    ({"center": "P", "neighbour": "S", "count": 4}, "missing within"),
    ({"center": "P", "neighbour": "S", "count": 4, "within": 2.6, "cut": 1}, "unknown key"),
    ({"center": "Cl", "neighbour": "S", "count": 4, "within": 2.6}, "'Cl' is not one of the plan's species"),
    ({"center": "P", "neighbour": "S", "count": 4.5, "within": 2.6}, "count must be a non-negative integer"),
    ({"center": "P", "neighbour": "S", "count": 4, "within": 0}, r"within must be a distance in A in \(0, 6\]"),
    ("P-S", "keep must be a list of tables"),
])
def test_bad_rules_are_refused_with_what_to_write(raw, message):
    with pytest.raises(ConfigurationError, match=message):
        parse_keep(raw, "[[explore]] 0", ("Li", "P", "S"))


def test_plan_reads_keep_per_explore_entry_and_leaves_it_out_of_the_sweep():
    raw = tomllib.loads(PLAN.read_text())
    raw["explore"][0]["keep"] = [{"center": "Cu", "neighbour": "Cu", "count": 12, "within": 3.0}]
    plan = parse_plan(raw, base=PLAN.parent)
    assert plan.keep == ((KeepRule("Cu", "Cu", 12, 3.0),),)
    assert "keep" not in plan.explore[0] and plan.max_broken_per_run == 4
    raw["explore"][0]["keep"][0]["neighbour"] = "Fe"
    with pytest.raises(ConfigurationError, match=r"\[\[explore\]\] 0 keep\[0\] neighbour = 'Fe'"):
        parse_plan(raw, base=PLAN.parent)


@pytest.mark.slow
def test_a_run_that_breaks_a_rule_does_not_hold_and_its_broken_frames_are_labelled(tmp_path):
    """Cu at 600 K with a rule no fcc frame obeys (13 neighbours): one generation (its run not stopped by the
    grade, so that it writes frames), whose broken frames (at most 2 per run) go to the teacher beside MaxVol's
    picks, and the row says what was kept."""
    pytest.importorskip("pyace")
    from sei_lmp.learn.loop import run_learning
    from sei_lmp.training.teacher import read_labels

    raw = tomllib.loads(PLAN.read_text())
    raw = {**raw, **raw.pop("quick"), "generations": 1}
    raw["explore"][0]["grid"] = {"temperature_K": [600]}
    raw["explore"][0]["settings"] = {**raw["explore"][0]["settings"], "production_ps": 0.3}
    raw["explore"][0]["keep"] = [{"center": "Cu", "neighbour": "Cu", "count": 13, "within": 3.0}]
    raw["select"] = {**raw["select"], "max_broken_per_run": 2}
    raw["grades"] = {"save": 2.0, "stop": 1e6}
    plan = parse_plan(raw, base=PLAN.parent)
    result = run_learning(plan, tmp_path / "l", progress=False, log=lambda *_: None)
    row = result.table.iloc[0]
    assert not row["targets_hold"] and not result.converged
    assert row["kept_in_targets"] == "Cu with 13 Cu within 3 A: 0/108"
    assert row["broken_frames_added"] == 2
    explored = json.loads((tmp_path / "l" / "gen-000" / "explore.json").read_text())
    info = next(iter(explored["runs"].values()))
    assert info["keep"]["broken"] == list(range(info["keep"]["frames"])) and info["keep"]["frames"] >= 2
    labels = read_labels(tmp_path / "l" / "labels.extxyz")
    broken = [a for a in labels if str(a.info.get("config_type", "")).startswith("broken:")]
    assert len(broken) == 2 and all(a.get_forces().shape == (108, 3) for a in broken)
    assert pd.read_csv(tmp_path / "l" / "learning.csv")["broken_frames_added"].tolist() == [2]


def test_frames_before_a_watchdog_trip_are_picked_from_the_second_half(tmp_path):
    """A run the stability watchdog stopped: its last frame and evenly spaced ones from the second half of its
    trajectory (the frames where the cell went wrong), whatever their grade; a run stopped by the grade gives
    none here (MaxVol picks from its extrapolative dump)."""
    from ase.io import write

    from sei_lmp.learn.loop import _broken

    frames = [_ps4_pair(0.01 * k) for k in range(7)]
    path = tmp_path / "trajectory.extxyz"
    write(path, frames, format="extxyz")
    runs = {"1/cell": {"trajectory": str(path), "elements": ["Li", "P", "S"], "watchdog": "watchdog_expand",
                       "stopped_by_grade": False},
            "1/graded": {"trajectory": str(path), "elements": ["Li", "P", "S"], "watchdog": None,
                         "stopped_by_grade": True}}
    picked = _broken(runs, 3)
    assert [a.info["frame"] for a in picked] == [3, 5, 6]       # of frames 3-6: the last, and spaced back to 3
    assert {a.info["config_type"] for a in picked} == {"watchdog:watchdog_expand:1/cell"}
    assert np.allclose(picked[-1].positions, frames[6].positions)
    assert _broken(runs, 0) == []


@pytest.mark.slow
def test_a_run_the_watchdog_stops_gives_its_last_frames_to_the_teacher(tmp_path):
    """Cu under NPT at 1200 K with the volume watchdog at 1 %: the run trips it (its grade is not what stopped
    it), the summary names the watchdog, and frames of its trajectory before the trip are labelled."""
    pytest.importorskip("pyace")
    from sei_lmp.learn.loop import run_learning
    from sei_lmp.training.teacher import read_labels

    raw = tomllib.loads(PLAN.read_text())
    raw = {**raw, **raw.pop("quick"), "generations": 1}
    raw["explore"] = [{"protocol": "interface_npt", "structures": raw["explore"][0]["structures"],
                       "settings": {"temperature_K": 1200, "run_ps": 1.0, "dump_every_ps": 0.02,
                                    "guards.max_volume_change": 0.01}}]
    raw["select"] = {**raw["select"], "max_broken_per_run": 2}
    raw["grades"] = {"save": 2.0, "stop": 1e6}
    result = run_learning(parse_plan(raw, base=PLAN.parent), tmp_path / "l", progress=False, log=lambda *_: None)
    info = next(iter(json.loads((tmp_path / "l" / "gen-000" / "explore.json").read_text())["runs"].values()))
    assert info["watchdog"] in ("watchdog_expand", "watchdog_shrink") and info["other_error"]
    assert not result.table.iloc[0]["targets_hold"] and result.table.iloc[0]["broken_frames_added"] == 2
    labels = read_labels(tmp_path / "l" / "labels.extxyz")
    assert sum(str(a.info.get("config_type", "")).startswith("watchdog:") for a in labels) == 2
