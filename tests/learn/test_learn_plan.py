"""Learning plans: what is refused before anything runs, and the thresholds shared with the deck guard."""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path

import numpy as np
import pytest

from sei_lmp.decks.protocols import Guards
from sei_lmp.errors import ConfigurationError
from sei_lmp.learn.plan import parse_plan, read_plan
from sei_lmp.learn.teachers import get_teacher
from sei_lmp.potentials.grades import MAXVOL, thresholds_for

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "learn" / "cu_emt.toml"


@pytest.fixture()
def raw():
    return tomllib.loads(EXAMPLE.read_text())


def _parse(raw):
    return parse_plan(raw, base=EXAMPLE.parent)


def test_example_plan_reads_and_quick_overrides(raw):
    plan = read_plan(EXAMPLE)
    quick = read_plan(EXAMPLE, quick=True)
    assert plan.family == "ace" and plan.species == ("Cu",) and plan.teacher == "emt"
    assert plan.generations == 8 and quick.generations == 5
    assert quick.explore[0]["settings"]["production_ps"] == 1.0
    assert Path(plan.explore[0]["structures"][0]["source"]).is_absolute()


def test_quick_still_checks_the_explore_list_it_replaces(raw):
    """--quick runs [quick] explore instead of the plan's own list; a mistake in the list it does not run is
    reported now, not when the full learning starts."""
    raw["quick"]["explore"] = copy.deepcopy(raw["explore"])
    raw["explore"][0]["keep"] = [{"centre": "Cu", "neighbour": "Cu", "count": 12, "within": 3.0}]
    assert parse_plan(copy.deepcopy(raw) | {"explore": raw["quick"]["explore"]}, base=EXAMPLE.parent)
    with pytest.raises(ConfigurationError, match=r"full plan's \[\[explore\]\] list .*unknown key\(s\) centre"):
        parse_plan(raw, base=EXAMPLE.parent, quick=True)


def test_thresholds_live_in_one_place(raw):
    plan = _parse(raw)
    assert (plan.grades.save, plan.grades.stop) == (MAXVOL.save, MAXVOL.stop) == \
        (Guards().gamma_save, Guards().gamma_break)
    assert thresholds_for("mace").unit == "eV/A"
    raw["grades"] = {"save": 3.0, "stop": 20.0}
    assert (_parse(raw).grades.save, _parse(raw).grades.stop) == (3.0, 20.0)


@pytest.mark.parametrize("change, message", [
    (lambda r: r["teacher"].update(name="dft-magic"), "unknown teacher 'dft-magic'"),
    (lambda r: r["potential"].update(species=["Li", "F"]), "teacher 'emt' cannot label Li, F"),
    (lambda r: r["potential"].update(family="snap"), "family must be one of ace, mtp, mace"),
    (lambda r: r["potential"].update(family="mace", fit={"committee": 1}), "needs at least 2 members"),
    (lambda r: r["potential"].update(family="mace", fit={"num_channel": 8}),
     "unknown key(s) 'num_channel' in [potential] fit (mace)"),
    (lambda r: r["potential"]["fit"].update(cutof=4.0), "unknown key(s) 'cutof' in [potential] fit (ace)"),
    (lambda r: r.update(grades={"save": 5.0, "stop": 4.0}), "stop (4) must be above save (5)"),
    (lambda r: r.update(grades={"save": 0.5}), "below 1 would call interpolation extrapolative"),
    (lambda r: r.pop("explore"), "needs [[explore]] tables"),
    (lambda r: r["explore"][0].update(target=False), "no [[explore]] entry is a target"),
    (lambda r: r["explore"][0]["settings"].update(production_ps=-1), "[[explore]] 0"),
    (lambda r: r["explore"][0].update(potentials=[{"name": "x", "path": "y"}]), "leave out 'potentials'"),
    (lambda r: r.update(data={}), "[data] needs 'initial'"),
    (lambda r: r.update(data={"initial": "missing.extxyz"}), "does not exist"),
    (lambda r: r.update(generations=0), "generations must be a positive integer"),
    (lambda r: r.update(colour="red"), "unknown key(s) 'colour'"),
    (lambda r: r["teacher"].update(name="python:ase.calculators.nothing:X"), "cannot import X"),
    (lambda r: r["potential"].update(start="cu_fcc.cif"), "start (a warm start from an .mtp) is for the mtp family"),
    (lambda r: r["potential"].update(family="mtp", fit={"level": 4}, start="missing.mtp"), "does not exist"),
    (lambda r: r["potential"].update(family="mtp", fit={"level": 4}, start="cu_fcc.cif"), "must be an MLIP .mtp"),
    (lambda r: r["potential"].update(family="mtp", fit={"level": 4, "config_weights": {"bulk": 0}}),
     "whole number of copies"),
])
def test_bad_plans_are_refused_with_a_message(raw, change, message):
    bad = copy.deepcopy(raw)
    change(bad)
    with pytest.raises(ConfigurationError, match=None) as err:
        _parse(bad)
    assert message in str(err.value), str(err.value)


