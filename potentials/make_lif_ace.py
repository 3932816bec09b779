#!/usr/bin/env python
"""Make the shipped LiF ACE (linear B-basis, no TensorFlow) from the shipped CHGNet-labelled dataset.

Stages (``--stage``):

1. ``fit``: the same seeded train/held-out split as ``make_lif.py`` (test fraction 0.15, stratified by
   config_type); a linear ACE fitted by weighted ridge regression on python-ace's basis projections
   (:mod:`sei_lmp.training.fit_ace`: per-species reference energies, core repulsion below ``r_in``, ridge
   strength chosen on a seeded validation part of the training set); held-out errors against the per-species
   baseline, rocksalt lattice constant, parity plot. Writes ``LiF_ace_chgnet.yace`` (+ ``.yaml`` B-basis),
   its card ``LiF_ace_chgnet.yace.json`` and ``LiF_ace_chgnet_parity.png`` into ``--out``;
2. ``check``: ``pair_style sei/ace`` in LAMMPS against pyace's calculator on held-out cells, then NVT + NVE
   of LiF 3x3x3 with a Li interstitial; results go into the card's ``validation.lammps``.

Usage (repository root, project venv)::

    nice -n 10 python potentials/make_lif_ace.py --seed 20251122

The result is a teacher-distilled demo potential: it reproduces CHGNet, not DFT.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # run from a checkout without installing

from sei_lmp.training import recipe, sampling  # noqa: E402
from sei_lmp.training.provenance import file_sha256, script_record, software_versions  # noqa: E402

log = logging.getLogger("make_lif_ace")
SPECIES = ["Li", "F"]
NAME = "LiF_ace_chgnet"


def rocksalt_eos(path: Path) -> dict:
    """Rocksalt a0 and bulk modulus (Birch-Murnaghan, 8-atom cell, a = 3.95 ... 4.25 A) from pyace."""
    from sei_lmp.training import fit_ace

    return recipe.cubic_eos(sampling.lif_rocksalt, np.linspace(3.95, 4.25, 13),
                            lambda atoms: fit_ace.ace_calculator(path))


def stage_fit(args, argv) -> Path:
    from sei_lmp.training import fit_ace, metrics

    frames, train, test = recipe.read_split(args.dataset, args.test_fraction, args.split_seed)
    log.info("%d configurations (%d train / %d held out)", len(frames), len(train), len(test))
    settings = fit_ace.ACEFitSettings(
        species=tuple(SPECIES), cutoff=args.cutoff, functions_per_element=args.functions,
        nradmax_by_orders=tuple(args.nradmax), lmax_by_orders=tuple(args.lmax), r_in=args.r_in,
        delta_in=args.delta_in, core_repulsion=(args.core_prefactor, args.core_lambda), fit_core=not args.fixed_core,
        core_lambda_scan=tuple(args.core_lambdas),
        energy_weight=args.energy_weight, forces_weight=args.forces_weight, force_scale=args.force_scale,
        seed=args.seed)
    args.out.mkdir(parents=True, exist_ok=True)
    result = fit_ace.fit_ace(train, settings, args.out / f"{NAME}.yace")
    log.info("projections %.0f s, solve %.1f s; %d functions, alpha %g, E0 %s, core %.3f eV A, %.2f /A^2 (%s)",
             result.seconds_projections, result.seconds_solve, result.n_functions, result.alpha, result.e0,
             result.core_prefactor, result.core_lambda, "fitted" if result.core_fitted else "fixed")
    pred_test = fit_ace.predict(result.path, test)
    pred_train = fit_ace.predict(result.path, train)
    validation = metrics.validation_block(train, test, pred_train, pred_test, SPECIES)
    mtp_card = args.out / "LiF_mtp_L8_chgnet.mtp.json"
    if mtp_card.is_file():
        validation["held_out_mtp_card"] = json.loads(mtp_card.read_text())["validation"]["held_out"]
    recipe.log_errors(log, validation)
    validation["rocksalt"] = rocksalt_eos(result.path)
    log.info("rocksalt: %s", validation["rocksalt"])
    png = recipe.parity_png(NAME, test, pred_test, validation, args.out)
    card = {
        # in the file's element order (pyace sorts them): the plugin reads this list as the file's species
        "species": list(result.e0), "family": "ace", "units": "metal", "cutoff": args.cutoff,
        "n_functions": result.n_functions, "functions_per_element": args.functions,
        "r_in": args.r_in, "E0_eV": result.e0, "file": result.path.name,
        "core_repulsion": {"prehc_eV_A": result.core_prefactor, "lambdahc_per_A2": result.core_lambda,
                           "fitted": result.core_fitted},
        "pair_style": f"pair_style sei/ace; pair_coeff * * {result.path.name} Li F",
        "statement": sampling.LIF_STATEMENT,
        "provenance": {
            "teacher": dict(sampling.LIF_SHIPPED_TEACHER),
            "dataset": recipe.dataset_record(args.dataset, frames, train, test, split_seed=args.split_seed,
                                             test_fraction=args.test_fraction, split_of="make_lif.py"),
            "fit": result.fit_record(basis="linear B-basis: one density, F(rho) = rho, SBessel radial functions, "
                                           "'distance' inner cutoff with core repulsion"),
            "software": software_versions("numpy", "ase", "python-ace", "lammps"),
            **script_record("potentials/make_lif_ace.py", argv, args.seed),
            "sha256": file_sha256(result.path),
        },
    }
    recipe.save_card(card, result.path, validation, png, log)
    return result.path


def stage_check(args) -> None:
    """sei/ace vs pyace on held-out orthorhombic cells, then NVT + NVE of 216+1 atoms."""
    from sei_lmp.training import fit_ace
    from sei_lmp.training.lammps_check import lammps_md_check, lammps_single_points

    yace = args.out / f"{NAME}.yace"
    card = recipe.read_card(yace)
    _, train, test = recipe.read_split(args.dataset, args.test_fraction, args.split_seed)
    from sei_lmp.training import metrics

    card["validation"]["held_out_in_training_range"] = recipe.in_range_errors(train, test,
                                                                              fit_ace.predict(yace, test))
    card["validation"]["held_out_baseline_in_training_range"] = recipe.in_range_errors(
        train, test, metrics.SpeciesEnergyBaseline(SPECIES).fit(train).predict(test))
    recipe.write_card(card, yace, log)
    ortho = recipe.orthorhombic_cells(test, 3)
    agree = recipe.agreement(lammps_single_points(yace, SPECIES, ortho, by_name=True, pair_style="sei/ace"),
                             fit_ace.predict(yace, ortho), stress=True)
    log.info("sei/ace vs pyace: %s", agree)
    a0 = card["validation"].get("rocksalt", {}).get("lattice_constant_A") or 4.09
    cell = sampling.interstitial(sampling.lif_rocksalt(round(a0, 4), 3))
    md = lammps_md_check(yace, SPECIES, cell, temperature=args.md_temperature, nvt_ps=args.nvt_ps,
                         nve_ps=args.nve_ps, timestep_fs=1.0, seed=args.seed % 900000 + 1, pair_style="sei/ace")
    log.info("LAMMPS 216+1 atoms: %s", md)
    card["validation"]["lammps"] = {"sei_ace_vs_pyace": agree, f"md_{args.md_temperature:.0f}K_interstitial": md}
    recipe.write_card(card, yace, log)


def parse_args(argv=None):
    p = recipe.recipe_parser(__doc__)
    recipe.add_dataset_arguments(p, out=REPO / "potentials",
                                 dataset=REPO / "potentials" / "LiF_chgnet_dataset.extxyz.gz",
                                 seed_help="validation part of train for the ridge strength")
    p.add_argument("--cutoff", type=float, default=5.0)
    p.add_argument("--functions", type=int, default=150, help="basis functions per element")
    p.add_argument("--nradmax", type=int, nargs="+", default=[12, 6, 4, 3], help="radial indices per body order")
    p.add_argument("--lmax", type=int, nargs="+", default=[0, 3, 2, 1], help="angular indices per body order")
    p.add_argument("--r-in", type=float, default=1.2,
                   help="A; below it core repulsion replaces ACE (the data's Li-F contacts reach 0.97 A)")
    p.add_argument("--delta-in", type=float, default=0.4, help="A; width of the switch below r_in")
    p.add_argument("--core-prefactor", type=float, default=20.0,
                   help="eV A; prehc of prehc exp(-lambdahc r^2)/r, used only where fitting it fails "
                        "(--fixed-core: always)")
    p.add_argument("--fixed-core", action="store_true", help="do not fit the core-repulsion prefactor")
    p.add_argument("--core-lambda", type=float, default=2.0, help="1/A^2; the fallback of --core-lambdas")
    p.add_argument("--core-lambdas", type=float, nargs="*", default=[0.5, 1.0, 2.0, 3.0, 5.0],
                   help="1/A^2; lambdahc candidates, the one with the best validation loss is kept")
    p.add_argument("--energy-weight", type=float, default=1.0)
    p.add_argument("--forces-weight", type=float, default=0.01)
    p.add_argument("--force-scale", type=float, default=10.0, help="eV/A; larger teacher forces are down-weighted")
    recipe.add_md_check_arguments(p, nvt_ps=5.0, nve_ps=2.0, temperature=800.0)
    return p.parse_args(argv)


def main(argv=None) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    args = parse_args(argv)
    if args.stage in ("all", "fit"):
        stage_fit(args, argv)
    if args.stage in ("all", "check"):
        stage_check(args)


if __name__ == "__main__":
    main()
