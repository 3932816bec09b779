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


def _edited_potential(tmp_path, value: str):
    """The shipped Li MTP with its first moment coefficient set to ``value`` (and its card beside it)."""
    source = shipped_potential("Li_mtp_L10_mlearn.mtp")
    text = source.read_text()
    start = text.index("moment_coeffs")
    path = tmp_path / "edited.mtp"
    path.write_text(text[:start] + re.sub(r"\{([-0-9.e+]+)", "{" + value, text[start:], count=1))
    card = json.loads(source.with_name(source.name + ".json").read_text())
    card["provenance"].pop("mtp_sha256", None)         # the card of a file the user edited on purpose
    (tmp_path / "edited.mtp.json").write_text(json.dumps(card))
    return path


@pytest.fixture
def nan_potential(tmp_path):
    """A coefficient that overflows at run time: finite in the file, infinite energies in the run."""
    return _edited_potential(tmp_path, "1e308")


def test_nan_coefficient_is_refused_before_the_run(tmp_path):
    from ase.build import bulk

    from sei_lmp.decks import DiffusionNVT, render_deck
    from sei_lmp.potentials import load_potential

    deck = render_deck(DiffusionNVT().with_settings({"production_ps": 1, "equilibrate_ps": 1}),
                       bulk("Li", "bcc", a=3.44, cubic=True).repeat(4),
                       load_potential(_edited_potential(tmp_path, "nan")), workdir=tmp_path / "build")
    directory = deck.write(tmp_path / "run")
    with pytest.raises(RunFailed, match=r"non-finite value 'nan' for moment_coeffs"):
        run_deck(directory, progress=False)


def test_nan_energies_stop_the_run_with_a_reason(nan_potential, tmp_path):
    from ase.build import bulk

    from sei_lmp.decks import DiffusionNVT, render_deck
    from sei_lmp.potentials import load_potential

    deck = render_deck(DiffusionNVT().with_settings({"production_ps": 1, "equilibrate_ps": 1}),
                       bulk("Li", "bcc", a=3.44, cubic=True).repeat(4), load_potential(nan_potential),
                       workdir=tmp_path / "build")
    directory = deck.write(tmp_path / "run")
    with pytest.raises(RunFailed, match=r"stopped by sei_lmp: non-finite thermo.*\nnon-finite PotEng = (nan|inf|-inf) at step 0"):
        run_deck(directory, progress=False)
    state = RunDirectory(directory).state()
    # stopped at the first thermo row of the minimiser (which, fed NaN forces, used to search without end)
    assert state.state == "failed" and "non-finite PotEng" in state.reason and state.last_step == 0
    assert not RunDirectory(directory).is_done()
