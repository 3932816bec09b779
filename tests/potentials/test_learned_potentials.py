"""The potentials shipped from `sei-lmp learn` runs give grades out of the box: loaded by name, their pair block
(with the guard's `fix pair ... gamma 1`) runs in LAMMPS, the per-atom grades it computes on the learning's own
target start cell equal the ones the learning's selection computes in Python, and that cell grades below the
stop threshold (it is inside the region the learning explored). Their cards carry the teacher, the recipe and
held-out errors with bootstrap intervals."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from ase.io import read, write

from lammps_eval import per_atom_grades
from sei_lmp.potentials import load_potential
from sei_lmp.potentials.grades import MAXVOL

REPO = Path(__file__).resolve().parents[2]
LEARN = REPO / "potentials" / "learn"
SHIPPED = {  # file -> the start cell of one of its target runs
    "LiPS_ace_learned.yace": "li3ps4_glass_128.extxyz",
    "LiPS_mtp_learned.almtp": "li3ps4_glass_128.extxyz",
    "LiF_mtp_learned.almtp": "lif_interstitial_217.extxyz",
}


def _card(name: str) -> dict:
    return json.loads((REPO / "potentials" / f"{name}.json").read_text())


@pytest.mark.parametrize("name", SHIPPED)
def test_card_names_teacher_recipe_and_intervals(name):
    card = _card(name)
    assert card["provenance"]["teacher"].startswith("chgnet") and card["provenance"]["softens_barriers"]
    assert (REPO / card["provenance"]["recipe"]).is_file()
    held = card["validation"]["holdout_errors"]
    lo, hi = held["forces_rmse_eV_per_A_ci95"]
    assert lo < held["forces_rmse_eV_per_A"] < hi and hi - lo < held["forces_rmse_eV_per_A"]
    assert "maxvol" in card["validation"]["grades"]


def _lammps_grades(pot, atoms, tmp_path) -> np.ndarray:
    species = sorted(set(atoms.get_chemical_symbols()), key=list(pot.species).index)
    data = tmp_path / "cell.data"
    write(data, atoms, format="lammps-data", specorder=species, masses=True)
    block = pot.pair_block("plugin", species)
    assert block.gamma_style is not None, f"{pot.path.name} gives no grade"
    return per_atom_grades(data, block.lines, block.gamma_style)


def _python_grades(pot, atoms) -> dict[str, np.ndarray]:
    """Per element, the sorted grades of its atoms as the learning's selection computes them."""
    symbols = np.array(atoms.get_chemical_symbols())
    if pot.path.suffix == ".almtp":
        from sei_lmp.learn import mtp_active_set as mas

        active = mas.read_active_set(pot.path)
        (gradients,) = mas.site_gradients(pot.path.with_suffix(".mtp"), [atoms], list(pot.species))
        per_atom = mas.grades(active, gradients)
        return {e: np.sort(per_atom[symbols == e]) for e in set(symbols)}
    pytest.importorskip("pyace")
    from sei_lmp.learn import ace_active_set
    from sei_lmp.learn.maxvol import grades as row_grades

    inverse = ace_active_set.read_inverse(pot.path.with_suffix(".asi"))
    return {e: np.sort(row_grades(rows, inverse[e]))
            for e, (rows, _) in ace_active_set.projections(pot.path.with_suffix(".yaml"), [atoms]).items()}


@pytest.mark.parametrize("name", SHIPPED)
def test_grades_run_out_of_the_box_and_match_the_selection(name, tmp_path):
    pot = load_potential(f"shipped:{name}")
    assert pot.has_gamma
    atoms = read(LEARN / SHIPPED[name])
    in_lammps = _lammps_grades(pot, atoms, tmp_path)
    assert in_lammps.shape == (len(atoms),) and np.all(in_lammps >= 0)
    symbols = np.array(atoms.get_chemical_symbols())
    for element, python in _python_grades(pot, atoms).items():
        np.testing.assert_allclose(np.sort(in_lammps[symbols == element]), python, rtol=1e-6, atol=1e-9,
                                   err_msg=element)
    # the start cell of a target run lies inside what the learning explored
    assert in_lammps.max() < MAXVOL.stop


@pytest.mark.parametrize("name", ["LiPS_ace_learned.yace", "LiPS_mtp_learned.almtp"])
def test_li_p_s_cards_warn_wherever_a_rerun_with_another_seed_opens_a_ps4(name):
    """The Li-P-S cards carry the glass target rerun with other velocity seeds and frames every 0.1 ps
    (seed_check.py): a run that opens a PS4 in any frame is named with its broken-frame count in its target's
    warning, and the card recounts those frames consistently (worst count below 16/16 exactly when frames
    broke)."""
    card = _card(name)
    seeds = card["validation"].get("seed_check")
    if seeds is None:
        pytest.skip(f"{name}: its card carries no seed check")
    assert len(seeds["seeds"]) >= 3 and seeds["dump_every_ps"] <= 0.1
    for key, run in seeds["runs"].items():
        assert run["completed"] and run["frames"] >= 200
        opened = run["broken_frames"] > 0
        assert opened == (run["worst"]["P with 4 S within 2.6 A"] != "16/16") == (not run["intact"])
        target, seed = key.split("/")[0], key.split("seed")[-1]
        warned = [w for w in card["warnings"] if w.startswith(f"{target} (rerun with")]
        named = bool(warned) and f"{run['broken_frames']} ({seed})" in warned[0]
        assert named == opened, key
