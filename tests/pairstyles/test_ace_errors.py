"""Every bad input to sei/ace fails at the command that causes it, with a message that says what is wrong,
where (file:line for potential files) and what to do."""

from __future__ import annotations

import re

import pytest

from sei_lmp.run.plugin import start_lammps


@pytest.fixture(scope="module")
def pots(reference_dir):
    path = reference_dir / "ace" / "potentials"
    if not path.is_dir():
        pytest.skip(f"ACE reference potentials not found in {path}")
    return path


@pytest.fixture(scope="module")
def cu_data(reference_dir):
    return reference_dir / "ace" / "structures" / "Cu_fcc32.lammps-data"


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


def edited(tmp_path, source, old, new, name="bad.yace"):
    text = source.read_text()
    assert old in text, f"test setup: '{old}' not in {source.name}"
    path = tmp_path / name
    path.write_text(text.replace(old, new, 1))
    return path


def line_of(path, needle):
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


@pytest.mark.parametrize(
    ("old", "new", "message", "marker"),
    [
        ("ndensity: 2, FS", "ndensity: two, FS", "expected an integer for ndensity, found 'two'", "ndensity: two"),
        ("radbasename: ChebExpCos", "radbasename: ChebFoo", "unknown radial basis 'ChebFoo'", "ChebFoo"),
        ("npoti: FinnisSinclairShiftedScaled", "npoti: Polynomial", "unknown embedding function (npoti) 'Polynomial'",
         "Polynomial"),
        ("inner_cutoff_type: distance", "inner_cutoff_type: sharp", "unknown inner_cutoff_type 'sharp'", "sharp"),
        ("rcut: 7, ", "", "missing key 'rcut' in bonds[0, 0]", "[0, 0]:"),
        ("ms_combs: [0, 0, 1, -1], ctildes: [0.047", "ms_combs: [0, 0, 1, -1, 1], ctildes: [0.047",
         "ms_combs has 5 entries, expected num_ms_combs x rank = 4", "ms_combs: [0, 0, 1, -1, 1]"),
        ("ns: [1, 1], ls: [1, 1], ms_combs: [0, 0, 1, -1]", "ns: [1, 9], ls: [1, 1], ms_combs: [0, 0, 1, -1]",
         "n = 9 outside 1..3", "ns: [1, 9]"),
        ("ls: [1, 1], ms_combs: [0, 0, 1, -1]", "ls: [1, 1], ms_combs: [0, 0, 2, -2]", "m = 2 exceeds l = 1",
         "ms_combs: [0, 0, 2, -2]"),
        ("radparameters: [5.25]", "radparameters: [5.25", "unbalanced brackets", "radparameters: [5.25"),
        ("FS_parameters: [1, 1, 1, 0.5]", "FS_parameters: [1, 1, 1]", "FS_parameters has 3 numbers but ndensity = 2",
         "FS_parameters: [1, 1, 1]"),
    ],
)
def test_malformed_yace(old, new, message, marker, pots, cu_data, tmp_path):
    bad = edited(tmp_path, pots / "Cu-I.yace", old, new)
    line = line_of(bad, marker)
    expect_error(setup(cu_data) + ["pair_style sei/ace", f"pair_coeff * * {bad} Cu"],
                 re.escape(f"bad.yace:{line}: ") + ".*" + re.escape(message))


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("lmax=6", "lmax=six", "expected an integer for lmax, found 'six'"),
        ("radbasename=ChebPow", "radbasename=ChebCheb", "unknown radial basis 'ChebCheb'"),
        ("nelements=1\nelements: Cu", "nelements=2\nelements: Cu Ag", "multi-element .ace files are not supported"),
        ("num_ms=2\n< 0  0 >:", "num_ms=2\n< 0  0 0 >:", "expected '>:'"),
    ],
)
def test_malformed_ace(old, new, message, pots, cu_data, tmp_path):
    bad = edited(tmp_path, pots / "Cu-PBE-core-rep.ace", old, new, name="bad.ace")
    expect_error(setup(cu_data) + ["pair_style sei/ace", f"pair_coeff * * {bad} Cu"],
                 re.escape("bad.ace:") + r"\d+: .*" + re.escape(message))


