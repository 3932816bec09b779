#!/usr/bin/env python
"""Make the shipped Li-P-S demo potentials (MTP, and ACE where ``sei_lmp.training.fit_ace`` exists), distilled
from the CHGNet teacher.

Stages (each resumes from its files in ``--workdir``, so a killed run continues):

1. ``label``: the teacher's cells (bcc Li, antifluorite Li2S, hexagonal Li3P from E(V) fits), then ~310
   configurations of 53-128 atoms from :mod:`sei_lmp.training.sampling_lips` -- strained/rattled crystals with Li
   vacancies/interstitials, a free Li(100) slab, Li3PS4 packings at 1.8-2.0 g/cm3 and Li4P2S7 packings (PS4 and
   P2S7, the anions of Li3PS4/Li7P3S11 glasses), Li(100)|Li2S(100) interface cells, hot-rattled and compressed
   cells, and CHGNet Langevin MD snapshots of glasses (600-1200 K), the interface (600, 900 K) and Li (600 K) --
   labelled with CHGNet into ``labels.extxyz`` (the cache) and written, exactly this sample, to ``dataset.extxyz``;
2. ``fit``: seeded train/held-out split; for each family asked for (``--family mtp|ace|all``) a fit, held-out errors
   against a per-species-energy baseline, a parity plot and a card; the MTP as ``LiPS_mtp_L{N}_chgnet.mtp``, the ACE
   as ``LiPS_ace_chgnet.yace``; the labels as ``LiPS_chgnet_dataset.extxyz.gz`` when under 2 MB;
3. ``check``: each potential in LAMMPS (sei/mtp, sei/ace): same numbers as motep/pyace, then minimisation and
   NVT + NVE of a 128-atom Li3PS4 glass packing at 1000 K and a 272-atom Li|Li2S interface at 600 K (end state:
   shortest distances, intact PS4); results and ``warnings`` read off them go into the card.

Usage (repository root, project venv)::

    nice -n 10 python potentials/make_lips.py --workdir /tmp/lips_work                 # everything
    nice -n 10 python potentials/make_lips.py --workdir /tmp/lips_work --stage fit     # refit from the labels
    python potentials/make_lips.py --from-dataset potentials/LiPS_chgnet_dataset.extxyz.gz --stage fit

These are teacher-distilled demo potentials: they reproduce CHGNet (a universal potential trained on PBE/PBE+U
data), not DFT.
"""

from __future__ import annotations

import logging
import shutil
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # run from a checkout without installing

from sei_lmp.training import recipe, sampling_lips  # noqa: E402
from sei_lmp.training.provenance import file_sha256, script_record, software_versions  # noqa: E402

log = logging.getLogger("make_lips")
SPECIES = list(sampling_lips.SPECIES)
DATASET = "LiPS_chgnet_dataset.extxyz.gz"
#: the dataset ships only below this size (the repository is not a data store)
MAX_DATASET_BYTES = 2 * 1024 * 1024


def md_configurations(lattice: dict, calc, workdir: Path, seed: int) -> list:
    """Teacher MD snapshots (:data:`sampling_lips.MD_RUNS`); each run is cached in ``workdir/md``."""
    return recipe.cached_teacher_md(sampling_lips.md_start_cells(lattice, seed), sampling_lips.MD_RUNS, calc,
                                    workdir, seed, log)


