"""The learning plans kept in potentials/learn are recipes a fresh clone can run: the [data] initial files each
names exist and hold labelled configurations, and each plan reads (species, teacher, files; the CHGNet teacher
needs the train extra). (That each shipped learned card names a recipe kept here is tested in
test_learned_potentials.py.)"""

from __future__ import annotations

import importlib.util
import tomllib
from pathlib import Path

import pytest
from ase.io import iread

REPO = Path(__file__).resolve().parents[2]
LEARN = REPO / "potentials" / "learn"
PLANS = sorted(LEARN.glob("*.toml"))


@pytest.mark.parametrize("path", PLANS, ids=[p.name for p in PLANS])
def test_starting_set_files_exist_and_are_labelled(path):
    initial = tomllib.loads(path.read_text()).get("data", {}).get("initial", [])
    for name in [initial] if isinstance(initial, str) else initial:
        source = path.parent / name
        assert source.is_file(), f"{path.name}: {name}"
        first = next(iread(source, index=":"))
        assert first.calc is not None and len(first.get_forces()) == len(first), f"{source}: not labelled"


@pytest.mark.parametrize("path", PLANS, ids=[p.name for p in PLANS])
def test_plan_reads(path):
    from sei_lmp.learn.plan import read_plan

    teacher = tomllib.loads(path.read_text())["teacher"]["name"].split(":")[0]
    if teacher in ("chgnet", "sevenn") and importlib.util.find_spec(teacher) is None:
        pytest.skip(f"the {teacher} teacher needs the train extra (pip install 'sei_lmp[train]')")
    plan = read_plan(path)
    assert plan.explore and plan.targets
