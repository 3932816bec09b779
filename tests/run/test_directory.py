"""The run directory owns its manifest, journal, restarts, lock and state: Manifest round trip and defaults
for manifests written before multi-replica decks, the replica partitions on the command line, and the state
of a run read from its files alone."""

from __future__ import annotations

import fcntl
import json
import socket
import sys
from pathlib import Path

import pytest

from sei_lmp.errors import ConfigurationError
from sei_lmp.run import Manifest, RunDirectory, build_command, latest_restart, read_attempts
from sei_lmp.run.directory import STATES

#: what render_deck wrote before partitions and data_files existed (keys and order of eeaa66a)
OLD = {"protocol": "diffusion_nvt", "backend": "plugin", "switches": [], "total_steps": 1200,
       "stages": {"equilibrate": 200, "production": 1200, "total": 1200}, "one_rank_only": False,
       "restart_glob": "restarts/restart.*", "pair_style": "sei/mtp", "elements": ["Li", "F"],
       "potential": {"path": "/p/LiF.mtp", "family": "mtp", "species": ["Li", "F"], "provenance": {}},
       "settings": {"temperature": 600.0, "md": {"timestep_fs": 2.0, "seed": 1}},
       "extrapolation_guard": False, "sei_lmp_version": "0.1.0"}
#: a file that passes for a complete restart (it ends with LAMMPS' magic string)
RESTART = b"\0" * 100 + b"LammpS RestartT"


def write(directory: Path, manifest: dict) -> RunDirectory:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "manifest.json").write_text(json.dumps(manifest))
    return RunDirectory(directory)


def test_old_manifest_gets_the_new_defaults(tmp_path):
    manifest = write(tmp_path, OLD).read_manifest()
    assert manifest.partitions == 1 and manifest.data_files == ("structure.data",)
    assert manifest.elements == ("Li", "F") and manifest.total_steps == 1200 and manifest.stages["production"] == 1200
    assert RunDirectory(tmp_path).data_files == [tmp_path / "structure.data"]
    # the old keys come back in the renderer's order, the new ones after them
    assert list(manifest.to_dict())[: len(OLD)] == list(OLD)
    assert {k: v for k, v in manifest.to_dict().items() if k in OLD} == OLD


def test_manifest_round_trip(tmp_path):
    manifest = Manifest.from_dict({**OLD, "partitions": 4, "data_files": ["r0.data", "r1.data", "r2.data", "r3.data"],
                                   "from_a_newer_version": {"x": 1}})
    run = RunDirectory(tmp_path / "neb")
    run.write_deck("# input\n", manifest, {"r0.data": "text\n"})
    assert run.input.read_text() == "# input\n" and (run.path / "r0.data").read_text() == "text\n"
    again = RunDirectory(run.path).read_manifest()
    assert again == manifest
    assert again.extra == {"from_a_newer_version": {"x": 1}}      # unknown keys survive a rewrite
    assert [p.name for p in RunDirectory(run.path).data_files] == ["r0.data", "r1.data", "r2.data", "r3.data"]
    assert again.replace(switches=["-sf", "omp"]).switches == ("-sf", "omp")


def test_write_deck_copies_a_data_file(tmp_path):
    source = tmp_path / "li.data"
    source.write_text("data\n")
    run = RunDirectory(tmp_path / "deck")
    run.write_deck("x\n", OLD, {"structure.data": source})
    assert run.data_file.read_text() == "data\n"
    run.write_deck("x\n", OLD, {"structure.data": run.data_file})     # the file itself: left as it is
    assert run.data_file.read_text() == "data\n"


@pytest.mark.parametrize("change, message", [
    ({"total_steps": -1}, "'total_steps' must be a timestep"),
    ({"restart_glob": "restarts/restart"}, "must contain exactly one '\\*'"),
    ({"switches": "-sf omp"}, "'switches' must be a list of strings"),
    ({"partitions": 0}, "'partitions' must be a positive integer"),
    ({"data_files": []}, "'data_files' must be a non-empty list"),
])
def test_manifest_is_checked(tmp_path, change, message):
    with pytest.raises(ConfigurationError, match=message):
        write(tmp_path, {**OLD, **change}).read_manifest()


def test_missing_keys_and_files(tmp_path):
    with pytest.raises(ConfigurationError, match="manifest.json is missing"):
        RunDirectory(tmp_path).read_manifest()
    run = write(tmp_path, {"protocol": "melt_quench", "elements": ["Li"]})
    with pytest.raises(ConfigurationError, match="lacks backend, switches, total_steps, one_rank_only"):
        run.read_manifest()
    assert run.manifest.elements == ("Li",)       # an analysis needs less than a runner
    (tmp_path / "manifest.json").write_text("{not json")
    with pytest.raises(ConfigurationError, match="render the deck again"):
        RunDirectory(tmp_path).read_manifest()


def test_settings_by_new_and_old_names():
    old = Manifest.from_dict(OLD)
    renamed = Manifest.from_dict({**OLD, "settings": {"temperature_K": 700.0, "md": {"timestep_fs": 0.5}}})
    assert old.temperature_K == 600.0 and renamed.temperature_K == 700.0
    assert old.setting("temperature") == 600.0 and renamed.setting("temperature") == 700.0
    assert old.timestep_fs == 2.0 and renamed.setting("md.timestep_fs") == 0.5
    assert old.setting("md.seed") == 1 and old.setting("production_ps", None) is None
    with pytest.raises(ConfigurationError, match="no setting 'md.timestep_fs'"):
        _ = Manifest.from_dict({**OLD, "settings": {}}).timestep_fs