def stage_label(args) -> Path:
    import os

    from ase.io import write
    from tqdm.auto import tqdm

    from sei_lmp.training import teacher

    calc = teacher.chgnet_calculator(threads=1)
    meta = recipe.read_label_meta(args.workdir)
    if "teacher_lattice" not in meta:
        t = time.perf_counter()
        with tqdm(total=27, desc="teacher E(V)", unit="cell") as bar:
            meta["teacher_lattice"] = sampling_lips.teacher_lattice(calc, progress=bar.update)
        log.info("teacher cells %s (%.0f s)", meta["teacher_lattice"], time.perf_counter() - t)
        meta["teacher"] = teacher.teacher_info(calc)
        recipe.write_label_meta(args.workdir, meta)
    lattice = meta["teacher_lattice"]
    start = time.perf_counter()
    images = sampling_lips.static_configurations(lattice, args.seed, args.scale)
    labels = args.workdir / "labels.extxyz"
    teacher.label(images, calc, labels, description="CHGNet labels")  # static cells first: most of the data
    meta["static_label_wall_s"] = meta.get("static_label_wall_s", 0.0) + time.perf_counter() - start
    recipe.write_label_meta(args.workdir, meta)
    images += md_configurations(lattice, calc, args.workdir, args.seed)
    frames = teacher.label(images, calc, labels, description="storing MD frames")
    # the cache may hold frames of an earlier sample; the fit reads exactly this one
    write(args.workdir / "dataset.extxyz.tmp", frames, format="extxyz")
    os.replace(args.workdir / "dataset.extxyz.tmp", args.workdir / "dataset.extxyz")
    meta["label_wall_s"] = meta.get("label_wall_s", 0.0) + time.perf_counter() - start
    meta["n_configurations"] = len(frames)
    recipe.write_label_meta(args.workdir, meta)
    log.info("%d labelled configurations in %s", len(frames), args.workdir / "dataset.extxyz")
    return args.workdir / "dataset.extxyz"


def crystal_cells(calculator_for, lattice: dict) -> dict:
    """Equilibrium cells a model gives (Birch-Murnaghan, one conventional cell): bcc Li a, Li2S a [A] and the
    Li3P scale; ``calculator_for(atoms)`` returns a fresh calculator."""
    from ase.eos import EquationOfState
    from ase.units import GPa

    out = {}
    makers = {"Li_bcc_a_A": (lambda a: sampling_lips.li_bcc(a, 1), lattice["Li"]),
              "Li2S_a_A": (lambda a: sampling_lips.li2s(a, 1), lattice["Li2S"]),
              "Li3P_scale": (lambda s: sampling_lips.li3p(s, 1), lattice["Li3P"])}
    for key, (make, x0) in makers.items():
        volumes, energies = recipe.energy_volume(make, x0 * np.linspace(0.95, 1.05, 11), calculator_for)
        unit = make(1.0).get_volume() if key == "Li3P_scale" else 1.0
        modulus = key.split("_")[0] + "_bulk_modulus_GPa"
        try:
            v0, _, b = EquationOfState(volumes, energies, eos="birchmurnaghan").fit()
        except RuntimeError:  # no minimum a Birch-Murnaghan curve can follow: report E(V) as it is
            v0, b = None, None
        # a stationary point with B <= 0 is a maximum of E(V), not an equilibrium cell
        if v0 is None or not min(volumes) <= v0 <= max(volumes) or not b > 0:
            out[key], out[modulus] = None, None
            out[key.split("_")[0] + "_no_minimum_within_5pc"] = {
                "scale": [round(float(x), 4) for x in np.linspace(0.95, 1.05, 11)],
                "energy_eV": [round(float(e), 5) for e in energies]}
            continue
        out[key] = float((v0 / unit) ** (1 / 3))
        out[modulus] = float(b / GPa)
    return out


def dataset_block(args, frames, train, test, meta) -> dict:
    return {
        "n_configurations": len(frames), "n_train": len(train), "n_test": len(test),
        "n_atoms_total": int(sum(len(a) for a in frames)),
        "by_config_type": recipe.config_type_counts(frames),
        "cell_sizes_atoms": [min(len(a) for a in frames), max(len(a) for a in frames)],
        "shortest_distance_A": round(min(recipe.shortest_distance(a) for a in frames), 3),
        "split": f"seeded random, stratified by config_type, test fraction {args.test_fraction}",
        "md": [dict(zip(("cell", "temperature_K", "equilibration_steps", "steps", "interval"), r))
               for r in sampling_lips.MD_RUNS] + [{"timestep_fs": 2.0, "thermostat": "ase Langevin, friction 0.01/fs"}],
        "file": f"{DATASET} (when shipped)",
        "labelling_wall_s": round(meta.get("label_wall_s", 0.0), 1),
    }


def provenance(args, argv, frames, train, test, meta, fit: dict, **checksum) -> dict:
    """A card's provenance: the teacher and its cells, the dataset, the ``fit`` record, software, command and
    seed, and the potential file's ``checksum`` (one keyword: its card key and value)."""
    return {"teacher": {**meta.get("teacher", {"calculator": "CHGNet (labels read from the dataset)"}),
                        "cells": meta.get("teacher_lattice")},
            "dataset": dataset_block(args, frames, train, test, meta),
            "fit": fit,
            "software": software_versions("numpy", "scipy", "ase", "motep", "python-ace", "chgnet", "torch", "lammps"),
            **script_record("potentials/make_lips.py", argv, args.seed),
            **checksum}