def test_truncated_ace(pots, cu_data, tmp_path):
    bad = tmp_path / "cut.ace"
    bad.write_text((pots / "Cu-PBE-core-rep.ace").read_text()[:200000])
    expect_error(setup(cu_data) + ["pair_style sei/ace", f"pair_coeff * * {bad} Cu"], "unexpected end of file")


@pytest.mark.parametrize(
    ("old", "new", "message", "marker"),
    [
        ("c: [0.12769446893111333, -0.19108676308341596]}", "c: [0.12769446893111333]}",
         "c has 1 coefficients but Cu has ndensityi = 2", "c: [0.12769446893111333]}"),
        ("nl: [1, 1], c:", "nl: [1, 1], lint: [1], c:", "lint must have rank - 2 = 0 entries", "lint: [1]"),
        ("radbase: ChebExpCos", "radbase: Gauss", "unknown radial basis 'Gauss'", "- speciesblock: Cu"),
        ("type: Cu Cu Cu, nr: [1, 1], nl: [0, 0]", "type: Cu Cu Ag, nr: [1, 1], nl: [0, 0]",
         "element 'Ag' has no single-element speciesblock", "Cu Cu Ag"),
    ],
)
def test_malformed_bbasis_yaml(old, new, message, marker, pots, cu_data, tmp_path):
    bad = edited(tmp_path, pots / "Cu-I.yaml", old, new, name="bad.yaml")
    line = line_of(bad, marker)
    expect_error(setup(cu_data) + ["pair_style sei/ace", f"pair_coeff * * {bad} Cu"],
                 re.escape(f"bad.yaml:{line}: ") + ".*" + re.escape(message))


def test_unknown_element(pots, cu_data):
    expect_error(setup(cu_data) + ["pair_style sei/ace", f"pair_coeff * * {pots / 'Cu-I.yace'} Ag"],
                 re.escape("atom type 1 is mapped to element 'Ag', which the potential does not have; "
                           "its species are [0 (Cu)]"))


def test_wrong_number_of_elements(pots, cu_data):
    expect_error(setup(cu_data) + ["pair_style sei/ace", f"pair_coeff * * {pots / 'Cu-I.yace'} Cu Cu"],
                 re.escape("expected one species per atom type (1 entries)"))


def test_missing_file(cu_data):
    expect_error(setup(cu_data) + ["pair_style sei/ace", "pair_coeff * * /nonexistent/pot.yace Cu"],
                 re.escape("cannot find potential file '/nonexistent/pot.yace'"))


def test_units_must_be_metal(cu_data):
    expect_error(setup(cu_data, units="real") + ["pair_style sei/ace"], re.escape("requires 'units metal'"))


def test_newton_pair_on(pots, cu_data):
    expect_error(setup(cu_data, extra=["newton off"]) + ["pair_style sei/ace", f"pair_coeff * * {pots / 'Cu-I.yace'} Cu",
                                                         "run 0"], re.escape("requires newton pair on"))


def test_unknown_keyword(cu_data):
    expect_error(setup(cu_data) + ["pair_style sei/ace fast"], re.escape("unknown keyword 'fast'; usage: pair_style sei/ace"))


def test_pace_keyword_explained(cu_data):
    expect_error(setup(cu_data) + ["pair_style sei/ace recursive"],
                 re.escape("'recursive' is a pair_style pace keyword; sei/ace always evaluates the product form"))


def test_activeset_needs_two_files(cu_data):
    expect_error(setup(cu_data) + ["pair_style sei/ace activeset pot.yaml"], re.escape("'activeset' needs two files"))


def test_gamma_needs_active_set(pots, cu_data):
    expect_error(setup(cu_data) + ["pair_style sei/ace", f"pair_coeff * * {pots / 'Cu-I.yace'} Cu",
                                   "fix g all pair 1 sei/ace gamma 1"],
                 re.escape("per-atom gamma needs the B-basis .yaml and its active set .asi: use 'pair_style sei/ace "
                           "activeset pot.yaml pot.asi'"))


