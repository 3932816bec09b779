"""A potential that gives NaN: the runner stops LAMMPS at the first non-finite thermo value with a message that
says so, instead of a NaN run that ends 'successfully' or a minimiser that never returns."""

from __future__ import annotations

import json
import re

import pytest

from sei_lmp.data import shipped_potential
from sei_lmp.errors import RunFailed
from sei_lmp.run import run_deck
from sei_lmp.run.directory import RunDirectory


@pytest.fixture
def nan_potential(tmp_path):
    """The shipped Li MTP with its first moment coefficient set to NaN (and its card beside it)."""
    source = shipped_potential("Li_mtp_L10_mlearn.mtp")
    text = source.read_text()
    start = text.index("moment_coeffs")
    path = tmp_path / "nan.mtp"
    path.write_text(text[:start] + re.sub(r"\{([-0-9.e+]+)", "{nan", text[start:], count=1))
    card = json.loads(source.with_name(source.name + ".json").read_text())
    card["provenance"].pop("mtp_sha256", None)         # the card of a file the user edited on purpose
    (tmp_path / "nan.mtp.json").write_text(json.dumps(card))
    return path


def test_nan_energies_stop_the_run_with_a_reason(nan_potential, tmp_path):
    from ase.build import bulk

    from sei_lmp.decks import DiffusionNVT, render_deck
    from sei_lmp.potentials import load_potential

    deck = render_deck(DiffusionNVT().with_settings({"production_ps": 1, "equilibrate_ps": 1}),
                       bulk("Li", "bcc", a=3.44, cubic=True).repeat(4), load_potential(nan_potential),
                       workdir=tmp_path / "build")
    directory = deck.write(tmp_path / "run")
    with pytest.raises(RunFailed, match=r"stopped by sei_lmp: non-finite thermo.*\nnon-finite PotEng = nan at step 0"):
        run_deck(directory, progress=False)
    state = RunDirectory(directory).state()
    # stopped at the first thermo row of the minimiser (which, fed NaN forces, used to search without end)
    assert state.state == "failed" and "non-finite PotEng" in state.reason and state.last_step == 0
    assert not RunDirectory(directory).is_done()
