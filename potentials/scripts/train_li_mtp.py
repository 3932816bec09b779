#!/usr/bin/env python
"""Train the shipped Moment Tensor Potential for lithium metal, end to end.

What it does
    1. reads the mlearn Li DFT data set (PBE, 270 structures with energies, forces and stresses;
       pymatgen JSON, BSD-3) from ``../shared/validation/datasets/Li_metal_DFT`` (or ``--data``,
       or ``$SEI_LMP_VALIDATION_DIR/datasets/Li_metal_DFT``) and converts it to MLIP ``.cfg``;
    2. writes an untrained level-N MTP whose basis :mod:`sei_lmp.training.mtp_basis` generates from
       the definition (:func:`sei_lmp.training.fit_mtp.untrained_mtp`), then trains it with motep
       (``motep train`` settings file, LLS + L-BFGS-B) with a fixed seed;
    3. evaluates energy/force/stress RMSEs on the training and test sets, the bcc lattice
       constant from an E(V) scan, and the energy drift of a short ASE velocity-Verlet NVE run,
       all with motep's ASE calculator;
    4. writes ``Li_mtp_L{N}_mlearn.mtp`` (MLIP 1.1.0 layout) and its metadata card
       ``Li_mtp_L{N}_mlearn.mtp.json`` into ``--out`` (default: this repository's ``potentials/``).

Usage (from the repository root, with the project venv active)::

    python potentials/scripts/train_li_mtp.py                 # level 10, seed 20250101
    python potentials/scripts/train_li_mtp.py --level 8 --workdir /tmp/li_mtp

The converted data and motep's own files (settings, logs, intermediate potentials) go to
``--workdir`` (a fresh temporary directory by default), never into the repository: the project
reads shared validation data from ``../shared`` and does not copy it.
"""

from __future__ import annotations

import json
import logging
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))  # run from a checkout without installing

from sei_lmp.analysis.thermo import nve_drift  # noqa: E402
from sei_lmp.training import fit_mtp, recipe  # noqa: E402
from sei_lmp.units import KBAR_PER_EV_A3, fs_to_ps  # noqa: E402
from sei_lmp.training.metrics import GPA_PER_EV_A3  # noqa: E402
from sei_lmp.training.provenance import file_sha256, script_record  # noqa: E402

DATASET_SUBDIR = Path("datasets") / "Li_metal_DFT"
LI = 3  # atomic number; MTP species index 0

# The VASP/pymatgen "virial_stress" of the data set is in kbar with the sign of a pressure
# (compressed cells are positive) in the order xx, yy, zz, xy, yz, zx; ASE wants eV/A^3 with
# the opposite sign in the order xx, yy, zz, yz, xz, xy.
VASP_TO_ASE_VOIGT = [0, 1, 2, 4, 5, 3]

log = logging.getLogger("train_li_mtp")


# ---------------------------------------------------------------------------------------------
# data
# ---------------------------------------------------------------------------------------------


def default_dataset_dir() -> Path:
    root = os.environ.get("SEI_LMP_VALIDATION_DIR")
    base = Path(root) if root else REPO.parent / "shared" / "validation"
    return base / DATASET_SUBDIR


def load_mlearn(path: Path):
    """mlearn JSON entries -> list of ase.Atoms carrying DFT energy/forces/stress as results."""
    from ase import Atoms
    from ase.calculators.singlepoint import SinglePointCalculator

    images = []
    for entry in json.loads(Path(path).read_text()):
        struct = entry["structure"]
        symbols = [site["species"][0]["element"] for site in struct["sites"]]
        if set(symbols) != {"Li"}:
            raise ValueError(f"{path}: non-Li structure ({entry.get('description')})")
        atoms = Atoms(
            symbols=symbols,
            positions=[site["xyz"] for site in struct["sites"]],
            cell=struct["lattice"]["matrix"],
            pbc=True,  # surfaces are slabs in periodic cells, as in the DFT runs
        )
        out = entry["outputs"]
        stress = -np.asarray(out["virial_stress"], float)[VASP_TO_ASE_VOIGT] / KBAR_PER_EV_A3
        atoms.calc = SinglePointCalculator(
            atoms,
            energy=float(out["energy"]),
            free_energy=float(out["energy"]),
            forces=np.asarray(out["forces"], float),
            stress=stress,
        )
        atoms.info = {"group": entry["group"], "tag": entry["tag"], "description": entry["description"]}
        images.append(atoms)
    return images


