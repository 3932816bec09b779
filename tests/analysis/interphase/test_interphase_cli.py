"""``sei-lmp analyze interphase`` on an interface deck directory writes profiles, thickness and growth fits."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

sys.path.insert(0, str(Path(__file__).parent))
from test_interface_run import write_dump
from test_profiles_interfaces import SPACING, layered

from sei_lmp.cli import app


def test_interphase_command(tmp_path):
    frames = [layered(12, n, 40 - 12 - n, seed=n) for n in (1, 2, 3, 4, 5, 6)]
    write_dump(tmp_path / "trajectory.dump", frames, 500)
    (tmp_path / "manifest.json").write_text(json.dumps({"protocol": "interface_npt", "elements": ["Li", "F"],
                                                        "settings": {"md": {"timestep_fs": 2.0}}}))
    result = CliRunner().invoke(app, ["analyze", "interphase", str(tmp_path), "--element", "F", "--pure", "0.5,0",
                                      "--bin-width", str(SPACING)])
    assert result.exit_code == 0, result.output
    out = tmp_path / "analysis"
    for name in ("interfaces.csv", "profiles.csv", "thickness.csv", "growth.csv", "profiles.png", "thickness.png"):
        assert (out / name).is_file(), name
    table = pd.read_csv(out / "interfaces.csv")
    assert sorted(table["time_ps"].unique()) == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]       # 500 steps x 2 fs
    assert set(pd.read_csv(out / "growth.csv")["model"]) == {"linear", "parabolic", "two_regime"}
