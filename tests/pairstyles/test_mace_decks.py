"""A MACE potential with a committee (from its metadata card) renders `sei/mace committee ...` lines with
gamma_style sei/mace, and the decks' extrapolation-guard partial runs with them unchanged."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import jinja2
import numpy as np
import pytest

import mace_models as mm
from sei_lmp.errors import ConfigurationError
from sei_lmp.potentials import load_potential
from sei_lmp.run.plugin import MACE_STYLES, mace_available, start_lammps
from sei_lmp.run import layout

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture()
def card_files(tmp_path):
    """Placeholder model files with a card naming a committee: enough for the registry (it never loads torch)."""
    for name in ("a-lammps.pt", "b-lammps.pt", "c-lammps.pt"):
        (tmp_path / name).write_bytes(b"")
    (tmp_path / "a-lammps.pt.json").write_text(json.dumps(
        {"species": ["Li", "F", "S"], "cutoff": 4.5, "committee": ["b-lammps.pt", "c-lammps.pt"]}))
    return tmp_path


def test_committee_from_card_and_argument(card_files):
    pot = load_potential(card_files / "a-lammps.pt")
    assert pot.has_gamma and pot.committee == (card_files / "b-lammps.pt", card_files / "c-lammps.pt")
    block = pot.pair_block("plugin", ["F", "Li"])
    assert block.lines == [f"pair_style sei/mace committee {card_files / 'b-lammps.pt'} {card_files / 'c-lammps.pt'}",
                           f"pair_coeff * * {card_files / 'a-lammps.pt'} F Li"]
    assert block.gamma_style == "sei/mace" and block.styles == ("sei/mace",)
    # upstream styles have no committee: no grade there
    assert pot.pair_block("lammps", ["F", "Li"]).gamma_style is None
    single = pot.with_committee([])
    assert not single.has_gamma and single.pair_block("plugin", ["Li"]).lines[0] == "pair_style sei/mace"
    with pytest.raises(ConfigurationError, match=r"committee model .*missing-lammps.pt of a-lammps.pt does not exist"):
        pot.with_committee([card_files / "missing-lammps.pt"])


@pytest.mark.skipif(not mace_available(), reason=mm.SKIP_REASON)
def test_guard_partial_runs_with_a_committee(tmp_path_factory, tmp_path, monkeypatch):
    base = tmp_path_factory.getbasetemp() / "mace_models"
    driver = mm.cached_model(base, "m1", r_max=4.5, seed=1)[1]
    member = mm.cached_model(base, "m2", r_max=4.5, seed=2)[1]
    driver.with_name(driver.name + ".json").write_text(json.dumps({"species": ["Li", "F", "S"], "cutoff": 4.5}))
    pot = load_potential(driver).with_committee([member])
    block = pot.pair_block("plugin", ["Li", "F"])
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(REPO / "lammps_inputs"), undefined=jinja2.StrictUndefined)
    guard = SimpleNamespace(gamma=True, gamma_every=2, gamma_save=0.0, gamma_break=1e3)
    # the guard, then (after a deck's start, whose reset_timestep an active dump forbids) its dump
    partial = "\n".join(env.get_template(f"_partials/{name}.lmp.j2").render(guard=guard, pair=block, files=layout)
                         for name in ("extrapolation_guard", "extrapolation_dump"))
    assert "fix             gamma all pair 2 sei/mace gamma 1" in partial

    atoms = mm.to_lammps_frame(mm.random_cell(["Li"] * 8 + ["F"] * 8, np.eye(3) * 6.6, seed=9))
    mm.write_lammps_data(atoms, tmp_path / "cell.data", ("Li", "F"))
    lmp = start_lammps(styles=MACE_STYLES)
    monkeypatch.chdir(tmp_path)    # the partial writes extrapolative.dump into the working directory
    try:
        for c in ["units metal", "atom_style atomic", "read_data cell.data", *block.lines,
                  "velocity all create 300 1", "fix nve all nve"]:
            lmp.command(c)
        lmp.commands_string(partial)
        lmp.command("run 4")
        gamma_max = lmp.extract_variable("gamma_max")
    finally:
        lmp.close()
    assert gamma_max > 1e-4
    frames = (tmp_path / "extrapolative.dump").read_text().count("ITEM: TIMESTEP")
    assert frames == 3    # steps 0, 2, 4: every frame is above gamma_save = 0