def split(dataset_dir: Path, mode: str, seed: int, test_fraction: float):
    train = load_mlearn(dataset_dir / "training.json")
    test = load_mlearn(dataset_dir / "test.json")
    if mode == "mlearn":
        # the split published with the data set, so numbers compare with Zuo et al. (2020)
        return train, test
    # seeded random re-split of all 270 structures, stratified by group so that every
    # kind of structure (AIMD, vacancy, elastic, surface) appears on both sides
    pool = train + test
    rng = np.random.default_rng(seed)
    new_train, new_test = [], []
    for group in sorted({a.info["group"] for a in pool}):
        members = [a for a in pool if a.info["group"] == group]
        order = rng.permutation(len(members))
        n_test = max(1, round(test_fraction * len(members)))
        new_test += [members[i] for i in order[:n_test]]
        new_train += [members[i] for i in order[n_test:]]
    return new_train, new_test


# ---------------------------------------------------------------------------------------------
# training
# ---------------------------------------------------------------------------------------------


def settings_toml(seed: int, maxiter: int, weights: dict) -> str:
    """motep ``train`` settings: LLS, L-BFGS-B on all coefficients, LLS.

    LLS solves the linear coefficients (species and moment) exactly for the current radial
    functions, before and after the nonlinear fit. ftol and gtol are zero because SciPy compares
    them with max(|loss|, 1), and our loss is ~1e-5: with the defaults L-BFGS-B stops long before
    it has converged. Energy (per atom) and force weights are MLIP's defaults, 1 and 0.01; the
    stress weight defaults to 10x MLIP's 0.001, which put the bcc lattice constant closer to PBE.
    """
    lines = [
        "[common]",
        f"species = [{LI}]",
        f"seed = {seed}",
        'engine = "cext"',
        "",
        "[configurations]",
        'training = ["train.cfg"]',
        "",
        "[potentials]",
        'initial = "untrained.mtp"',
        'final = "final.mtp"',
        "",
        "[loss]",
        *(f"{k} = {v}" for k, v in weights.items()),
        "",
        "[[steps]]",
        'method = "LLS"',
        "",
        "[[steps]]",
        'method = "L-BFGS-B"',
        f"kwargs = {{options = {{maxiter = {maxiter}, ftol = 0.0, gtol = 0.0}}}}",
        "",
        "[[steps]]",
        'method = "LLS"',
        "",
    ]
    return "\n".join(lines)


def train(workdir: Path, train_images, args):
    """Run the motep training described by ``workdir/settings.toml``; returns the trained MTPData."""
    from motep.io.mlip.cfg import write_cfg
    from motep.io.mlip.mtp import read_mtp
    from motep.io.utils import read_images
    from motep.parallel import world
    from motep.train.setting import load_setting_train
    from motep.train.trainer import Trainer

    write_cfg(workdir / "train.cfg", train_images, species=[LI])
    name = f"Li_mtp_L{args.level}_mlearn"
    # the basis of sei_lmp.training.mtp_basis (same scalar functions as MLIP's templates) and seeded starting
    # radial coefficients f_mu = 0.02 (Q_mu + noise), from the package's MTP fit
    basis = fit_mtp.MTPFitSettings(species=("Li",), level=args.level, min_dist=args.min_dist,
                                   max_dist=args.max_dist, radial_basis_size=args.radial_basis_size, seed=args.seed)
    fit_mtp.write_mtp(workdir / "untrained.mtp", fit_mtp.untrained_mtp(basis, name))
    weights = {"energy_weight": 1.0, "forces_weight": 0.01, "stress_weight": args.stress_weight}
    (workdir / "settings.toml").write_text(settings_toml(args.seed, args.maxiter, weights))

    handler = logging.FileHandler(workdir / "motep_train.log", mode="w")
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
    motep_log = logging.getLogger("motep")
    motep_log.setLevel(logging.INFO)
    motep_log.addHandler(handler)
    motep_log.propagate = False  # the per-iteration log goes to the file only
    cwd = Path.cwd()
    os.chdir(workdir)  # motep writes intermediate_*.mtp into the working directory
    try:
        # the body of `motep train settings.toml`, except for the final write: motep 0.2.0's
        # default writer puts radial_funcs_count after radial_coeffs, which neither its own
        # reader nor sei/mtp accepts, so the result is written in the MLIP layout instead
        setting = load_setting_train("settings.toml")
        images = read_images(setting.configurations.training, species=setting.common.species, comm=world)
        mtp = read_mtp(setting.potentials.initial)
        mtp.species = setting.common.species
        trainer = Trainer(mtp, seed=setting.common.seed, engine=setting.common.engine, loss=setting.loss,
                          steps=setting.steps, comm=world)
        start = time.perf_counter()
        trainer.train(images)
        seconds = time.perf_counter() - start
        fit_mtp.write_mtp(setting.potentials.final, mtp)
    finally:
        os.chdir(cwd)
        motep_log.removeHandler(handler)
        motep_log.propagate = True
        handler.close()
    return mtp, seconds, weights


