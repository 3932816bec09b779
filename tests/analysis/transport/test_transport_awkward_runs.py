"""Awkward run directories for the transport analysis: a run the watchdog stopped, a run too short to leave
the ballistic regime (no D, however many A^2/ps its slope shows), and a species the run lacks (the error is a
line of its own, never glued to the dump's progress bar)."""

from __future__ import annotations

import json
import socket
import warnings

import numpy as np
import pytest
from transport_synth import write_dump
from typer.testing import CliRunner

from sei_lmp.analysis.transport import TransportWarning, analyze_run, fit_diffusion
from sei_lmp.cli import app
from sei_lmp.errors import ConfigurationError
from sei_lmp.run.directory import Manifest, RunDirectory

WATCHDOG = "ERROR: Fix halt condition for fix-id watchdog_temperature met on step 10 with value 494.97577356812"
BOX = 10.3


def write_run(directory, positions=None, elements=("Li",), types=None, dump=True):
    """A diffusion_nvt run directory as the runner leaves it: manifest and, with ``dump``, production.dump of
    ``positions`` (frames every 10 fs steps of 1 fs: 0.01 ps)."""
    run = RunDirectory(directory)
    run.path.mkdir(parents=True)
    Manifest(protocol="diffusion_nvt", backend="plugin", elements=tuple(elements),
             settings={"temperature_K": 600.0, "md": {"timestep_fs": 1.0}}).write(run.path)
    if dump:
        n_frames, n_atoms = positions.shape[:2]
        write_dump(run.production_dump, np.arange(n_frames) * 10, np.broadcast_to(np.eye(3) * BOX, (n_frames, 3, 3)),
                   positions, np.ones(n_atoms, int) if types is None else types)
    return run


def ballistic(n_frames=11, n_atoms=54, speed_A_ps=4.0, seed=0):
    """Atoms flying straight on (the first tenth of a ps of MD): MSD = v^2 t^2, log-log slope 2."""
    rng = np.random.default_rng(seed)
    start = rng.uniform(0, BOX, (n_atoms, 3))
    velocity = rng.normal(size=(n_atoms, 3))
    velocity *= speed_A_ps / np.linalg.norm(velocity, axis=1, keepdims=True)
    t = np.arange(n_frames) * 0.01
    return start[None] + t[:, None, None] * velocity[None]


def failed_journal(run: RunDirectory) -> None:
    """The journal and output of a run the temperature watchdog stopped at step 10 (no production yet)."""
    host = socket.gethostname()
    records = [{"event": "start", "attempt": 1, "time": "2026-01-01T00:00:00+00:00", "command": ["lmp"],
                "restart": None, "nprocs": 1, "pid": 1, "host": host},
               {"event": "end", "attempt": 1, "time": "2026-01-01T00:00:01+00:00", "returncode": 1,
                "status": "failed", "last_step": 0, "errors": [WATCHDOG, "Last input line: run 50 upto"]}]
    run.attempts_path.write_text("".join(json.dumps(r) + "\n" for r in records))
    run.stdout.write_text(f"LAMMPS (22 Jul 2025)\n{WATCHDOG}\n")


def _flat(text: str) -> str:
    return " ".join(text.split())


# ---- a run the watchdog stopped: say it failed, and why, before the missing dump


def test_a_failed_run_says_it_failed_and_why(tmp_path):
    run = write_run(tmp_path / "T600K", dump=False)
    failed_journal(run)
    with pytest.raises(ConfigurationError) as info:
        analyze_run(run.path)
    message = str(info.value)
    assert message.startswith(f"{run.path}: the run failed ({WATCHDOG}) before it wrote production.dump; ")
    assert f"'sei-lmp run {run.path}'" in message and "reached production" not in message
    result = CliRunner().invoke(app, ["analyze", "run", str(run.path), "-o", str(tmp_path / "a.csv")])
    assert result.exit_code == 2
    assert f"error: {run.path}: the run failed ({WATCHDOG})" in _flat(result.output)


def test_a_run_never_started_says_so(tmp_path):
    run = write_run(tmp_path / "T600K", dump=False)
    with pytest.raises(ConfigurationError, match="has no production.dump: the run has not been started; run it "
                                                 "with 'sei-lmp run "):
        analyze_run(run.path)


def test_the_dump_of_a_failed_run_is_analysed_with_a_note(tmp_path):
    run = write_run(tmp_path / "T600K", ballistic(n_frames=40, speed_A_ps=40.0))
    failed_journal(run)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        analyze_run(run.path)
    notes = [str(w.message) for w in caught if "the run failed" in str(w.message)]
    assert notes == [f"{run.path}: the run failed ({WATCHDOG}): this analyses the part of production.dump written "
                     f"so far; finish it with 'sei-lmp run {run.path}'"]


# ---- too short for a D: the README's rule (fewer than 10 effective hops -> NaN) holds while still ballistic


def test_a_ballistic_msd_with_few_hops_is_an_upper_bound_not_a_d():
    t = np.arange(11) * 0.01                                   # 0.1 ps
    msd = 16.0 * t ** 2                                        # still ballistic: log-log slope 2
    fit = fit_diffusion(t, msd, n_atoms=54, hop_length_A=2.5)
    assert fit.effective_hops < 10
    assert fit.status == "upper_bound" and np.isnan(fit.D_cm2_s) and np.isnan(fit.D_err_cm2_s)
    assert fit.D_upper_cm2_s > 0
    assert fit.reason.startswith("too few hops and no diffusive regime: the slope implies ")
    assert "grows faster than linearly" in fit.reason and "run well beyond" in fit.reason
    # with many hops a faster-than-linear MSD keeps its number, flagged as not a diffusion coefficient
    fast = fit_diffusion(t, 1e4 * t ** 2, n_atoms=54, hop_length_A=2.5)
    assert fast.effective_hops > 10 and fast.status == "superdiffusive" and np.isfinite(fast.D_cm2_s)


def test_a_0_1_ps_run_gets_no_d(tmp_path):
    run = write_run(tmp_path / "T600K", ballistic())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TransportWarning)
        row = analyze_run(run.path, species=["Li"]).iloc[0]
    assert row["effective_hops"] < 10
    assert np.isnan(row["D_cm2_s"]) and np.isnan(row["sigma_NE_mS_cm"])
    assert row["D_status"] == "upper_bound" and row["D_upper_cm2_s"] > 0
    assert row["D_note"].startswith("too few hops and no diffusive regime")


# ---- a species the run lacks: the error starts its own line


def _error_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if "error:" in line]


def test_species_absent_from_the_deck_is_refused_before_the_dump_is_read(tmp_path):
    run = write_run(tmp_path / "T600K", ballistic())
    result = CliRunner().invoke(app, ["analyze", "diffusion", str(run.path), "--species", "F",
                                      "-o", str(tmp_path / "tr")])
    assert result.exit_code == 2
    lines = _error_lines(result.output)
    assert lines and lines[0].startswith(f"error: {run.path} has no F atoms: its atom types are Li"), result.output
    assert "reading production.dump" not in result.output


def test_species_absent_from_the_dump_ends_the_progress_bar_first(tmp_path):
    # the deck has an F type, but no F atom (a pure Li run made with a Li-F potential): found while reading
    run = write_run(tmp_path / "T600K", ballistic(), elements=("Li", "F"))
    result = CliRunner().invoke(app, ["analyze", "diffusion", str(run.path), "--species", "F",
                                      "-o", str(tmp_path / "tr")])
    assert result.exit_code == 2
    lines = _error_lines(result.output)
    assert lines and lines[0].startswith("error: ") and "has no F atoms" in lines[0], result.output
