"""pair_style sei/ace against python-ace (pyace.PyACECalculator, the ML-PACE C-tilde product evaluator) on
fresh random periodic cells: several species, triclinic, and cells smaller than twice the cutoff (an atom then
sees several images of the same neighbour). Energies, forces, virials and site energies agree to rounding,
because both evaluate the radial functions from the same spline tables (spec ace.md §3.4)."""

from __future__ import annotations

import zlib

import numpy as np
import pytest

from lammps_eval import LammpsCalc, write_data

pyace = pytest.importorskip("pyace", reason="python-ace (pyace) is the ACE peer; pip install python-ace==0.4.0rc1")

MASSES = {"Cu": 63.546, "Ag": 107.87, "Al": 26.98, "Ni": 58.69, "Zn": 65.38, "Na": 22.99, "P": 30.97, "S": 32.06}


def random_cell(rng, n_atoms: int, elements: list[str], volume_per_atom: float, min_dist: float,
                tilt: float = 0.25):
    """A random lower-triangular (LAMMPS-ready) cell with n_atoms atoms no closer than min_dist."""
    while True:
        length = (n_atoms * volume_per_atom) ** (1 / 3)
        cell = np.diag(length * rng.uniform(0.85, 1.15, size=3))
        cell[1, 0], cell[2, 0], cell[2, 1] = rng.uniform(-tilt, tilt, size=3) * length
        frac = []
        for _ in range(200 * n_atoms):
            f = rng.random(3)
            d = np.array(frac) - f if frac else np.zeros((0, 3))
            d -= np.round(d)
            if len(frac) == 0 or np.linalg.norm(d @ cell, axis=1).min() >= min_dist:
                frac.append(f)
            if len(frac) == n_atoms:
                symbols = list(rng.choice(elements, size=n_atoms))
                for k, e in enumerate(elements[:n_atoms]):     # every element present
                    symbols[k] = e
                return cell, np.array(frac) @ cell, symbols


def compare(tmp_path, potential, elements, cell, positions, symbols, yaml_potential=None, rtol=1e-9,
            check_forces=True):
    from ase import Atoms

    atoms = Atoms(symbols, positions=positions, cell=cell, pbc=True)
    atoms.calc = pyace.PyACECalculator(str(yaml_potential or potential))
    e_ref = atoms.get_potential_energy()
    f_ref = atoms.get_forces()
    s = atoms.get_stress(voigt=True)                  # xx yy zz yz xz xy, = -W/V
    w_ref = -np.array([s[0], s[1], s[2], s[5], s[4], s[3]]) * atoms.get_volume()
    site_ref = atoms.get_potential_energies()

    data = tmp_path / "cell.data"
    write_data(data, cell, positions, [elements.index(x) + 1 for x in symbols], [MASSES[e] for e in elements])
    with LammpsCalc(data, "sei/ace", f"* * {potential} {' '.join(elements)}") as calc:
        out = calc.compute()
    scale_f = max(1.0, np.abs(f_ref).max())
    assert abs(out["energy"] - e_ref) <= rtol * max(1.0, abs(e_ref)), (out["energy"], e_ref)
    assert np.abs(out["forces"] - f_ref).max() <= rtol * scale_f
    assert np.abs(out["virial"] - w_ref).max() <= rtol * max(1.0, np.abs(w_ref).max())
    assert np.abs(out["site_energies"] - site_ref).max() <= rtol * max(1.0, np.abs(site_ref).max())
    if check_forces:
        assert np.abs(f_ref).max() > 0.05      # a wrong force would not be small
    else:
        assert np.abs(w_ref).max() > 0.05
    return out


CASES = [
    # potential, elements, atoms, volume per atom, minimum distance
    ("DFT10B-AgCu.yace", ["Ag", "Cu"], 40, 15.0, 2.2),
    ("AlCuZn.yace", ["Al", "Cu", "Zn"], 30, 15.0, 2.2),        # ndensity 2/1/1 per species
    ("Al-Ni_opt_all.yace", ["Al", "Ni"], 24, 14.0, 2.1),        # different bases and cutoffs per pair
    ("Cu-I_zbl-variant.yace", ["Cu"], 20, 12.0, 1.9),           # ZBL core with neighbours inside r_in
    ("Cu-I_distance-variant.yace", ["Cu"], 20, 12.0, 1.9),
    ("Cu-PBE-core-rep.ace", ["Cu"], 20, 12.0, 2.0),             # old .ace format
]


