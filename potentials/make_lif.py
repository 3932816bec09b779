#!/usr/bin/env python
"""Make the shipped LiF Moment Tensor Potential, distilled from the CHGNet teacher.

Stages (each resumes from its files in ``--workdir``, so a killed run continues):

1. ``label``: the teacher's rocksalt lattice constant (E(V) of the 8-atom cell), then ~350 configurations
   of 64-217 atom cells -- bulk LiF strained and rattled, with one Li interstitial, one Li vacancy or a
   Frenkel pair, interstitials at random voids, and teacher Langevin MD snapshots at 800-1200 K -- labelled
   with CHGNet into ``labels.extxyz``;
2. ``fit``: seeded train/held-out split, an MTP of level ``--level`` fitted with motep, held-out errors
   against a trivial baseline, parity plot; writes ``LiF_mtp_L{N}_chgnet.mtp``, its card ``.mtp.json``,
   ``LiF_mtp_L{N}_chgnet_parity.png`` and, when small, ``LiF_chgnet_dataset.extxyz.gz`` into ``--out``.

Usage (repository root, project venv)::

    nice -n 10 python potentials/make_lif.py --workdir /tmp/lif_work              # both stages
    nice -n 10 python potentials/make_lif.py --workdir /tmp/lif_work --stage fit  # refit from the labels
    python potentials/make_lif.py --from-dataset potentials/LiF_chgnet_dataset.extxyz.gz --stage fit

The result is a teacher-distilled demo potential: it reproduces CHGNet (itself a universal potential
trained on PBE/PBE+U data), not DFT.
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

from sei_lmp.training import recipe, sampling  # noqa: E402
from sei_lmp.training.provenance import file_sha256, script_record, software_versions  # noqa: E402

log = logging.getLogger("make_lif")
SPECIES = ["Li", "F"]
#: the dataset ships only below this size (the repository is not a data store)
MAX_DATASET_BYTES = 5 * 1024 * 1024


def teacher_lattice_constant(calc) -> float:
    """Rocksalt a0 of the teacher from a Birch-Murnaghan fit of the 8-atom cell, a = 3.95 ... 4.20 A."""
    eos = recipe.cubic_eos(sampling.lif_rocksalt, np.linspace(3.95, 4.20, 9), lambda atoms: calc)
    return eos["lattice_constant_A"]


def static_configurations(a0: float, seed: int, scale: float = 1.0) -> list:
    """Strained/rattled bulk and defect cells; ``scale`` multiplies every count.

    Each group draws from its own generator (seed, group number), so a larger ``scale`` keeps the
    configurations of a smaller one and only adds new ones: the label cache then reuses them all.
    """
    groups = iter(range(1000))

    def rng():
        return np.random.default_rng([seed, next(groups)])

    def n(k):
        return max(1, round(k * scale))

    small = sampling.lif_rocksalt(a0, 2)   # 64 atoms
    large = sampling.lif_rocksalt(a0, 3)   # 216 atoms
    out = []
    # isotropic E(V) points so the lattice constant and bulk modulus are in the data
    g = rng()
    for s in np.linspace(-0.05, 0.05, 11):
        atoms = small.copy()
        atoms.set_cell(small.cell.array * (1 + s), scale_atoms=True)
        out += sampling.strained_rattled(atoms, 1, g, max_strain=0.0, rattle=0.01, config_type="eos")
    for rattle, k in ((0.04, 25), (0.08, 25), (0.14, 20)):
        out += sampling.strained_rattled(small, n(k), rng(), max_strain=0.04, rattle=rattle)
    out += sampling.strained_rattled(large, n(6), rng(), max_strain=0.03, rattle=0.08)
    defects = {
        "Li_interstitial": (sampling.interstitial(small), sampling.interstitial(large)),
        "Li_vacancy": (sampling.vacancy(small), sampling.vacancy(large)),
        "Li_frenkel": (sampling.frenkel_pair(small, rng=np.random.default_rng(seed)),
                       sampling.frenkel_pair(large, rng=np.random.default_rng(seed))),
    }
    for cells in defects.values():
        for rattle, k in ((0.04, 12), (0.08, 12), (0.14, 10)):
            out += sampling.strained_rattled(cells[0], n(k), rng(), max_strain=0.03, rattle=rattle)
        out += sampling.strained_rattled(cells[1], n(2), rng(), max_strain=0.02, rattle=0.08)
    # interstitial Li at random points (not only the tetrahedral void): the landscape a hop crosses
    # (rocksalt's largest void is only 1.77 A from its neighbours, so accept points >= 1.3 A away)
    g = rng()
    accepted = 0
    while accepted < n(30):
        frac = g.uniform(0, 1, 3)
        cell = sampling.interstitial(small, position=frac @ small.cell.array)
        d = cell.get_distances(len(cell) - 1, range(len(cell) - 1), mic=True)
        if d.min() < 1.3:  # on top of a lattice atom: not a state MD visits
            continue
        accepted += 1
        out += sampling.strained_rattled(cell, 1, g, max_strain=0.02, rattle=0.05,
                                         config_type="Li_interstitial_random")
    # close contacts: without them the polynomial radial basis is free below ~1.5 A and a first fit
    # collapsed in LAMMPS at 1000 K (atoms lost after ~600 steps); strong compression and large rattles
    # put Li-F pairs at 1.2-1.7 A and Li-Li / F-F pairs well inside their usual distances
    g = rng()
    for s in np.linspace(-0.14, -0.07, n(6)):
        atoms = small.copy()
        atoms.set_cell(small.cell.array * (1 + s), scale_atoms=True)
        out += sampling.strained_rattled(atoms, 1, g, max_strain=0.0, rattle=0.06, config_type="compressed")
    out += sampling.strained_rattled(small, n(15), rng(), max_strain=0.03, rattle=0.22, config_type="hot_rattle")
    out += sampling.strained_rattled(defects["Li_interstitial"][0], n(10), rng(), max_strain=0.03, rattle=0.22,
                                     config_type="hot_rattle")
    out += sampling.strained_rattled(defects["Li_frenkel"][0], n(6), rng(), max_strain=0.03, rattle=0.22,
                                     config_type="hot_rattle")
    return out


MD_RUNS = [  # (name, temperature K, equilibration steps, production steps, snapshot interval); 2 fs steps
    # short: CHGNet MD runs at 3-10 s/step on the shared 2-core machine; thermal disorder of the other cells
    # is covered by the rattled ones (0.14 A rattle ~ the Li RMS displacement near 1000 K)
    ("Li_interstitial", 800.0, 20, 80, 5),
    ("Li_interstitial", 1200.0, 20, 40, 5),
]


def md_configurations(a0: float, calc, workdir: Path, seed: int) -> list:
    """Teacher MD snapshots of 64(+-1)-atom cells; each run is cached in ``workdir/md``."""
    cells = {"Li_interstitial": sampling.interstitial(sampling.lif_rocksalt(a0, 2))}
    return recipe.cached_teacher_md(cells, MD_RUNS, calc, workdir, seed, log)


def stage_label(args) -> Path:
    from sei_lmp.training import teacher

    calc = teacher.chgnet_calculator(threads=1)
    meta = recipe.read_label_meta(args.workdir)
    if "a0_teacher_A" not in meta:
        t = time.perf_counter()
        meta["a0_teacher_A"] = teacher_lattice_constant(calc)
        log.info("teacher rocksalt a0 = %.4f A (%.0f s)", meta["a0_teacher_A"], time.perf_counter() - t)
        meta["teacher"] = teacher.teacher_info(calc)
        recipe.write_label_meta(args.workdir, meta)
    a0 = meta["a0_teacher_A"]
    start = time.perf_counter()
    images = static_configurations(a0, args.seed, args.scale)
    labels = args.workdir / "labels.extxyz"
    teacher.label(images, calc, labels, description="CHGNet labels")  # static cells first: the bulk of the data
    images += md_configurations(a0, calc, args.workdir, args.seed)
    frames = teacher.label(images, calc, labels, description="storing MD frames")
    meta["label_wall_s"] = meta.get("label_wall_s", 0.0) + time.perf_counter() - start
    meta["n_configurations"] = len(frames)
    recipe.write_label_meta(args.workdir, meta)
    log.info("%d labelled configurations in %s", len(frames), labels)
    return labels


def mtp_lattice_constant(mtp) -> dict:
    """Rocksalt a0 and bulk modulus of the fitted MTP (Birch-Murnaghan, 8-atom cell, a = 3.95 ... 4.25 A)."""
    from sei_lmp.training.fit_mtp import mtp_calculator

    return recipe.cubic_eos(sampling.lif_rocksalt, np.linspace(3.95, 4.25, 13), lambda atoms: mtp_calculator(mtp))


def stage_fit(args, labels: Path, argv) -> Path:
    from sei_lmp.training import fit_mtp, metrics, split, teacher

    frames = teacher.read_labels(labels)
    # optional: leave out configurations with very close pairs (a few large rattles come within 0.73 A);
    # by default they stay, because without them the fit was not repulsive enough at short range
    contact = [recipe.shortest_distance(a) for a in frames]
    dropped = [a.info.get("config_type", "") for a, d in zip(frames, contact) if d < args.min_contact]
    frames = [a for a, d in zip(frames, contact) if d >= args.min_contact]
    if dropped:
        log.info("dropped %d configurations with a pair closer than %.2f A (%s)", len(dropped), args.min_contact,
                 dropped)
    meta = recipe.read_label_meta(args.workdir)
    train, test = split.train_test_split(frames, args.test_fraction, args.seed)
    shortest = min(recipe.shortest_distance(a) for a in frames)
    log.info("%d configurations (%d train / %d held out); shortest distance %.3f A", len(frames), len(train),
             len(test), shortest)
    args.min_dist = recipe.covering_min_dist(args.min_dist, frames, log)
    settings = recipe.mtp_fit_settings(args, SPECIES)
    name = f"LiF_mtp_L{args.level}_chgnet"
    result = fit_mtp.fit_mtp(train, settings, args.workdir / f"{name}.mtp", workdir=args.workdir)
    log.info("fit took %.0f s", result.seconds)
    args.out.mkdir(parents=True, exist_ok=True)
    mtp_path = args.out / f"{name}.mtp"
    shutil.copyfile(result.path, mtp_path)

    pred_train = fit_mtp.predict(result.mtp, train)
    pred_test = fit_mtp.predict(result.mtp, test)
    validation = metrics.validation_block(train, test, pred_train, pred_test, SPECIES)
    recipe.log_errors(log, validation)
    eos = mtp_lattice_constant(result.mtp)
    eos["teacher_lattice_constant_A"] = meta.get("a0_teacher_A")
    validation["rocksalt"] = eos
    log.info("rocksalt: %s", eos)
    png = recipe.parity_png(name, test, pred_test, validation, args.out)

    card = {
        "species": SPECIES, "family": "mtp", "units": "metal", "cutoff": args.max_dist, "min_dist": args.min_dist,
        "level": args.level, "radial_basis_size": args.radial_basis_size,
        "radial_funcs_count": int(result.mtp.radial_funcs_count),
        "alpha_scalar_moments": int(result.mtp.alpha_scalar_moments),
        "file": mtp_path.name,
        "pair_style": f"pair_style sei/mtp; pair_coeff * * {mtp_path.name} Li F",
        "statement": sampling.LIF_STATEMENT,
        "provenance": {
            "teacher": {**meta.get("teacher", {"calculator": "CHGNet (labels read from the dataset)"}),
                        "lattice_constant_A": meta.get("a0_teacher_A")},
            "dataset": {
                "n_configurations": len(frames), "n_train": len(train), "n_test": len(test),
                "n_atoms_total": int(sum(len(a) for a in frames)),
                "by_config_type": recipe.config_type_counts(frames),
                "cell_sizes_atoms": sorted({len(a) for a in frames}),
                "shortest_distance_A": round(shortest, 3),
                "split": f"seeded random, stratified by config_type, test fraction {args.test_fraction}",
                "dropped_close_contact": {"min_contact_A": args.min_contact, "n": len(dropped),
                                          "config_types": sorted(set(dropped))},
                "md": [dict(zip(("cell", "temperature_K", "equilibration_steps", "steps", "interval"), r))
                       for r in MD_RUNS] + [{"timestep_fs": 2.0, "thermostat": "ase Langevin, friction 0.01/fs"}],
                "file": "LiF_chgnet_dataset.extxyz.gz (when shipped)",
                "labelling_wall_s": round(meta.get("label_wall_s", 0.0), 1),
            },
            "fit": result.fit_record(len(train)),
            "software": software_versions("numpy", "scipy", "ase", "motep", "chgnet", "torch", "lammps"),
            **script_record("potentials/make_lif.py", argv, args.seed),
            "mtp_sha256": file_sha256(mtp_path),
        },
    }
    recipe.save_card(card, mtp_path, validation, png, log)
    recipe.ship_dataset(labels, args.out / "LiF_chgnet_dataset.extxyz.gz", MAX_DATASET_BYTES, log)
    return mtp_path


def stage_check(args, labels: Path) -> None:
    """sei/mtp in LAMMPS: same numbers as motep on held-out orthorhombic cells, then NVT + NVE at 1000 K of a
    216+1-atom cell with a Li interstitial; the results go into the card's ``validation.lammps``."""
    from sei_lmp.training import fit_mtp
    from sei_lmp.training.lammps_check import lammps_md_check, lammps_single_points

    mtp_path = args.out / f"LiF_mtp_L{args.level}_chgnet.mtp"
    card = recipe.read_card(mtp_path)
    _, _, test = recipe.read_split(labels, args.test_fraction, args.seed)
    ortho = recipe.orthorhombic_cells(test, 3)  # strained cells are triclinic: then orthorhombic copies
    agree = recipe.agreement(lammps_single_points(mtp_path, SPECIES, ortho, by_name=True),
                             fit_mtp.predict(fit_mtp.read_mtp(mtp_path, SPECIES), ortho))
    log.info("sei/mtp vs motep: %s", agree)
    a0 = card["validation"]["rocksalt"]["lattice_constant_A"]
    a_md = a0 if a0 is not None else card["provenance"]["teacher"].get("lattice_constant_A") or 4.09
    cell = sampling.interstitial(sampling.lif_rocksalt(round(a_md, 4), 3))
    md = lammps_md_check(mtp_path, SPECIES, cell, temperature=1000.0, nvt_ps=args.nvt_ps, nve_ps=args.nve_ps,
                         timestep_fs=1.0, seed=args.seed % 900000 + 1)
    log.info("LAMMPS 216+1 atoms: %s", md)
    card["validation"]["lammps"] = {"sei_mtp_vs_motep": agree, "md_1000K_interstitial": md}
    recipe.write_card(card, mtp_path, log)


def parse_args(argv=None):
    p = recipe.recipe_parser(__doc__)
    recipe.add_teacher_arguments(p, workdir=Path("/tmp/lif_mtp_work"), out=REPO / "potentials")
    recipe.add_mtp_arguments(p, level=8, min_dist=1.4, maxiter=60, nonlinear_subset=40)
    p.add_argument("--min-contact", type=float, default=0.0,
                   help="A; configurations with a closer pair are left out of the fit. Default: keep all; with "
                        "1.1 (4 rattled cells dropped, min_dist 1.1) the fit had lower errors but lost atoms in "
                        "LAMMPS at 1000 K: the closest contacts are what keeps the potential repulsive")
    recipe.add_md_check_arguments(p, nvt_ps=20.0, nve_ps=2.0, nvt_help="LAMMPS check: NVT length at 1000 K")
    return p.parse_args(argv)


def main(argv=None) -> int:
    return recipe.run_teacher_recipe(parse_args(argv), argv, labels_name="labels.extxyz", label=stage_label,
                                     fit=stage_fit, check=stage_check)


if __name__ == "__main__":
    sys.exit(main())
