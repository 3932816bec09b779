"""MTP active sets (sei_lmp.learn.mtp_active_set) against MLIP-3's reference state
(../shared/reference/mtp/active_learning) and against sei/mtp's grades in LAMMPS."""

from __future__ import annotations

import json

import numpy as np
import pytest
from ase import Atoms

from lammps_eval import lammps_cell, per_atom_grades, write_data

pytest.importorskip("motep")

from sei_lmp.learn import mtp_active_set as mas  # noqa: E402

SPECIES = ["Li", "S"]


@pytest.fixture(scope="module")
def al_dir(mtp_reference):
    return mtp_reference / "active_learning"


@pytest.fixture(scope="module")
def state_file(al_dir):
    return al_dir / "Li2S_L12_random.almtp"


@pytest.fixture(scope="module")
def reference_grades(al_dir):
    return json.loads((al_dir / "grades_reference.json").read_text())


@pytest.fixture(scope="module")
def train(al_dir):
    return mas.read_cfg(al_dir / "train.cfg", SPECIES)


@pytest.fixture(scope="module")
def small_set(state_file, train):
    """Active set of 4 training cells: 48 rows for 151 parameters, so most rows stay starting rows."""
    return mas.build_active_set(state_file, train[:4], SPECIES)


def image(cfg: dict) -> Atoms:
    return Atoms([SPECIES[s] for s in cfg["mtp_species"]], positions=cfg["positions"], cell=cfg["cell"], pbc=True)


def distorted(atoms: Atoms, scale: float = 0.85, rattle: float = 0.15, seed: int = 3) -> Atoms:
    """Compressed and rattled copy: far outside what four near-equilibrium cells teach."""
    out = Atoms(atoms.numbers, positions=atoms.positions * scale, cell=atoms.cell * scale, pbc=True)
    out.positions += np.random.default_rng(seed).normal(0.0, rattle, out.positions.shape)
    return out


def lammps_gamma(almtp, atoms: Atoms, tmp_path) -> np.ndarray:
    """Per-atom grades of sei/mtp (`fix pair 1 sei/mtp gamma 1`), in atom order."""
    cell = lammps_cell(atoms.cell[:])
    # grades are rotation invariant, but the data file needs the atoms in the rotated (lower-triangular) frame
    positions = atoms.positions @ np.linalg.solve(atoms.cell[:], cell)
    data = tmp_path / "cfg.data"
    write_data(data, cell, positions, [SPECIES.index(s) + 1 for s in atoms.get_chemical_symbols()], [6.94, 32.06])
    return per_atom_grades(data, ("pair_style sei/mtp", f"pair_coeff * * {almtp}"), "sei/mtp")


# ---- 1. MLIP-3's own state ---------------------------------------------------------------------------------------


def test_grades_match_mlip3(state_file, reference_grades):
    """Per-atom grades from motep's gradients, mapped to MLIP's parameter order, equal MLIP-3's nbh grades:
    this is what proves the order (radial, species, moment)."""
    state = mas.read_active_set(state_file)
    assert state.n == reference_grades["n_params"] == 151
    assert state.weights == reference_grades["selection_weights"]
    # inv_A is the inverse, not the stored transpose (A is ill-conditioned, cond ~5e10, hence the atol)
    np.testing.assert_allclose(state.A @ state.inv_A, np.eye(state.n), atol=1e-6)
    cfgs = list(reference_grades["configs"].values())
    rows = mas.site_gradients(state_file, [image(c) for c in cfgs], SPECIES)
    worst = 0.0
    for g, cfg in zip(rows, cfgs):
        ref = np.array(cfg["nbh_grades"])
        worst = max(worst, np.abs(mas.grades(state, g) / ref - 1).max())
    assert worst < 1e-8
    # motep's own layout (moment, species, radial) must not pass: the check can tell orders apart
    n_rad = 2 * 2 * 3 * 10
    motep_order = [np.hstack([g[:, n_rad + 2:], g[:, n_rad:n_rad + 2], g[:, :n_rad]]) for g in rows]
    assert np.abs(mas.grades(state, motep_order[0]) / cfgs[0]["nbh_grades"] - 1).max() > 1e-2
    # the path form reads the file itself
    np.testing.assert_array_equal(mas.grades(state_file, rows[0]), mas.grades(state, rows[0]))