@pytest.mark.parametrize(("potential", "elements", "n_atoms", "vol", "dmin"), CASES)
def test_random_triclinic_cells(potential, elements, n_atoms, vol, dmin, reference_dir, tmp_path):
    rng = np.random.default_rng(zlib.crc32(potential.encode()))
    cell, positions, symbols = random_cell(rng, n_atoms, elements, vol, dmin)
    compare(tmp_path, reference_dir / "ace" / "potentials" / potential, elements, cell, positions, symbols)


@pytest.mark.parametrize("basis", ["ChebLinear", "SBessel", "ChebPow"])
def test_other_radial_bases(basis, reference_dir, tmp_path):
    """DFT10B-AgCu's coefficients on another radial basis (a synthetic edit, evaluated by both codes)."""
    text = (reference_dir / "ace" / "potentials" / "DFT10B-AgCu.yace").read_text()
    assert text.count("radbasename: ChebExpCos") == 4
    pot = tmp_path / f"AgCu_{basis}.yace"
    pot.write_text(text.replace("radbasename: ChebExpCos", f"radbasename: {basis}"))
    rng = np.random.default_rng(zlib.crc32(basis.encode()))
    cell, positions, symbols = random_cell(rng, 24, ["Ag", "Cu"], 15.0, 2.2)
    compare(tmp_path, pot, ["Ag", "Cu"], cell, positions, symbols)


@pytest.mark.parametrize("inner", ["zbl", "distance"])
def test_two_element_inner_cutoffs(inner, reference_dir, tmp_path):
    """DFT10B-AgCu with a ZBL core (Z = 47/29 per pair) or a distance inner cutoff whose r_in differs per pair,
    on a cell with close Ag-Cu contacts inside the switching zones (a synthetic edit, evaluated by both codes)."""
    text = (reference_dir / "ace" / "potentials" / "DFT10B-AgCu.yace").read_text()
    old = "prehc: 0, lambdahc: 5"
    edits = {"zbl": ["prehc: 1, lambdahc: 0"] * 4, "distance": ["prehc: 300, lambdahc: 1"] * 4}[inner]
    for new in edits:
        text = text.replace(old, new, 1)
    r_in = ["2.3, dcut_in: 0.4", "2.1, dcut_in: 0.3", "2.1, dcut_in: 0.3", "1.9, dcut_in: 0.5"]
    for value in r_in:
        text = text.replace("rcut_in: 0, dcut_in: 0, inner_cutoff_type: density",
                            f"rcut_in: {value}, inner_cutoff_type: {inner}", 1)
    assert "inner_cutoff_type: density" not in text
    pot = tmp_path / f"AgCu_{inner}.yace"
    pot.write_text(text)
    rng = np.random.default_rng(77)
    cell, positions, symbols = random_cell(rng, 24, ["Ag", "Cu"], 14.0, 1.85)
    # the nearest neighbour of several atoms lies inside the switching zones (1.4 .. 2.3 A)
    shifts = np.array([(i, j, k) for i in (-1, 0, 1) for j in (-1, 0, 1) for k in (-1, 0, 1)]) @ cell
    d = np.linalg.norm(positions[:, None, None] - positions[None, :, None] - shifts[None, None], axis=-1)
    d[d < 1e-9] = np.inf
    assert (d.min(axis=(1, 2)) < 2.3).sum() >= 3
    compare(tmp_path, pot, ["Ag", "Cu"], cell, positions, symbols)


@pytest.mark.parametrize("potential", ["DFT10B-AgCu.yace", "Cu-I_zbl-variant.yace"])
def test_cell_smaller_than_twice_the_cutoff(potential, reference_dir, tmp_path):
    """A 4-atom triclinic cell (edges ~4 A, cutoff 7-ish A): each neighbour appears through many images."""
    rng = np.random.default_rng(11)
    elements = ["Ag", "Cu"] if "AgCu" in potential else ["Cu"]
    cell, positions, symbols = random_cell(rng, 4, elements, 14.0, 2.2, tilt=0.3)
    assert np.diag(cell).max() < 7.0
    compare(tmp_path, reference_dir / "ace" / "potentials" / potential, elements, cell, positions, symbols)


