#!/usr/bin/env python
"""Make the shipped LiF MACE, trained on CPU on the shipped CHGNet-labelled dataset (no teacher needed).

Stages (``--stage``):

1. ``fit``: the same seeded train/held-out split as ``make_lif.py`` (test fraction 0.15, stratified by
   config_type), a small float64 MACE trained with mace-torch's ``run_train`` (child process, one thread,
   seeded), exported with ``mace_create_lammps_model``; held-out errors against the per-species baseline,
   parity plot; writes ``LiF_mace_chgnet.model-lammps.pt``, its card ``.model-lammps.pt.json`` and
   ``LiF_mace_chgnet_parity.png`` into ``--out`` (the PyTorch ``.model`` stays in ``--workdir``);
2. ``check``: ``pair_style sei/mace`` in LAMMPS against ``MACECalculator`` on held-out cells, then NVT + NVE
   of LiF 2x2x2 (--md-cells) with a Li interstitial; results go into the card's ``validation.lammps``.

Usage (repository root, project venv)::

    nice -n 10 python potentials/make_lif_mace.py --workdir /tmp/lif_mace --seed 20251122

The result is a teacher-distilled demo potential: it reproduces CHGNet, not DFT.
"""

from __future__ import annotations

import json
import logging
import shutil
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # run from a checkout without installing

from sei_lmp.training import recipe, sampling  # noqa: E402
from sei_lmp.training.provenance import (  # noqa: E402
    command_line,
    file_sha256,
    script_record,
    software_versions,
)

log = logging.getLogger("make_lif_mace")
SPECIES = ["Li", "F"]
NAME = "LiF_mace_chgnet"


def stage_fit(args, argv) -> Path:
    from sei_lmp.training import fit_mace, metrics

    frames, train, test = recipe.read_split(args.dataset, args.test_fraction, args.split_seed)
    log.info("%d configurations (%d train / %d held out)", len(frames), len(train), len(test))
    baseline = metrics.SpeciesEnergyBaseline(SPECIES).fit(train)
    settings = fit_mace.MACEFitSettings(
        species=tuple(SPECIES), r_max=args.r_max, num_channels=args.channels, max_L=args.max_L,
        max_ell=args.max_ell, num_interactions=args.interactions, correlation=args.correlation,
        max_num_epochs=args.epochs, batch_size=args.batch_size, lr=args.lr, energy_weight=args.energy_weight,
        forces_weight=args.forces_weight,
        stress_weight=args.stress_weight, seed=args.seed, e0s=tuple(float(e) for e in baseline.energies),
        stage_two_start=args.stage_two_start or None)
    result = fit_mace.fit_mace(train, settings, args.workdir / f"{NAME}.model", workdir=args.workdir)
    log.info("training took %.0f s (%d epochs)", result.seconds, result.epochs)
    args.out.mkdir(parents=True, exist_ok=True)
    shipped = args.out / result.lammps_model.name
    shutil.copyfile(result.lammps_model, shipped)

    t = time.perf_counter()
    pred_test = fit_mace.predict(result.model, test, progress=True)
    pred_train = fit_mace.predict(result.model, train, progress=True)
    log.info("predictions took %.0f s", time.perf_counter() - t)
    validation = metrics.validation_block(train, test, pred_train, pred_test, SPECIES)
    mtp_card = args.out / "LiF_mtp_L8_chgnet.mtp.json"
    if mtp_card.is_file():
        validation["held_out_mtp_card"] = json.loads(mtp_card.read_text())["validation"]["held_out"]
    recipe.log_errors(log, validation)
    png = recipe.parity_png(NAME, test, pred_test, validation, args.out)
    size = fit_mace.model_size(result.model)
    card = {
        "species": SPECIES, "family": "mace", "units": "metal", "cutoff": args.r_max,
        "num_interactions": args.interactions, "num_channels": args.channels, "max_L": args.max_L,
        "max_ell": args.max_ell, "correlation": args.correlation, "n_parameters": size["n_parameters"],
        "dtype": "float64", "file": shipped.name,
        "pair_style": f"pair_style sei/mace; pair_coeff * * {shipped.name} Li F",
        "statement": sampling.LIF_STATEMENT,
        "provenance": {
            "teacher": dict(sampling.LIF_SHIPPED_TEACHER),
            "dataset": {
                **recipe.dataset_record(args.dataset, frames, train, test, split_seed=args.split_seed,
                                        test_fraction=args.test_fraction, split_of="make_lif.py"),
                "validation_during_training": f"mace's own random {settings.valid_fraction:.0%} of train",
            },
            "fit": {**settings.as_dict(), "trained_with": "mace-torch run_train (CPU, float64, 1 thread)",
                    "loss": "mace 'stress' loss (energy per atom, forces, stress), EMA 0.99, AMSGrad; stage two "
                            "(SWA) from epoch stage_two_start with the stage_two weights",
                    "epochs": result.epochs, "training_time_s": round(result.seconds, 1),
                    "history": fit_mace.read_log_table(result.log)},
            "files": {"model_bytes": size["model_bytes"], "lammps_model_bytes": size["lammps_model_bytes"],
                      "model": f"{NAME}.model (PyTorch, kept in the work directory, not shipped)"},
            "software": software_versions("numpy", "ase", "torch", "e3nn", "mace-torch", "lammps"),
            **script_record("potentials/make_lif_mace.py", argv, args.seed),
            "sha256": file_sha256(shipped),
        },
    }
    recipe.save_card(card, shipped, validation, png, log)
    return shipped


