"""Forces and virial of sei/ace are the derivatives of its energy (central finite differences) for every radial
basis, inner-cutoff type (density with an active rho_core energy cutoff, distance, zbl with atoms inside the
ACE/ZBL switching zone), per-species ndensity, triclinic cells and cells smaller than twice the cutoff.
The `exact` keyword evaluates the radial functions without spline tables, so the energy is smooth and finite
differences can be tight; in the default tabulated mode forces are derivatives of the cubic-Hermite
interpolant (checked more loosely: the interpolant is only C1)."""

from __future__ import annotations

import numpy as np
import pytest

from lammps_eval import LammpsCalc, write_data

H_POS = 1e-4     # A; smaller steps drown in the ~1e-11 eV rounding noise of rank-6 sums
H_STRAIN = 1e-5
STRAIN_COMPONENTS = [(0, 0), (1, 1), (2, 2), (0, 1), (0, 2), (1, 2)]
MASSES = {"Cu": 63.546, "Ag": 107.87, "Al": 26.98, "Ni": 58.69, "Zn": 65.38, "Na": 22.99, "P": 30.97, "S": 32.06}


def fd_forces(calc, atoms):
    x0 = calc.get_positions()
    out = np.zeros((len(atoms), 3))
    for n, i in enumerate(atoms):
        for k in range(3):
            e = []
            for sign in (1, -1):
                x = x0.copy()
                x[i, k] += sign * H_POS
                calc.set_positions(x)
                e.append(calc.energy())
            out[n, k] = -(e[0] - e[1]) / (2 * H_POS)
    calc.set_positions(x0)
    return out


def fd_virial(calc, cell):
    x0 = calc.get_positions()
    out = np.zeros(6)
    for n, (a, b) in enumerate(STRAIN_COMPONENTS):
        e = []
        for sign in (1, -1):
            deform = np.eye(3)
            deform[a, b] += sign * H_STRAIN
            calc.set_cell(cell @ deform.T, x0 @ deform.T)
            e.append(calc.energy())
        out[n] = -(e[0] - e[1]) / (2 * H_STRAIN)
    calc.set_cell(cell, x0)
    return out


def fcc_cell(rng, a, reps, elements, rattle, shear=0.08):
    """Rattled, sheared fcc supercell in LAMMPS lower-triangular form, random species."""
    base = np.array([[0, 0, 0], [0.5, 0.5, 0], [0.5, 0, 0.5], [0, 0.5, 0.5]])
    frac = np.array([(b + np.array([i, j, k])) / reps for i in range(reps) for j in range(reps) for k in range(reps)
                     for b in base])
    cell = np.eye(3) * a * reps
    cell[1, 0], cell[2, 0], cell[2, 1] = shear * a * reps, -shear * a * reps / 2, shear * a * reps / 3
    pos = frac @ cell + rng.normal(scale=rattle, size=(len(frac), 3))
    symbols = [elements[k % len(elements)] for k in rng.permutation(len(frac))]
    return cell, pos, symbols