def test_reference_rows_are_stored_site_gradients(state_file):
    """Each row 'cfg eqn' of the file is the gradient of atom eqn - (3N + 10) of stored configuration cfg
    (MLIP's equation numbering: energy, 3N forces, 9 stresses, then N site energies)."""
    state = mas.read_active_set(state_file)
    used = state.cfg_index >= 0
    assert used.sum() == 133 and len(state.configs) == 23
    # unused rows are INIT_VALUE * (distinct) unit vectors; MLIP's swaps may have moved them to other slots
    unused = state.A[~used]
    assert ((unused != 0).sum(axis=1) == 1).all() and set(unused[unused != 0]) == {mas.INIT_VALUE}
    assert len(set(np.nonzero(unused)[1])) == len(unused)
    rows = mas.site_gradients(state_file, mas.stored_images(state, SPECIES), SPECIES)
    expect = np.array([rows[c][a] for c, a in zip(state.cfg_index[used], state.atom_index[used])])
    np.testing.assert_allclose(expect, state.A[used], rtol=0, atol=1e-12 * np.abs(state.A).max())


def test_reference_state_round_trips_byte_for_byte(state_file, tmp_path):
    state = mas.read_active_set(state_file)
    out = mas.write_almtp(state_file, state, None, tmp_path / "copy.almtp")
    assert out.read_bytes() == state_file.read_bytes()


def test_cfg_text_matches_mlip3_stored_configs(state_file, train):
    """Our cfg blocks of the training cells equal MLIP-3's stored ones line for line; PlusStress goes through
    ase's stress (-W / V) and back, so it may differ in the last bit."""
    state = mas.read_active_set(state_file)
    header = " PlusStress:  xx          yy          zz          yz          xz          xy"
    for block in state.configs:
        k = int(mas.read_cfg_block(block, SPECIES).info["name"].removeprefix("train"))
        ours, ref = mas.cfg_text(train[k], SPECIES).splitlines(), block.splitlines()
        i = ref.index(header)
        assert ours[:i + 1] == ref[:i + 1] and ours[i + 2:] == ref[i + 2:]
        np.testing.assert_allclose(np.array(ours[i + 1].split(), float), np.array(ref[i + 1].split(), float),
                                   rtol=1e-15)


def test_mlip3_set_is_maxvol_of_its_training_data(state_file, train):
    """MLIP-3 built the reference set from train.cfg with threshold 1.001: its atoms grade <= 1.001 there."""
    rows = mas.site_gradients(state_file, train, SPECIES)
    assert mas.grades(mas.read_active_set(state_file), rows).max() < 1.001


# ---- 2. sets we build, graded by sei/mtp in LAMMPS ----------------------------------------------------------------


def test_built_set_grades_in_lammps_equal_python(state_file, train, small_set, reference_grades, tmp_path):
    almtp = mas.write_almtp(state_file, small_set, train[:4], tmp_path / "small.almtp")
    assert small_set.from_data == 48          # fewer rows than parameters: 103 starting rows stay
    assert (small_set.cfg_index == -1).sum() == 151 - 48
    # the file reads back as written
    back = mas.read_active_set(almtp)
    np.testing.assert_array_equal(back.A, small_set.A)
    np.testing.assert_array_equal(back.inv_A, small_set.inv_A)
    np.testing.assert_array_equal(back.atom_index, small_set.atom_index)
    assert len(back.configs) == 4
    stored = mas.stored_images(back, SPECIES)
    for atoms, ref in zip(stored, train[:4]):
        np.testing.assert_array_equal(atoms.positions, ref.positions)
        np.testing.assert_array_equal(atoms.get_forces(), ref.get_forces())
        assert atoms.get_potential_energy() == ref.get_potential_energy()

    probes = {"train0": train[0], "train5": train[5], "near": image(reference_grades["configs"]["grade_test0_near"]),
              "distorted": distorted(train[1])}
    rows = mas.site_gradients(state_file, list(probes.values()), SPECIES)
    python = {name: mas.grades(small_set, g) for name, g in zip(probes, rows)}
    for name, atoms in probes.items():
        np.testing.assert_allclose(lammps_gamma(almtp, atoms, tmp_path), python[name], rtol=1e-6, err_msg=name)
    assert python["train0"].max() <= 1 + 1e-6          # own data interpolates (MaxVol)
    assert python["distorted"].max() > 10              # strong extrapolation