def stage_check(args, argv=None) -> None:
    """sei/mace vs MACECalculator on held-out orthorhombic cells, then NVT + NVE of LiF with a Li interstitial."""
    from sei_lmp.training import fit_mace
    from sei_lmp.training.lammps_check import lammps_md_check, lammps_single_points

    shipped = args.out / f"{NAME}.model-lammps.pt"
    card = recipe.read_card(shipped)
    _, train, test = recipe.read_split(args.dataset, args.test_fraction, args.split_seed)
    from sei_lmp.training import metrics

    model = args.workdir / f"{NAME}.model"
    card["validation"]["held_out_in_training_range"] = recipe.in_range_errors(train, test,
                                                                              fit_mace.predict(model, test))
    card["validation"]["held_out_baseline_in_training_range"] = recipe.in_range_errors(
        train, test, metrics.SpeciesEnergyBaseline(SPECIES).fit(train).predict(test))
    ortho = recipe.orthorhombic_cells(test, 3)
    lmp = lammps_single_points(shipped, SPECIES, ortho, by_name=True, pair_style="sei/mace")
    agree = recipe.agreement(lmp, fit_mace.predict(model, ortho), stress=True)
    log.info("sei/mace vs MACECalculator: %s", agree)
    cell = sampling.interstitial(sampling.lif_rocksalt(args.md_lattice, args.md_cells))
    md = lammps_md_check(shipped, SPECIES, cell, temperature=args.md_temperature, nvt_ps=args.nvt_ps,
                         nve_ps=args.nve_ps, timestep_fs=1.0, seed=args.seed % 900000 + 1, pair_style="sei/mace")
    log.info("LAMMPS %d atoms: %s", len(cell), md)
    card["validation"]["lammps"] = {"sei_mace_vs_MACECalculator": agree,
                                    f"md_{args.md_temperature:.0f}K_interstitial": md,
                                    "command": command_line("potentials/make_lif_mace.py", argv)}
    recipe.write_card(card, shipped, log)


def parse_args(argv=None):
    p = recipe.recipe_parser(__doc__)
    p.add_argument("--workdir", type=Path, default=Path("/tmp/lif_mace_work"), help="mace logs, checkpoints, .model")
    recipe.add_dataset_arguments(p, out=REPO / "potentials",
                                 dataset=REPO / "potentials" / "LiF_chgnet_dataset.extxyz.gz",
                                 seed_help="mace's seed (weights, batches, its validation split)")
    p.add_argument("--r-max", type=float, default=4.5, help="A; 4.5 instead of 5 halves the edges (CPU time)")
    p.add_argument("--channels", type=int, default=16)
    p.add_argument("--max-L", dest="max_L", type=int, default=0)
    p.add_argument("--max-ell", type=int, default=2)
    p.add_argument("--interactions", type=int, default=2)
    p.add_argument("--correlation", type=int, default=2)
    p.add_argument("--epochs", type=int, default=20)
    p.add_argument("--batch-size", type=int, default=8)
    p.add_argument("--lr", type=float, default=0.01)
    p.add_argument("--energy-weight", type=float, default=1.0)
    p.add_argument("--forces-weight", type=float, default=10.0)
    p.add_argument("--stage-two-start", type=int, default=14,
                   help="epoch where mace's stage two (energy weight 1000, forces 10, lr 1e-3) starts; 0 = none")
    p.add_argument("--stress-weight", type=float, default=1.0)
    p.add_argument("--md-temperature", type=float, default=800.0)
    p.add_argument("--md-lattice", type=float, default=4.09, help="A; rocksalt cell of the LAMMPS check")
    p.add_argument("--md-cells", type=int, default=2,
                   help="conventional cells per edge of the LAMMPS check (2: 64+1 atoms; MACE on one core runs "
                        "about 1 step/s at 217 atoms)")
    recipe.add_md_check_arguments(p, nvt_ps=2.0, nve_ps=0.5)
    return p.parse_args(argv)


def main(argv=None) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    args = parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    if args.stage in ("all", "fit"):
        stage_fit(args, argv)
    if args.stage in ("all", "check"):
        stage_check(args, argv)


if __name__ == "__main__":
    main()
