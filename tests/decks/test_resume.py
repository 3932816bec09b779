"""A rendered protocol deck killed mid-run resumes from its newest restart with nothing lost: the same
final state, every thermo step once, and the MSD file of production complete."""

from __future__ import annotations

import numpy as np
import pytest
from deck_helpers import TINY
from interrupt import kill_after_first_restart

from sei_lmp.decks import DiffusionNVT, render_deck
from sei_lmp.errors import RunFailed
from sei_lmp.run.local import run_deck

SETTINGS = {**TINY["diffusion_nvt"], "equilibrate_npt": "false", "equilibrate_ps": "0.1", "production_ps": "0.4",
            "md.restart_every": "100", "temperature": "500"}


@pytest.mark.slow
def test_killed_diffusion_deck_resumes(cuagau, tmp_path):
    pot, data = cuagau
    deck = render_deck(DiffusionNVT().with_settings(SETTINGS), data, pot, "plugin")
    whole = run_deck(deck.write(tmp_path / "whole"), progress=False)

    killed = deck.write(tmp_path / "killed")
    outcome: dict = {}
    kill_after_first_restart(killed, outcome)
    assert isinstance(outcome.get("error"), RunFailed), "the run finished before it could be killed"
    resumed = run_deck(killed, progress=False)
    assert resumed.restarted_from is not None

    total = deck.manifest["total_steps"]
    steps = resumed.thermo["Step"].tolist()
    assert steps == whole.thermo["Step"].tolist()
    md_start = len(steps) - 1 - steps[::-1].index(0)          # after the minimiser's rows
    assert steps[md_start:] == list(range(0, total + 1, 20))
    # Nose-Hoover state and velocities travel in the restart: the resumed run is the same trajectory
    np.testing.assert_allclose(resumed.thermo["PotEng"], whole.thermo["PotEng"], rtol=1e-7)
    msd_whole = np.loadtxt(tmp_path / "whole" / "msd_Cu.dat")
    msd_resumed = np.loadtxt(killed / "msd_Cu.dat")
    # appended output repeats the step of the restart once (both attempts print it): keep the last
    steps, last = np.unique(msd_resumed[::-1, 0], return_index=True)
    msd_resumed = msd_resumed[::-1][last]
    assert steps.tolist() == msd_whole[:, 0].tolist()
    np.testing.assert_allclose(msd_resumed, msd_whole, rtol=1e-6, atol=1e-10)