STATEMENT = ("Teacher-distilled DEMO potential: fitted to CHGNet (a universal ML potential trained on PBE/PBE+U "
             "Materials Project data) on Li metal, Li2S, Li3P, Li3PS4/Li4P2S7 glass packings and MD, and small "
             "Li(100)|Li2S(100) interface cells. It reproduces CHGNet, NOT DFT, and is not validated for other "
             "phases, compositions or temperatures above 1200 K.")


def stage_fit(args, labels: Path, argv) -> None:
    frames, train, test = recipe.read_split(labels, args.test_fraction, args.seed)
    meta = recipe.read_label_meta(args.workdir)
    log.info("%d configurations (%d train / %d held out)", len(frames), len(train), len(test))
    args.out.mkdir(parents=True, exist_ok=True)
    common = {"args": args, "argv": argv, "frames": frames, "train": train, "test": test, "meta": meta}
    if args.family in ("mtp", "all"):
        fit_mtp_family(**common)
    if args.family in ("ace", "all"):
        fit_ace_family(**common)
    recipe.ship_dataset(labels, args.out / DATASET, MAX_DATASET_BYTES, log)


def validate(family: str, name: str, predict, calculator_for, train, test, meta, out: Path):
    """Held-out and training errors against the per-species baseline, the crystals' E(V) against the teacher's
    cells (when the label stage recorded them) and the parity plot; returns (validation block, plot path)."""
    from sei_lmp.training import metrics

    pred_test = predict(test)
    validation = metrics.validation_block(train, test, predict(train), pred_test, SPECIES)
    recipe.log_errors(log, validation, prefix=f"{family.upper()} ")
    lattice = meta.get("teacher_lattice")
    if lattice:
        validation["crystals"] = {family: crystal_cells(calculator_for, lattice),
                                  "teacher": {"Li_bcc_a_A": lattice["Li"], "Li2S_a_A": lattice["Li2S"],
                                              "Li3P_scale": lattice["Li3P"]}}
        log.info("crystals: %s", validation["crystals"])
    return validation, recipe.parity_png(name, test, pred_test, validation, out)


def fit_mtp_family(args, argv, frames, train, test, meta) -> Path:
    from sei_lmp.training import fit_mtp

    min_dist = recipe.covering_min_dist(args.min_dist, frames, log)
    settings = recipe.mtp_fit_settings(args, SPECIES, min_dist)
    name = f"LiPS_mtp_L{args.level}_chgnet"
    result = fit_mtp.fit_mtp(train, settings, args.workdir / f"{name}.mtp", workdir=args.workdir)
    log.info("MTP fit took %.0f s", result.seconds)
    mtp_path = args.out / f"{name}.mtp"
    shutil.copyfile(result.path, mtp_path)
    validation, png = validate("mtp", name, lambda cells: fit_mtp.predict(result.mtp, cells),
                               lambda a: fit_mtp.mtp_calculator(result.mtp), train, test, meta, args.out)
    card = {
        "species": SPECIES, "family": "mtp", "units": "metal", "cutoff": args.max_dist, "min_dist": min_dist,
        "level": args.level, "radial_basis_size": args.radial_basis_size,
        "radial_funcs_count": int(result.mtp.radial_funcs_count),
        "alpha_scalar_moments": int(result.mtp.alpha_scalar_moments),
        "file": mtp_path.name,
        "pair_style": f"pair_style sei/mtp; pair_coeff * * {mtp_path.name} Li P S",
        "statement": STATEMENT,
        "provenance": provenance(args, argv, frames, train, test, meta, result.fit_record(len(train)),
                                 mtp_sha256=file_sha256(mtp_path)),
    }
    recipe.save_card(card, mtp_path, validation, png, log)
    return mtp_path


ACE_NAME = "LiPS_ace_chgnet"


