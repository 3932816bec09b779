"""The plan's [validate] checks: refused when malformed, and the same numbers as the card's own measurement."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sei_lmp.errors import ConfigurationError
from sei_lmp.learn.validate import check_spec, run_checks

REPO = Path(__file__).resolve().parents[2]
TEACHER = {"interstitialcy_collinear": 0.1075}


@pytest.mark.parametrize("raw, message", [
    ({"lattice": {"phase": "LiF"}}, "[validate.lattice] needs teacher_A"),
    ({"lattice": {"phase": "Unobtainium", "teacher_A": 4.0}}, "unknown phase 'Unobtainium'"),
    ({"barriers": {"phase": "LiF", "interstitial": "Li", "teacher_eV": {"teleport": 0.1}}},
     "unknown mechanisms ['teleport']"),
    ({"barriers": {"phase": "LiF", "interstitial": "Li", "teacher_eV": TEACHER, "tolerance": 1}}, "unknown key"),
])
def test_bad_checks_are_refused(raw, message):
    with pytest.raises(ConfigurationError) as err:
        check_spec(raw)
    assert message in str(err.value)


@pytest.mark.slow
def test_checks_reproduce_the_cards_measurement():
    """The shipped LiF ACE's card holds a0 and the barriers measured by potentials/scripts/lif_barriers.py; the
    learning's checks (another code path: phase cell, ase_neb) must give the same numbers."""
    path = REPO / "potentials" / "LiF_ace_chgnet.yace"
    card = json.loads(path.with_name(path.name + ".json").read_text())["validation"]["barriers"]
    checks = check_spec({"lattice": {"phase": "LiF", "teacher_A": card["teacher"]["lattice_constant_A"]},
                         "barriers": {"phase": "LiF", "interstitial": "Li", "teacher_eV": TEACHER}})
    result = run_checks(path, ["F", "Li"], checks)
    assert result["lattice"]["a_A"] == pytest.approx(card["potential"]["lattice_constant_A"], abs=2e-4)
    assert result["lattice"]["passed"]
    collinear = result["barriers"]["barriers_eV"]["interstitialcy_collinear"]
    assert collinear == pytest.approx(card["potential"]["barriers_eV"]["interstitialcy_collinear"], abs=2e-3)
    assert result["barriers"]["difference_eV"]["interstitialcy_collinear"] == pytest.approx(collinear - 0.1075,
                                                                                            abs=1e-4)
    assert result["barriers"]["passed"]                 # 0.109 vs the teacher's 0.1075: within 0.02 eV