# ---------------------------------------------------------------------------------------------
# evaluation
# ---------------------------------------------------------------------------------------------


def calculator(mtp):
    return fit_mtp.mtp_calculator(mtp)


def errors(mtp, images) -> dict:
    de, df, ds = [], [], []
    for ref in images:
        atoms = ref.copy()
        atoms.calc = calculator(mtp)  # motep's calculator keeps a neighbour list sized to one structure
        de.append((atoms.get_potential_energy() - ref.get_potential_energy()) / len(ref))
        df.append((atoms.get_forces() - ref.get_forces()).ravel())
        ds.append(atoms.get_stress() - ref.get_stress())
    de, df, ds = np.array(de), np.concatenate(df), np.array(ds)
    return {
        "n_structures": len(images),
        "n_atoms": int(sum(len(a) for a in images)),
        "energy_rmse_meV_per_atom": float(1000 * np.sqrt(np.mean(de**2))),
        "energy_mae_meV_per_atom": float(1000 * np.mean(np.abs(de))),
        "forces_rmse_eV_per_A": float(np.sqrt(np.mean(df**2))),
        "forces_mae_eV_per_A": float(np.mean(np.abs(df))),
        "stress_rmse_GPa": float(GPA_PER_EV_A3 * np.sqrt(np.mean(ds**2))),
    }


def bcc_eos(mtp) -> dict:
    """Birch-Murnaghan fit of E(V) for the 2-atom cubic bcc cell, a = 3.30 ... 3.60 A."""
    from ase.build import bulk

    lattice = np.linspace(3.30, 3.60, 16)
    eos = recipe.cubic_eos(lambda a: bulk("Li", "bcc", a=a, cubic=True), lattice, lambda atoms: calculator(mtp))
    # a compressed-side check: the curve must rise monotonically below a0 (no spurious minimum
    # where the polynomial radial basis runs out of data)
    short = [bulk("Li", "bcc", a=a, cubic=True) for a in np.linspace(2.9, 3.40, 11)]
    e_short = []
    for atoms in short:
        atoms.calc = calculator(mtp)
        e_short.append(atoms.get_potential_energy())
    return {
        **eos,  # the cubic cell holds 2 atoms, V = a^3
        "scan_A": [float(lattice[0]), float(lattice[-1]), len(lattice)],
        "monotonic_under_compression_2.9_to_3.4_A": bool(np.all(np.diff(e_short) < 0)),
    }


def cubic_elastic(mtp, images) -> dict:
    """C11, C12 and B = (C11 + 2 C12)/3 from the data set's own +-0.5 % uniaxial strains of the
    DFT ground-state cell (mode 1 of the "Elastic" group), for DFT and for the potential."""
    pair = {}
    for atoms in images:
        desc = atoms.info.get("description", "")
        for sign, tag in ((+1, "mode 1, strain 0.005"), (-1, "mode 1, strain -0.005")):
            if desc.endswith(tag):
                pair[sign] = atoms
    if len(pair) != 2:
        return {}

    def constants(stress_plus, stress_minus):
        # ASE stress is the negative of the pressure-like tensor; strain step 0.01 in total
        c11 = (stress_plus[0] - stress_minus[0]) / 0.01 * GPA_PER_EV_A3
        c12 = (stress_plus[1] - stress_minus[1]) / 0.01 * GPA_PER_EV_A3
        return {"C11_GPa": float(c11), "C12_GPa": float(c12), "B_GPa": float((c11 + 2 * c12) / 3)}

    model = {}
    for sign, ref in pair.items():
        atoms = ref.copy()
        atoms.calc = calculator(mtp)
        model[sign] = atoms.get_stress()
    return {"dft": constants(pair[1].get_stress(), pair[-1].get_stress()),
            "mtp": constants(model[1], model[-1])}


