"""potentials/learn/interface_separation.py with a cheap teacher (ASE's Lennard-Jones by import path) on the
206-atom Li | Li3PS4 start cell: rigid cuts, the curves against the teacher, and the labelled frames."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]
LEARN = REPO / "potentials" / "learn"
CELL = LEARN / "li_li3ps4_interface_206.extxyz"
STUDENT = REPO / "potentials" / "LiPS_ace_learned.yace"
sys.path.insert(0, str(LEARN))

import interface_separation as sep  # noqa: E402


def test_a_cut_moves_the_atoms_above_the_plane_and_the_cell_only():
    from ase.io import read

    atoms = read(CELL)
    before = atoms.cell[:].copy()
    one, two = sep.separated(atoms, 10.5, 2.0), sep.separated(atoms, 10.5, 2.0)
    np.testing.assert_array_equal(atoms.cell[:], before)               # the caller's cell is left alone
    np.testing.assert_allclose(one.positions, two.positions)
    z = atoms.positions[:, 2] % before[2, 2]
    np.testing.assert_allclose(one.positions[:, 2] - z, np.where(z > 10.5, 2.0, 0.0), atol=1e-12)
    assert one.cell[2, 2] == pytest.approx(before[2, 2] + 2.0)
    atoms.pbc = (True, True, False)
    with pytest.raises(SystemExit, match="periodic"):
        sep.separated(atoms, 10.5, 1.0)
    with pytest.raises(SystemExit, match="outside the cell"):
        sep.separated(read(CELL), 40.0, 1.0)


def test_curves_frames_and_plateau(tmp_path):
    pytest.importorskip("pyace")
    from ase.calculators.lj import LennardJones
    from ase.io import read

    out, frames = tmp_path / "sep.json", tmp_path / "sep.extxyz"
    gaps = ["0", "1", "6", "8"]
    command = [sys.executable, str(LEARN / "interface_separation.py"), str(CELL), "--plane", "Li|Li3PS4=10.5",
               "--teacher", "python:ase.calculators.lj:LennardJones", "-p", str(STUDENT), "--gaps", *gaps,
               "-o", str(out), "--frames", str(frames)]
    done = subprocess.run(command, capture_output=True, text=True, cwd=REPO, timeout=600,
                          env={"PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1", "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr[-2000:]
    block = json.loads(out.read_text())["planes"]["Li|Li3PS4"]
    teacher, student = block["teacher"], block[STUDENT.name]["curve"]
    assert teacher[0] == 0 and student[0] == 0
    # beyond both cutoffs (LJ 3 A, the ACE's 5 A) the two faces no longer see each other: a plateau
    assert teacher[2] == pytest.approx(teacher[3], abs=0.01) and student[2] == pytest.approx(student[3], abs=0.01)
    assert student[2] != pytest.approx(0, abs=0.1)
    assert block[STUDENT.name]["plateau_meV_per_A2"] == student[-1]
    written = read(frames, ":")
    assert [a.info["gap_A"] for a in written] == [1.0, 6.0, 8.0]
    area = float(np.linalg.norm(np.cross(written[0].cell[0], written[0].cell[1])))
    closed = sep.separated(read(CELL), 10.5, 0.0)
    closed.calc = LennardJones()
    for atoms, value in zip(written, teacher[1:]):
        assert (atoms.get_potential_energy() - closed.get_potential_energy()) * 1000 / area == pytest.approx(
            value, abs=0.01)
    again = subprocess.run(command, capture_output=True, text=True, cwd=REPO, timeout=600,
                           env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"})
    assert again.returncode != 0 and "exists" in again.stderr                 # a finished result is kept


def test_shipped_cards_hold_what_the_stored_record_gives():
    """Each card's validation.interface_separation is card_block() of the stored record it names, and the card
    warns exactly about the planes marked off."""
    checked = 0
    for card_path in sorted((REPO / "potentials").glob("*.json")):
        card = json.loads(card_path.read_text())
        block = card.get("validation", {}).get("interface_separation")
        if block is None:
            continue
        record = json.loads((REPO / "potentials" / block["source"]).read_text())
        assert sep.card_block(record, card_path.name[:-len(".json")], block["source"]) == block
        lines = [w for w in card["warnings"] if w.startswith(f"{sep.WARNING_PREFIX} {block['structure']} ")]
        assert lines == ([sep.warning(block)] if any(p["off"] for p in block["planes"].values()) else [])
        checked += 1
    assert checked >= 2


def test_off_and_annotate(tmp_path):
    record = {"structure": "cell.extxyz", "planes": {
        "A": {"z_A": 1.0, "teacher": [0, 20, 40], "s.yace": {"curve": [0, 18, 35], "plateau_meV_per_A2": 35,
                                                             "teacher_plateau_meV_per_A2": 40,
                                                             "max_abs_difference_meV_per_A2": 5}},
        "B": {"z_A": 2.0, "teacher": [0, 20, 40], "s.yace": {"curve": [0, 10, 20], "plateau_meV_per_A2": 20,
                                                             "teacher_plateau_meV_per_A2": 40,
                                                             "max_abs_difference_meV_per_A2": 20}}}}
    block = sep.card_block(record, "s.yace", "rec.json")
    assert not block["planes"]["A"]["off"] and block["planes"]["B"]["off"]   # 5 and 20 against 0.25 x 40
    card = tmp_path / "s.yace.json"
    card.write_text(json.dumps({"warnings": ["other"]}))
    sep.annotate(card, block)
    sep.annotate(card, block)
    warnings = json.loads(card.read_text())["warnings"]
    assert len(warnings) == 2 and "at B 20 meV/A^2 (teacher 40)" in warnings[1] and " A " not in warnings[1]
    record["planes"]["B"]["s.yace"]["max_abs_difference_meV_per_A2"] = 9
    sep.annotate(card, sep.card_block(record, "s.yace", "rec.json"))
    assert json.loads(card.read_text())["warnings"] == ["other"]
