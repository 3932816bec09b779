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


def test_a_restart_damaged_in_the_middle_is_named_not_restarted(finished):
    """A restart file that is whole but scrambled (LAMMPS dies inside read_restart) is named as damaged, with what
    to do; nothing is moved, deleted or appended to."""
    run = RunDirectory(finished)
    (run.path / "done").unlink()
    for step, path in run.restarts():
        if step >= run.manifest.total_steps:
            path.unlink()                                       # the run has steps left
    restarts = [p for _, p in run.restarts()]
    newest = restarts[-1]
    raw = bytearray(newest.read_bytes())
    third = len(raw) // 3
    raw[third:2 * third] = b"\xff" * third
    newest.write_bytes(bytes(raw))
    before = snapshot(finished)
    expected = rf"LAMMPS could not read restart file restarts/{newest.name} .*the file is damaged"
    if len(restarts) > 1:
        expected += rf".*Move it aside .* to resume from restarts/{restarts[-2].name}"
    with pytest.raises(RunFailed, match=expected):
        run_deck(finished, progress=False)
    after = snapshot(finished)
    for name in ("production.dump", f"restarts/{newest.name}"):
        assert after[name] == before[name]


def test_a_skipped_restart_is_reported_and_journalled(finished, capsys):
    run = RunDirectory(finished)
    (run.path / "done").unlink()
    restarts = run.restarts()
    newest = restarts[-1][1]
    newest.write_bytes(newest.read_bytes()[:100])
    run_deck(finished, progress=False)
    assert f"skipped incomplete restart file(s) {newest.name}" in capsys.readouterr().err
    assert run.attempts()[-1]["skipped_restarts"] == [newest.relative_to(run.path).as_posix()]


def test_a_finished_run_keeps_its_newest_restarts(finished):
    """md.keep_restarts (default 2): once done, older restart files go; an unfinished run keeps them all."""
    run = RunDirectory(finished)
    steps = [step for step, _ in run.restarts()]
    assert len(steps) == 2 and steps[-1] == run.manifest.total_steps


def test_deck_summary_counts_what_the_run_will_write(cuagau, tmp_path):
    from sei_lmp.decks.summary import summarize

    pot, data = cuagau
    deck = render_deck(DiffusionNVT().with_settings(SETTINGS), data, pot)
    summary = summarize(deck, pot.cutoff)
    total = deck.manifest["total_steps"]
    assert summary.atoms == 27 and summary.steps == total
    assert summary.frames == total // DiffusionNVT().with_settings(SETTINGS).template_context()["dump_every"] + 1
    assert summary.restarts_written == total // 50                  # TINY: md.restart_every = 50
    assert summary.wall_hours_one_core == pytest.approx(11.0 * 27 * total / 3.6e9)
    assert "SMALLER" in " ".join(summary.lines())                   # a 27-atom cell is below 2 x (cutoff + skin)
