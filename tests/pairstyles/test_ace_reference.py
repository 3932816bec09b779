"""pair_style sei/ace against the ML-PACE C-tilde product evaluator (../shared/reference/ace): all 10 cases,
covering the old .ace format, .yace, all inner-cutoff types, core repulsion, 1-3 elements and per-species
ndensity. sei/ace tabulates the radial functions as ML-PACE does (spec ace.md §3.4), so the numbers agree
to rounding: |dE| <= 1e-10 max(1,|E|), |dF| <= 1e-9 max(1,|F|max), |dW| <= 1e-9 max(1,|W|max)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from lammps_eval import LammpsCalc

CASES = ["Cu_fcc32__Cu-PBE-core-rep", "Cu_prim1__Cu-PBE-core-rep", "Cu_short32__Cu-PBE-core-rep", "Cu_fcc32__Cu-I",
         "Cu_short32__Cu-I_distance-variant", "Cu_short32__Cu-I_zbl-variant", "Cu_fcc32__Cu-I_zbl-variant",
         "AlNi_B2_16__Al-Ni_opt_all", "AlCuZn_fcc32__AlCuZn", "AgCu_fcc32__DFT10B-AgCu"]


@pytest.fixture(scope="module")
def ace_reference(reference_dir):
    path = reference_dir / "ace"
    if not (path / "ace_reference_values.json").is_file():
        pytest.skip(f"ACE reference data not found in {path}")
    return path


@pytest.fixture(scope="module")
def values(ace_reference):
    return json.loads((ace_reference / "ace_reference_values.json").read_text())


def voigt(w):
    w = np.asarray(w)
    return np.array([w[0, 0], w[1, 1], w[2, 2], w[0, 1], w[0, 2], w[1, 2]])


def calc_for(ref, ace_reference, style="sei/ace", potential=None, elements=None):
    data = ace_reference / "structures" / f"{ref['structure']}.lammps-data"
    potential = potential or ace_reference / ref["potential"]
    return LammpsCalc(data, style, f"* * {potential} {' '.join(elements or ref['elements'])}")


def test_all_cases_present(values):
    assert sorted(values) == sorted(CASES)


@pytest.mark.parametrize("name", CASES)
def test_matches_mlpace_product_evaluator(name, values, ace_reference):
    ref = values[name]
    with calc_for(ref, ace_reference) as calc:
        out = calc.compute()
    e_ref, f_ref, w_ref = ref["energy"], np.array(ref["forces"]), voigt(ref["virial_eV"])
    assert abs(out["energy"] - e_ref) <= 1e-10 * max(1.0, abs(e_ref))
    assert np.abs(out["forces"] - f_ref).max() <= 1e-9 * max(1.0, np.abs(f_ref).max())
    assert np.abs(out["virial"] - w_ref).max() <= 1e-9 * max(1.0, np.abs(w_ref).max())
    assert np.abs(out["site_energies"] - np.array(ref["site_energies"])).max() <= 1e-10 * max(1.0, abs(e_ref))
    # per-atom virials (half of each pair to each atom) add up to the global virial
    np.testing.assert_allclose(out["atom_virials"].sum(axis=0), out["virial"], rtol=0,
                               atol=1e-9 * max(1.0, np.abs(w_ref).max()))
    assert np.abs(f_ref).max() > 0.5 or name.startswith("Cu_prim1")


@pytest.mark.parametrize("name", ["AlNi_B2_16__Al-Ni_opt_all", "AlCuZn_fcc32__AlCuZn"])
def test_not_the_recursive_evaluator_quirk(name, values, ace_reference):
    """For species with different ndensity, ML-PACE's recursive evaluator (pair_style pace) differs from the
    product one by 0.03..50 eV; sei/ace gives the product numbers."""
    ref = values[name]
    gap = abs(ref["checks"]["recursive_minus_product"]["dE"])
    assert gap > 0.01
    with calc_for(ref, ace_reference) as calc:
        energy = calc.compute()["energy"]
    assert abs(energy - ref["energy"]) < 1e-3 * gap


def test_exact_radial_functions_agree_to_spline_accuracy(values, ace_reference):
    """'pair_style sei/ace exact' skips the tables: energies move by ~1e-11 eV, forces by < 1e-5 eV/A
    (the spline error the reference README quotes, 2.4e-6 eV/A in its finite-difference check)."""
    ref = values["AgCu_fcc32__DFT10B-AgCu"]
    with calc_for(ref, ace_reference, style="sei/ace exact") as calc:
        out = calc.compute()
    assert abs(out["energy"] - ref["energy"]) < 1e-8
    df = np.abs(out["forces"] - np.array(ref["forces"])).max()
    assert 1e-12 < df < 1e-5


def test_element_order_in_pair_coeff(values, ace_reference, tmp_path):
    """Types map to elements by name: swapping the types in the data file and in pair_coeff gives the same numbers."""
    ref = values["AgCu_fcc32__DFT10B-AgCu"]
    text = (ace_reference / "structures" / "AgCu_fcc32.lammps-data").read_text()
    head, atoms = text.split("Atoms", 1)
    lines = atoms.splitlines()
    swapped = []
    for line in lines:
        parts = line.split()
        if len(parts) >= 5 and parts[1] in ("1", "2"):
            parts[1] = "2" if parts[1] == "1" else "1"
            line = " ".join(parts)
        swapped.append(line)
    masses = head.split("Masses", 1)
    m_lines = [l.split() for l in masses[1].strip().splitlines()]
    head = masses[0] + "Masses\n\n1 " + m_lines[1][1] + "\n2 " + m_lines[0][1] + "\n\n"
    data = tmp_path / "swapped.data"
    data.write_text(head + "Atoms" + "\n".join(swapped) + "\n")
    with LammpsCalc(data, "sei/ace", f"* * {ace_reference / ref['potential']} Cu Ag") as calc:
        out = calc.compute()
    assert abs(out["energy"] - ref["energy"]) <= 1e-10 * abs(ref["energy"])
    assert np.abs(out["forces"] - np.array(ref["forces"])).max() <= 1e-9 * np.abs(ref["forces"]).max()


def test_null_type_under_hybrid(ace_reference):
    """A type mapped to NULL is invisible to sei/ace: under hybrid the energy equals that with those atoms deleted."""
    from sei_lmp.run.plugin import start_lammps

    data = ace_reference / "structures" / "AgCu_fcc32.lammps-data"
    pot = ace_reference / "potentials" / "DFT10B-AgCu.yace"

    def energy(commands):
        lmp = start_lammps()
        try:
            for c in ["units metal", "atom_style atomic", f"read_data {data}", *commands, "run 0"]:
                lmp.command(c)
            return lmp.get_thermo("pe")
        finally:
            lmp.close()

    hybrid = energy(["pair_style hybrid sei/ace zero 8.0", f"pair_coeff * * sei/ace {pot} Ag NULL",
                     "pair_coeff 1*2 2 zero"])
    deleted = energy(["group cu type 2", "delete_atoms group cu", "pair_style sei/ace", f"pair_coeff * * {pot} Ag Ag"])
    full = energy(["pair_style sei/ace", f"pair_coeff * * {pot} Ag Cu"])
    assert hybrid == pytest.approx(deleted, rel=1e-12)
    assert abs(hybrid - full) > 1.0


def test_yaml_layout_variants(values, ace_reference, tmp_path):
    """The same .yace written differently (CRLF, comments, a flow list broken over lines, quoted scalars,
    functions as a block mapping) gives the same numbers: the reader handles YAML, not one byte layout."""
    ref = values["Cu_fcc32__Cu-I"]
    text = (ace_reference / "potentials" / "Cu-I.yace").read_text()
    text = "# written by hand\n" + text.replace("elements: [Cu]", "elements: ['Cu']   # one element")
    text = text.replace("radparameters: [5.25], ", "radparameters: [\n      5.25\n    ], ")
    first = text.index("    - {mu0: 0, rank: 1")
    end = text.index("}", first)
    block = ("    - mu0: 0\n      rank: 1\n      ndensity: 2\n      num_ms_combs: 1\n      mus: [0]\n      ns: [1]\n"
             "      ls: [0]\n      ms_combs: [0]\n      ctildes: ")
    entry = text[first:end + 1]
    ctildes = entry[entry.index("ctildes: ") + len("ctildes: "):-1]
    text = text[:first] + block + ctildes + text[end + 1:]
    pot = tmp_path / "variant.yace"
    pot.write_bytes(text.replace("\n", "\r\n").encode())
    with calc_for(ref, ace_reference, potential=pot) as calc:
        out = calc.compute()
    assert abs(out["energy"] - ref["energy"]) <= 1e-10 * abs(ref["energy"])
    assert np.abs(out["forces"] - np.array(ref["forces"])).max() <= 1e-9 * np.abs(ref["forces"]).max()


@pytest.mark.parametrize("name", ["Cu_fcc32__Cu-I", "AgCu_fcc32__DFT10B-AgCu"])
def test_bbasis_yaml_equals_its_yace(name, values, ace_reference):
    """The pacemaker B-basis .yaml, converted to C-tilde form on load (c~ = c genCG), gives the numbers of the
    .yace that ML-PACE converted from it."""
    ref = values[name]
    pot = (ace_reference / ref["potential"]).with_suffix(".yaml")
    with calc_for(ref, ace_reference, potential=pot) as calc:
        out = calc.compute()
    assert abs(out["energy"] - ref["energy"]) <= 1e-10 * abs(ref["energy"])
    assert np.abs(out["forces"] - np.array(ref["forces"])).max() <= 1e-9 * np.abs(ref["forces"]).max()
    assert np.abs(out["virial"] - voigt(ref["virial_eV"])).max() <= 1e-9 * np.abs(ref["virial_eV"]).max()
