"""The local runner runs real decks through the venv's `lmp`: to the end, after a kill (resuming from
the latest restart file, with the same numbers as an uninterrupted run), on two MPI ranks, and it
reports LAMMPS errors. The decks follow the renderer's contract (in.lmp + manifest.json)."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from interrupt import kill_after_first_restart

from sei_lmp.errors import ConfigurationError, RunFailed
from sei_lmp.run import latest_restart, read_attempts, run_deck
from sei_lmp.run.directory import RunDirectory

BIN = Path(sys.executable).parent
REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(not (BIN / "lmp").is_file(), reason="no lmp in this venv")

# resume logic of the contract: `-var restart <file>` reads that file instead of the data file
# (is_file() because an `if` cannot compare a path: '/' and '.' are operators there)
DECK = """\
variable restart index none
variable resuming equal is_file(${{restart}})
units metal
atom_style atomic
if "${{resuming}}" then "read_restart ${{restart}}" else "read_data {data}" {setup}
{pair}
timestep 0.001
{fix}
thermo {thermo}
thermo_style custom step temp pe ke etotal press
thermo_modify format float %.15g
shell mkdir restarts
restart {restart_every} restarts/restart.*
run {steps} upto
"""
VELOCITY = "velocity all create 600 4928459 mom yes rot yes dist gaussian"



def li_bcc_data(path: Path, cells: int = 2, a: float = 3.51) -> Path:
    """bcc Li, cells^3 conventional cells, as a LAMMPS data file."""
    grid = np.array([(i, j, k) for i in range(cells) for j in range(cells) for k in range(cells)], float)
    positions = np.concatenate([grid, grid + 0.5]) * a
    lines = ["bcc Li", "", f"{len(positions)} atoms", "1 atom types", ""]
    lines += [f"0 {cells * a} {ax}lo {ax}hi" for ax in "xyz"]
    lines += ["", "Masses", "", "1 6.941", "", "Atoms # atomic", ""]
    lines += [f"{n} 1 {x:.10f} {y:.10f} {z:.10f}" for n, (x, y, z) in enumerate(positions, 1)]
    path.write_text("\n".join(lines) + "\n")
    return path


def snap_pair(validation_dir: Path) -> str:
    snap = validation_dir / "potentials" / "Li_SNAP_mlearn" / "snap"
    return (f"pair_style snap\npair_coeff * * {snap / 'SNAPotential.snapcoeff'} "
            f"{snap / 'SNAPotential.lammps2020plus.snapparam'} Li")


def write_deck(directory: Path, pair: str, data: Path, *, steps: int, fix: str = "fix md all nve",
               thermo: int = 10, restart_every: int = 50, one_rank_only: bool = False,
               setup: tuple[str, ...] = (VELOCITY,)) -> Path:
    """A deck directory as the renderer writes it; ``setup`` runs after read_data on a fresh start."""
    directory.mkdir(parents=True)
    (directory / "in.lmp").write_text(DECK.format(data=data, setup=" ".join(f'"{c}"' for c in setup), pair=pair, fix=fix,
                                                  thermo=thermo, restart_every=restart_every, steps=steps))
    manifest = {"protocol": "test", "backend": "cpu", "switches": [], "total_steps": steps,
                "one_rank_only": one_rank_only, "restart_glob": "restarts/restart.*"}
    (directory / "manifest.json").write_text(json.dumps(manifest))
    return directory


@pytest.fixture
def snap_deck(tmp_path, validation_dir):
    """Factory of SNAP Li decks (16 atoms) in tmp_path."""
    data = li_bcc_data(tmp_path / "li16.data")
    return lambda name, **kw: write_deck(tmp_path / name, snap_pair(validation_dir), data, **kw)


def test_nvt_deck_runs_to_the_end(snap_deck):
    deck = snap_deck("nvt", steps=100, fix="fix md all nvt temp 600 600 0.05")
    result = run_deck(deck, progress=True)
    assert result.returncode == 0 and result.restarted_from is None and not result.already_done
    thermo = result.thermo
    assert list(thermo.columns) == ["Step", "Temp", "PotEng", "KinEng", "TotEng", "Press"]
    assert thermo["Step"].tolist() == list(range(0, 101, 10))
    assert thermo["Step"].dtype == np.int64 and thermo["PotEng"].dtype == np.float64
    assert thermo["Temp"].iloc[0] == pytest.approx(600.0)
    assert np.all(np.isfinite(thermo.to_numpy()))
    assert (deck / "done").is_file() and (deck / "log.lammps").is_file()
    assert not (deck / "log.current.lammps").exists()
    assert latest_restart(deck).name == "restart.100"
    [attempt] = read_attempts(deck)
    assert attempt["status"] == "completed" and attempt["returncode"] == 0 and attempt["restart"] is None
    assert attempt["command"][-2:] == ["restart", "none"]

    # a finished deck is not run again
    again = run_deck(deck, progress=False)
    assert again.already_done and again.thermo.equals(thermo)
    assert len(read_attempts(deck)) == 1


def test_kill_and_resume_matches_an_uninterrupted_run(snap_deck):
    whole = run_deck(snap_deck("whole", steps=300), progress=False)
    deck = snap_deck("killed", steps=300)

    outcome: dict = {}
    kill_after_first_restart(deck, outcome)
    assert "error" in outcome, "the run finished before it could be killed"
    assert isinstance(outcome["error"], RunFailed)
    assert "SIGKILL" in str(outcome["error"]) and str(deck) in str(outcome["error"])
    assert not (deck / "done").exists()
    restart = latest_restart(deck)
    stopped_at = int(restart.name.split(".")[1])
    assert 50 <= stopped_at < 300

    assert RunDirectory(deck).state().state == "interrupted"
    resumed = run_deck(deck, progress=False)
    assert resumed.restarted_from == restart
    first, second = read_attempts(deck)
    # a kill from outside is an interruption, recorded as such, not a LAMMPS failure with a thermo row as its error
    assert first["status"] == "interrupted" and first["returncode"] == -signal.SIGKILL
    assert first["errors"] == ["LAMMPS was killed by signal SIGKILL (stopped from outside: kill, out of memory, "
                               "or the scheduler)"]
    assert second["status"] == "completed" and second["restart"] == f"restarts/restart.{stopped_at}"

    # every thermo step once, and the same numbers as without the interruption
    # (velocity Verlet restarts exactly: positions and velocities are in the restart file)
    steps = list(range(0, 301, 10))
    assert resumed.thermo["Step"].tolist() == steps == whole.thermo["Step"].tolist()
    np.testing.assert_allclose(resumed.thermo.to_numpy(), whole.thermo.to_numpy(), rtol=1e-8, atol=1e-8)
    # the second attempt really recomputed the steps after the restart (it printed them)
    stdout = (deck / "stdout.txt").read_text()
    assert stdout.count("LAMMPS (") == 2 and "Reading restart file" in stdout
    assert (deck / "log.lammps").read_text().count("LAMMPS (") == 2


def running_in_group(pgid: int) -> list[str]:
    """Commands of the live (not zombie) processes in a process group, from `ps`."""
    listing = subprocess.run(["ps", "-eo", "pgid=,stat=,args="], capture_output=True, text=True, check=True)
    return [line for line in listing.stdout.splitlines()
            if line.split()[0] == str(pgid) and not line.split()[1].startswith("Z")]


@pytest.mark.skipif(shutil.which("ps") is None, reason="needs ps")
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_stopping_the_runner_stops_lammps(snap_deck, sig):
    """Ctrl-C or SIGTERM to the Python running run_deck stops LAMMPS too (it runs in a session of
    its own, so nothing else would) and records the attempt as interrupted."""
    # thermo rarely: a LAMMPS that survived would not soon die of writing into the closed pipe
    deck = snap_deck("stopped", steps=2000, thermo=1000)
    runner = subprocess.Popen([sys.executable, "-c", f"from sei_lmp.run.local import run_deck; "
                               f"run_deck({str(deck)!r}, progress=False)"], cwd=REPO)
    deadline = time.monotonic() + 60
    while latest_restart(deck) is None and runner.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    runner.send_signal(sig)
    assert runner.wait(timeout=60) != 0
    [attempt] = read_attempts(deck)
    assert attempt["status"] == "interrupted" and attempt["returncode"] == -signal.SIGTERM
    assert running_in_group(attempt["pid"]) == []    # no process of that LAMMPS is left
    assert not (deck / "log.current.lammps").exists() and "LAMMPS (" in (deck / "log.lammps").read_text()


def test_failing_deck_raises_with_the_lammps_error(snap_deck):
    deck = snap_deck("bad", steps=20)
    text = (deck / "in.lmp").read_text()
    (deck / "in.lmp").write_text(text.replace("timestep 0.001", "timestep 0.001\nfix bad all nve/bogus"))
    with pytest.raises(RunFailed) as failure:
        run_deck(deck, progress=False)
    message = str(failure.value)
    assert "ERROR: Unrecognized fix style 'nve/bogus'" in message
    assert "Last input line: fix bad all nve/bogus" in message
    assert str(deck) in message
    [attempt] = read_attempts(deck)
    assert attempt["status"] == "failed" and attempt["returncode"] != 0
    assert any("nve/bogus" in line for line in attempt["errors"])
    assert not (deck / "done").exists()


def test_refuses_mpi_for_a_one_rank_deck(snap_deck):
    deck = snap_deck("one", steps=20, one_rank_only=True)
    with pytest.raises(ConfigurationError, match="one MPI rank only"):
        run_deck(deck, nprocs=2, progress=False)
    assert not (deck / "runs.jsonl").exists()


def test_not_a_deck(tmp_path):
    with pytest.raises(ConfigurationError, match="manifest.json is missing"):
        run_deck(tmp_path, progress=False)


def test_latest_restart_skips_incomplete_files(snap_deck):
    deck = snap_deck("restarts", steps=100)
    run_deck(deck, progress=False)
    restarts = deck / "restarts"
    assert latest_restart(deck) == restarts / "restart.100"
    # what a kill during writing leaves: an empty file, and one cut off before its end marker
    (restarts / "restart.150").write_bytes(b"")
    (restarts / "restart.200").write_bytes((restarts / "restart.100").read_bytes()[:-40])
    assert latest_restart(deck) == restarts / "restart.100"


def test_longer_deck_goes_on_from_the_last_restart(snap_deck):
    """A finished deck whose total_steps grew (re-rendered longer) continues instead of starting over."""
    deck = snap_deck("extend", steps=50)
    short = run_deck(deck, progress=False)
    (deck / "in.lmp").write_text((deck / "in.lmp").read_text().replace("run 50 upto", "run 80 upto"))
    manifest = json.loads((deck / "manifest.json").read_text())
    (deck / "manifest.json").write_text(json.dumps({**manifest, "total_steps": 80}))
    longer = run_deck(deck, progress=False)
    assert longer.restarted_from.name == "restart.50" and not longer.already_done
    assert longer.thermo["Step"].tolist() == list(range(0, 81, 10))
    assert longer.thermo.iloc[:6].equals(short.thermo)


@pytest.mark.mpi
@pytest.mark.skipif(not (BIN / "mpirun").is_file(), reason="no mpirun in this venv")
def test_two_ranks(tmp_path, mtp_reference):
    """sei/mtp (the plugin loads by itself under mpirun) on 2 ranks gives the 1-rank thermo."""
    data = mtp_reference / "structures" / "CuAgAu_fcc27.lammps-data"
    pair = f"pair_style sei/mtp\npair_coeff * * {mtp_reference / 'potentials' / 'CuAgAu_L10_trained.mtp'}"
    setup = ("replicate 2 2 2", "velocity all create 300 4928459 mom yes rot yes dist gaussian")
    one = run_deck(write_deck(tmp_path / "np1", pair, data, steps=100, setup=setup), progress=False)
    two = run_deck(write_deck(tmp_path / "np2", pair, data, steps=100, setup=setup), nprocs=2,
                   progress=True)
    assert "on 2 procs for 100 steps with 216 atoms" in (tmp_path / "np2" / "stdout.txt").read_text()
    assert read_attempts(tmp_path / "np2")[0]["command"][1:3] == ["-np", "2"]
    assert two.thermo["Step"].tolist() == list(range(0, 101, 10))
    np.testing.assert_allclose(two.thermo.to_numpy(), one.thermo.to_numpy(), rtol=1e-7, atol=1e-6)
    assert latest_restart(tmp_path / "np2").name == "restart.100"    # one file, written by rank 0


def test_refuses_a_second_runner(snap_deck):
    """Two runners on one deck would write the same restart files; the second is refused."""
    deck = snap_deck("busy", steps=10)
    import fcntl
    with (deck / ".run.lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        with pytest.raises(ConfigurationError, match="another run_deck is running"):
            run_deck(deck, progress=False)
    assert not (deck / "runs.jsonl").exists()
