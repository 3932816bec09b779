"""`sei-lmp build ...`: a thin shell over sei_lmp.structures; writes data file, extxyz and report."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from sei_lmp.cli import app
from sei_lmp.io import data_file_elements, read_lammps_data

LI_MTP = Path(__file__).resolve().parents[2] / "potentials" / "Li_mtp_L10_mlearn.mtp"    # cutoff 5.0 A, species Li


def invoke(*args):
    return CliRunner().invoke(app, ["build", *map(str, args)])


def test_phase_supercell_from_potential(tmp_path):
    out = tmp_path / "li.data"
    result = invoke("phase", "Li", "-p", LI_MTP, "-o", out)
    assert result.exit_code == 0, result.output
    report = json.loads(out.with_suffix(".json").read_text())
    assert report["supercell"]["cutoff"] == 5.0 and min(report["supercell"]["widths"]) >= 14.0
    atoms = read_lammps_data(out)
    assert len(atoms) == report["natoms"] == 128
    assert out.with_suffix(".extxyz").is_file() and "wrote" in result.output


def test_crystal_order_flag(validation_dir, tmp_path):
    cif = validation_dir / "structures" / "beta-Li3PS4_OBELiX-nhq_ICSD180319_noised_partialLi.cif"
    refused = invoke("crystal", cif, "-o", tmp_path / "x.data")
    assert refused.exit_code == 2 and "pass order=True (CLI: --order)" in " ".join(refused.output.split())
    result = invoke("crystal", cif, "--order", "--oxidation", "Li=1,P=5,S=-2", "--species", "Li,P,S",
                    "-o", tmp_path / "x.data")
    assert result.exit_code == 0, result.output
    assert data_file_elements(tmp_path / "x.data") == ["Li", "P", "S"]
    assert read_lammps_data(tmp_path / "x.data").get_chemical_formula() == "Li12P4S16"


def test_defect_interstitial_report(tmp_path):
    result = invoke("defect", "LiF", "--kind", "interstitial", "--target-atoms", "64", "--species", "Li,F",
                    "-o", tmp_path / "d.data")
    assert result.exit_code == 0, result.output
    rep = json.loads((tmp_path / "d.json").read_text())["defect"]
    assert rep["nearest"]["F"]["distance"] == pytest.approx(4.0173 * np.sqrt(3) / 4)
    assert len(read_lammps_data(tmp_path / "d.data")) == 65


def test_unknown_element_for_potential(tmp_path):
    result = invoke("phase", "LiF", "-p", LI_MTP, "-o", tmp_path / "x.data")
    assert result.exit_code == 2
    assert "element(s) ['F'] that the potential Li_mtp_L10_mlearn.mtp" in " ".join(result.output.split())


def test_amorphous_and_impossible_density(tmp_path):
    result = invoke("amorphous", "LiPO2F2", "--density", "2.1", "-n", "8", "--molecule", "PO2F2",
                    "--species", "Li,P,O,F", "-o", tmp_path / "a.data")
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "a.json").read_text())["density_g_cm3"] == pytest.approx(2.1)
    bad = invoke("amorphous", "LiF", "--density", "12", "-n", "8", "-o", tmp_path / "b.data")
    assert bad.exit_code == 2 and "cannot meet the minimum distances" in " ".join(bad.output.split())


def test_interface_and_strain_limit(tmp_path):
    result = invoke("interface", "Li", "LiF", "--miller-a", "100", "--miller-b", "1,0,0", "--species", "Li,F",
                    "-o", tmp_path / "i.data")
    assert result.exit_code == 0, result.output
    rep = json.loads((tmp_path / "i.json").read_text())["interface"]
    assert rep["max_strain_a"] < 0.03 and rep["max_strain_b"] < 0.03
    bad = invoke("interface", "Li", "LiF", "--max-strain", "0.001", "--max-atoms", "300", "-o", tmp_path / "j.data")
    assert bad.exit_code == 2 and "the smallest strain found is 1.20 %" in " ".join(bad.output.split())
