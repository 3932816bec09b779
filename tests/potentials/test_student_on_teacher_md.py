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