def test_one_atom_cell(reference_dir, tmp_path):
    """One atom in a sheared cell: it is its own neighbour through every image; forces vanish by symmetry."""
    cell = np.array([[2.6, 0, 0], [1.3, 2.25, 0], [1.5, 0.75, 2.12]])
    compare(tmp_path, reference_dir / "ace" / "potentials" / "Cu-I.yace", ["Cu"], cell, np.zeros((1, 3)), ["Cu"],
            check_forces=False)


@pytest.fixture(scope="module")
def naps(validation_dir):
    path = validation_dir / "potentials" / "NaPS_ACE_naps-mic"
    if not (path / "potential.yace").is_file():
        pytest.skip(f"Na-P-S ACE potential not found in {path}")
    return path


def test_naps_potential_yace(naps, tmp_path):
    """The real Na-P-S pacemaker fit (SBessel, 8 densities, distance inner cutoff) on a random Na3PS4-like cell."""
    rng = np.random.default_rng(2024)
    cell, positions, symbols = random_cell(rng, 48, ["Na", "P", "S"], 22.0, 2.0)
    compare(tmp_path, naps / "potential.yace", ["Na", "P", "S"], cell, positions, symbols)


def test_naps_potential_yace_equals_pyace_on_bbasis_yaml(naps, tmp_path):
    """pyace evaluating the B-basis .yaml (converted in memory) gives the same numbers as sei/ace on the .yace
    and on the .yaml."""
    if not (naps / "potential.yaml").is_file():
        pytest.skip("potential.yaml missing")
    rng = np.random.default_rng(7)
    cell, positions, symbols = random_cell(rng, 24, ["Na", "P", "S"], 22.0, 2.0)
    compare(tmp_path, naps / "potential.yace", ["Na", "P", "S"], cell, positions, symbols,
            yaml_potential=naps / "potential.yaml", rtol=1e-8)
    # and sei/ace reading the B-basis .yaml itself
    compare(tmp_path, naps / "potential.yaml", ["Na", "P", "S"], cell, positions, symbols,
            yaml_potential=naps / "potential.yaml", rtol=1e-8)


def random_bbasis(path, seed=0):
    """A fresh two-element pacemaker B-basis up to rank 6 with random coefficients, made by python-ace."""
    from pyace import create_multispecies_basis_config

    config = {"deltaSplineBins": 0.001, "elements": ["Cu", "Ag"],
              "embeddings": {"ALL": {"npot": "FinnisSinclairShiftedScaled", "fs_parameters": [1, 1, 1, 0.5],
                                     "ndensity": 2}},
              "bonds": {"ALL": {"radbase": "ChebExpCos", "radparameters": [5.25], "rcut": 5, "dcut": 0.01,
                                "NameOfCutoffFunction": "cos"}},
              "functions": {"ALL": {"nradmax_by_orders": [3, 2, 1, 1, 1, 1], "lmax_by_orders": [0, 2, 2, 1, 1, 1]}}}
    basis = create_multispecies_basis_config(config)
    rng = np.random.default_rng(seed)
    # random expansion coefficients; the radial coefficients stay as made (symmetric between 'Ag Cu' and 'Cu Ag')
    basis.set_func_coeffs(list(rng.normal(scale=0.3, size=len(basis.get_func_coeffs()))))
    basis.save(str(path))
    return path


def test_fresh_rank6_bbasis_yaml(tmp_path):
    """sei/ace reading a B-basis .yaml with functions of every rank 1-6 (the generalised Clebsch-Gordan
    couplings of each rank, and elements in the file's order) against python-ace on the same file."""
    pot = random_bbasis(tmp_path / "AgCu_rank6.yaml")
    text = pot.read_text()
    assert "type: Ag Ag Ag Ag Ag Ag Ag," in text            # rank 6 present
    rng = np.random.default_rng(6)
    cell, positions, symbols = random_cell(rng, 20, ["Ag", "Cu"], 16.0, 2.3)
    compare(tmp_path, pot, ["Ag", "Cu"], cell, positions, symbols)
