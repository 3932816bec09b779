"""``InterphaseResult`` owns the files and figures of ``sei-lmp analyze interphase``: ``write()`` gives the
same files with the same contents as before, growth fits and the thickness figure only with enough frames."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))
from test_interface_run import write_dump
from test_profiles_interfaces import SPACING, layered

from sei_lmp.analysis.interphase import InterphaseResult, analyze_interface_run, growth_table, thickness_vs_time


def interface_run(directory: Path, n_frames: int) -> Path:
    directory.mkdir()
    frames = [layered(12, n, 40 - 12 - n, seed=n) for n in range(1, n_frames + 1)]
    write_dump(directory / "trajectory.dump", frames, 500)
    (directory / "manifest.json").write_text(json.dumps({"protocol": "interface_npt", "elements": ["Li", "F"],
                                                         "settings": {"md": {"timestep_fs": 2.0}}}))
    return directory


def test_write_and_plot_with_growth(tmp_path):
    run = interface_run(tmp_path / "run", 6)
    result = InterphaseResult(analyze_interface_run(run, element="F", pure=(0.5, 0.0), bin_width=SPACING))
    written = result.write(tmp_path / "out")
    assert [p.name for p in written] == ["interfaces.csv", "profiles.csv", "thickness.csv", "profiles.png",
                                         "growth.csv", "thickness.png"]
    out = tmp_path / "out"
    pd.testing.assert_frame_equal(pd.read_csv(out / "thickness.csv"), thickness_vs_time(result.table),
                                  check_dtype=False)
    assert pd.read_csv(out / "growth.csv")["model"].tolist() == growth_table(result.table)["model"].tolist()
    assert len(pd.read_csv(out / "profiles.csv")) == len(result.profiles) and result.marker == "F"
    ax = result.plot()
    assert ax.get_ylabel() == "fraction of F" and len(ax.get_lines()) == 3          # first, middle, last frame
    assert result.plot_thickness().get_ylabel() == "thickness (A)"


def test_few_frames_give_no_growth_fit(tmp_path):
    run = interface_run(tmp_path / "run", 3)
    result = InterphaseResult(analyze_interface_run(run, element="F", pure=(0.5, 0.0), bin_width=SPACING))
    assert result.growth is None
    assert [p.name for p in result.write(tmp_path / "out")] == ["interfaces.csv", "profiles.csv", "thickness.csv",
                                                                 "profiles.png"]
