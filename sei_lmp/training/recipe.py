"""The steps every potential recipe (``potentials/make_*.py``, ``potentials/scripts/``) shares, so that a recipe
holds only its choices (what to sample, which fit, which checks) and the package holds how each step is done.

    dataset       read_split, unpack_dataset, ship_dataset, read/write_label_meta, cached_teacher_md,
                  config_type_counts, dataset_record
    fit           covering_min_dist, mtp_fit_settings (the fits' own records: FitResult.fit_record,
                  ACEFitResult.fit_record)
    checks        log_errors, parity_png, energy_volume, cubic_eos, shortest_distance, in_range_errors,
                  orthorhombic_copy, orthorhombic_cells, agreement (LAMMPS runs: :mod:`.lammps_check`)
    card          write_card, read_card, save_card
    command line  recipe_parser, add_teacher_arguments, add_dataset_arguments, add_mtp_arguments,
                  add_md_check_arguments, start_logging, labelled_dataset, run_teacher_recipe

Heavy dependencies (ase.io, ase.eos, tqdm, matplotlib, motep) are imported inside the functions.
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import os
import shutil
import sys
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import numpy as np
from ase import Atoms

from sei_lmp.errors import ConfigurationError
from sei_lmp.training.metrics import GPA_PER_EV_A3


# --- dataset --------------------------------------------------------------------------------------------------


def read_split(dataset: Path, test_fraction: float, seed: int) -> tuple[list[Atoms], list[Atoms], list[Atoms]]:
    """``(frames, train, test)`` of a labelled extxyz(.gz) file, split by
    :func:`sei_lmp.training.split.train_test_split` (seeded, stratified by ``config_type``)."""
    from sei_lmp.training import split, teacher

    frames = teacher.read_labels(dataset)
    if not frames:
        raise ConfigurationError(f"no labelled configurations in {dataset}: label them first, or pass a dataset")
    train, test = split.train_test_split(frames, test_fraction, seed)
    return frames, train, test


def unpack_dataset(source: Path, target: Path) -> Path:
    """Copy a labelled dataset (``.gz`` or plain text) to ``target``; returns ``target``."""
    opener = gzip.open if Path(source).suffix == ".gz" else open
    with opener(source, "rt") as src, open(target, "w") as dst:
        shutil.copyfileobj(src, dst)
    return Path(target)


def ship_dataset(labels: Path, target: Path, max_bytes: int, log: logging.Logger | None = None) -> bool:
    """Gzip ``labels`` to ``target`` when the result is at most ``max_bytes`` (the repository is not a data
    store), so a fit can be redone without the teacher; returns whether it was kept."""
    log = log or logging.getLogger(__name__)
    with open(labels, "rb") as src, gzip.open(target, "wb", compresslevel=9) as dst:
        shutil.copyfileobj(src, dst)
    size = Path(target).stat().st_size
    if size > max_bytes:
        log.info("dataset %.1f MB > %.0f MB: not shipped (kept in %s)", size / 2**20, max_bytes / 2**20, labels)
        Path(target).unlink()
        return False
    log.info("dataset shipped: %s (%.2f MB)", target, size / 2**20)
    return True


#: what the label stage records next to the labels (teacher, its cells, wall times), read again by the fit stage
LABEL_META = "label_meta.json"


def read_label_meta(workdir: Path) -> dict:
    """The label stage's record in ``workdir`` (empty when there is none, e.g. fitting ``--from-dataset``)."""
    path = Path(workdir) / LABEL_META
    return json.loads(path.read_text()) if path.is_file() else {}


def write_label_meta(workdir: Path, meta: Mapping) -> None:
    """Store the label stage's record (after each step, so a killed run keeps what it measured)."""
    (Path(workdir) / LABEL_META).write_text(json.dumps(meta, indent=2))


