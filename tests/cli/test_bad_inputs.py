"""Bad inputs found by the reliability campaign (benchmarks/bad_input_campaign.py): each fails early with a
message that names the problem and what to do, or is handled without losing anything."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from sei_lmp.cli import app

LI2S = "example:Li2S.cif"
LIPS = "shipped:LiPS_ace_chgnet.yace"


def invoke(*args, **kwargs):
    return CliRunner().invoke(app, list(map(str, args)), **kwargs)


def flat(result) -> str:
    """The output with the line breaks of rich panels and wrapped lines taken out."""
    return " ".join(re.sub(r"[│╭╮╰╯─]", " ", result.output).split())


def test_deck_over_results_without_a_journal_is_refused(tmp_path):
    """A directory holding a run's dump and final structure (copied in, no runs.jsonl) is a finished result: a
    new deck there would overwrite it."""
    old = tmp_path / "old"
    old.mkdir()
    (old / "production.dump").write_text("ITEM: TIMESTEP\n0\n")
    (old / "final.data").write_text("kept\n")
    result = invoke("deck", "diffusion_nvt", "-s", LI2S, "-p", LIPS, "-o", old)
    assert result.exit_code == 2
    assert "holds results of an earlier run (final.data, production.dump)" in flat(result)
    assert (old / "final.data").read_text() == "kept\n"


def test_deck_output_that_is_a_file(tmp_path):
    (tmp_path / "out.txt").write_text("x")
    result = invoke("deck", "diffusion_nvt", "-s", LI2S, "-p", LIPS, "-o", tmp_path / "out.txt")
    assert result.exit_code == 2 and "is a file, not a directory" in flat(result)


def test_temperatures_that_are_no_numbers(tmp_path):
    result = invoke("deck", "diffusion_nvt", "-s", LI2S, "-p", LIPS, "--temperatures", "600,abc", "-o", tmp_path)
    assert result.exit_code == 2 and "--temperatures takes numbers in K separated by commas, got 'abc'" in flat(result)


def test_truncated_and_nan_data_files(tmp_path):
    from ase.build import bulk

    from sei_lmp.structures import write_lammps_data

    good = tmp_path / "li.data"
    write_lammps_data(bulk("Li", "bcc", a=3.44, cubic=True).repeat(3), good, ["Li"])
    lines = good.read_text().splitlines()
    short = tmp_path / "short.data"
    short.write_text("\n".join(lines[:-10]) + "\n")
    result = invoke("deck", "diffusion_nvt", "-s", short, "-p", "shipped:Li_mtp_L10_mlearn.mtp", "-o", tmp_path / "a")
    assert result.exit_code == 2 and "cannot read LAMMPS data file" in flat(result)
    assert "as many atoms as its header declares" in flat(result)
    atoms_at = lines.index(next(line for line in lines if line.startswith("Atoms"))) + 2
    parts = lines[atoms_at].split()
    lines[atoms_at] = " ".join(parts[:2] + ["nan"] + parts[3:])
    nan = tmp_path / "nan.data"
    nan.write_text("\n".join(lines) + "\n")
    result = invoke("deck", "diffusion_nvt", "-s", nan, "-p", "shipped:Li_mtp_L10_mlearn.mtp", "-o", tmp_path / "b")
    assert result.exit_code == 2 and "has a non-finite coordinate" in flat(result)
    assert "invalid value" not in result.output          # numpy's warning does not reach the user


def test_build_refuses_a_collapsed_or_negative_lattice(tmp_path):
    result = invoke("build", "phase", "Li", "--a", "1.0", "-o", tmp_path / "li.data")
    assert result.exit_code == 2 and "are 0.866 A apart" in flat(result)
    assert not (tmp_path / "li.data").exists()
    result = invoke("build", "phase", "Li", "--a", "-3.4", "-o", tmp_path / "li.data")
    assert result.exit_code == 2 and "--a is a lattice parameter in A and must be positive, got -3.4" in flat(result)


@pytest.mark.parametrize(("protocol", "setting", "message"), [
    ("melt_quench", "t_melt_K=200", "t_melt_K = 200 is not above t_start_K / t_final_K"),
    ("diffusion_nvt", "guards.max_temperature_K=400", "guards.max_temperature_K = 400 is not above temperature_K"),
    ("diffusion_nvt", "dump_every_ps=0.0001", "dump_every_ps = 0.0001 ps is shorter than one time step"),
])
def test_settings_that_contradict_each_other(protocol, setting, message, tmp_path):
    result = invoke("deck", protocol, "-s", LI2S, "-p", LIPS, "--set", setting, "-o", tmp_path / "d")
    assert result.exit_code == 2 and message in flat(result)


def test_a_rounded_stage_length_is_said(tmp_path):
    result = invoke("deck", "diffusion_nvt", "-s", LI2S, "-p", LIPS, "--set", "production_ps=0.15", "-o", tmp_path / "d")
    assert result.exit_code == 0, result.output
    assert "note: production_ps = 0.15 ps is rounded to 0.2 ps (stages are whole thermo intervals" in flat(result)


def test_zero_ranks_and_jobs_are_refused(tmp_path):
    assert invoke("run", tmp_path, "--np", "0").exit_code == 2
    assert "Invalid value for '--np': Input should be greater than or equal to 1" in flat(invoke("run", tmp_path, "--np", "0"))


def test_structure_that_is_a_directory(tmp_path):
    (tmp_path / "adir").mkdir()
    result = invoke("deck", "diffusion_nvt", "-s", tmp_path / "adir", "-p", LIPS, "-o", tmp_path / "d")
    assert result.exit_code == 2 and "is a directory, not a structure file" in flat(result)


def test_potential_that_lacks_an_element_of_the_data_file(tmp_path):
    from ase.build import bulk

    from sei_lmp.structures import write_lammps_data

    data = tmp_path / "lif.data"
    write_lammps_data(bulk("LiF", "rocksalt", a=4.03, cubic=True).repeat(3), data, ["Li", "F"])
    result = invoke("deck", "diffusion_nvt", "-s", data, "-p", "shipped:Li_mtp_L10_mlearn.mtp", "-o", tmp_path / "d")
    assert result.exit_code == 2
    assert "atom type 2 has the mass of F (18.998403), which the potential (species ['Li']) does not describe: " \
           "use a potential with F" in flat(result)


def test_mtp_without_its_card_asks_for_species(tmp_path):
    from ase.build import bulk

    from sei_lmp.data import shipped_potential
    from sei_lmp.structures import write_lammps_data

    bare = tmp_path / "lif.mtp"
    bare.write_text(shipped_potential("LiF_mtp_*.mtp").read_text())
    data = tmp_path / "lif.data"
    write_lammps_data(bulk("LiF", "rocksalt", a=4.1, cubic=True).repeat(3), data, ["Li", "F"])
    result = invoke("deck", "diffusion_nvt", "-s", data, "-p", bare, "-o", tmp_path / "d")
    assert result.exit_code == 2 and "name them with --species in the file's order" in flat(result)


def test_lmp_with_a_launcher_that_is_not_there(tmp_path):
    from sei_lmp.decks import DiffusionNVT, render_deck
    from sei_lmp.io.structure import read_structure
    from sei_lmp.potentials import load_potential
    from sei_lmp.structures import supercell

    pot = load_potential(LIPS)
    atoms = supercell(read_structure(LI2S), cutoff=pot.cutoff)
    directory = render_deck(DiffusionNVT(), atoms, pot, workdir=tmp_path / "b").write(tmp_path / "run")
    result = invoke("run", directory, "--lmp", "nonexistent-launcher lmp")
    assert result.exit_code == 1
    assert "--lmp 'nonexistent-launcher lmp': launcher 'nonexistent-launcher' not found" in flat(result)


def test_until_species_is_an_element_of_the_runs(tmp_path):
    import sys

    sys.path.insert(0, str(__import__("pathlib").Path(__file__).parents[1] / "sweep"))
    from sweep_helpers import sweep_toml

    bad = tmp_path / "xx.toml"
    bad.write_text(sweep_toml("xx", temperatures=(600,), seeds=(1,), extra="[until]\nmin_jumps = 3\nadd_ps = 1\n"
                                                                          'species = "Xx"\n'))
    result = invoke("sweep", "plan", bad, "-o", tmp_path / "x")
    assert result.exit_code == 2 and "until.species must be an element symbol" in flat(result)
    absent = tmp_path / "f.toml"
    absent.write_text(sweep_toml("f", temperatures=(600,), seeds=(1,), extra="[until]\nmin_jumps = 3\nadd_ps = 1\n"
                                                                           'species = "F"\n'))
    result = invoke("sweep", "plan", absent, "-o", tmp_path / "f")
    assert result.exit_code == 2 and "until.species = 'F', but structure 'bcc' has no F (elements ['Li'])" in flat(result)


def test_help_is_not_cut_at_80_columns():
    for command in (["deck"], ["build", "crystal"], ["build", "phase"], ["demo"], ["run"], ["sweep", "run"]):
        result = invoke(*command, "--help", env={"COLUMNS": "80"}, terminal_width=80)
        assert result.exit_code == 0 and "\u2026" not in result.output, command


def test_example_list_holds_structures_only():
    from sei_lmp.data import example_structures

    assert {p.suffix for p in example_structures()} <= {".cif", ".data", ".extxyz"}
