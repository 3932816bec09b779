"""PS4 openings of a student against its teacher (potentials/learn/ship.py): openings counted per anion from
hand-made records, teacher counts thinned to the student's frame spacing, the verdict of the quasi-Poisson rate
comparison on made-up runs whose answer is known, and the shipped Li-P-S cards recomputed from what they carry."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "potentials" / "learn"))

import ship  # noqa: E402
from sei_lmp.learn.keep import count_openings  # noqa: E402

LABEL = ship.PS4.label
RUN = "Langevin NVT 1000 K, 1 fs, friction 0.00098/fs, counted every 0.05 ps, after FIRE to fmax 0.05 eV/A"


def _teacher(open_at: dict[int, list[int]], ps: float, *, temperature: float | None = 1000.0, n_p: int = 16,
             per_anion=True) -> dict:
    """A teacher MD record as teacher_ps4_check.py writes it (counts every 50 fs); no temperature: a relaxation."""
    steps = range(0, int(round(ps * 1000)) + 1, 50)
    md = {"thermostat": "Langevin", "temperature_K": temperature, "timestep_fs": 1.0, "friction_per_fs": 0.000982,
          "count_every_ps": 0.05, "seeds": [1, 2]}
    check = {"teacher": "CHGNet 0.3.0 (universal)", "structure": "li3ps4_glass_128.extxyz",
             "run": RUN if temperature else "FIRE, fmax 0.02", **({"md": md} if temperature else {}),
             "relaxed_first": {"steps": 200},
             "P_with_four_S_within_2.6A_by_step": {str(k): f"{n_p - len(open_at.get(k, []))}/{n_p}" for k in steps}}
    if per_anion:
        check["open_P_by_step"] = {str(k): open_at.get(k, []) for k in steps}
    return check


def _seeds(openings: list[int], ps: float = 20.0) -> dict:
    runs = {f"glass1000K/li3ps4_glass__gen__seed{11 + k}": {
        "frames": int(ps * 10) + 1, "openings": {LABEL: n}, "centre_ps": {LABEL: 16 * ps},
        "centre_frames_broken": {LABEL: f"{n}/{16 * (int(ps * 10) + 1)}"}} for k, n in enumerate(openings)}
    return {"dump_every_ps": 0.1, "runs": runs,
            "targets": {"glass1000K": {"temperature_K": 1000, "structures": ["li3ps4_glass_128.extxyz"]}}}


def test_openings_count_each_anion_each_time_it_opens():
    assert count_openings([[], [3], [3], [], [3, 5], [5]]) == 3
    assert count_openings([[1, 2], [2], [1, 2]]) == 3          # open in the first frame counts once
    assert count_openings([[]] * 4) == 0


def test_teacher_counts_are_thinned_to_the_student_spacing():
    # anion 4 opens only at 0.05 ps, between two 0.1 ps frames: seen at 0.05 ps spacing, not at 0.1 ps
    check = _teacher({50: [4], 200: [1], 250: [1]}, 1.0)
    assert ship.teacher_openings(check, 0.05) == (2, pytest.approx(16.0))
    assert ship.teacher_openings(check, 0.1) == (1, pytest.approx(16.0))
    assert ship.teacher_openings(check, 0.075) is None        # not a multiple of the counting step
    # an older record without per-anion lists: zero openings only if every count was whole
    assert ship.teacher_openings(_teacher({}, 2.0, per_anion=False), 0.1) == (0, pytest.approx(32.0))
    assert ship.teacher_openings(_teacher({100: [2]}, 2.0, per_anion=False), 0.1) is None
    assert ship.teacher_openings(_teacher({}, 1.0, temperature=None), 0.1) is None


def test_verdict_needs_the_teacher_to_have_run_long_enough_for_the_scatter_of_the_reruns():
    steady = _seeds([40, 42, 38])                              # 0.125 per anion-ps, Poisson-like scatter
    long_teacher = [_teacher({}, 10.0)]                       # 160 anion-ps without an opening
    rates = ship.opening_rates(steady, long_teacher)["glass1000K"]
    assert rates["dispersion_of_reruns"] == 1.0 and rates["p_student_not_higher"] < 1e-6
    assert "opens PS4 more often than its teacher" in ship.opening_warnings({"glass1000K": rates}, "s.json")[0]
    # the one-sided bound agrees with the one-sided test: above 1 exactly when p < 0.05
    for counts in ([40, 42, 38], [100, 10, 10], [12, 9, 15]):
        for teacher in ([_teacher({}, 2.0)], [_teacher({1000: [2], 3000: [5]}, 6.0)]):
            r = ship.opening_rates(_seeds(counts), teacher)["glass1000K"]
            assert (r["ratio_above_one_sided_95"] > 1) == (r["p_student_not_higher"] < 0.05), (counts, r)
    # reruns that scatter tenfold carry a tenth of the evidence: 2 ps of teacher MD cannot decide it
    scattered = ship.opening_rates(_seeds([100, 10, 10]), [_teacher({}, 2.0)])["glass1000K"]
    assert scattered["dispersion_of_reruns"] > 5 and scattered["p_student_not_higher"] > 0.05
    said = ship.opening_warnings({"glass1000K": scattered}, "s.json")[0]
    assert "cannot be told apart" in said and "ps more of its MD would decide it" in said
    # the teacher MD the warning asks for is what decides it
    more = scattered["teacher_ps_more_to_decide"]
    decided = ship.opening_rates(_seeds([100, 10, 10]), [_teacher({}, 2.0 + more + 0.5)])["glass1000K"]
    assert decided["p_student_not_higher"] < 0.05 <= ship.opening_rates(
        _seeds([100, 10, 10]), [_teacher({}, 2.0 + more - 0.5)])["glass1000K"]["p_student_not_higher"]
    # a teacher that opens now and then: the MD asked for, at the teacher's present rate, decides it
    rates = ship.opening_rates(_seeds([60, 20, 40]), [_teacher({1000: [2]}, 4.0)])["glass1000K"]
    assert rates["teacher"]["openings"] == 1 and rates["p_student_not_higher"] > 0.05
    from sei_lmp.analysis.transport import poisson_rate_ratio

    more = rates["teacher_ps_more_to_decide"] * 16
    e_t = rates["teacher"]["anion_ps"] + more
    assert poisson_rate_ratio(120, 960.0, 1 / 64.0 * e_t, e_t,
                              dispersion=rates["dispersion_of_reruns"]).p_greater == pytest.approx(0.05, abs=2e-3)
    # a teacher that opens as often as the student: no warning of a difference
    same = ship.opening_rates(steady, [_teacher({k: [k // 100 % 16] for k in range(0, 10001, 400)}, 10.0)])
    assert same["glass1000K"]["p_student_not_higher"] > 0.05


def test_only_the_teachers_own_md_of_the_same_cell_and_temperature_is_compared():
    hotter = _teacher({}, 10.0, temperature=1200.0)
    unrelaxed = _teacher({}, 10.0)
    del unrelaxed["relaxed_first"]
    other = _teacher({}, 10.0) | {"structure": "li_li3ps4_interface_206.extxyz"}
    assert ship.opening_rates(_seeds([40, 42, 38]), [hotter, unrelaxed, other]) == {}


@pytest.mark.parametrize("name", ["LiPS_ace_learned.yace", "LiPS_mtp_learned.almtp"])
def test_shipped_cards_state_the_rates_their_own_records_give(name):
    card = json.loads((REPO / "potentials" / f"{name}.json").read_text())
    validation = card["validation"]
    if "ps4_opening_rates" not in validation:
        pytest.skip(f"{name}: its card carries no opening rates")
    from sei_lmp.training.provenance import card_json

    again = ship.opening_rates(validation["seed_check"], validation["teacher_ps4_checks"])
    assert json.loads(card_json(again)) == validation["ps4_opening_rates"]
    for target, rates in again.items():
        said = [w for w in card["warnings"] if w.startswith(f"{target}: PS4 openings per anion-ps")]
        assert len(said) == 1 and f"{rates['student']['openings']} in" in said[0]


def test_reruns_of_a_target_without_keep_rules_are_tallied_by_how_they_ended():
    runs = {"interface600K/li_li3ps4__gen__seed11": {"completed": True, "ps_held": 20.0, "max_grade": 1.4},
            "interface600K/li_li3ps4__gen__seed12": {"completed": False, "ps_held": 5.85, "max_grade": 11.6},
            "interface600K/li_li3ps4__gen__seed13": {"completed": False, "ps_held": 8.2, "max_grade": 1.5,
                                                     "watchdog": "watchdog_expand"},
            "interface600K/li_li3ps4__gen__seed14": {"completed": True, "ps_held": 20.0, "max_grade": 12.0}}
    summary = ship.rerun_summary({"runs": runs})["interface600K"]
    assert (summary["reruns"], summary["held"]) == (4, 1)
    assert summary["stopped_by_grade"] == ["12: grade 11.6 at 5.85 ps", "14: grade 12 at 20 ps"]
    assert summary["watchdog"] == ["13: watchdog_expand at 8.2 ps"]
    (line,) = ship.rerun_warnings({"interface600K": summary}, "learn/x.json")
    assert line.startswith("interface600K (rerun with 4 other seeds, learn/x.json): 1 of 4 held")
    summary_all = ship.rerun_summary({"runs": {k: v for k, v in runs.items() if k.endswith("11")}})
    assert ship.rerun_warnings(summary_all, "learn/x.json") == []


@pytest.mark.parametrize("name", ["LiPS_ace_learned.yace", "LiPS_mtp_learned.almtp"])
def test_shipped_cards_state_the_target_reruns_their_files_give(name):
    card = json.loads((REPO / "potentials" / f"{name}.json").read_text())
    reruns = card["validation"].get("target_reruns")
    if not reruns:
        pytest.skip(f"{name}: its card carries no target reruns")
    for target, entry in reruns.items():
        again = ship.rerun_summary(json.loads((REPO / "potentials" / entry["source"]).read_text()))[target]
        assert again == {k: v for k, v in entry.items() if k != "source"}
        warned = [w for w in card["warnings"] if w.startswith(f"{target} (rerun with")]
        assert bool(warned) == (entry["held"] < entry["reruns"]), target


def test_a_rerun_check_goes_into_a_card_once(tmp_path):
    """ship.add_rerun_check (ship.py --rerun-check, seed_check.py --card): the summary under
    validation.target_reruns and one warning for a target whose reruns did not all hold; the same target checked
    again replaces both, and a target that now holds drops its warning; a keep-rule check's line stays."""
    runs = {"iface/x__seed11": {"completed": True, "ps_held": 20.0, "max_grade": 1.5, "watchdog": None},
            "iface/x__seed12": {"completed": False, "ps_held": 7.5, "max_grade": 12.0, "watchdog": None}}
    record = tmp_path / "reruns.json"
    record.write_text(json.dumps({"runs": runs}))
    keep_line = "iface (rerun with 20 other seeds, frames every 0.1 ps): 3 of 20 reruns break a keep rule"
    card = {"validation": {}, "warnings": [keep_line]}
    ship.add_rerun_check(card, record)
    ship.add_rerun_check(card, record)
    assert card["validation"]["target_reruns"]["iface"] == {
        "reruns": 2, "held": 1, "stopped_by_grade": ["12: grade 12 at 7.5 ps"], "watchdog": [], "other": [],
        "source": "learn/reruns.json"}
    assert card["warnings"][0] == keep_line and len(card["warnings"]) == 2
    assert card["warnings"][1].startswith("iface (rerun with 2 other seeds, learn/reruns.json): 1 of 2 held")
    runs["iface/x__seed12"].update(completed=True, ps_held=20.0, max_grade=2.0)
    record.write_text(json.dumps({"runs": runs}))
    ship.add_rerun_check(card, record)
    assert card["warnings"] == [keep_line] and card["validation"]["target_reruns"]["iface"]["held"] == 2


def test_seed_check_card_needs_entries_and_an_output_beside_the_cards(tmp_path):
    """seed_check.py --card refuses, before running anything, a keep-rule check (no --entries) and an -o outside
    potentials/learn/ (the card would point at a file that is not there)."""
    import subprocess

    learn = REPO / "potentials" / "learn"
    script = learn / "seed_check.py"
    plan = learn / "LiPS_mtp_interface_thick.toml"
    card = learn.parent / "LiPS_mtp_learned.almtp.json"
    for extra, said in ((["-o", str(learn / "x.json")], "--card goes with --entries"),
                        (["--entries", "interface600K_thick", "-o", str(tmp_path / "x.json")], "give an -o in")):
        done = subprocess.run([sys.executable, str(script), str(plan), str(tmp_path), "--card", str(card), *extra],
                              capture_output=True, text=True)
        assert done.returncode == 2 and said in done.stderr, done.stderr
    assert not (learn / "x.json").exists()