def test_overlapping_atoms(pots, cu_data):
    first = next(l.split() for l in cu_data.read_text().split("Atoms")[1].splitlines() if len(l.split()) >= 5)
    x, y, z = first[2:5]
    expect_error(setup(cu_data) + [f"create_atoms 1 single {x} {y} {z} units box", "pair_style sei/ace",
                                   f"pair_coeff * * {pots / 'Cu-I.yace'} Cu", "run 0"], "atoms 1 and 33 overlap")


def test_active_set_of_another_potential(pots, cu_data):
    expect_error(setup(cu_data) + [f"pair_style sei/ace activeset {pots / 'Cu-I.yaml'} {pots / 'DFT10B-AgCu.asi'}",
                                   f"pair_coeff * * {pots / 'Cu-I.yace'} Cu"],
                 re.escape("DFT10B-AgCu.asi: array 'Ag' names no element of the potential"))


def test_active_set_size_mismatch(pots, cu_data, tmp_path):
    import numpy as np

    bad = tmp_path / "small.asi"
    with open(bad, "wb") as out:
        np.savez(out, Cu=np.eye(5))
    expect_error(setup(cu_data) + [f"pair_style sei/ace activeset {pots / 'Cu-I.yaml'} {bad}",
                                   f"pair_coeff * * {pots / 'Cu-I.yace'} Cu"],
                 re.escape("the active set of Cu is 5 x 5, but") + ".*" + re.escape("has 82 functions for it"))


def test_compressed_active_set(pots, cu_data, tmp_path):
    import numpy as np

    bad = tmp_path / "zipped.asi"
    with open(bad, "wb") as out:
        np.savez_compressed(out, Cu=np.eye(82))
    expect_error(setup(cu_data) + [f"pair_style sei/ace activeset {pots / 'Cu-I.yaml'} {bad}",
                                   f"pair_coeff * * {pots / 'Cu-I.yace'} Cu"],
                 re.escape("member 'Cu.npy' is compressed; save the active set uncompressed"))


def test_activeset_yaml_must_be_bbasis(pots, cu_data):
    expect_error(setup(cu_data) + [f"pair_style sei/ace activeset {pots / 'Cu-I.yace'} {pots / 'Cu-I.asi'}",
                                   f"pair_coeff * * {pots / 'Cu-I.yace'} Cu"],
                 re.escape("not a pacemaker B-basis .yaml (no 'species' list)"))


def test_non_finite_coefficient_is_refused_at_read_time(pots, cu_data, tmp_path):
    source = pots / "Cu-I.yace"
    text = source.read_text()
    start = text.index("ctildes: [") + len("ctildes: [")
    bad = tmp_path / "nan.yace"
    bad.write_text(text[:start] + "nan, " + text[start + text[start:].index(",") + 2:])
    expect_error(setup(cu_data) + ["pair_style sei/ace", f"pair_coeff * * {bad} Cu"],
                 re.escape("non-finite value 'nan' for"))


def test_masses_are_checked_against_the_mapped_elements(pots, cu_data, tmp_path):
    """The Cu data file with its mass changed to Li's: refused, unless 'check_masses no'."""
    source = pots / "Cu-I.yace"
    data = tmp_path / "cu_light.data"
    text = cu_data.read_text()
    masses = text.index("Masses")
    line_end = text.index("\n", text.index("1 ", masses))
    data.write_text(text[:masses] + "Masses\n\n1 6.94" + text[line_end:])
    expect_error(setup(data) + ["pair_style sei/ace", f"pair_coeff * * {source} Cu", "run 0"],
                 re.escape("atom type 1 has mass 6.94, but pair_coeff maps it to Cu (standard mass 63.55)"))
    run_commands(setup(data) + ["pair_style sei/ace check_masses no", f"pair_coeff * * {source} Cu", "run 0"])