def cached_teacher_md(cells: Mapping[str, Atoms], runs: Sequence[tuple], calc, workdir: Path, seed: int,
                      log: logging.Logger | None = None) -> list[Atoms]:
    """Teacher MD snapshots (:func:`sei_lmp.training.sampling.teacher_md`) for each run
    ``(cell name, temperature K, equilibration steps, production steps, snapshot interval)``; run ``k`` draws from
    ``default_rng([seed, k, int(temperature)])`` and is cached in ``workdir/md/<name>_<T>K.extxyz``."""
    from ase.io import read, write
    from tqdm.auto import tqdm

    from sei_lmp.training.sampling import teacher_md

    log = log or logging.getLogger(__name__)
    (Path(workdir) / "md").mkdir(parents=True, exist_ok=True)
    total = sum(eq + st for _, _, eq, st, _ in runs)
    out = []
    with tqdm(total=total, desc="teacher MD", unit="step") as bar:
        for k, (name, temperature, eq, steps, interval) in enumerate(runs):
            path = Path(workdir) / "md" / f"{name}_{temperature:.0f}K.extxyz"
            if path.is_file():
                frames = read(path, index=":")
                for f in frames:
                    f.info["labelled_by"] = "teacher_md"
                bar.update(eq + steps)
            else:
                t = time.perf_counter()
                rng = np.random.default_rng([seed, k, int(temperature)])
                frames = teacher_md(cells[name], calc, [temperature], steps=steps, interval=interval,
                                    equilibrate=eq, rng=rng, progress=bar.update)
                write(path.with_suffix(".tmp"), frames, format="extxyz")
                os.replace(path.with_suffix(".tmp"), path)
                log.info("teacher MD %s at %.0f K: %d steps in %.0f s", name, temperature, eq + steps,
                         time.perf_counter() - t)
            out += frames
    return out


def config_type_counts(frames: Sequence[Atoms]) -> dict[str, int]:
    """Configurations per ``info["config_type"]``, sorted by name."""
    return dict(sorted(Counter(a.info.get("config_type", "") for a in frames).items()))


def dataset_record(dataset: Path, frames: Sequence[Atoms], train: Sequence[Atoms], test: Sequence[Atoms], *,
                   split_seed: int, test_fraction: float, split_of: str) -> dict:
    """The card's ``provenance.dataset`` block of a potential fitted to a shipped dataset: the file, the counts,
    configurations per ``config_type`` and the split (``split_of``: the recipe whose split it is)."""
    return {"file": Path(dataset).name, "n_configurations": len(frames), "n_train": len(train), "n_test": len(test),
            "by_config_type": config_type_counts(frames),
            "split": f"seeded random (seed {split_seed}), stratified by config_type, test fraction {test_fraction} "
                     f"(the split of {split_of})"}


# --- fit ------------------------------------------------------------------------------------------------------


def covering_min_dist(requested: float, frames: Sequence[Atoms], log: logging.Logger | None = None,
                      step: float = 0.05) -> float:
    """``requested`` lowered (in ``step``s) to the shortest distance in ``frames``: the MTP radial basis should cover
    every distance in the data, below ``min_dist`` its polynomials extrapolate."""
    shortest = min(shortest_distance(a) for a in frames)
    min_dist = float(min(requested, np.floor(shortest / step) * step))
    if min_dist < requested:
        (log or logging.getLogger(__name__)).info("min_dist lowered from %.2f to %.2f A to cover the data",
                                                  requested, min_dist)
    return min_dist


def mtp_fit_settings(args: argparse.Namespace, species: Sequence[str], min_dist: float | None = None):
    """:class:`sei_lmp.training.fit_mtp.MTPFitSettings` from the options of :func:`add_mtp_arguments` (and --seed);
    ``min_dist`` replaces ``args.min_dist`` (e.g. from :func:`covering_min_dist`)."""
    from sei_lmp.training.fit_mtp import MTPFitSettings

    return MTPFitSettings(species=tuple(species), level=args.level,
                          min_dist=args.min_dist if min_dist is None else min_dist, max_dist=args.max_dist,
                          radial_basis_size=args.radial_basis_size, seed=args.seed, maxiter=args.maxiter,
                          forces_weight=args.forces_weight, stress_weight=args.stress_weight,
                          nonlinear_subset=args.nonlinear_subset or None)


# --- checks ---------------------------------------------------------------------------------------------------


