"""Card provenance helpers: strict JSON the plugin's card reader accepts, checksums, versions."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from sei_lmp.training.provenance import card_json, file_sha256, script_record, software_versions

POTENTIALS = Path(__file__).resolve().parents[2] / "potentials"


def test_nan_and_inf_become_null_and_numpy_scalars_plain_numbers():
    text = card_json({"a": float("nan"), "b": [np.float64(1.5), np.int64(3), float("-inf")], 2: {"c": np.inf}})
    assert json.loads(text) == {"a": None, "b": [1.5, 3, None], "2": {"c": None}}
    assert "NaN" not in text and "Infinity" not in text


@pytest.mark.parametrize("card", sorted(POTENTIALS.glob("*.json")), ids=lambda p: p.name)
def test_shipped_cards_are_written_the_way_card_json_writes_them(card):
    text = card.read_text()
    assert card_json(json.loads(text)) == text


def test_checksum_and_versions(tmp_path):
    path = tmp_path / "x.bin"
    path.write_bytes(b"sei_lmp")
    assert file_sha256(path) == hashlib.sha256(b"sei_lmp").hexdigest()
    versions = software_versions("numpy", "no-such-distribution-xyz")
    assert versions["numpy"] == np.__version__ and "no-such-distribution-xyz" not in versions and "python" in versions


@pytest.mark.parametrize("card", sorted(POTENTIALS.glob("*_chgnet*.json")), ids=lambda p: p.name)
def test_script_record_is_what_the_shipped_cards_hold(card):
    """The make_*.py scripts write script/command/seed/date through script_record: a shipped card's record, rebuilt
    from its own script, arguments and seed, gives the same keys in the same order and the same command."""
    record = json.loads(card.read_text())["provenance"]
    script = record["script"]
    argv = record["command"].split()[2:]
    rebuilt = script_record(script, argv, record["seed"])
    assert list(rebuilt) == [k for k in record if k in rebuilt] == ["script", "command", "seed", "date"]
    assert rebuilt["command"] == record["command"] and rebuilt["command"].startswith(f"python {script}")
    assert len(rebuilt["date"]) == 10 and rebuilt["date"][4] == "-"
