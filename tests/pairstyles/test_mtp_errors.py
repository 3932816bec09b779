"""Every bad input to sei/mtp fails at the command that causes it, with a message that says what to do."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from sei_lmp.errors import PluginError
from sei_lmp.run.plugin import start_lammps


@pytest.fixture()
def li2s(mtp_reference):
    return mtp_reference / "potentials" / "Li2S_L12_random.mtp"


@pytest.fixture()
def li2s_data(mtp_reference):
    return mtp_reference / "structures" / "Li2S_af12.lammps-data"


def run_commands(commands):
    lmp = start_lammps()
    try:
        for c in commands:
            lmp.command(c)
    finally:
        lmp.close()


def expect_error(commands, pattern):
    with pytest.raises(Exception, match=pattern):
        run_commands(commands)


def setup(data, units="metal", extra=()):
    return [f"units {units}", "atom_style atomic", *extra, f"read_data {data}"]


def edited(tmp_path, source, old, new, name="bad.mtp", count=1):
    text = source.read_text()
    assert old in text, f"test setup: '{old}' not in {source.name}"
    path = tmp_path / name
    path.write_text(text.replace(old, new, count))
    return path


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("MTP\n", "MPT\n", "first line must be 'MTP'"),
        ("version = 1.1.0", "version = 1.0.2", "unsupported MTP file version '1.0.2'"),
        ("RBChebyshev", "RBShapeev", "radial basis 'RBShapeev' is not supported"),
        ("radial_basis_type = RBChebyshev", "radial_basis_type = RBChebyshev\nmagnetic_basis_type = BChebyshev",
         "magnetic MTP"),
        ("alpha_index_basic = {{0, 0, 0, 0}", "alpha_index_basic = {{7, 0, 0, 0}", "radial function 7, outside 0..2"),
        ("alpha_index_times = {{0, 0, 1, ", "alpha_index_times = {{0, 900, 1, ", "input index outside 0..83"),
        ("alpha_moment_mapping = {0,", "alpha_moment_mapping = {99,", "alpha_moment_mapping entry 0 = 99"),
        ("species_coeffs = {", "species_coeffs = {1.0x, ", "expected a number for species_coeffs, found '1.0x'"),
        ("alpha_scalar_moments", "alpha_scalar_momentz", "unknown key 'alpha_scalar_momentz'"),
    ],
)
def test_malformed_file(old, new, message, li2s, li2s_data, tmp_path):
    bad = edited(tmp_path, li2s, old, new)
    expect_error(setup(li2s_data) + ["pair_style sei/mtp", f"pair_coeff * * {bad}"], re.escape(message))


def test_error_names_file_and_line(li2s, li2s_data, tmp_path):
    bad = edited(tmp_path, li2s, "species_coeffs = {", "species_coeffs = {abc, ")
    line = next(n for n, l in enumerate(bad.read_text().splitlines(), 1) if l.startswith("species_coeffs"))
    expect_error(setup(li2s_data) + ["pair_style sei/mtp", f"pair_coeff * * {bad}"], re.escape(f"bad.mtp:{line}:"))


def test_untrained_template(li2s, li2s_data, tmp_path):
    text = li2s.read_text()
    start = text.index("\tradial_coeffs")
    end = text.index("alpha_moments_count")
    template = text[:start] + text[end:]
    template = template[: template.index("species_coeffs")]
    bad = tmp_path / "template.mtp"
    bad.write_text(template)
    expect_error(setup(li2s_data) + ["pair_style sei/mtp", f"pair_coeff * * {bad}"], "untrained potential")


def test_truncated_file(li2s, li2s_data, tmp_path):
    bad = tmp_path / "cut.mtp"
    bad.write_text(li2s.read_text()[:3000])
    expect_error(setup(li2s_data) + ["pair_style sei/mtp", f"pair_coeff * * {bad}"], "unexpected end of file|untrained")


def test_missing_file(li2s_data):
    expect_error(setup(li2s_data) + ["pair_style sei/mtp", "pair_coeff * * /nonexistent/pot.mtp"],
                 "cannot find potential file '/nonexistent/pot.mtp'")


def test_species_index_out_of_range(li2s, li2s_data):
    expect_error(setup(li2s_data) + ["pair_style sei/mtp", f"pair_coeff * * {li2s} 0 2"],
                 re.escape("atom type 2 is mapped to species 2, but the potential has 2 species"))


def test_more_types_than_species_without_map(li2s):
    cmds = ["units metal", "atom_style atomic", "region b block 0 10 0 10 0 10", "create_box 3 b",
            "pair_style sei/mtp", f"pair_coeff * * {li2s}"]
    expect_error(cmds, re.escape("3 atom types but the potential has only 2 species"))


def test_wrong_number_of_map_entries(li2s, li2s_data):
    expect_error(setup(li2s_data) + ["pair_style sei/mtp", f"pair_coeff * * {li2s} 0 1 1"],
                 re.escape("expected one species per atom type (2 entries)"))


def test_element_names_need_a_card(li2s, li2s_data):
    expect_error(setup(li2s_data) + ["pair_style sei/mtp", f"pair_coeff * * {li2s} Li S"],
                 "does not name its species")


def test_unknown_element(li2s, li2s_data, tmp_path):
    pot = tmp_path / "Li2S.mtp"
    pot.write_text(li2s.read_text())
    (tmp_path / "Li2S.mtp.json").write_text('{"species": ["Li", "S"]}')
    expect_error(setup(li2s_data) + ["pair_style sei/mtp", f"pair_coeff * * {pot} Li F"],
                 re.escape("atom type 2 is mapped to element 'F', which the potential does not have"))


def test_pair_coeff_must_be_star_star(li2s, li2s_data):
    expect_error(setup(li2s_data) + ["pair_style sei/mtp", f"pair_coeff 1 1 {li2s}"], re.escape("must start with * *"))


def test_units_must_be_metal(li2s, li2s_data):
    expect_error(setup(li2s_data, units="real") + ["pair_style sei/mtp"], re.escape("requires 'units metal'"))


def test_newton_pair_on(li2s, li2s_data):
    expect_error(setup(li2s_data, extra=["newton off"]) + ["pair_style sei/mtp", f"pair_coeff * * {li2s}", "run 0"],
                 re.escape("requires newton pair on"))


def test_unknown_pair_style_keyword(li2s_data):
    expect_error(setup(li2s_data) + ["pair_style sei/mtp fast"], re.escape("unknown keyword 'fast'"))


def test_overlapping_atoms(li2s, li2s_data):
    # a second atom exactly on top of atom 1
    first = next(l.split() for l in li2s_data.read_text().split("Atoms")[1].splitlines() if len(l.split()) >= 5)
    x, y, z = first[2:5]
    expect_error(setup(li2s_data) + [f"create_atoms 1 single {x} {y} {z} units box", "pair_style sei/mtp",
                                     f"pair_coeff * * {li2s}", "run 0"], "atoms 1 and 13 overlap")


def test_gamma_needs_active_learning_state(li2s, li2s_data):
    expect_error(setup(li2s_data) + ["pair_style sei/mtp", f"pair_coeff * * {li2s}", "fix g all pair 1 sei/mtp gamma 1"],
                 re.escape("per-atom gamma needs an .almtp file"))


def test_truncated_active_learning_state(mtp_reference, li2s_data, tmp_path):
    almtp = mtp_reference / "active_learning" / "Li2S_L12_random.almtp"
    bad = tmp_path / "cut.almtp"
    bad.write_bytes(almtp.read_bytes()[:20000])
    expect_error(setup(li2s_data) + ["pair_style sei/mtp", f"pair_coeff * * {bad}"], "matrices are truncated")


def test_missing_style_raises():
    with pytest.raises(PluginError, match="sei/doesnotexist"):
        start_lammps(styles=("sei/mtp", "sei/doesnotexist"))


HIDE_ENTRY_POINTS = """
import importlib.metadata as md
_all = md.entry_points
md.entry_points = lambda **kw: [] if kw.get("group") == "lammps.plugins" else _all(**kw)
from sei_lmp.run.plugin import start_lammps
try:
    start_lammps({args})
