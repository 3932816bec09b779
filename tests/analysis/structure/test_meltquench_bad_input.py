"""Melt-quench QA on bad or incomplete input: options that are no density window or no fraction are refused by
name, and a run without its final structure is INCONCLUSIVE (nothing could be checked, and why), never FAIL."""

from __future__ import annotations

import json
import socket
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

sys.path.insert(0, str(Path(__file__).parent))
from test_structure_meltquench import write_run

from sei_lmp.analysis.structure import QACriteria, check_melt_quench
from sei_lmp.cli import app
from sei_lmp.errors import ConfigurationError

runner = CliRunner()
USAGE = "error: --density-window takes two numbers LOW,HIGH in g/cm3, low below high (e.g. 1.9,2.2); got "


def _flat(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("window, why", [
    ("abc", "'abc': 'abc' is not a number"),
    ("2.0", "'2.0': 1 number"),
    ("1.9,2.2,2.5", "'1.9,2.2,2.5': 3 numbers"),
    ("1.9,inf", "'1.9,inf': 'inf' is not a finite number"),
    ("2.2,1.9", "low 2.2 >= high 1.9: give the low density first"),
    ("0,2", "low 0: a density is positive"),
])
def test_density_window_that_is_no_window_is_refused(tmp_path, glass, window, why):
    run = write_run(tmp_path / "mq", glass)
    result = runner.invoke(app, ["analyze", "meltquench", str(run), "--density-window", window])
    assert result.exit_code == 2, result.output
    assert USAGE + why in _flat(result.output)
    assert not (run / "analysis").exists()          # refused before anything was analysed


@pytest.mark.parametrize("value", ["5", "-0.1", "1.5"])
def test_max_crystalline_outside_zero_one_is_refused(tmp_path, glass, value):
    run = write_run(tmp_path / "mq", glass)
    result = runner.invoke(app, ["analyze", "meltquench", str(run), "--max-crystalline", value])
    assert result.exit_code == 2, result.output
    assert (f"error: --max-crystalline {float(value):g} is not a fraction: give a value between 0 and 1"
            in _flat(result.output))


def test_criteria_refuse_a_reversed_window_and_a_fraction_above_one():
    with pytest.raises(ConfigurationError, match=r"density_window = \(2.2, 1.9\): the low density must be positive "
                                                 "and below the high one"):
        QACriteria(density_window=(2.2, 1.9))
    with pytest.raises(ConfigurationError, match="density_window = .* must be two numbers"):
        QACriteria(density_window=(2.0,))
    with pytest.raises(ConfigurationError, match="max_crystalline = 5 is a fraction of atoms: give a value between 0 "
                                                 "and 1"):
        QACriteria(max_crystalline=5)
    assert QACriteria(max_crystalline=None, density_window=(1.9, 2.2)).density_window == (1.9, 2.2)


# ---- missing data is not a failed criterion


def test_a_deck_that_never_ran_is_inconclusive_and_says_run_it(tmp_path, glass):
    run = write_run(tmp_path / "mq", None)
    (run / "log.lammps").unlink()
    qa = check_melt_quench(run)
    assert qa.verdict == "INCONCLUSIVE" and qa.reasons == []
    assert qa.missing == [f"{run} has no final.data: the run has not been started; run it with 'sei-lmp run {run}'"]
    result = runner.invoke(app, ["analyze", "meltquench", str(run)])
    assert result.exit_code == 0 and "INCONCLUSIVE" in result.output and "FAIL" not in result.output
    assert f"not checked: {qa.missing[0]}" in _flat(result.output)
    strict = runner.invoke(app, ["analyze", "meltquench", str(run), "--strict"])
    assert strict.exit_code == 1 and "INCONCLUSIVE" in strict.output


def test_a_run_killed_in_the_quench_is_inconclusive_and_says_resume_it(tmp_path, glass):
    run = write_run(tmp_path / "mq", None)
    # the runner was killed with LAMMPS: an attempt without an end record, on this host, its process gone
    (run / "runs.jsonl").write_text(json.dumps({"event": "start", "attempt": 1, "time": "2026-01-01T00:00:00+00:00",
                                                "command": ["lmp"], "restart": None, "nprocs": 1, "pid": 2 ** 22 + 7,
                                                "host": socket.gethostname()}) + "\n")
    qa = check_melt_quench(run)
    assert qa.verdict == "INCONCLUSIVE" and qa.reasons == []
    assert qa.missing == [f"{run}: the run was interrupted (the runner died during the attempt) before it wrote "
                          f"final.data; resume it with 'sei-lmp run {run}'"]


def test_a_failed_run_is_inconclusive_with_lammps_reason(tmp_path, glass):
    run = write_run(tmp_path / "mq", None)
    error = "ERROR: Fix halt condition for fix-id watchdog_temperature met on step 10 with value 9000"
    host = socket.gethostname()
    (run / "runs.jsonl").write_text(
        json.dumps({"event": "start", "attempt": 1, "time": "t0", "command": ["lmp"], "restart": None, "nprocs": 1,
                    "pid": 1, "host": host}) + "\n"
        + json.dumps({"event": "end", "attempt": 1, "time": "t1", "returncode": 1, "status": "failed",
                      "last_step": 0, "errors": [error]}) + "\n")
    (run / "stdout.txt").write_text(f"LAMMPS\n{error}\n")
    qa = check_melt_quench(run)
    assert qa.verdict == "INCONCLUSIVE" and qa.reasons == []
    assert qa.missing[0].startswith(f"{run}: the run failed ({error}) before it wrote final.data; fix that cause, "
                                    f"then run it again with 'sei-lmp run {run}'")
