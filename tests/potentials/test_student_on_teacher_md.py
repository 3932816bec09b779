"""potentials/learn/student_on_teacher_md.py with a cheap teacher (ASE's Lennard-Jones by import path) on two
frames of the teacher's interface MD: grades, force errors and the pressure against the teacher's, checked
against the same quantities computed here."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]
LEARN = REPO / "potentials" / "learn"
FRAMES = LEARN / "li_li3ps4_interface_206_chgnet_npt600K_seed1_frames.extxyz.gz"
STUDENT = REPO / "potentials" / "LiPS_ace_learned.yace"

pytest.importorskip("pyace")


def test_pressure_and_forces_against_the_teacher(tmp_path):
    from ase.calculators.lj import LennardJones
    from ase.io import read, write
    from ase.units import GPa

    from sei_lmp.training.fit_ace import ace_calculator

    frames = read(FRAMES, index=":2")
    two = tmp_path / "two.extxyz"
    write(two, frames)
    out = tmp_path / "students.json"
    command = [sys.executable, str(LEARN / "student_on_teacher_md.py"), str(two), "--teacher",
               "python:ase.calculators.lj:LennardJones", "-p", str(STUDENT), "--every-ps", "0.5", "-o", str(out)]
    done = subprocess.run(command, capture_output=True, text=True, cwd=REPO, timeout=600,
                          env={"PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1", "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr[-2000:]
    rows = json.loads(out.read_text())["potentials"][STUDENT.name]
    assert [r["t_ps"] for r in rows] == [0.0, 0.5]
    student = ace_calculator(STUDENT)
    for atoms, row in zip(frames, rows):
        a, b = atoms.copy(), atoms.copy()
        a.calc, b.calc = student, LennardJones()
        # a pressure is minus the trace of ASE's stress over 3
        dp = -(a.get_stress(voigt=True)[:3] - b.get_stress(voigt=True)[:3]) / GPa
        assert row["pressure_minus_teacher_GPa"] == pytest.approx(dp.mean(), abs=2e-3)
        assert row["pzz_minus_teacher_GPa"] == pytest.approx(dp[2], abs=2e-3)
        rmse = np.sqrt(((a.get_forces() - b.get_forces()) ** 2).mean())
        assert row["forces_rmse_eV_per_A"] == pytest.approx(rmse, abs=2e-3)
        assert 0 < row["max_grade"] < 10             # the teacher's own frames: inside what the ACE was fitted on


def test_shipped_cards_hold_the_summary_of_the_stored_rows():
    """Each card's validation.on_teacher_frames block is the summary of the stored rows it names, and the card
    warns exactly where the teacher's frames grade above break."""
    sys.path.insert(0, str(LEARN))
    import student_on_teacher_md as sot

    checked = 0
    for card_path in sorted((REPO / "potentials").glob("*.json")):
        card = json.loads(card_path.read_text())
        for frames, block in card.get("validation", {}).get("on_teacher_frames", {}).items():
            stored = json.loads((REPO / "potentials" / block["source"]).read_text())
            rows = stored["potentials"][card_path.name[:-len(".json")]]
            assert {"source": block["source"], **sot.summary(rows, block["break_grade"])} == block
            lines = [w for w in card["warnings"] if w.startswith(f"{sot.WARNING_PREFIX} {frames} ")]
            assert lines == ([sot.warning(block, frames, block["source"])] if block["frames_above_break"] else [])
            checked += 1
    assert checked >= 2


def test_annotate_replaces_its_own_line(tmp_path):
    sys.path.insert(0, str(LEARN))
    import student_on_teacher_md as sot

    card = tmp_path / "p.yace.json"
    card.write_text(json.dumps({"warnings": ["other"]}))
    rows = [{"max_grade": g, "pressure_minus_teacher_GPa": -1.0, "pzz_minus_teacher_GPa": -1.5,
             "forces_rmse_eV_per_A": 0.2} for g in (0.5, 12.0, 30.0)]
    for _ in range(2):
        sot.annotate(card, sot.summary(rows, 10.0), "f.extxyz", "x.json")
    written = json.loads(card.read_text())
    assert written["validation"]["on_teacher_frames"]["f.extxyz"]["frames_above_break"] == 2
    assert len(written["warnings"]) == 2 and written["warnings"][0] == "other"
    assert "on 2 of 3 (max 30)" in written["warnings"][1] and "-1.00 GPa" in written["warnings"][1]
    sot.annotate(card, sot.summary(rows[:1], 10.0), "f.extxyz", "x.json")
    assert json.loads(card.read_text())["warnings"] == ["other"]
