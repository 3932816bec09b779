#!/usr/bin/env python
"""Train the shipped Moment Tensor Potential for lithium metal, end to end.

What it does
    1. reads the mlearn Li DFT data set (PBE, 270 structures with energies, forces and stresses;
       pymatgen JSON, BSD-3) from ``../shared/validation/datasets/Li_metal_DFT`` (or ``--data``,
       or ``$SEI_LMP_VALIDATION_DIR/datasets/Li_metal_DFT``) and converts it to MLIP ``.cfg``;
    2. writes an untrained level-N MTP whose basis this script generates itself (see
       :func:`make_mtp_basis`), then trains it with motep (``motep train`` settings file, LLS +
       L-BFGS-B) with a fixed seed;
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

import argparse
import hashlib
import json
import logging
import os
import platform
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
DATASET_SUBDIR = Path("datasets") / "Li_metal_DFT"
LI = 3  # atomic number; MTP species index 0

# The VASP/pymatgen "virial_stress" of the data set is in kbar with the sign of a pressure
# (compressed cells are positive) in the order xx, yy, zz, xy, yz, zx; ASE wants eV/A^3 with
# the opposite sign in the order xx, yy, zz, yz, xz, xy.
KBAR_PER_EV_A3 = 1602.1766208
VASP_TO_ASE_VOIGT = [0, 1, 2, 4, 5, 3]
GPA_PER_EV_A3 = 160.21766208

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


def sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


# ---------------------------------------------------------------------------------------------
# MTP basis (written from the definition, not copied from MLIP's templates)
#
# A basis function is a full contraction of moment tensors M_{mu,nu} = sum_j f_mu(r_ij) u^{(x)nu}
# of level lev(M_{mu,nu}) = 2 + 4 mu + nu (Shapeev 2016; Gubaev et al. 2019), the level of a
# contraction being the sum over its tensors. We take every contraction with level <= L that
# uses at most four tensors and never contracts two indices of the same tensor (that would just
# reproduce a lower-rank moment, since |u| = 1). This spans exactly the same scalar functions as
# MLIP-3's templates 10, 12 and 16 (checked numerically, on random neighbourhoods, while writing
# this script) and as the level-8 template listed in ../shared/specs/mtp.md; for levels 8 and 10
# even the slot counts (moments, basic moments, products) are identical.
# ---------------------------------------------------------------------------------------------


# the generator lives in the package (sei_lmp.training.mtp_basis), shared with potentials/make_lif.py
from sei_lmp.training.mtp_basis import make_mtp_basis  # noqa: E402


def initial_radial_coeffs(n_mu: int, n_q: int, seed: int, scale: float = 0.02, noise: float = 0.1):
    """Start with f_mu = scale * Q_mu (+ seeded noise): distinct Chebyshev shapes per radial function.

    With scale 0.02 the scalar moment M_00 of bcc Li is about 1, so products of up to four moments
    stay O(1) and the fit is well conditioned. In our trials motep's default start (uniform
    +-0.1 coefficients) converged slowly and unreliably within the time budget; this one did not.
    """
    rng = np.random.default_rng(seed)
    c = np.eye(n_mu, n_q) + noise * rng.uniform(-1.0, 1.0, (n_mu, n_q))
    return scale * c.reshape(1, 1, n_mu, n_q)


def write_untrained_mtp(path: Path, name: str, level: int, min_dist: float, max_dist: float, basis_size: int,
                        seed: int | None = None):
    """Untrained potential (basis only, plus starting radial coefficients when ``seed`` is given)."""
    from motep.io.mlip.mtp import write_mtp
    from motep.potentials.mtp.data import MTPData

    basic, times, mapping, n_moments = make_mtp_basis(level)
    n_mu = max(b[0] for b in basic) + 1
    data = MTPData(
        version="1.1.0",
        potential_name=name,
        species_count=1,
        radial_basis={"type": "RBChebyshev", "min": min_dist, "max": max_dist, "size": basis_size},
        radial_funcs_count=n_mu,
        radial_coeffs=None if seed is None else initial_radial_coeffs(n_mu, basis_size, seed),
        alpha_moments_count=n_moments,
        alpha_index_basic_count=len(basic),
        alpha_index_basic=np.array(basic, dtype=np.int32),
        alpha_index_times_count=len(times),
        alpha_index_times=np.array(times, dtype=np.int32),
        alpha_scalar_moments=len(mapping),
        alpha_moment_mapping=np.array(mapping, dtype=np.int32),
    )
    write_mtp(path, data, legacy=True)
    return data


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
    from motep.io.mlip.mtp import read_mtp, write_mtp
    from motep.io.utils import read_images
    from motep.parallel import world
    from motep.train.setting import load_setting_train
    from motep.train.trainer import Trainer

    write_cfg(workdir / "train.cfg", train_images, species=[LI])
    name = f"Li_mtp_L{args.level}_mlearn"
    write_untrained_mtp(workdir / "untrained.mtp", name, args.level, args.min_dist, args.max_dist,
                        args.radial_basis_size, seed=args.seed)
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
        write_mtp(setting.potentials.final, mtp, legacy=True)
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
    from motep.calculator import MTP

    return MTP(mtp, engine="cext", mode="run")


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
    from ase.eos import EquationOfState
    from ase.units import GPa

    lattice = np.linspace(3.30, 3.60, 16)
    volumes, energies = [], []
    for a in lattice:
        atoms = bulk("Li", "bcc", a=a, cubic=True)
        atoms.calc = calculator(mtp)
        volumes.append(atoms.get_volume())
        energies.append(atoms.get_potential_energy())
    v0, e0, b = EquationOfState(volumes, energies, eos="birchmurnaghan").fit()
    # a compressed-side check: the curve must rise monotonically below a0 (no spurious minimum
    # where the polynomial radial basis runs out of data)
    short = [bulk("Li", "bcc", a=a, cubic=True) for a in np.linspace(2.9, 3.40, 11)]
    e_short = []
    for atoms in short:
        atoms.calc = calculator(mtp)
        e_short.append(atoms.get_potential_energy())
    return {
        "lattice_constant_A": float(v0 ** (1 / 3)),  # the cubic cell holds 2 atoms, V = a^3
        "bulk_modulus_GPa": float(b / GPa),
        "energy_at_minimum_eV_per_atom": float(e0 / 2),
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
    t_ps = np.arange(len(etot)) * dt_fs / 1000.0
    slope, intercept = np.polyfit(t_ps, etot, 1)
    n = len(atoms)
    return {
        "integrator": "ase VelocityVerlet",
        "natoms": n,
        "lattice_constant_A": float(a0),
        "initial_temperature_K": 2 * temperature,
        "mean_temperature_K": float(np.mean(temp[len(temp) // 2:])),
        "timestep_fs": dt_fs,
        "steps": steps,
        "drift_meV_per_atom_per_ps": float(1000 * slope / n),
        "max_abs_deviation_meV_per_atom": float(1000 * np.max(np.abs(etot - etot[0])) / n),
        "fluctuation_meV_per_atom": float(1000 * np.std(etot - (slope * t_ps + intercept)) / n),
        "wall_s": round(seconds, 1),
    }


# ---------------------------------------------------------------------------------------------
# main
# ---------------------------------------------------------------------------------------------


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--data", type=Path, default=None,
                   help="directory with training.json/test.json (default: "
                        "$SEI_LMP_VALIDATION_DIR or ../shared/validation, + datasets/Li_metal_DFT)")
    p.add_argument("--out", type=Path, default=REPO / "potentials", help="where the .mtp and card go")
    p.add_argument("--workdir", type=Path, default=None, help="motep work files (default: a temp dir)")
    p.add_argument("--level", type=int, default=10)
    p.add_argument("--min-dist", type=float, default=2.0, help="A; the data's shortest distance is 2.001 A")
    p.add_argument("--max-dist", type=float, default=5.0, help="A; the cutoff")
    p.add_argument("--radial-basis-size", type=int, default=8)
    p.add_argument("--seed", type=int, default=20250101, help="initial radial coefficients, motep's RNG, --split random")
    p.add_argument("--split", choices=["mlearn", "random"], default="mlearn",
                   help="mlearn: the data set's published train/test split (241/29); random: seeded "
                        "stratified re-split of all 270 structures")
    p.add_argument("--test-fraction", type=float, default=0.1, help="only for --split random")
    p.add_argument("--stress-weight", type=float, default=0.01,
                   help="motep loss weight of stress*volume per atom (MLIP's default is 0.001)")
    p.add_argument("--maxiter", type=int, default=160, help="L-BFGS-B iterations (about 4 s each at level 10)")
    p.add_argument("--nve-reps", type=int, default=4, help="bcc supercell repetitions (4 -> 128 atoms)")
    p.add_argument("--nve-steps", type=int, default=2000)
    p.add_argument("--nve-temperature", type=float, default=300.0,
                   help="K; velocities are drawn at twice this, half of it goes into the potential energy")
    return p.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stdout)
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

    # MLIP 1.1.0 layout with min_dist/max_dist/radial_basis_size/radial_funcs_count in the
    # basis block (motep's legacy writer): this is what MLIP, LAMMPS ML-MTP and sei/mtp read
    from motep.io.mlip.mtp import write_mtp

    mtp.potential_name = name
    mtp_path = args.out / f"{name}.mtp"
    write_mtp(mtp_path, mtp, legacy=True)

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
                "files_sha256": {f: sha256(dataset / f) for f in ("training.json", "test.json")},
                "split": args.split if args.split == "random" else "mlearn published split",
                "n_train": len(train_images),
                "n_test": len(test_images),
            },
            "licence": "BSD-3-Clause (mlearn training data)",
            "trained_with": f"motep {_dist_version('motep')}",
            "engine": "cext",
            "software": {"python": platform.python_version(), "numpy": np.__version__,
                         "scipy": scipy.__version__, "ase": ase.__version__},
            "script": "potentials/scripts/train_li_mtp.py",
            "command": " ".join(["python", "potentials/scripts/train_li_mtp.py", *(argv or sys.argv[1:])]),
            "seed": args.seed,
            "date": datetime.now(timezone.utc).strftime("%Y-%m-%d"),
            "basis": f"level {args.level}, generated by the script (same scalar basis as MLIP template {args.level:02d})",
            "loss_weights": weights,
            "optimizer": f"LLS, L-BFGS-B ({args.maxiter} iterations, ftol = gtol = 0), LLS",
            "initial_radial_coeffs": "0.02 * (identity + 0.1 * uniform(-1, 1) noise from the seed)",
            "training_time_s": round(train_seconds, 1),
            "mtp_sha256": sha256(mtp_path),
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
