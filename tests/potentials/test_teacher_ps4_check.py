"""potentials/learn/teacher_ps4_check.py end to end with a cheap teacher (ASE's Lennard-Jones by import path): the
record states its MD as fields that ship.py matches and thins on, the per-anion lists agree with the counts, a
finished record is never overwritten, and the same seed gives the same trajectory."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
LEARN = REPO / "potentials" / "learn"
sys.path.insert(0, str(LEARN))

import ship  # noqa: E402
from sei_lmp.learn.keep import count_openings  # noqa: E402

TEACHER = "python:ase.calculators.lj:LennardJones"


def _check(out: Path, *extra: str) -> subprocess.CompletedProcess:
    command = [sys.executable, str(LEARN / "teacher_ps4_check.py"), str(LEARN / "li3ps4_glass_128.extxyz"),
               "-o", str(out), "--teacher", TEACHER, "--md-temperature", "1000", "--md-ps", "0.2",
               "--count-every-ps", "0.05", *extra]
    return subprocess.run(command, capture_output=True, text=True, cwd=REPO, timeout=600,
                          env={"PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1", "PATH": "/usr/bin:/bin"})


@pytest.fixture(scope="module")
def record(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("teacher") / "check.json"
    done = _check(out, "--seed", "7")
    assert done.returncode == 0, done.stderr[-2000:]
    return out, json.loads(out.read_text())


def test_record_states_its_md_as_fields(record):
    _, check = record
    assert check["complete"] is True
    # ASE's friction 0.01 is per ASE time unit (10.18 fs): 0.00098/fs, not the 0.01/fs older records claimed
    assert check["md"] == {"thermostat": "Langevin", "temperature_K": 1000.0, "timestep_fs": 1.0,
                           "friction_per_fs": 0.000982, "count_every_ps": 0.05, "seeds": [7, 8]}
    assert "friction 0.00098/fs" in check["run"]
    assert sorted(map(int, check["P_with_four_S_within_2.6A_by_step"])) == [0, 50, 100, 150, 200]
    assert ship._md_spacing(check) == (1.0, 0.05)


def test_per_anion_lists_agree_with_counts_and_thin_as_ship_reads_them(record):
    _, check = record
    counts, opened = check["P_with_four_S_within_2.6A_by_step"], check["open_P_by_step"]
    assert any(opened.values()), "Lennard-Jones holds no P-S bond: anions must open here, or this test is empty"
    for step, count in counts.items():
        intact, n_p = map(int, count.split("/"))
        assert n_p == 16 and intact == n_p - len(opened[step])
    every_other = [opened[str(k)] for k in (0, 100, 200)]
    assert ship.teacher_openings(check, 0.1) == (count_openings(every_other), pytest.approx(16 * 0.2))
    assert ship.teacher_openings(check, 0.05)[0] == count_openings([opened[str(k)] for k in range(0, 201, 50)])


def test_finished_record_is_not_overwritten_and_a_seed_repeats(record, tmp_path):
    out, check = record
    refused = _check(out, "--seed", "7")
    assert refused.returncode == 2 and "holds a finished check" in refused.stderr
    again = tmp_path / "again.json"
    assert _check(again, "--seed", "7").returncode == 0
    repeat = json.loads(again.read_text())
    assert repeat["open_P_by_step"] == check["open_P_by_step"]
    assert repeat["bonding_by_step"] == check["bonding_by_step"]


def test_npt_on_the_normal_moves_only_the_cells_z_and_says_so(tmp_path):
    from ase.io import read

    out, frames = tmp_path / "npt.json", tmp_path / "npt.extxyz"
    done = _check(out, "--seed", "3", "--npt-z-bar", "1", "--frames", str(frames))
    assert done.returncode == 0, done.stderr[-2000:]
    check = json.loads(out.read_text())
    assert check["md"]["barostat"] == "Berendsen, z only" and check["md"]["pressure_bar"] == 1.0
    assert check["run"].startswith("Berendsen NPT (z only) 1000 K, 1 bar")
    cells = [a.cell.lengths() for a in read(frames, ":")]
    assert len(cells) == 5
    assert all(c[0] == cells[0][0] and c[1] == cells[0][1] for c in cells)     # x and y stay
    z = [b["cell_z_A"] for b in check["bonding_by_step"].values()]
    assert z == pytest.approx([c[2] for c in cells], abs=1e-3) and len(set(z)) > 1   # the barostat moved z
    from teacher_ps4_check import widest_empty_z

    gaps = [b["widest_empty_z_A"] for b in check["bonding_by_step"].values()]
    assert gaps == pytest.approx([widest_empty_z(a) for a in read(frames, ":")], abs=1e-3)


def test_a_nose_hoover_barostat_moves_only_z_and_says_so(tmp_path):
    from ase.io import read

    out, frames = tmp_path / "mtk.json", tmp_path / "mtk.extxyz"
    done = _check(out, "--seed", "3", "--npt-z-bar", "1", "--barostat", "mtk", "--frames", str(frames))
    assert done.returncode == 0, done.stderr[-2000:]
    check = json.loads(out.read_text())
    assert check["md"]["barostat"] == "MTK, z only" and check["run"].startswith("Nose-Hoover-chain MTK NPT (z only)")
    cells = [a.cell.lengths() for a in read(frames, ":")]
    assert all(c[0] == cells[0][0] and c[1] == cells[0][1] for c in cells) and len({c[2] for c in cells}) > 1
    refused = _check(tmp_path / "x.json", "--barostat", "mtk")                 # no --npt-z-bar: nothing to drive
    assert refused.returncode == 2 and "--barostat goes with --npt-z-bar" in refused.stderr


def test_relaxation_alone_records_counts_every_50_fire_steps(tmp_path):
    out = tmp_path / "relax.json"
    command = [sys.executable, str(LEARN / "teacher_ps4_check.py"), str(LEARN / "li3ps4_glass_128.extxyz"),
               "-o", str(out), "--teacher", TEACHER, "--steps", "100"]
    done = subprocess.run(command, capture_output=True, text=True, cwd=REPO, timeout=600,
                          env={"PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1", "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr[-2000:]
    check = json.loads(out.read_text())
    assert check["run"] == "FIRE, fmax 0.02" and check["complete"] and "md" not in check
    counts = check["P_with_four_S_within_2.6A_by_step"]
    assert list(counts)[0] == "0" and all(v.endswith("/16") for v in counts.values())
    assert set(check["open_P_by_step"]) == set(counts)