def check(tmp_path, potential, elements, cell, pos, symbols, style="sei/ace exact", tol=1e-6, atoms=None):
    data = tmp_path / "s.data"
    write_data(data, cell, pos, [elements.index(s) + 1 for s in symbols], [MASSES[e] for e in elements])
    with LammpsCalc(data, style, f"* * {potential} {' '.join(elements)}") as calc:
        out = calc.compute()
        atoms = atoms if atoms is not None else list(range(0, len(pos), max(1, len(pos) // 5)))
        f_fd = fd_forces(calc, atoms)
        w_fd = fd_virial(calc, cell)
    scale_f = max(1.0, np.abs(out["forces"]).max())
    assert np.abs(out["forces"][atoms] - f_fd).max() <= tol * scale_f
    assert np.abs(out["virial"] - w_fd).max() <= tol * max(1.0, np.abs(out["virial"]).max())
    assert np.abs(f_fd).max() > 0.1
    return out


@pytest.fixture(scope="module")
def pots(reference_dir):
    return reference_dir / "ace" / "potentials"


@pytest.mark.parametrize(
    ("potential", "elements", "a"),
    [("DFT10B-AgCu.yace", ["Ag", "Cu"], 3.9), ("AlCuZn.yace", ["Al", "Cu", "Zn"], 3.9),
     ("Al-Ni_opt_all.yace", ["Al", "Ni"], 3.7), ("Cu-PBE-core-rep.ace", ["Cu"], 3.6)],
)
def test_exact_mode_derivatives(potential, elements, a, pots, tmp_path):
    """2x2x2 fcc cells (~7.5 A edges, below twice the cutoff), sheared and rattled."""
    rng = np.random.default_rng(5)
    cell, pos, symbols = fcc_cell(rng, a, 2, elements, 0.1)
    check(tmp_path, pots / potential, elements, cell, pos, symbols)


@pytest.mark.parametrize("variant", ["Cu-I_zbl-variant.yace", "Cu-I_distance-variant.yace"])
def test_inner_cutoffs_inside_switching_zone(variant, pots, tmp_path):
    """Atom 0 is pulled to 1.95-2.1 A of a neighbour, inside r_in - delta_in .. r_in = 1.8 .. 2.2 A."""
    rng = np.random.default_rng(9)
    cell, pos, symbols = fcc_cell(rng, 3.61, 2, ["Cu"], 0.03)
    d = pos[1] - pos[0]
    pos[1] = pos[0] + d / np.linalg.norm(d) * 2.0
    check(tmp_path, pots / variant, ["Cu"], cell, pos, symbols, atoms=[0, 1, 2, 7])


def test_density_cutoff_active(pots, tmp_path):
    """inner_cutoff_type density with a strong core repulsion and a low rho_core cutoff, so f_cut(rho_core) is
    between 0 and 1 for several atoms: forces must include dE/drho_core = F f_cut' + 1."""
    text = (pots / "Cu-I.yace").read_text()
    text = text.replace("rho_core_cutoff: 100000, drho_core_cutoff: 250", "rho_core_cutoff: 12, drho_core_cutoff: 8")
    text = text.replace("prehc: 0, lambdahc: 0", "prehc: 50, lambdahc: 0.5")
    text = text.replace("inner_cutoff_type: distance", "inner_cutoff_type: density")
    assert "prehc: 50" in text and "rho_core_cutoff: 12" in text
    pot = tmp_path / "dens.yace"
    pot.write_text(text)
    rng = np.random.default_rng(4)
    cell, pos, symbols = fcc_cell(rng, 3.5, 2, ["Cu"], 0.15)
    out_switch = check(tmp_path, pot, ["Cu"], cell, pos, symbols)
    # with the repulsion, the site energies of compressed atoms are dominated by rho_core
    assert out_switch["site_energies"].max() > out_switch["site_energies"].min() + 1.0


def test_sbessel_naps(validation_dir, tmp_path):
    naps = validation_dir / "potentials" / "NaPS_ACE_naps-mic" / "potential.yace"
    if not naps.is_file():
        pytest.skip(f"{naps} not found")
    rng = np.random.default_rng(8)
    cell, pos, symbols = fcc_cell(rng, 4.6, 2, ["Na", "P", "S"], 0.1)
    check(tmp_path, naps, ["Na", "P", "S"], cell, pos, symbols)


def test_tabulated_mode_derivatives(pots, tmp_path):
    """Default (tabulated) mode: derivatives of a C1 interpolant, so finite differences agree to ~1e-5 only."""
    rng = np.random.default_rng(6)
    cell, pos, symbols = fcc_cell(rng, 3.9, 2, ["Ag", "Cu"], 0.1)
    check(tmp_path, pots / "DFT10B-AgCu.yace", ["Ag", "Cu"], cell, pos, symbols, style="sei/ace", tol=2e-5)