except Exception as e:
    print(type(e).__name__, e)
"""


def run_isolated(args: str, env_extra=None) -> str:
    """start_lammps in a fresh process whose lammps does not autoload our plugin (as on a cluster)."""
    env = {k: v for k, v in os.environ.items() if k != "LAMMPS_PLUGIN_PATH"}
    env.update(env_extra or {})
    return subprocess.run([sys.executable, "-c", HIDE_ENTRY_POINTS.format(args=args)], capture_output=True,
                          text=True, check=True, env=env).stdout


def test_lammps_without_plugin_raises():
    out = run_isolated("load_plugin=False")
    assert out.startswith("PluginError") and "sei/mtp" in out


def test_failed_plugin_load_raises(tmp_path):
    """LAMMPS only prints a message when `plugin load` fails; start_lammps turns it into an exception."""
    broken = tmp_path / "brokenplugin.so"
    broken.write_bytes(b"not a shared object")
    out = run_isolated("", {"SEI_LMP_PLUGIN": str(broken)})
    assert out.startswith("PluginError") and str(broken) in out


def test_plugin_loads_when_not_autoloaded():
    assert run_isolated("") == ""


@pytest.mark.parametrize(
    ("card", "message"),
    [
        ('{"species": ["Li", "S"], "x": [1, 2,]}', r"cannot read metadata card .*: invalid number at line 1, column 37"),
        ('{"species": "Li S"}', r"\"species\" must be an array of element names"),
        ('{"species": ["Li"]}', r"metadata card .* lists 1 species but the potential has 2"),
        ('{"notes": "caf\\u00e9 \\"quoted\\"", "species": ["Li", "S"]} trailing',
         r"unexpected text after the JSON document at line 1, column 59"),
    ],
)
def test_malformed_metadata_card(tmp_path, li2s, li2s_data, card, message):
    potential = tmp_path / "pot.mtp"
    potential.write_text(li2s.read_text())
    (tmp_path / "pot.mtp.json").write_text(card)
    expect_error(setup(li2s_data) + ["pair_style sei/mtp", f"pair_coeff * * {potential} Li S"], message)


def test_card_species_with_escapes_and_nesting_names_the_types(tmp_path, li2s, li2s_data):
    potential = tmp_path / "pot.mtp"
    potential.write_text(li2s.read_text())
    (tmp_path / "pot.mtp.json").write_text(
        '{"a": {"b": [true, false, null, -1.5e-3, {"c": []}]}, "note": "\\u2713 \\ud83d\\ude00",\n'
        ' "species": ["Li", "S"]}')
    run_commands(setup(li2s_data) + ["pair_style sei/mtp", f"pair_coeff * * {potential} Li S", "run 0"])


def test_non_finite_coefficient_is_refused_at_read_time(li2s, li2s_data, tmp_path):
    """A NaN coefficient (a diverged fit, a damaged file) fails at pair_coeff, not as NaN thermo later."""
    bad = edited(tmp_path, li2s, "species_coeffs = {", "species_coeffs = {nan, ")
    expect_error(setup(li2s_data) + ["pair_style sei/mtp", f"pair_coeff * * {bad}"],
                 re.escape("non-finite value 'nan' for species_coeffs"))
    bad = edited(tmp_path, li2s, "species_coeffs = {", "species_coeffs = {-inf, ", name="inf.mtp")
    expect_error(setup(li2s_data) + ["pair_style sei/mtp", f"pair_coeff * * {bad}"], re.escape("non-finite value '-inf'"))


def test_masses_are_checked_against_the_mapped_elements(tmp_path, li2s, li2s_data):
    """Li2S_af12's type 1 is Li (6.94), type 2 S (32.06): mapping them 'S Li' is refused at init with the
    fix; 'check_masses no' lets a user with altered masses through; the right order runs."""
    potential = tmp_path / "pot.mtp"
    potential.write_text(li2s.read_text())
    (tmp_path / "pot.mtp.json").write_text('{"species": ["Li", "S"]}')
    swapped = setup(li2s_data) + ["pair_style sei/mtp", f"pair_coeff * * {potential} S Li", "run 0"]
    expect_error(swapped, re.escape("atom type 1 has mass 6.94, but pair_coeff maps it to S (standard mass 32.06)"))
    expect_error(swapped, re.escape("add 'check_masses no' to pair_style"))
    run_commands(setup(li2s_data) + ["pair_style sei/mtp check_masses no", f"pair_coeff * * {potential} S Li",
                                     "run 0"])
    run_commands(setup(li2s_data) + ["pair_style sei/mtp", f"pair_coeff * * {potential} Li S", "run 0"])
    expect_error(setup(li2s_data) + ["pair_style sei/mtp check_masses maybe"],
                 re.escape("'check_masses' needs yes or no, got 'maybe'"))
