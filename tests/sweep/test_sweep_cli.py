"""``sei-lmp sweep plan|run|status|collect`` and ``sei-lmp info --lmp --potential``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sei_lmp.cli import app
from sei_lmp.data import shipped_potential
from sei_lmp.decks import DiffusionNVT
from sei_lmp.sweep import collect as collect_module

runner = CliRunner()


@pytest.mark.slow
def test_plan_run_status_collect(write_sweep, tmp_path, monkeypatch):
    out = tmp_path / "out"
    result = runner.invoke(app, ["sweep", "plan", str(write_sweep(temperatures=(600,), seeds=(1, 2))), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "planned 2 runs of diffusion_nvt" in result.output

    result = runner.invoke(app, ["sweep", "status", str(out), "--json"])
    assert result.exit_code == 0, result.output
    assert [r["state"] for r in json.loads(result.output)] == ["pending", "pending"]

    result = runner.invoke(app, ["sweep", "run", str(out), "--jobs", "2"])
    assert result.exit_code == 0, result.output
    assert result.output.count("done") == 2

    result = runner.invoke(app, ["sweep", "status", str(out)])
    assert "2 done, 0 running, 0 interrupted, 0 failed, 0 pending" in result.output

    monkeypatch.syspath_prepend(str(Path(__file__).parent))
    monkeypatch.setattr(DiffusionNVT, "analysis", "test_collect:msd_diffusion")
    monkeypatch.setattr(DiffusionNVT, "group_fit", "test_collect:simple_arrhenius")
    result = runner.invoke(app, ["sweep", "collect", str(out), "--no-plots", "--no-fit"])
    assert result.exit_code == 0, result.output
    assert (out / "collect" / "results.csv").is_file()

    result = runner.invoke(app, ["sweep", "run", str(out), "--executor", "slurm"])
    assert result.exit_code == 0 and "nothing to submit: 2 done of 2 runs" in result.output


def test_cli_errors(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('protocol = "diffusion_nvt"\n[grid]\ntemperature = [600]\n')
    result = runner.invoke(app, ["sweep", "plan", str(bad)])
    assert result.exit_code == 2
    assert "the sweep file needs 'structures'" in result.output
    result = runner.invoke(app, ["sweep", "status", str(tmp_path)])
    assert result.exit_code == 2 and "is not a planned sweep" in result.output


def test_info_reports_backend_per_potential_for_an_lmp():
    lmp = Path(sys.executable).parent / "lmp"
    if not lmp.is_file():
        pytest.skip(f"no lmp next to {sys.executable}")
    result = runner.invoke(app, ["info", "--lmp", str(lmp), "-p", str(shipped_potential("Li_mtp_*.mtp"))],
                           env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    # the pip wheel has no KOKKOS and no upstream mtp: the plugin style is the one chosen
    assert any("kokkos" in ln and "mtp/kk" in ln and "the KOKKOS package" in ln for ln in lines), result.output
    assert any("plugin" in ln and "sei/mtp" in ln and "yes (chosen)" in ln for ln in lines), result.output
    assert any(ln.count("KOKKOS") and "no" in ln for ln in lines)


@pytest.mark.slow
def test_sweep_run_until_lengthens_runs_until_enough_jumps(tmp_path):
    """[until]: a vacancy in bcc Li (Li MTP barrier 0.06 eV) hops often at 600 K; 0.3 ps runs see fewer than
    3 hops, so production is lengthened (from the restarts) until each run has 3, and the runs say so."""
    from sweep_helpers import sweep_toml

    from sei_lmp.sweep.extend import count_jumps

    toml = sweep_toml("until", temperatures=(600,), seeds=(1,), extra="[until]\nmin_jumps = 3\nadd_ps = 0.5\n"
                      "max_rounds = 6\nmin_residence_ps = 0.05\n")
    toml = toml.replace('source = "phase:Li"', f'source = "{_vacancy_cell(tmp_path)}"').replace(
        "supercell = [3, 3, 3]", "").replace("lattice = {a = 3.4426}", "")
    path = tmp_path / "until.toml"
    path.write_text(toml)
    out = tmp_path / "runs"
    runner = CliRunner()
    assert runner.invoke(app, ["sweep", "plan", str(path), "-o", str(out)]).exit_code == 0
    result = runner.invoke(app, ["sweep", "run", str(out), "--jobs", "1"])
    assert result.exit_code == 0, result.output
    assert "until:" in result.output and "enough" in result.output
    run_dir = next((out / "runs").iterdir())
    assert count_jumps(run_dir, "Li", 0.05) >= 3
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["extensions"], "production was not lengthened"


def _vacancy_cell(tmp_path):
    from ase.build import bulk
    from ase.io import write

    cell = bulk("Li", "bcc", a=3.4426, cubic=True).repeat(3)
    del cell[0]
    path = tmp_path / "li_vacancy.extxyz"
    write(path, cell)
    return path
