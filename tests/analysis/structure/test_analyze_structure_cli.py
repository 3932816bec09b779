"""``sei-lmp analyze structure | meltquench | defects | speciation`` write their tables and report errors."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
from ase.io import write
from typer.testing import CliRunner

sys.path.insert(0, str(Path(__file__).parent))
from test_structure_meltquench import write_run

from sei_lmp.cli import app
from sei_lmp.structures import phase

runner = CliRunner()


def test_structure_command(tmp_path):
    write(tmp_path / "lif.extxyz", phase("LiF") * (3, 3, 3))
    result = runner.invoke(app, ["analyze", "structure", str(tmp_path / "lif.extxyz"), "-o", str(tmp_path / "out"),
                                 "--bins", "150"])
    assert result.exit_code == 0, result.output
    cn = pd.read_csv(tmp_path / "out" / "coordination.csv").set_index(["center", "neighbor"])["cn"]
    assert abs(cn["Li", "F"] - 6) < 1e-3
    assert pd.read_csv(tmp_path / "out" / "ptm.csv")["SC"].iloc[0] == 1.0
    assert (tmp_path / "out" / "rdf.png").stat().st_size > 0


def test_meltquench_command(tmp_path, glass):
    run = write_run(tmp_path / "mq", glass)
    result = runner.invoke(app, ["analyze", "meltquench", str(run), "--reference", str(run), "--strict",
                                 "--density-window", "1.9,2.2"])
    assert result.exit_code == 0, result.output
    assert "PASS" in result.output
    # without a density window the density cannot be judged: not a PASS, and --strict says so by its exit code
    unjudged = runner.invoke(app, ["analyze", "meltquench", str(run), "--reference", str(run), "--strict",
                                   "-o", str(tmp_path / "unjudged")])
    assert unjudged.exit_code == 1 and "INCONCLUSIVE" in unjudged.output and "no density window" in unjudged.output
    qa = pd.read_csv(run / "analysis" / "meltquench_qa.csv")
    assert bool(qa["passed"].iloc[0]) and (run / "analysis" / "quench_curve.png").is_file()
    bad = write_run(tmp_path / "xtal", phase("LiF") * (3, 3, 3))
    result = runner.invoke(app, ["analyze", "meltquench", str(bad), "--strict"])
    assert result.exit_code == 1 and "FAIL" in result.output and "residual crystallinity" in result.output


def test_defects_and_speciation_commands(tmp_path):
    ref = phase("LiF") * (2, 2, 2)
    bad = ref.copy()
    del bad[[0, 5]]
    write(tmp_path / "ref.extxyz", ref)
    write(tmp_path / "bad.extxyz", bad)
    result = runner.invoke(app, ["analyze", "defects", str(tmp_path / "bad.extxyz"), "--reference",
                                 str(tmp_path / "ref.extxyz"), "-o", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert pd.read_csv(tmp_path / "defects.csv")["vacancies"].iloc[0] == 2
    result = runner.invoke(app, ["analyze", "speciation", str(tmp_path / "ref.extxyz"), "--phases", "Li,LiF",
                                 "-o", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert pd.read_csv(tmp_path / "phase_fractions.csv")["LiF"].iloc[0] == 1.0


def test_errors_are_reported(tmp_path):
    result = runner.invoke(app, ["analyze", "meltquench", str(tmp_path)])
    assert result.exit_code == 2 and "has no manifest.json: pass a melt-quench deck" in _flat(result.output)
    result = runner.invoke(app, ["analyze", "structure", str(tmp_path / "x.dump"), "--frames", "a:b"])
    assert result.exit_code == 2 and "--frames 'a:b': use 'all'" in _flat(result.output)


def _flat(text: str) -> str:
    """Rich wraps long lines; compare with single spaces."""
    return " ".join(text.split())


def test_defects_of_a_one_element_structure(tmp_path):
    """One type: OVITO's occupancy is a vector, not a table (it raised AxisError)."""
    from ase.build import bulk

    ref = bulk("Li", "bcc", a=3.44, cubic=True).repeat(3)
    bad = ref.copy()
    del bad[[0]]
    write(tmp_path / "ref.extxyz", ref)
    write(tmp_path / "bad.extxyz", bad)
    result = runner.invoke(app, ["analyze", "defects", str(tmp_path / "bad.extxyz"), "--reference",
                                 str(tmp_path / "ref.extxyz"), "-o", str(tmp_path)])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(tmp_path / "defects.csv")
    assert table["vacancies"].iloc[0] == 1 and table["vacancies_Li"].iloc[0] == 1
    assert table["interstitials"].iloc[0] == 0