def test_training_atoms_grade_at_most_one(state_file, train, small_set):
    rows = mas.site_gradients(state_file, train[:4], SPECIES)
    assert mas.grades(small_set, rows).max() <= 1 + 1e-6
    # the rows of the set are those atoms' rows
    used = small_set.cfg_index >= 0
    chosen = np.array([rows[c][a] for c, a in zip(small_set.cfg_index[used], small_set.atom_index[used])])
    np.testing.assert_array_equal(chosen, small_set.A[used])

    # all 24 cells: 288 rows for 151 parameters, so MaxVol must choose (4 cells fit in whole)
    rows = mas.site_gradients(state_file, train, SPECIES)
    full = mas.build_active_set(state_file, train, SPECIES)
    assert mas.grades(full, rows).max() <= 1 + 1e-6
    mlip = mas.read_active_set(state_file)
    # the data span 133 directions, as in MLIP-3's set from the same cells: 18 starting rows stay (which unit
    # vectors those are may differ, any that complete the data's span will do)
    assert full.from_data == mlip.from_data == 133
    # a local optimum as good as MLIP-3's within a factor e in |det A| (measured: 0.61 of it)
    assert np.linalg.slogdet(full.A)[1] > np.linalg.slogdet(mlip.A)[1] - 1.0


def test_build_continues_from_an_initial_set(state_file, train, small_set, tmp_path):
    """Starting from the 4-cell set and adding 4 more cells: the result covers all 8, keeps cfg_index
    pointing into initial.configs + images, and writes/reads back."""
    grown = mas.build_active_set(state_file, train[4:8], SPECIES, initial=small_set)
    assert len(grown.configs) == 8 and grown.from_data > small_set.from_data
    rows = mas.site_gradients(state_file, train[:8], SPECIES)
    assert mas.grades(grown, rows).max() <= 1 + 1e-6
    used = grown.cfg_index >= 0
    np.testing.assert_array_equal(
        np.array([rows[c][a] for c, a in zip(grown.cfg_index[used], grown.atom_index[used])]), grown.A[used])
    assert np.linalg.slogdet(grown.A)[1] > np.linalg.slogdet(small_set.A)[1]

    # from MLIP's own state (configurations kept as cfg text) plus a new, extrapolative cell
    mlip = mas.read_active_set(state_file)
    extra = distorted(train[2])
    mixed = mas.build_active_set(state_file, [extra], SPECIES, initial=mlip)
    assert (mixed.cfg_index == 23).any()             # the new cell entered, after the 23 stored ones
    out = mas.write_almtp(state_file, mixed, None, tmp_path / "mixed.almtp", species=SPECIES)
    back = mas.read_active_set(out)
    np.testing.assert_array_equal(back.A, mixed.A)
    new_rows = mas.site_gradients(state_file, [extra], SPECIES)[0]
    assert mas.grades(back, new_rows).max() <= 1 + 1e-6
    # the new cell is stored last (an unlabelled cell: positions only), after MLIP's cfg text kept verbatim
    np.testing.assert_array_equal(mas.stored_images(back, SPECIES)[-1].positions, extra.positions)
    assert back.configs[:-1] == [c for k, c in enumerate(mlip.configs) if k in set(mixed.cfg_index)]


# ---- 3. choosing configurations to label ----------------------------------------------------------------------------


def test_select_picks_extrapolative_configs(state_file, train, small_set):
    far = distorted(train[1])
    mild = distorted(train[2], scale=0.97, rattle=0.05, seed=5)
    candidates = [train[0], train[3], far, far.copy(), mild]
    rows = mas.site_gradients(state_file, candidates, SPECIES)
    gamma = mas.image_grades(small_set, rows)
    assert gamma[0] <= 1 + 1e-6 and gamma[1] <= 1 + 1e-6 and gamma[2] > gamma[4] > 1

    chosen = mas.select(small_set, rows, cap=5)
    # the far cell first (largest grade); its copy adds nothing once the far cell is in; training cells never
    assert chosen[0] in (2, 3) and not {2, 3} <= set(chosen)
    assert not {0, 1} & set(chosen)
    assert 4 in chosen
    assert mas.select(small_set, rows, cap=1) == [chosen[0]]
    assert mas.select(small_set, rows, cap=0) == []
    assert mas.select(small_set, rows[:2], cap=5) == []
    # a grade floor above 1 leaves out the mild cell if it grades below it
    assert mas.select(small_set, rows, cap=5, min_grade=gamma[4]) == [chosen[0]]
    # the active set itself is not changed by select
    np.testing.assert_array_equal(small_set.A, mas.build_active_set(state_file, train[:4], SPECIES).A)
