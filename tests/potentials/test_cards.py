"""Species mix-ups do not run silently: a card that belongs to another file (checksum, family, cutoff), names that
contradict the card, or an element order other than the one an ACE file names, are refused with what to fix."""

from __future__ import annotations

import json
import shutil

import pytest

from sei_lmp.data import shipped_potential
from sei_lmp.errors import ConfigurationError
from sei_lmp.potentials import load_potential


def copy_shipped(name, tmp_path):
    source = shipped_potential(name)
    shutil.copy(source, tmp_path / source.name)
    shutil.copy(source.with_name(source.name + ".json"), tmp_path / (source.name + ".json"))
    return tmp_path / source.name


def edit_card(path, **changes):
    card_path = path.with_name(path.name + ".json")
    card = json.loads(card_path.read_text())
    card.update(changes)
    card_path.write_text(json.dumps(card))


def test_shipped_cards_match_their_files():
    for name in ("Li_mtp_L10_mlearn.mtp", "LiF_mtp_L8_chgnet.mtp", "LiPS_mtp_L10_chgnet.mtp", "LiF_ace_chgnet.yace",
                 "LiPS_ace_chgnet.yace"):
        assert load_potential(shipped_potential(name)).species


def test_a_changed_file_is_not_the_one_its_card_describes(tmp_path):
    path = copy_shipped("Li_mtp_L10_mlearn.mtp", tmp_path)
    path.write_text(path.read_text().replace("moment_coeffs = {-2.3", "moment_coeffs = {-2.4", 1))
    with pytest.raises(ConfigurationError, match="is not the file its card describes"):
        load_potential(path)


def test_card_family_and_cutoff_must_be_the_file_s(tmp_path):
    path = copy_shipped("Li_mtp_L10_mlearn.mtp", tmp_path)
    edit_card(path, family="ace")
    with pytest.raises(ConfigurationError, match="says family 'ace' but the file is a 'mtp' potential"):
        load_potential(path)
    edit_card(path, family="mtp", cutoff=6.0)
    with pytest.raises(ConfigurationError, match="says cutoff 6 A but the file has 5 A"):
        load_potential(path)


def test_species_that_contradict_the_card_are_refused(tmp_path):
    lips = shipped_potential("LiPS_mtp_L10_chgnet.mtp")
    with pytest.raises(ConfigurationError, match=r"species given \(Li, S, P\) contradict the card"):
        load_potential(lips, species=["Li", "S", "P"])
    assert load_potential(lips, species=["Li", "P", "S"]).species == ("Li", "P", "S")


def test_ace_element_order_comes_from_the_file(tmp_path):
    ace = tmp_path / "bare.yace"                  # no card: only the file says which element is which
    shutil.copy(shipped_potential("LiPS_ace_chgnet.yace"), ace)
    with pytest.raises(ConfigurationError, match="has the elements Li, P, S in that order, but the species given"):
        load_potential(ace, species=["S", "P", "Li"])