def test_partitions_on_the_command_line():
    exe = sys.executable     # any executable stands in for lmp and mpirun here
    neb = Manifest.from_dict({**OLD, "partitions": 4, "switches": ["-sf", "omp"]})
    command = build_command(neb, None, nprocs=8, lmp=exe, mpirun=exe)
    assert command[1:3] == ["-np", "8"] and command[3] == exe
    assert command[4:6] == ["-partition", "4x2"]
    assert command[6:] == ["-in", "in.lmp", "-log", "log.current.lammps", "-var", "restart", "none", "-sf", "omp"]
    with pytest.raises(ConfigurationError, match="nprocs must be a multiple of 4, got 6"):
        build_command(neb, None, nprocs=6, lmp=exe, mpirun=exe)
    with pytest.raises(ConfigurationError, match="multiple of 4, got 1"):
        build_command(neb, None, nprocs=1, lmp=exe, mpirun=exe)
    single = build_command(Manifest.from_dict(OLD), "restarts/restart.100", nprocs=1, lmp=exe)
    assert "-partition" not in single and single[0] == exe and single[-1] == "restarts/restart.100"


# ------------------------------------------------------------------------------------------ state

def attempt(run: RunDirectory, number: int, end: dict | None = None, host: str | None = None, pid: int = 0) -> None:
    run.append_attempt("start", number, command=["lmp"], restart=None, nprocs=1, pid=pid,
                       host=host or socket.gethostname())
    if end is not None:
        run.append_attempt("end", number, **end)


@pytest.fixture
def run(tmp_path) -> RunDirectory:
    return write(tmp_path / "run", OLD)


def test_frames_file_prefers_the_production_dump(run):
    assert run.frames_file is None                   # nothing written yet
    run.trajectory.write_text("frames")
    assert run.frames_file == run.trajectory
    run.production_dump.write_text("production frames")
    assert run.frames_file == run.production_dump


def test_pending(run):
    state = run.state()
    assert state.state == "pending" and state.attempts == 0 and state.last_step is None and state.restart is None
    assert set(STATES) == {"done", "running", "interrupted", "failed", "pending"}


def test_done(run):
    (run.path / "restarts").mkdir()
    (run.path / "restarts" / "restart.1200").write_bytes(RESTART)
    attempt(run, 1, {"returncode": 0, "status": "completed", "last_step": 1200, "errors": []})
    assert run.reached_end() and run.is_done()     # the restart at the final step marks it done
    state = run.state()
    assert (state.state, state.attempts, state.last_step, state.restart) == ("done", 1, 1200, "restarts/restart.1200")


def test_done_marker_of_a_shorter_deck_is_dropped(run):
    run.mark_done(600)
    assert not run.reached_end() and not run.is_done()


def test_failed_with_the_lammps_error(run):
    attempt(run, 1, {"returncode": 1, "status": "failed", "last_step": 40, "errors": ["ERROR: boom"]})
    run.stdout.write_text("LAMMPS (22 Jul 2025)\nERROR: Lost atoms: original 54 current 53 (src/thermo.cpp:488)\n")
    state = run.state()
    assert state.state == "failed" and state.reason.startswith("ERROR: Lost atoms") and state.last_step == 40
    run.stdout.unlink()
    assert run.state().reason == "ERROR: boom"        # no output: the attempt's record


def test_failed_before_lammps_started(run):
    run.worker_log.write_text("CONFIGURATION run: no 'lmp' next to this Python nor on PATH\n")
    assert run.state().state == "failed" and "no 'lmp'" in run.state().reason


def test_interrupted(run, tmp_path):
    (run.path / "restarts").mkdir()
    (run.path / "restarts" / "restart.600").write_bytes(RESTART)
    (run.path / "restarts" / "restart.800").write_bytes(b"cut off")       # killed while writing it
    attempt(run, 1, {"returncode": -15, "status": "interrupted", "last_step": 650, "errors": []})
    state = run.state()
    assert state.state == "interrupted" and "stopped from outside" in state.reason
    assert state.restart == "restarts/restart.600" and state.last_step == 650
    assert latest_restart(run.path) == run.path / "restarts" / "restart.600"
    # a runner that died without its end record, on this host
    other = write(tmp_path / "died", OLD)
    attempt(other, 1, pid=2 ** 22 + 7)
    assert other.state().state == "interrupted" and "runner died" in other.state().reason


def test_running(run, tmp_path):
    with run.lock_path.open("w") as handle:        # a runner of this machine holds the lock
        fcntl.flock(handle, fcntl.LOCK_EX)
        assert run.is_locked() and run.state().state == "running"
        with pytest.raises(ConfigurationError, match="another run_deck is running"), run.lock():
            pass
    assert not run.is_locked()
    remote = write(tmp_path / "remote", OLD)
    attempt(remote, 1, host="node042")               # no end record, another host: cannot be checked
    assert remote.state().state == "running" and "node042" in remote.state().reason
    assert read_attempts(remote.path)[0]["host"] == "node042"


def test_interphase_analysis_reads_the_time_step(tmp_path):
    """It used to assume 1 fs when the manifest had no time step; now it says so."""
    from sei_lmp.analysis.interphase.run import _timestep_ps, analyze_interface_run

    write(tmp_path / "two", {"protocol": "interface_npt", "settings": {"md": {"timestep_fs": 2.0}}})
    assert _timestep_ps(tmp_path / "two") == pytest.approx(0.002)
    write(tmp_path / "none", {"protocol": "interface_npt", "elements": ["Li", "F"], "settings": {}})
    with pytest.raises(ConfigurationError, match="manifest.json: the manifest has no setting 'md.timestep_fs'"):
        analyze_interface_run(tmp_path / "none")
