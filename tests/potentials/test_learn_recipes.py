"""The learning plans kept in potentials/learn are recipes a fresh clone can run: each one reads (its species,
teacher and files resolve) and its [data] initial files exist and hold labelled configurations. (That each
shipped learned card names a recipe kept here is tested in test_learned_potentials.py.)"""

from __future__ import annotations

from pathlib import Path

import pytest
from ase.io import iread

from sei_lmp.learn.plan import read_plan

REPO = Path(__file__).resolve().parents[2]
LEARN = REPO / "potentials" / "learn"
PLANS = sorted(LEARN.glob("*.toml"))


@pytest.mark.parametrize("path", PLANS, ids=[p.name for p in PLANS])
def test_plan_reads_and_its_starting_set_is_labelled(path):
    plan = read_plan(path)
    initial = plan.initial if isinstance(plan.initial, tuple) else (plan.initial,)
    for source in filter(None, initial):
        assert Path(source).is_file(), source
        first = next(iread(source, index=":"))
        assert first.calc is not None and len(first.get_forces()) == len(first), f"{source}: not labelled"
