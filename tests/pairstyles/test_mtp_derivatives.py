"""Forces and virial of sei/mtp are the derivatives of its energy (central finite differences),
for periodic triclinic cells, a cell smaller than twice the cutoff, a free cluster and the
RBChebyshev_repuls basis with neighbours inside min_dist."""

from __future__ import annotations

import json

import numpy as np
import pytest

from lammps_eval import LammpsCalc, lammps_cell, write_data

H_POS = 1e-5      # A
H_STRAIN = 1e-6
# W_ab = -dE/d(eps_ab) for x -> (1 + eps) x; only upper-triangular eps keep LAMMPS' cell lower-triangular,
# and W is symmetric, so these six give xx yy zz xy xz yz
STRAIN_COMPONENTS = [(0, 0), (1, 1), (2, 2), (0, 1), (0, 2), (1, 2)]


def fd_forces(calc: LammpsCalc, atoms: list[int]) -> np.ndarray:
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


def fd_virial(calc: LammpsCalc, cell: np.ndarray) -> np.ndarray:
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


@pytest.fixture(scope="module")
def refs(mtp_reference):
    return json.loads((mtp_reference / "reference_values.json").read_text())


def rattled(ref, seed, amplitude=0.05):
    rng = np.random.default_rng(seed)
    cell = lammps_cell(ref["cell"])
    # express positions in the rotated cell (same fractional coordinates), then rattle
    frac = np.linalg.solve(np.array(ref["cell"]).T, np.array(ref["positions"]).T).T
    return cell, frac @ cell + rng.normal(scale=amplitude, size=(len(frac), 3))


@pytest.mark.parametrize("name", ["Li2S_af12", "LiF_rs8", "LiPS_rand32", "CuAgAu_fcc27"])
def test_forces_and_virial_are_energy_derivatives(name, refs, mtp_reference, tmp_path):
    ref = refs[name]
    cell, pos = rattled(ref, seed=7)
    types = [s + 1 for s in ref["mtp_species"]]
    data = tmp_path / "s.data"
    write_data(data, cell, pos, types, [1.0] * (max(types)))
    with LammpsCalc(data, "sei/mtp", f"* * {mtp_reference / ref['potential']}") as calc:
        out = calc.compute()
        atoms = list(range(0, len(pos), max(1, len(pos) // 6)))
        f_fd = fd_forces(calc, atoms)
        w_fd = fd_virial(calc, cell)
    scale_f = max(1.0, np.abs(out["forces"]).max())
    assert np.abs(out["forces"][atoms] - f_fd).max() <= 2e-6 * scale_f
    assert np.abs(out["virial"] - w_fd).max() <= 2e-6 * max(1.0, np.abs(out["virial"]).max())
    assert np.abs(f_fd).max() > 0.1     # a real check: forces are not all zero


def test_free_cluster_forces(refs, mtp_reference, tmp_path):
    ref = refs["LiPS_cluster12"]
    data = tmp_path / "c.data"
    write_data(data, None, ref["positions"], [s + 1 for s in ref["mtp_species"]], [1.0, 1.0, 1.0], pbc=False)
    with LammpsCalc(data, "sei/mtp", f"* * {mtp_reference / ref['potential']}", pbc=False) as calc:
        out = calc.compute()
        f_fd = fd_forces(calc, list(range(12)))
    assert np.abs(out["forces"] - f_fd).max() <= 2e-6
    # no external field: forces sum to zero and the total torque vanishes
    assert np.abs(out["forces"].sum(axis=0)).max() < 1e-11
    torque = np.cross(np.array(ref["positions"]), out["forces"]).sum(axis=0)
    assert np.abs(torque).max() < 1e-10


def test_repulsive_basis(refs, mtp_reference, tmp_path):
    """RBChebyshev_repuls: clamped basis plus the hard-wired repulsion inside min_dist; the energy
    must rise by the analytic repulsion and the forces stay derivatives of the energy."""
    ref = refs["Li2S_af12"]
    text = (mtp_reference / ref["potential"]).read_text()
    pot = tmp_path / "repuls.mtp"
    pot.write_text(text.replace("RBChebyshev\n", "RBChebyshev_repuls\n"))
    r_min = 1.9
    cell, pos = rattled(ref, seed=3, amplitude=0.02)
    # pull atom 1 towards atom 0 to 1.6 A, inside min_dist
    d = pos[1] - pos[0]
    pos[1] = pos[0] + d / np.linalg.norm(d) * 1.6
    data = tmp_path / "r.data"
    write_data(data, cell, pos, [s + 1 for s in ref["mtp_species"]], [6.94, 32.06])
    with LammpsCalc(data, "sei/mtp", f"* * {pot}") as calc:
        out = calc.compute()
        f_fd = fd_forces(calc, [0, 1, 2])
        w_fd = fd_virial(calc, cell)
    with LammpsCalc(data, "sei/mtp", f"* * {mtp_reference / ref['potential']}") as plain:
        e_plain = plain.compute()["energy"]
    assert np.abs(out["forces"][[0, 1, 2]] - f_fd).max() <= 2e-6 * np.abs(out["forces"]).max()
    assert np.abs(out["virial"] - w_fd).max() <= 2e-6 * np.abs(out["virial"]).max()
    # counted once in E_0 and once in E_1: 2 x 1e4 [exp(-10(r-1)) - exp(-10(r_min-1))]
    repulsion = 2 * 1e4 * (np.exp(-10 * 0.6) - np.exp(-10 * (r_min - 1)))
    assert out["energy"] - e_plain > 0.5 * repulsion
