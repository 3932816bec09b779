"""sei/mtp agrees with motep (an independent MTP implementation, test-only dependency) on freshly
drawn random periodic cells of 1-3 species: triclinic and orthogonal cells, and cells smaller than
twice the cutoff where atoms see their own periodic images.

The cells change on every run; the seed is printed on failure (reproduce with SEI_LMP_TEST_SEED=...).
"""

from __future__ import annotations

import os
import secrets

import numpy as np
import pytest

from lammps_eval import LammpsCalc

motep_reference = pytest.importorskip("motep_reference", reason="motep is a test dependency: pip install .[test]")

SEED = int(os.environ.get("SEI_LMP_TEST_SEED", secrets.randbits(32)))

# potential, species, cutoff, smallest distance in the random cells (trained potentials are only
# sane near their training distances; random ones just above min_dist)
POTENTIALS = [
    ("Li_L10_random.mtp", 1, 5.0, 2.4),
    ("LiF_L16_random.mtp", 2, 5.0, 1.8),
    ("Li2S_L12_random.mtp", 2, 5.5, 2.1),
    ("LiPS_L20_random.mtp", 3, 5.0, 2.0),
    ("NaKCl_L20_trained.mtp", 3, 8.0, 3.3),
    ("CuAgAu_L10_trained.mtp", 3, 5.0, 2.3),
]
CELLS = [  # (label, number of atoms, small: some width < 2 x cutoff, triclinic)
    ("small-triclinic", 5, True, True),
    ("small-orthogonal", 3, True, False),
    ("triclinic", 24, False, True),
]


@pytest.mark.parametrize("cell_kind", CELLS, ids=[c[0] for c in CELLS])
@pytest.mark.parametrize("potential", POTENTIALS, ids=[p[0].split("_")[0] + "_" + p[0].split("_")[1] for p in POTENTIALS])
def test_random_cell_matches_motep(potential, cell_kind, mtp_reference, tmp_path):
    name, n_species, cutoff, min_dist = potential
    label, n_atoms, small, triclinic = cell_kind
    rng = np.random.default_rng([SEED, POTENTIALS.index(potential), CELLS.index(cell_kind)])
    atoms, species = motep_reference.random_periodic_cell(rng, n_species, n_atoms, cutoff, min_dist,
                                                          small=small, triclinic=triclinic)
    pot = mtp_reference / "potentials" / name
    widths = atoms.cell.volume / np.linalg.norm(np.cross(atoms.cell[[1, 2, 0]], atoms.cell[[2, 0, 1]]), axis=1)
    if small:
        assert widths.min() < 2 * cutoff, "test setup: the cell is not small"
    data = tmp_path / "cell.data"
    motep_reference.write_lammps_data(data, atoms, species, [1.0] * n_species)
    with LammpsCalc(data, "sei/mtp", f"* * {pot}") as calc:
        ours = calc.compute()
    ref = motep_reference.motep_efs(atoms, pot, species)
    msg = f"seed {SEED}, {name}, {label}"
    e_scale = max(1.0, abs(ref["energy"]))
    f_scale = max(1.0, np.abs(ref["forces"]).max())
    w_ref = ref["virial"][[0, 1, 2, 0, 0, 1], [0, 1, 2, 1, 2, 2]]
    assert abs(ours["energy"] - ref["energy"]) <= 1e-10 * e_scale, msg
    assert np.abs(ours["forces"] - ref["forces"]).max() <= 1e-9 * f_scale, msg
    assert np.abs(ours["virial"] - w_ref).max() <= 1e-8 * max(1.0, np.abs(w_ref).max()), msg
    if ref.get("site_energies") is not None:
        assert np.abs(ours["site_energies"] - ref["site_energies"]).max() <= 1e-10 * e_scale, msg