def log_errors(log: logging.Logger, validation: Mapping[str, Mapping], prefix: str = "") -> None:
    """One log line per block of a card's validation (held_out, held_out_baseline, train), floats rounded."""
    for key in ("held_out", "held_out_baseline", "train"):
        log.info("%s%s: %s", prefix, key,
                 {k: round(v, 4) for k, v in validation[key].items() if isinstance(v, float)})


def parity_png(name: str, test: Sequence[Atoms], pred_test: Sequence[dict], validation: Mapping, out: Path) -> Path:
    """``out/<name>_parity.png``: held-out predictions against the teacher, with the held-out and baseline
    RMSEs of ``validation`` in the panels."""
    from sei_lmp.training.parity import parity_plot

    return parity_plot(test, pred_test, Path(out) / f"{name}_parity.png",
                       title=f"{name}: held-out {len(test)} configurations vs CHGNet (teacher)",
                       summary=validation["held_out"], baseline=validation["held_out_baseline"])


def energy_volume(make: Callable[[float], Atoms], parameters: Sequence[float],
                  calculator_for: Callable[[Atoms], object]) -> tuple[list[float], list[float]]:
    """Volumes [A^3] and energies [eV] of ``make(x)`` for each ``x``; ``calculator_for(atoms)`` returns a
    calculator (a fresh one, or the same one each time)."""
    volumes, energies = [], []
    for x in parameters:
        atoms = make(x)
        atoms.calc = calculator_for(atoms)
        volumes.append(atoms.get_volume())
        energies.append(atoms.get_potential_energy())
    return volumes, energies


def cubic_eos(make: Callable[[float], Atoms], lattice_constants: Sequence[float],
              calculator_for: Callable[[Atoms], object]) -> dict:
    """Lattice constant [A], bulk modulus [GPa] and energy at the minimum [eV/atom] of the cubic cell
    ``make(a)`` from a Birch-Murnaghan fit of E(V) over ``lattice_constants``."""
    from ase.eos import EquationOfState
    from ase.units import GPa

    volumes, energies = energy_volume(make, lattice_constants, calculator_for)
    v0, e0, b = EquationOfState(volumes, energies, eos="birchmurnaghan").fit()
    return {"lattice_constant_A": float(v0 ** (1 / 3)), "bulk_modulus_GPa": float(b / GPa),
            "energy_at_minimum_eV_per_atom": float(e0 / len(make(lattice_constants[0])))}


def shortest_distance(atoms: Atoms) -> float:
    """Shortest minimum-image distance between two atoms [A]."""
    d = atoms.get_all_distances(mic=True)
    return float(np.min(d[np.triu_indices(len(atoms), 1)]))


def in_range_errors(train: Sequence[Atoms], test: Sequence[Atoms], pred_test: Sequence[dict]) -> dict:
    """Held-out errors over the cells whose closest pair is no closer than the closest pair in the training
    set (outside it every model extrapolates, and one such cell can dominate the RMSEs), with the cells
    left out."""
    from sei_lmp.training import metrics

    floor = min(shortest_distance(a) for a in train)
    keep = [k for k, a in enumerate(test) if shortest_distance(a) >= floor]
    out = metrics.errors([test[k] for k in keep], [pred_test[k] for k in keep])
    return {**out, "shortest_distance_in_train_A": round(floor, 3),
            "left_out": [f"{test[k].info.get('config_type', '')} ({shortest_distance(test[k]):.2f} A)"
                         for k in range(len(test)) if k not in keep]}


def orthorhombic_copy(atoms: Atoms) -> Atoms:
    """``atoms`` in the orthorhombic box of its cell lengths, atoms scaled with it (LAMMPS would rotate a
    general cell, and the checks compare forces component by component)."""
    out = atoms.copy()
    out.set_cell(np.diag(atoms.cell.lengths()), scale_atoms=True)
    return out


def orthorhombic_cells(images: Sequence[Atoms], n: int) -> list[Atoms]:
    """The first ``n`` orthorhombic cells of ``images``, else orthorhombic copies of the first ``n``."""
    ortho = [a for a in images if np.allclose(a.cell.array, np.diag(np.diag(a.cell.array)))][:n]
    return ortho or [orthorhombic_copy(a) for a in images[:n]]


