"""The main job: NVE MD of bcc Li with the shipped MTP through sei/mtp conserves energy."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from sei_lmp.cli import app
from sei_lmp.data import shipped_potential
from sei_lmp.demo import run_nve


@pytest.mark.slow
def test_nve_with_shipped_li_potential():
    result = run_nve(cells=4, steps=1000, temperature=300.0)
    assert result.natoms == 128
    assert shipped_potential("Li_mtp_*.mtp") == result.potential
    # stated bound: |E - E0| < 0.1 meV/atom and |drift| < 0.05 meV/atom/ps over 1 ps at 1 fs
    assert result.max_deviation_mev_per_atom < 0.1
    assert abs(result.drift_mev_per_atom_ps) < 0.05
    assert 200 < result.temperature[len(result.temperature) // 2:].mean() < 400   # equipartition: ~300 K


def test_demo_command_prints_conservation():
    out = CliRunner().invoke(app, ["demo", "--nve", "--cells", "3", "--steps", "200"])
    assert out.exit_code == 0, out.output
    assert "energy drift" in out.output and "meV/atom/ps" in out.output