def test_python_teacher_and_declared_elements():
    teacher = get_teacher("python:ase.calculators.emt:EMT", elements=["Cu"])
    assert type(teacher.calculator()).__name__ == "EMT"
    teacher.check_elements(["Cu"])
    with pytest.raises(ConfigurationError, match="cannot label Li"):
        teacher.check_elements(["Li"])


def test_cli_refuses_a_bad_plan_in_one_line(tmp_path):
    from typer.testing import CliRunner

    from sei_lmp.cli import app

    bad = tmp_path / "plan.toml"
    bad.write_text(EXAMPLE.read_text().replace('name = "emt"', 'name = "chgnet-9000"').replace(
        'source = "cu_fcc.cif"', f'source = "{EXAMPLE.parent / "cu_fcc.cif"}"'))
    result = CliRunner().invoke(app, ["learn", str(bad), "-o", str(tmp_path / "out")])
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert "unknown teacher 'chgnet-9000'" in result.output
    assert not (tmp_path / "out").exists()             # refused before anything was written


def test_budget_is_checked(raw):
    raw["run"] = {"budget_s": -5}
    with pytest.raises(ConfigurationError, match=r"\[run\] budget_s must be a positive number"):
        _parse(raw)
    raw["run"] = {"budget_s": 60}
    assert _parse(raw).budget_s == 60.0


def test_min_distance_leaves_out_close_contacts(raw):
    from sei_lmp.learn.loop import _initial

    raw["data"]["rattle"] = [{**raw["data"]["rattle"][0], "amplitude": 0.15, "count": 20}]
    loose = _initial(_parse(raw))
    raw["data"]["min_distance_A"] = 2.1
    kept = _initial(_parse(raw))
    assert len(loose) == 20 and 0 < len(kept) < 20
    assert all(a.get_all_distances(mic=True)[~np.eye(len(a), dtype=bool)].min() >= 2.1 for a in kept)


def test_sevenn_fidelity_is_checked_before_the_package():
    """SevenNet-MF-0 has two fidelities; a wrong one (or one given to a one-fidelity model) is refused when the
    plan is read, with or without sevenn installed."""
    from sei_lmp.learn.teachers import get_teacher

    with pytest.raises(ConfigurationError, match="fidelities PBE, R2SCAN"):
        get_teacher("sevenn:SevenNet-MF-0", {"modal": "mpa"})
    with pytest.raises(ConfigurationError, match="option of SevenNet-MF-0 only"):
        get_teacher("sevenn:SevenNet-0", {"modal": "PBE"})


def test_several_initial_files_are_read_in_order(raw, tmp_path):
    """A recipe set and extra labelled frames (e.g. the teacher's own MD) as one starting set; labels kept."""
    from ase.build import bulk
    from ase.calculators.emt import EMT
    from ase.io import write

    from sei_lmp.learn.loop import _initial

    files = []
    for k, a0 in enumerate((3.6, 3.7)):
        atoms = bulk("Cu", "fcc", a=a0, cubic=True)
        atoms.calc = EMT()
        atoms.get_potential_energy()
        files.append(tmp_path / f"set{k}.extxyz")
        write(files[-1], atoms)
    raw["data"] = {"initial": [str(f) for f in files]}
    frames = _initial(_parse(raw))
    assert [round(a.cell[0, 0], 2) for a in frames] == [3.6, 3.7]
    assert all(a.info["labelled_by"] == "given" for a in frames)
    raw["data"] = {"initial": [str(files[0]), "missing.extxyz"]}
    with pytest.raises(ConfigurationError, match=r"\[data\] initial\[1\]: file .*missing.extxyz does not exist"):
        _parse(raw)
