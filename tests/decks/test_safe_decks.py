"""Nothing lost: a deck is not written over a started run (unless forced, and then the old run is moved aside),
and a run whose restart files are all cut off is not silently started over into its old dumps."""

from __future__ import annotations

import pytest
from deck_helpers import TINY
from typer.testing import CliRunner

from sei_lmp.cli import app
from sei_lmp.decks import DiffusionNVT, render_deck
from sei_lmp.errors import ConfigurationError, RunFailed
from sei_lmp.run import run_deck
from sei_lmp.run.directory import RunDirectory

SETTINGS = {**TINY["diffusion_nvt"], "equilibrate_npt": "false", "minimize": "false"}


@pytest.fixture
def finished(cuagau, tmp_path):
    pot, data = cuagau
    directory = render_deck(DiffusionNVT().with_settings(SETTINGS), data, pot).write(tmp_path / "run")
    run_deck(directory, progress=False)
    return directory


def snapshot(directory):
    return {p.relative_to(directory).as_posix(): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


def test_a_deck_is_not_written_over_a_run(finished, cuagau):
    pot, data = cuagau
    before = snapshot(finished)
    deck = render_deck(DiffusionNVT().with_settings({**SETTINGS, "temperature_K": 900}), data, pot)
    with pytest.raises(ConfigurationError, match=r"holds a done run \(1 attempt\(s\)\).*--force"):
        deck.write(finished)
    assert snapshot(finished) == before

    result = CliRunner().invoke(app, ["deck", "diffusion_nvt", "-s", str(data), "-p", str(pot.path),
                                      "--species", "Au,Ag,Cu", "--set", "temperature_K=900", "-o", str(finished)])
    assert result.exit_code == 2 and "holds a done run" in result.output
    assert snapshot(finished) == before                       # not even its structure.data was rewritten

    result = CliRunner().invoke(app, ["deck", "diffusion_nvt", "-s", str(data), "-p", str(pot.path),
                                      "--species", "Au,Ag,Cu", "--set", "temperature_K=900", "-o", str(finished),
                                      "--force"])
    assert result.exit_code == 0, result.output
    moved = [p for p in finished.parent.iterdir() if p.name.startswith("run.replaced-")]
    assert len(moved) == 1 and snapshot(moved[0]) == before   # the old run, whole, beside the new deck
    fresh = RunDirectory(finished)
    assert fresh.manifest.temperature_K == 900 and not fresh.started()


def test_a_deck_that_never_ran_can_be_rewritten(cuagau, tmp_path):
    pot, data = cuagau
    deck = render_deck(DiffusionNVT().with_settings(SETTINGS), data, pot)
    directory = deck.write(tmp_path / "fresh")
    deck.write(directory)                                      # nothing to lose: no refusal
    assert not RunDirectory(directory).started()


def test_all_restarts_cut_off_is_refused_not_restarted(finished):
    run = RunDirectory(finished)
    (run.path / "done").unlink()
    for _, path in run.restarts():
        path.write_bytes(path.read_bytes()[:100])              # cut off, as by a kill while writing
    dump = run.production_dump.read_bytes()
    with pytest.raises(RunFailed, match="every restart file of .* is incomplete"):
        run_deck(finished, progress=False)
    assert run.production_dump.read_bytes() == dump


def test_a_skipped_restart_is_reported_and_journalled(finished, capsys):
    run = RunDirectory(finished)
    (run.path / "done").unlink()
    restarts = run.restarts()
    newest = restarts[-1][1]
    newest.write_bytes(newest.read_bytes()[:100])
    run_deck(finished, progress=False)
    assert f"skipped incomplete restart file(s) {newest.name}" in capsys.readouterr().err
    assert run.attempts()[-1]["skipped_restarts"] == [newest.relative_to(run.path).as_posix()]