def agreement(lmp: Sequence[Mapping], ref: Sequence[Mapping], *, stress: bool = False) -> dict:
    """Largest energy [eV] and force-component [eV/A] differences (and stress [GPa] with ``stress``) between two
    lists of predictions, e.g. LAMMPS single points and the fitting code's own calculator."""
    out = {"n_cells": len(ref),
           "max_energy_diff_eV": float(max(abs(x["energy"] - y["energy"]) for x, y in zip(lmp, ref))),
           "max_force_diff_eV_per_A": float(max(np.abs(x["forces"] - y["forces"]).max() for x, y in zip(lmp, ref)))}
    if stress:
        out["max_stress_diff_GPa"] = float(max(np.abs(x["stress"] - y["stress"]).max() for x, y in zip(lmp, ref))
                                           * GPA_PER_EV_A3)
    return out


# --- card -----------------------------------------------------------------------------------------------------


def write_card(card: Mapping, potential: Path, log: logging.Logger | None = None) -> Path:
    """``card`` as ``<potential>.json`` (strict JSON, :func:`sei_lmp.training.provenance.card_json`); returns
    its path."""
    from sei_lmp.training.provenance import card_json

    path = Path(potential).with_name(Path(potential).name + ".json")
    path.write_text(card_json(card))
    (log or logging.getLogger(__name__)).info("wrote %s", path)
    return path


def read_card(potential: Path) -> dict:
    """The metadata card ``<potential>.json`` next to a potential file."""
    return json.loads(Path(potential).with_name(Path(potential).name + ".json").read_text())


def save_card(card: Mapping, potential: Path, validation: Mapping, parity: Path,
              log: logging.Logger | None = None) -> Path:
    """Write ``card`` with its ``validation`` block and the parity plot's file name last, as ``<potential>.json``."""
    path = write_card({**card, "validation": validation, "parity_plot": Path(parity).name}, potential, log)
    (log or logging.getLogger(__name__)).info("wrote %s and %s", potential, parity)
    return path


# --- command line ---------------------------------------------------------------------------------------------


def recipe_parser(doc: str) -> argparse.ArgumentParser:
    """The command-line parser of a recipe: its docstring's first paragraph as description, defaults in --help."""
    return argparse.ArgumentParser(description=doc.split("\n\n")[0],
                                   formatter_class=argparse.ArgumentDefaultsHelpFormatter)


def add_teacher_arguments(parser: argparse.ArgumentParser, *, workdir: Path, out: Path, seed: int = 20251122,
                          what: str = "potential") -> argparse.ArgumentParser:
    """The options of a recipe that labels with the teacher, fits and checks: --workdir, --out, --stage
    (all, label, fit, check), --from-dataset (fit shipped labels, no teacher), --seed, --scale, --test-fraction."""
    parser.add_argument("--workdir", type=Path, default=workdir, help="labels, teacher MD and fit files")
    parser.add_argument("--out", type=Path, default=out, help=f"where the {what} and card go")
    parser.add_argument("--stage", choices=["all", "label", "fit", "check"], default="all",
                        help=f"check: only the LAMMPS checks of an already written {what}")
    parser.add_argument("--from-dataset", type=Path, default=None,
                        help="fit from this labelled extxyz(.gz) instead of labelling (no teacher needed)")
    parser.add_argument("--seed", type=int, default=seed, help="sampling, split, initial coefficients, motep")
    parser.add_argument("--scale", type=float, default=1.0, help="multiplies every static configuration count")
    parser.add_argument("--test-fraction", type=float, default=0.15, help="held-out share of each config_type")
    return parser


def add_dataset_arguments(parser: argparse.ArgumentParser, *, out: Path, dataset: Path,
                          seed_help: str) -> argparse.ArgumentParser:
    """The options of a recipe that fits a shipped labelled dataset (no teacher): --out, --dataset, --stage
    (all, fit, check), --seed (the fit's own), --split-seed and --test-fraction (the train/held-out split)."""
    parser.add_argument("--out", type=Path, default=out, help="where the potential and card go")
    parser.add_argument("--dataset", type=Path, default=dataset, help="labelled extxyz(.gz)")
    parser.add_argument("--stage", choices=["all", "fit", "check"], default="all")
    parser.add_argument("--seed", type=int, default=20251122, help=seed_help)
    parser.add_argument("--split-seed", type=int, default=20251122, help="train/held-out split (that of make_lif.py)")
    parser.add_argument("--test-fraction", type=float, default=0.15, help="held-out share of each config_type")
    return parser


