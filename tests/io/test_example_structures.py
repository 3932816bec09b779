"""The example structures the README's commands use ship with sei_lmp and are named example:<file> anywhere."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from sei_lmp.cli import app
from sei_lmp.data import example_structures
from sei_lmp.errors import ConfigurationError
from sei_lmp.io.structure import read_structure


def test_every_readme_example_is_shipped():
    names = {p.name for p in example_structures()}
    assert {"Li2S.cif", "beta-Li3PS4.cif", "Li_LiF.data"} <= names
    li2s = read_structure("example:Li2S.cif")
    assert li2s.get_chemical_formula() == "Li8S4"


def test_partial_occupancies_of_the_example_need_ordering():
    with pytest.raises(ConfigurationError, match="partially occupied sites"):
        read_structure("example:beta-Li3PS4.cif")
    ordered = read_structure("example:beta-Li3PS4.cif", order=True, oxidation_states={"Li": 1, "P": 5, "S": -2})
    assert ordered.get_chemical_formula() == "Li12P4S16"


def test_unknown_example_lists_the_shipped_ones():
    with pytest.raises(ConfigurationError, match="no example structure 'LiF.cif'; shipped: example:Li2S.cif"):
        read_structure("example:LiF.cif")


def test_readme_deck_command_from_an_empty_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = CliRunner().invoke(app, ["deck", "diffusion_nvt", "-s", "example:Li2S.cif", "-p", "shipped:LiPS_ace_chgnet.yace",
                                   "--temperatures", "600,700", "--set", "production_ps=500", "-o", "runs/li2s"])
    assert out.exit_code == 0, out.output
    assert (tmp_path / "runs" / "li2s" / "T600K" / "in.lmp").is_file()
