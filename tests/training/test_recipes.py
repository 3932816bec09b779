"""The recipes under potentials/ use the public API only, and the shared steps they call (sei_lmp.training.recipe,
the fit records, lammps_check's MD probe) against hand-built answers."""

from __future__ import annotations

import ast
import gzip
from pathlib import Path

import numpy as np
import pytest
from ase import Atoms
from ase.calculators.calculator import Calculator, all_changes
from ase.calculators.singlepoint import SinglePointCalculator
from ase.io import write

from sei_lmp.errors import ConfigurationError
from sei_lmp.training import recipe

ROOT = Path(__file__).resolve().parents[2]
RECIPES = sorted((ROOT / "potentials").glob("*.py")) + sorted((ROOT / "potentials" / "scripts").glob("*.py"))


def _imports(path: Path) -> list[tuple[str, str]]:
    """(module, name) of every import in ``path``; name "" for ``import module``."""
    out = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            out += [(a.name, "") for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            out += [("." * node.level + (node.module or ""), a.name) for a in node.names]
    return out


@pytest.mark.parametrize("path", RECIPES, ids=lambda p: p.name)
def test_recipes_import_only_public_sei_lmp_names_and_no_other_script(path):
    scripts = {p.stem for p in RECIPES}
    for module, name in _imports(path):
        parts = module.split(".")
        assert not module.startswith("."), f"{path.name}: relative import {module}"
        assert parts[0] not in scripts and name not in scripts, f"{path.name} imports the script {module or name}"
        if parts[0] == "sei_lmp":
            assert not any(p.startswith("_") for p in parts), f"{path.name}: private module {module}"
            assert not name.startswith("_"), f"{path.name}: private name {module}.{name}"


def test_the_ast_check_catches_what_it_is_for(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("from sei_lmp.training.lammps_check import _md\nfrom make_lif_mace import agreement\n")
    found = _imports(bad)
    assert ("sei_lmp.training.lammps_check", "_md") in found and ("make_lif_mace", "agreement") in found


def _labelled(atoms: Atoms, energy: float) -> Atoms:
    atoms.calc = SinglePointCalculator(atoms, energy=energy, forces=np.zeros((len(atoms), 3)), stress=np.zeros(6))
    return atoms


def _frames() -> list[Atoms]:
    out = []
    for k in range(12):
        a = Atoms("LiF", positions=[[0, 0, 0], [1.6 + 0.05 * k, 0, 0]], cell=[4.0, 4.0, 4.0], pbc=True)
        a.info["config_type"] = "near" if k < 6 else "far"
        out.append(_labelled(a, -5.0 - 0.01 * k))
    return out


def test_dataset_round_trip_split_and_shipping(tmp_path):
    frames = _frames()
    plain = tmp_path / "labels.extxyz"
    write(plain, frames, format="extxyz")
    packed = tmp_path / "labels.extxyz.gz"
    with open(plain, "rb") as src, gzip.open(packed, "wb") as dst:
        dst.write(src.read())
    unpacked = recipe.unpack_dataset(packed, tmp_path / "copy.extxyz")
    assert unpacked.read_text() == plain.read_text()
    read, train, test = recipe.read_split(unpacked, 0.34, seed=5)
    assert len(read) == 12 and len(train) + len(test) == 12
    assert {a.info["config_type"] for a in test} == {"near", "far"}          # stratified
    assert recipe.config_type_counts(read) == {"far": 6, "near": 6}
    assert recipe.ship_dataset(plain, tmp_path / "shipped.gz", 10**6) and (tmp_path / "shipped.gz").is_file()
    assert not recipe.ship_dataset(plain, tmp_path / "big.gz", 10) and not (tmp_path / "big.gz").exists()
    (tmp_path / "empty.extxyz").write_text("")
    with pytest.raises(ConfigurationError, match="no labelled configurations"):
        recipe.read_split(tmp_path / "empty.extxyz", 0.2, seed=1)


def test_distances_and_the_covering_min_dist():
    frames = _frames()
    assert recipe.shortest_distance(frames[0]) == pytest.approx(1.6)
    assert recipe.covering_min_dist(2.0, frames) == pytest.approx(1.6)     # floor(1.6 / 0.05) * 0.05
    assert recipe.covering_min_dist(1.0, frames) == 1.0                     # already below every distance


def test_orthorhombic_cells_and_agreement():
    cubic = Atoms("Li", cell=[3.0, 3.0, 3.0], pbc=True)
    sheared = Atoms("Li", positions=[[1.0, 1.0, 1.0]], cell=[[3.0, 0, 0], [1.0, 3.0, 0], [0, 0, 3.0]], pbc=True)
    assert recipe.orthorhombic_cells([sheared, cubic], 3) == [cubic]
    copy = recipe.orthorhombic_cells([sheared], 1)[0]
    assert np.allclose(copy.cell.array, np.diag(sheared.cell.lengths()))
    a = [{"energy": 1.0, "forces": np.zeros((2, 3)), "stress": np.zeros(6)}]
    b = [{"energy": 1.5, "forces": np.full((2, 3), 0.25), "stress": np.full(6, 0.001)}]
    assert recipe.agreement(a, b) == {"n_cells": 1, "max_energy_diff_eV": 0.5, "max_force_diff_eV_per_A": 0.25}
    assert recipe.agreement(a, b, stress=True)["max_stress_diff_GPa"] == pytest.approx(0.16021766208)


def test_in_range_errors_leave_out_closer_contacts_than_training():
    frames = _frames()                          # shortest distances 1.60, 1.65, ... A
    train, test = frames[2:], frames[:2] + frames[6:8]
    perfect = [{"energy": a.get_potential_energy(), "forces": a.get_forces(), "stress": a.get_stress()} for a in test]
    out = recipe.in_range_errors(train, test, perfect)
    assert out["shortest_distance_in_train_A"] == 1.7
    assert out["left_out"] == ["near (1.60 A)", "near (1.65 A)"]
    assert out["energy_rmse_meV_per_atom"] == pytest.approx(0.0, abs=1e-9)


class _Parabola(Calculator):
    """E = 2 (V / V0 - 1)^2 eV per atom around a 4.0 A cubic cell of 8 atoms."""

    implemented_properties = ["energy", "free_energy", "forces", "stress"]

    def calculate(self, atoms=None, properties=("energy",), system_changes=all_changes):
        super().calculate(atoms, properties, system_changes)
        energy = 8 * 2.0 * (atoms.get_volume() / 4.0**3 - 1.0) ** 2 - 8.0
        self.results = {"energy": energy, "free_energy": energy, "forces": np.zeros((len(atoms), 3)),
                        "stress": np.zeros(6)}


def test_cubic_eos_finds_the_parabola_minimum():
    from ase.build import bulk

    eos = recipe.cubic_eos(lambda a: bulk("LiF", "rocksalt", a=a, cubic=True), np.linspace(3.9, 4.1, 9),
                           lambda atoms: _Parabola())
    assert eos["lattice_constant_A"] == pytest.approx(4.0, abs=1e-3)
    assert eos["energy_at_minimum_eV_per_atom"] == pytest.approx(-1.0, abs=1e-4)
    # B = V d2E/dV2 = V0 * 2 * 2 * 8 / V0^2 eV/A^3
    assert eos["bulk_modulus_GPa"] == pytest.approx(32.0 / 4.0**3 * 160.21766208, rel=0.02)


def test_label_meta_and_cards(tmp_path):
    assert recipe.read_label_meta(tmp_path) == {}
    recipe.write_label_meta(tmp_path, {"a0_teacher_A": 4.09})
    assert recipe.read_label_meta(tmp_path) == {"a0_teacher_A": 4.09}
    potential = tmp_path / "X.mtp"
    path = recipe.save_card({"species": ["Li"], "provenance": {"seed": 1}}, potential,
                            {"held_out": {"e": float("nan")}}, tmp_path / "X_parity.png")
    assert path == tmp_path / "X.mtp.json"
    card = recipe.read_card(potential)
    assert list(card) == ["species", "provenance", "validation", "parity_plot"]
    assert card["validation"]["held_out"]["e"] is None and card["parity_plot"] == "X_parity.png"


def test_option_groups_parse_to_the_names_the_recipes_read(tmp_path):
    p = recipe.recipe_parser("Title line.\n\nMore.")
    recipe.add_teacher_arguments(p, workdir=tmp_path, out=tmp_path / "out")
    recipe.add_mtp_arguments(p, level=8, min_dist=1.4, maxiter=60, nonlinear_subset=40,
                             helps={"level": "the level"})
    recipe.add_md_check_arguments(p, nvt_ps=20.0, nve_ps=2.0, nvt_flag="--md-ps")
    args = p.parse_args(["--level", "10", "--nonlinear-subset", "0", "--from-dataset", "d.gz"])
    assert (args.level, args.min_dist, args.max_dist, args.radial_basis_size, args.maxiter) == (10, 1.4, 5.0, 8, 60)
    assert (args.stage, args.seed, args.scale, args.test_fraction, args.md_ps, args.nve_ps) == \
        ("all", 20251122, 1.0, 0.15, 20.0, 2.0)
    assert args.from_dataset == Path("d.gz") and p.description == "Title line."
    settings = recipe.mtp_fit_settings(args, ["Li", "F"], min_dist=1.2)
    assert (settings.level, settings.min_dist, settings.nonlinear_subset, settings.species) == (10, 1.2, None,
                                                                                                ("Li", "F"))
    q = recipe.recipe_parser("x")
    recipe.add_mtp_arguments(q, level=10, min_dist=2.0, maxiter=160, forces_weight=None)
    recipe.add_dataset_arguments(q, out=tmp_path, dataset=tmp_path / "d.gz", seed_help="fit seed")
    args = q.parse_args([])
    assert not hasattr(args, "forces_weight") and not hasattr(args, "nonlinear_subset")
    assert (args.split_seed, args.stage, args.dataset) == (20251122, "all", tmp_path / "d.gz")


@pytest.mark.parametrize("stage, ran", [("all", ["label", "fit", "check"]), ("fit", ["fit", "check"]),
                                        ("check", ["check"]), ("label", ["label"])])
def test_stage_dispatch(tmp_path, stage, ran):
    calls = []
    p = recipe.add_teacher_arguments(recipe.recipe_parser("x"), workdir=tmp_path / "work", out=tmp_path)
    args = p.parse_args(["--stage", stage])

    def label(args):
        calls.append("label")
        return args.workdir / "made.extxyz"

    def fit(args, labels, argv):
        calls.append("fit")
        assert labels.name == ("made.extxyz" if stage == "all" else "labels.extxyz") and argv == ["--x"]

    assert recipe.run_teacher_recipe(args, ["--x"], labels_name="labels.extxyz", label=label, fit=fit,
                                     check=lambda args, labels: calls.append("check")) == 0
    assert calls == ran and (tmp_path / "work").is_dir()


def test_from_dataset_replaces_the_label_stage(tmp_path):
    write(tmp_path / "given.extxyz", _frames(), format="extxyz")
    p = recipe.add_teacher_arguments(recipe.recipe_parser("x"), workdir=tmp_path / "w", out=tmp_path)
    args = p.parse_args(["--from-dataset", str(tmp_path / "given.extxyz"), "--stage", "label"])
    (tmp_path / "w").mkdir()
    labels = recipe.labelled_dataset(args, tmp_path / "w" / "labels.extxyz", lambda a: pytest.fail("labelled"))
    assert labels.read_text() == (tmp_path / "given.extxyz").read_text()


def test_fit_records_keep_the_card_keys_in_order():
    from types import SimpleNamespace

    from sei_lmp.training.fit_ace import ACEFitResult
    from sei_lmp.training.fit_mtp import FitResult, MTPFitSettings

    settings = MTPFitSettings(species=("Li", "F"), level=8, maxiter=60, seed=3)
    record = FitResult(mtp=None, path=Path("x.mtp"), seconds=12.345, settings=settings, n_nonlinear=40).fit_record(244)
    assert list(record)[-4:] == ["trained_with", "optimizer", "basis", "training_time_s"]
    assert record["optimizer"] == ("LLS + L-BFGS-B (60 iterations, ftol = gtol = 0) on 40 training configurations, "
                                   "then LLS on all 244")
    assert record["basis"] == "level 8, generated by sei_lmp.training.mtp_basis" and record["training_time_s"] == 12.3
    ace_settings = SimpleNamespace(as_dict=lambda: {"cutoff": 5.0})
    ace = ACEFitResult(path=Path("x.yace"), yaml=Path("x.yaml"), e0={}, coeffs=np.zeros(1), alpha=1e-3,
                       validation_loss={1e-3: 0.5}, n_functions=3, seconds_projections=10.04, seconds_solve=0.123,
                       settings=ace_settings)
    record = ace.fit_record(basis="b")
    assert list(record) == ["cutoff", "trained_with", "basis", "ridge_alpha", "validation_loss_by_alpha",
                            "projections_time_s", "solve_time_s"]
    assert record["validation_loss_by_alpha"] == {"0.001": 0.5} and record["solve_time_s"] == 0.12


def test_lammps_md_probe_reports_the_end_state(tmp_path):
    """The Li-P-S check of make_lips (minimise, NVT, NVE) on a small Li2S cell with the shipped ACE: drift from
    nve_drift, shortest distances per pair, no PS4 count without P."""
    from sei_lmp.training import sampling_lips
    from sei_lmp.training.lammps_check import lammps_md_probe

    potential = ROOT / "potentials" / "LiPS_ace_chgnet.yace"
    if not potential.is_file():
        pytest.skip("no shipped Li-P-S ACE")
    cell = sampling_lips.li2s(5.70, 1)
    out = lammps_md_probe(potential, ["Li", "P", "S"], cell, temperature=300.0, nvt_ps=0.05, nve_ps=0.05, seed=7,
                          pair_style="sei/ace")
    assert out["natoms"] == 12 and out["P_with_four_S_within_2.6A"] is None
    assert set(out["final_shortest_distance_A"]) == {"Li-Li", "Li-S", "S-S"}
    assert 1.5 < out["final_shortest_distance_A"]["Li-S"] < 3.0
    assert np.isfinite(out["nve_drift_meV_per_atom_per_ps"]) and out["nve_fluctuation_meV_per_atom"] >= 0
    assert out["minimize_energy_drop_eV_per_atom"] >= 0
