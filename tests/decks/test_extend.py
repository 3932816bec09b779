"""Run until the answer is known: a finished diffusion run lengthened in place continues from its restart and
ends exactly where a run rendered that long from the start ends; run_until extends until a counter is satisfied."""

from __future__ import annotations

import numpy as np
import pytest
from deck_helpers import TINY

from sei_lmp.decks import DiffusionNVT, render_deck
from sei_lmp.errors import ConfigurationError
from sei_lmp.run import run_deck
from sei_lmp.run.directory import RunDirectory
from sei_lmp.sweep.extend import extend_run, run_until

SETTINGS = {**TINY["diffusion_nvt"], "equilibrate_npt": "false", "minimize": "false", "temperature_K": "600"}


def last_frame(dump):
    """Every timestep of a LAMMPS dump once (a resumed run writes its restart step again; readers keep the
    last), and the id-sorted id/x/y/z rows of the last frame."""
    lines = dump.read_text().splitlines()
    steps = [int(lines[i + 1]) for i, ln in enumerate(lines) if ln.startswith("ITEM: TIMESTEP")]
    start = max(i for i, ln in enumerate(lines) if ln.startswith("ITEM: ATOMS")) + 1
    rows = np.array([[float(v) for v in ln.split()] for ln in lines[start:]])
    return sorted(set(steps)), rows[np.argsort(rows[:, 0])]


def deck(cuagau, tmp_path, name, production_ps):
    pot, data = cuagau
    protocol = DiffusionNVT().with_settings({**SETTINGS, "production_ps": production_ps})
    return render_deck(protocol, data, pot, "plugin").write(tmp_path / name)


@pytest.mark.slow
def test_extended_run_equals_a_longer_run(cuagau, tmp_path):
    short = deck(cuagau, tmp_path, "short", 0.1)
    run_deck(short, progress=False)
    manifest = extend_run(short, add_ps=0.1)
    assert manifest.settings["production_ps"] == pytest.approx(0.2)
    assert manifest.extra["extensions"][0]["total_steps"] == manifest.total_steps
    assert not RunDirectory(short).reached_end()            # the done marker of the shorter deck no longer counts
    result = run_deck(short, progress=False)
    assert result.restarted_from is not None                 # continued, not started over

    straight = deck(cuagau, tmp_path, "straight", 0.2)
    run_deck(straight, progress=False)
    steps_a, frame_a = last_frame(RunDirectory(short).production_dump)
    steps_b, frame_b = last_frame(RunDirectory(straight).production_dump)
    assert steps_a == steps_b                                # no frame skipped
    np.testing.assert_allclose(frame_a, frame_b, rtol=0, atol=1e-9)


def test_extension_is_refused_where_it_cannot_apply(cuagau, tmp_path):
    from ase.build import bulk

    from sei_lmp.data import shipped_potential
    from sei_lmp.decks import NEB
    from sei_lmp.potentials import load_potential
    from sei_lmp.structures.migration import vacancy_hop

    short = deck(cuagau, tmp_path, "short", 0.1)
    with pytest.raises(ConfigurationError, match="add_ps must be positive"):
        extend_run(short, add_ps=0)
    pot = load_potential(shipped_potential("Li_mtp_L10_mlearn.mtp"))
    hop = vacancy_hop(bulk("Li", "bcc", a=3.44, cubic=True).repeat(3))
    neb = render_deck(NEB(images=3), hop, pot, workdir=tmp_path / "nb").write(tmp_path / "neb")
    with pytest.raises(ConfigurationError, match="a neb run has no stage to lengthen"):
        extend_run(neb, add_ps=1.0)


@pytest.mark.slow
def test_run_until_extends_until_the_counter_is_satisfied(cuagau, tmp_path):
    run_dir = deck(cuagau, tmp_path, "counted", 0.04)

    def frames(directory):       # a stand-in event counter: production frames dumped so far
        return len(last_frame(RunDirectory(directory).production_dump)[0])

    result = run_until([run_dir], frames, min_count=6, add_ps=0.04, max_rounds=5)
    assert result.enough and result.rounds >= 2
    counts = result.counts[str(run_dir)]
    assert counts == sorted(counts) and counts[-1] >= 6 > counts[0]
    capped = run_until([deck(cuagau, tmp_path, "capped", 0.04)], frames, min_count=10_000, add_ps=0.02,
                       max_rounds=2)
    assert not capped.enough and "after 2 rounds" in capped.reason


def test_run_until_runs_each_round_together_when_asked(tmp_path):
    """``run_many`` gets every short run of a round at once (a pool runs them side by side); extend_run is
    stubbed: this is the loop's bookkeeping, the extension itself is tested above."""
    import sei_lmp.sweep.extend as extend

    dirs = [tmp_path / "a", tmp_path / "b"]
    seen = {str(d): 0 for d in dirs}
    rounds = []

    def run_many(batch):
        rounds.append([p.name for p in batch])
        for d in batch:
            seen[str(d)] += 3 if d.name == "a" else 1

    original = extend.extend_run
    extend.extend_run = lambda d, add_ps: None
    try:
        result = run_until(dirs, lambda d: seen[str(d)], min_count=3, add_ps=1.0, run_many=run_many,
                           max_rounds=5)
    finally:
        extend.extend_run = original
    assert result.enough and rounds == [["a", "b"], ["b"], ["b"]]
    assert result.counts[str(dirs[1])] == [1, 2, 3]