def fit_ace_family(args, argv, frames, train, test, meta) -> Path | None:
    """Linear ACE through :mod:`sei_lmp.training.fit_ace` (python-ace projections + ridge, no TensorFlow);
    skipped with a message when that module is missing."""
    import importlib.util

    if importlib.util.find_spec("sei_lmp.training.fit_ace") is None:
        log.warning("ACE NOT FITTED: sei_lmp.training.fit_ace does not exist in this checkout")
        return None
    from sei_lmp.training import fit_ace

    settings = fit_ace.ACEFitSettings(
        species=tuple(SPECIES), cutoff=args.max_dist, functions_per_element=args.ace_functions,
        nradmax_by_orders=tuple(args.ace_nradmax), lmax_by_orders=tuple(args.ace_lmax), r_in=args.ace_r_in,
        delta_in=args.ace_delta_in, core_repulsion=(args.ace_core_prefactor, args.ace_core_lambda),
        forces_weight=args.forces_weight, seed=args.seed)
    result = fit_ace.fit_ace(train, settings, args.out / f"{ACE_NAME}.yace")
    log.info("ACE projections %.0f s, solve %.1f s; %d functions, alpha %g, E0 %s", result.seconds_projections,
             result.seconds_solve, result.n_functions, result.alpha, result.e0)
    validation, png = validate("ace", ACE_NAME, lambda cells: fit_ace.predict(result.path, cells),
                               lambda a: fit_ace.ace_calculator(result.path), train, test, meta, args.out)
    card = {
        "species": SPECIES, "family": "ace", "units": "metal", "cutoff": args.max_dist,
        "n_functions": result.n_functions, "functions_per_element": args.ace_functions, "r_in": args.ace_r_in,
        "E0_eV": result.e0, "file": result.path.name,
        "pair_style": f"pair_style sei/ace; pair_coeff * * {result.path.name} Li P S",
        "statement": STATEMENT,
        "provenance": provenance(args, argv, frames, train, test, meta, result.fit_record(),
                                 sha256=file_sha256(result.path)),
    }
    recipe.save_card(card, result.path, validation, png, log)
    return result.path


def stage_check(args, labels: Path, family: str) -> None:
    """The potential in LAMMPS (sei/mtp or sei/ace): the reference calculator's numbers (motep / pyace) on
    held-out cells, then a Li3PS4 glass at 1000 K and the Li|Li2S interface at 600 K; the results go into the
    card's ``validation.lammps``."""
    from sei_lmp.errors import RunFailed
    from sei_lmp.training.lammps_check import lammps_md_probe, lammps_single_points

    if family == "mtp":
        from sei_lmp.training import fit_mtp

        path = args.out / f"LiPS_mtp_L{args.level}_chgnet.mtp"

        def reference(cells):
            return fit_mtp.predict(fit_mtp.read_mtp(path, SPECIES), cells)
    else:
        from sei_lmp.training import fit_ace

        path = args.out / f"{ACE_NAME}.yace"

        def reference(cells):
            return fit_ace.predict(path, cells)
    if not path.is_file():
        log.warning("no %s: %s check skipped", path, family)
        return
    pair_style = f"sei/{family}"
    card = recipe.read_card(path)
    _, _, test = recipe.read_split(labels, args.test_fraction, args.seed)
    picks = []
    for kind in ("Li3PS4_packing", "Li_Li2S_interface", "md_Li3PS4_glass", "Li2S_Li_vacancy"):
        a = next((x for x in test if x.info.get("config_type") == kind), None)
        if a is not None:
            picks.append(recipe.orthorhombic_copy(a))  # LAMMPS check cells are orthorhombic
    agree = recipe.agreement(lammps_single_points(path, SPECIES, picks, by_name=True, pair_style=pair_style),
                             reference(picks))
    log.info("%s vs %s: %s", pair_style, "motep" if family == "mtp" else "pyace", agree)
    runs = {
        "md_1000K_Li3PS4_glass": (sampling_lips.glass_packing("Li3PS4", 1.9, 16, seed=args.seed % 100000), 1000.0),
        "md_600K_Li_Li2S_interface": (sampling_lips.li_li2s_interface().repeat((2, 2, 1)), 600.0),
    }
    card["validation"]["lammps"] = {f"{pair_style.replace('/', '_')}_vs_reference": agree}
    for key, (cell, temperature) in runs.items():
        try:
            result = lammps_md_probe(path, SPECIES, cell, temperature=temperature, nvt_ps=args.md_ps,
                                     nve_ps=args.nve_ps, seed=args.seed % 900000 + 1, pair_style=pair_style)
        except RunFailed as err:  # record the failure in the card: a potential that fails must say so
            result = {"failed": str(err)}
        log.info("LAMMPS %s %s: %s", family, key, result)
        card["validation"]["lammps"][key] = result
    card["warnings"] = warnings(card)
    for w in card["warnings"]:
        log.warning("%s: %s", path.name, w)
    recipe.write_card(card, path, log)


