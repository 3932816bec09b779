"""`sei-lmp deck`: a thin shell over render_deck; writes a runnable deck or says what is wrong."""

from __future__ import annotations

import json
import sys

from typer.testing import CliRunner

from sei_lmp.cli import app

LMP = f"{sys.prefix}/bin/lmp"


def invoke(*args):
    return CliRunner().invoke(app, list(map(str, args)))


def test_deck_from_cif(mtp_reference, validation_dir, tmp_path):
    out = tmp_path / "deck"
    result = invoke("deck", "diffusion_nvt", "-s", validation_dir / "structures" / "Li2S_ICSD60432_moTopo.cif",
                    "-p", mtp_reference / "potentials" / "Li2S_L12_random.mtp", "--species", "Li,S",
                    "--set", "temperature=700", "--set", "production_ps=50", "-o", out)
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["settings"]["temperature_K"] == 700.0 and manifest["elements"] == ["Li", "S"]
    assert "fix production all nvt temp 700 700" in (out / "in.lmp").read_text()
    # the 12-atom conventional cell is repeated, as build does, until every width holds 2 x (cutoff + skin)
    from sei_lmp.io.datafile import read_lammps_data
    from sei_lmp.structures import perpendicular_widths

    data = read_lammps_data(out / "structure.data", ["Li", "S"])
    assert len(data) > 12 and len(data) % 12 == 0
    assert perpendicular_widths(data.cell).min() >= 2 * (5.5 + 2.0) - 1e-6      # max_dist 5.5 A, skin 2 A
    assert f"12 atoms -> {len(data)} atoms" in " ".join(result.output.split())


def test_deck_rejects_unknown_setting(mtp_reference, tmp_path):
    result = invoke("deck", "melt_quench", "-s", mtp_reference / "structures" / "Li2S_af12.lammps-data",
                    "-p", mtp_reference / "potentials" / "Li2S_L12_random.mtp", "--species", "Li,S",
                    "--set", "temprature=3", "-o", tmp_path / "d")
    assert result.exit_code == 2 and "unknown setting 'temprature'" in result.output


def test_deck_checked_against_target_lammps(mtp_reference, tmp_path):
    result = invoke("deck", "melt_quench", "-s", mtp_reference / "structures" / "LiPS_rand32.lammps-data",
                    "-p", mtp_reference / "potentials" / "LiPS_L20_random.mtp", "--species", "Li,P,S",
                    "-b", "lammps", "--lmp", LMP, "-o", tmp_path / "d")
    assert result.exit_code == 2 and "lacks pair style 'mtp'" in result.output
    assert not (tmp_path / "d" / "in.lmp").exists()      # nothing written that cannot run


def test_one_deck_per_temperature_and_run(mtp_reference, tmp_path):
    """Decks at two temperatures, then `sei-lmp run` on one of them (CuAgAu MTP trained by MLIP-3)."""
    out = tmp_path / "decks"
    result = invoke("deck", "diffusion_nvt", "-s", mtp_reference / "structures" / "CuAgAu_fcc27.lammps-data",
                    "-p", mtp_reference / "potentials" / "CuAgAu_L10_trained.mtp", "--species", "Au,Ag,Cu",
                    "--temperatures", "400,800", "--set", "equilibrate_ps=0.04", "--set", "production_ps=0.04",
                    "--set", "md.thermo_every=20", "--set", "md.restart_every=20", "--set", "dump_every_ps=0.02",
                    "-o", out)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["T400K", "T800K"]
    assert "fix production all nvt temp 800 800" in (out / "T800K" / "in.lmp").read_text()
    ran = invoke("run", out / "T400K")
    assert ran.exit_code == 0, ran.output
    assert (out / "T400K" / "final.data").is_file() and "done:" in ran.output