def add_mtp_arguments(parser: argparse.ArgumentParser, *, level: int, min_dist: float, maxiter: int,
                      nonlinear_subset: int | None = None, forces_weight: float | None = 0.01,
                      stress_weight: float = 0.01, helps: Mapping[str, str] | None = None) -> argparse.ArgumentParser:
    """The MTP fit options of every MTP recipe: --level, --min-dist, --max-dist (5 A), --radial-basis-size (8),
    --maxiter, --stress-weight, and --nonlinear-subset / --forces-weight where given; ``helps`` replaces the
    help text of an option (key: the flag without dashes, e.g. ``"min-dist"``)."""
    text = {"level": "MTP level", "min-dist": "A; start of the radial basis (lowered to the data's shortest "
                                              "distance if needed)",
            "max-dist": "A; the cutoff", "radial-basis-size": "radial basis functions",
            "maxiter": "L-BFGS-B iterations",
            "nonlinear-subset": "configurations the L-BFGS-B step fits (then LLS on all); 0 = all",
            "stress-weight": "loss weight of stress*volume per atom", "forces-weight": "loss weight of the forces",
            **(helps or {})}
    options = {"level": level, "min-dist": min_dist, "max-dist": 5.0, "radial-basis-size": 8, "maxiter": maxiter,
               "nonlinear-subset": nonlinear_subset, "stress-weight": stress_weight, "forces-weight": forces_weight}
    for name, default in options.items():
        if default is not None:  # the recipe does not have this option
            parser.add_argument(f"--{name}", type=type(default), default=default, help=text[name])
    return parser


def add_md_check_arguments(parser: argparse.ArgumentParser, *, nvt_ps: float, nve_ps: float,
                           temperature: float | None = None, nvt_flag: str = "--nvt-ps",
                           nvt_help: str = "LAMMPS check: NVT length",
                           nve_help: str = "LAMMPS check: NVE length after the NVT") -> argparse.ArgumentParser:
    """The LAMMPS stability check's options: NVT length (``nvt_flag``), NVE length and, where the recipe lets the
    user choose it, --md-temperature [K]."""
    if temperature is not None:
        parser.add_argument("--md-temperature", type=float, default=temperature, help="K; LAMMPS check temperature")
    parser.add_argument(nvt_flag, type=float, default=nvt_ps, help=f"ps; {nvt_help}")
    parser.add_argument("--nve-ps", type=float, default=nve_ps, help=f"ps; {nve_help}")
    return parser


def start_logging() -> None:
    """INFO log lines with a time stamp on stdout, as every recipe writes them."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stdout)


def labelled_dataset(args: argparse.Namespace, labels: Path, label: Callable[[argparse.Namespace], Path]) -> Path:
    """The labels the fit and check stages read: ``--from-dataset`` unpacked to ``labels``, else what the label
    stage ``label(args)`` writes when ``--stage`` runs it, else ``labels`` as an earlier run left them."""
    if args.from_dataset is not None:
        return unpack_dataset(args.from_dataset, labels)
    if args.stage in ("all", "label"):
        return label(args)
    return labels


def run_teacher_recipe(args: argparse.Namespace, argv, *, labels_name: str,
                       label: Callable[[argparse.Namespace], Path],
                       fit: Callable[[argparse.Namespace, Path, object], object],
                       check: Callable[[argparse.Namespace, Path], object]) -> int:
    """Run the stages ``--stage`` asks for: label (or ``--from-dataset``), then ``fit(args, labels, argv)``, then
    ``check(args, labels)``; the labels live in ``args.workdir / labels_name``. Returns the exit status (0)."""
    start_logging()
    args.workdir.mkdir(parents=True, exist_ok=True)
    labels = labelled_dataset(args, args.workdir / labels_name, label)
    if args.stage in ("all", "fit"):
        fit(args, labels, argv)
    if args.stage in ("all", "fit", "check"):
        check(args, labels)
    return 0