def warnings(card: dict) -> list[str]:
    """What a user of the potential must know, read off the card's validation numbers (empty: no warning)."""
    out = []
    crystals = next((v for k, v in card["validation"].get("crystals", {}).items() if k != "teacher"), {})
    for name in ("Li", "Li2S", "Li3P"):
        if f"{name}_no_minimum_within_5pc" in crystals:
            out.append(f"{name}: the energy has no minimum within +-5 % of the teacher's cell (E(V) in "
                       "validation.crystals); do not use this potential for that phase's density or elasticity")
    for key, run in card["validation"].get("lammps", {}).items():
        if not key.startswith("md_"):
            continue
        if "failed" in run:
            out.append(f"{key}: the LAMMPS run failed ({run['failed'][:120]})")
            continue
        ps4 = run.get("P_with_four_S_within_2.6A")
        if ps4:
            kept, total = map(int, ps4.split("/"))
            if kept < 0.75 * total:  # the teacher's own glass MD keeps 7-8 of 8 PS4 intact at 600-1200 K
                out.append(f"{key}: only {ps4} P keep four S after {run['nvt_ps']} ps (shortest P-S "
                           f"{run['final_shortest_distance_A'].get('P-S')} A, S-S "
                           f"{run['final_shortest_distance_A'].get('S-S')} A): PS4 anions break up, unlike in the "
                           "teacher; do not use it for thiophosphate glasses")
    return out


def parse_args(argv=None):
    p = recipe.recipe_parser(__doc__)
    recipe.add_teacher_arguments(p, workdir=Path("/tmp/lips_work"), out=REPO / "potentials", what="potentials")
    p.add_argument("--family", choices=["mtp", "ace", "all"], default="all",
                   help="which potentials the fit stage makes (ace needs sei_lmp.training.fit_ace)")
    # --max-dist is the ACE cutoff too; --forces-weight weighs the ACE fit's forces too
    recipe.add_mtp_arguments(p, level=10, min_dist=1.4, maxiter=120, nonlinear_subset=50,
                             helps={"level": "MTP level (8 underfitted more: 24 meV/atom held out)"})
    p.add_argument("--ace-functions", type=int, default=150, help="ACE basis functions per element")
    p.add_argument("--ace-nradmax", type=int, nargs="+", default=[12, 6, 4, 3], help="ACE radial indices per order")
    p.add_argument("--ace-lmax", type=int, nargs="+", default=[0, 3, 2, 1], help="ACE angular indices per order")
    p.add_argument("--ace-r-in", type=float, default=1.0, help="A; below it the ACE core repulsion takes over")
    p.add_argument("--ace-delta-in", type=float, default=0.3, help="A; width of the inner switch")
    p.add_argument("--ace-core-prefactor", type=float, default=20.0, help="eV A; prehc of the core repulsion")
    p.add_argument("--ace-core-lambda", type=float, default=2.0, help="1/A^2; lambdahc of the core repulsion")
    recipe.add_md_check_arguments(p, nvt_ps=10.0, nve_ps=1.0, nvt_flag="--md-ps",
                                  nvt_help="LAMMPS check: NVT length of each run")
    return p.parse_args(argv)


def main(argv=None) -> int:
    def check(args, labels: Path) -> None:
        for family in ("mtp", "ace"):
            if args.family in (family, "all"):
                stage_check(args, labels, family)

    # the labelled sample is dataset.extxyz (labels.extxyz is the teacher's cache)
    return recipe.run_teacher_recipe(parse_args(argv), argv, labels_name="dataset.extxyz", label=stage_label,
                                     fit=stage_fit, check=check)


if __name__ == "__main__":
    sys.exit(main())