def nve(mtp, a0: float, reps: int, temperature: float, steps: int, dt_fs: float, seed: int) -> dict:
    """Velocity-Verlet NVE of a reps^3 conventional bcc supercell; drift from a linear fit.

    Velocities are drawn at 2*temperature so that the run settles near `temperature` after
    equipartition (as the project's LAMMPS demo does).
    """
    from ase import units
    from ase.build import bulk
    from ase.md.velocitydistribution import MaxwellBoltzmannDistribution, Stationary
    from ase.md.verlet import VelocityVerlet

    atoms = bulk("Li", "bcc", a=a0, cubic=True).repeat(reps)
    atoms.calc = calculator(mtp)
    MaxwellBoltzmannDistribution(atoms, temperature_K=2 * temperature, rng=np.random.default_rng(seed))
    Stationary(atoms)
    dyn = VelocityVerlet(atoms, timestep=dt_fs * units.fs)
    etot, temp = [], []

    def record():
        etot.append(atoms.get_total_energy())
        temp.append(atoms.get_temperature())

    dyn.attach(record, interval=1)
    start = time.perf_counter()
    dyn.run(steps)
    seconds = time.perf_counter() - start
    etot = np.array(etot)
    t_ps = np.arange(len(etot)) * fs_to_ps(dt_fs)
    drift = nve_drift(t_ps, etot, len(atoms))
    return {
        "integrator": "ase VelocityVerlet",
        "natoms": len(atoms),
        "lattice_constant_A": float(a0),
        "initial_temperature_K": 2 * temperature,
        "mean_temperature_K": float(np.mean(temp[len(temp) // 2:])),
        "timestep_fs": dt_fs,
        "steps": steps,
        "drift_meV_per_atom_per_ps": drift.drift_meV_per_atom_per_ps,
        "max_abs_deviation_meV_per_atom": drift.max_deviation_meV_per_atom,
        "fluctuation_meV_per_atom": drift.fluctuation_meV_per_atom,
        "wall_s": round(seconds, 1),
    }


# ---------------------------------------------------------------------------------------------
# main
# ---------------------------------------------------------------------------------------------


def parse_args(argv=None):
    p = recipe.recipe_parser(__doc__)
    p.add_argument("--data", type=Path, default=None,
                   help="directory with training.json/test.json (default: "
                        "$SEI_LMP_VALIDATION_DIR or ../shared/validation, + datasets/Li_metal_DFT)")
    p.add_argument("--out", type=Path, default=REPO / "potentials", help="where the .mtp and card go")
    p.add_argument("--workdir", type=Path, default=None, help="motep work files (default: a temp dir)")
    recipe.add_mtp_arguments(p, level=10, min_dist=2.0, maxiter=160, forces_weight=None, helps={
        "min-dist": "A; the data's shortest distance is 2.001 A",
        "stress-weight": "motep loss weight of stress*volume per atom (MLIP's default is 0.001)",
        "maxiter": "L-BFGS-B iterations (about 4 s each at level 10)"})
    p.add_argument("--seed", type=int, default=20250101, help="initial radial coefficients, motep's RNG, --split random")
    p.add_argument("--split", choices=["mlearn", "random"], default="mlearn",
                   help="mlearn: the data set's published train/test split (241/29); random: seeded "
                        "stratified re-split of all 270 structures")
    p.add_argument("--test-fraction", type=float, default=0.1, help="only for --split random")
    p.add_argument("--nve-reps", type=int, default=4, help="bcc supercell repetitions (4 -> 128 atoms)")
    p.add_argument("--nve-steps", type=int, default=2000)
    p.add_argument("--nve-temperature", type=float, default=300.0,
                   help="K; velocities are drawn at twice this, half of it goes into the potential energy")
    return p.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    recipe.start_logging()
    if args.seed == 0:
        raise SystemExit("--seed 0 is not usable: motep treats a zero seed as 'no seed'")
    import ase
    import scipy

    dataset = args.data or default_dataset_dir()
    if not (dataset / "training.json").is_file():
        raise SystemExit(f"mlearn Li data not found in {dataset} (use --data or SEI_LMP_VALIDATION_DIR)")
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="li_mtp_"))
    workdir.mkdir(parents=True, exist_ok=True)
    args.out.mkdir(parents=True, exist_ok=True)
    name = f"Li_mtp_L{args.level}_mlearn"

    train_images, test_images = split(dataset, args.split, args.seed, args.test_fraction)
    log.info("data %s: %d train / %d test structures; work dir %s", dataset, len(train_images),
             len(test_images), workdir)

    mtp, train_seconds, weights = train(workdir, train_images, args)
    log.info("training took %.0f s", train_seconds)

    mtp.potential_name = name
    mtp_path = fit_mtp.write_mtp(args.out / f"{name}.mtp", mtp)  # the MLIP 1.1.0 layout sei/mtp reads

    validation = {"train": errors(mtp, train_images), "test": errors(mtp, test_images)}
    for key in ("train", "test"):
        log.info("%s: %s", key, validation[key])
    eos = bcc_eos(mtp)
    log.info("bcc E(V): %s", eos)
    validation["bcc"] = eos
    validation["bcc"]["dft_reference_lattice_constant_A"] = 3.4268  # data set "Ground state crystal"
    validation["bcc"]["elastic_at_dft_cell"] = cubic_elastic(mtp, train_images + test_images)
    log.info("elastic: %s", validation["bcc"]["elastic_at_dft_cell"])
    validation["nve"] = nve(mtp, round(eos["lattice_constant_A"], 4), args.nve_reps, args.nve_temperature,
                            args.nve_steps, 1.0, args.seed)
    log.info("NVE: %s", validation["nve"])

    card = {
        "species": ["Li"],
        "family": "mtp",
        "units": "metal",
        "cutoff": args.max_dist,
        "min_dist": args.min_dist,
        "level": args.level,
        "radial_basis_size": args.radial_basis_size,
        "radial_funcs_count": int(mtp.radial_funcs_count),
        "alpha_scalar_moments": int(mtp.alpha_scalar_moments),
        "file": mtp_path.name,
        "pair_style": f"pair_style sei/mtp; pair_coeff * * {mtp_path.name} 0",
        "provenance": {
            "dataset": {
                "name": "mlearn Li (PBE; AIMD-NVT, vacancy, elastic, surface structures)",
                "source": "https://github.com/materialsvirtuallab/mlearn data/Li (training.json, test.json)",
                "reference": "Y. Zuo et al., J. Phys. Chem. A 124, 731 (2020)",
                "files_sha256": {f: file_sha256(dataset / f) for f in ("training.json", "test.json")},
                "split": args.split if args.split == "random" else "mlearn published split",
                "n_train": len(train_images),
                "n_test": len(test_images),
            },
            "licence": "BSD-3-Clause (mlearn training data)",
            "trained_with": f"motep {_dist_version('motep')}",
            "engine": "cext",
            "software": {"python": platform.python_version(), "numpy": np.__version__,
                         "scipy": scipy.__version__, "ase": ase.__version__},
            **script_record("potentials/scripts/train_li_mtp.py", argv, args.seed),
            "basis": f"level {args.level}, generated by the script (same scalar basis as MLIP template {args.level:02d})",
            "loss_weights": weights,
            "optimizer": f"LLS, L-BFGS-B ({args.maxiter} iterations, ftol = gtol = 0), LLS",
            "initial_radial_coeffs": "0.02 * (identity + 0.1 * uniform(-1, 1) noise from the seed)",
            "training_time_s": round(train_seconds, 1),
            "mtp_sha256": file_sha256(mtp_path),
        },
        "validation": validation,
    }
    card_path = args.out / f"{name}.mtp.json"
    card_path.write_text(json.dumps(card, indent=2) + "\n")
    log.info("wrote %s and %s", mtp_path, card_path)
    return 0


def _dist_version(dist: str) -> str:
    from importlib.metadata import version

    return version(dist)


if __name__ == "__main__":
    sys.exit(main())
