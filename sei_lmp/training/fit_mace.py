"""Train a small MACE on CPU with mace-torch's own training entry point, then export it for LAMMPS.

The training runs ``python -m mace.cli.run_train`` in a child process (its logging, default dtype and
torch threads stay out of ours; a kill leaves checkpoints that ``restart_latest`` continues from). The
export runs ``python -m mace.cli.create_lammps_model`` on the result: the ``*.model-lammps.pt`` TorchScript
file that ``pair_style sei/mace`` loads. Everything random comes from one seed (mace's ``--seed``: split of
the validation set, weight initialisation, batch order).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from ase import Atoms
from ase.data import atomic_numbers

from sei_lmp.errors import ConfigurationError, RunFailed
from sei_lmp.training import teacher


@dataclass(frozen=True)
class MACEFitSettings:
    """What defines a MACE fit; stored in the potential's card.

    ``e0s`` [eV] are the per-species reference energies the model starts from (one per species, e.g. the
    least-squares baseline of :mod:`sei_lmp.training.metrics`); ``None`` lets mace compute them
    (``--E0s average``). Loss weights follow mace's ``stress`` loss: energy per atom, forces, stress.
    ``stage_two_start``: from this epoch on, mace's second stage (SWA) with a much larger energy weight; the
    per-atom energy term is ~100x smaller than the force term otherwise, so a short fit barely learns energies.
    A run resumed from checkpoints written without stage two cannot switch it on (mace 0.3.16 fails with
    ``KeyError: 'swa_lr'`` at the switch): decide before the first epoch.
    """

    species: tuple[str, ...]
    r_max: float = 5.0
    num_channels: int = 16
    max_L: int = 1
    max_ell: int = 3
    num_interactions: int = 2
    correlation: int = 3
    num_radial_basis: int = 8
    max_num_epochs: int = 40
    batch_size: int = 8
    lr: float = 0.01
    energy_weight: float = 1.0
    forces_weight: float = 10.0
    stress_weight: float = 1.0
    valid_fraction: float = 0.1
    stage_two_start: int | None = None
    stage_two_energy_weight: float = 1000.0
    stage_two_forces_weight: float = 10.0
    stage_two_lr: float = 1e-3
    seed: int = 1
    e0s: tuple[float, ...] | None = None
    threads: int = 1

    def __post_init__(self):
        bad = [s for s in self.species if s not in atomic_numbers]
        if not self.species or bad:
            raise ConfigurationError(f"MACE species must be element symbols, got {list(self.species)}")
        if self.r_max <= 0 or self.num_channels < 1 or self.num_interactions < 1 or self.max_num_epochs < 1:
            raise ConfigurationError("r_max, num_channels, num_interactions and max_num_epochs must be positive "
                                     f"(got {self.r_max}, {self.num_channels}, {self.num_interactions}, "
                                     f"{self.max_num_epochs})")
        if self.max_L not in (0, 1, 2, 3):
            raise ConfigurationError(f"max_L must be 0, 1, 2 or 3 (got {self.max_L})")
        if self.e0s is not None and len(self.e0s) != len(self.species):
            raise ConfigurationError(f"e0s needs one energy per species {list(self.species)} (got {len(self.e0s)})")
        if self.stage_two_start is not None and not 0 < self.stage_two_start < self.max_num_epochs:
            raise ConfigurationError(f"stage_two_start must be an epoch between 1 and max_num_epochs - 1 "
                                     f"(got {self.stage_two_start} with {self.max_num_epochs} epochs)")
        if not 0 < self.valid_fraction < 1:
            raise ConfigurationError(f"valid_fraction must be between 0 and 1 (got {self.valid_fraction})")

    def as_dict(self) -> dict:
        d = asdict(self)
        d["species"] = list(self.species)
        d["e0s"] = list(self.e0s) if self.e0s is not None else None
        return d

    def cli_args(self, name: str, train_file: Path, workdir: Path) -> list[str]:
        """Arguments of ``mace_run_train`` for this fit."""
        if self.e0s is None:
            e0s = "average"
        else:  # mace reads a dict {Z: E0}
            e0s = "{" + ", ".join(f"{atomic_numbers[s]}: {e!r}" for s, e in zip(self.species, self.e0s)) + "}"
        stage_two = [] if self.stage_two_start is None else [
            "--swa", f"--start_swa={self.stage_two_start}", f"--swa_energy_weight={self.stage_two_energy_weight}",
            f"--swa_forces_weight={self.stage_two_forces_weight}", f"--swa_stress_weight={self.stress_weight}",
            f"--swa_lr={self.stage_two_lr}"]
        return [*stage_two,
            f"--name={name}", f"--seed={self.seed}", f"--work_dir={workdir}", f"--train_file={train_file}",
            f"--valid_fraction={self.valid_fraction}", "--energy_key=REF_energy", "--forces_key=REF_forces",
            "--stress_key=REF_stress", f"--E0s={e0s}", "--model=MACE", f"--r_max={self.r_max}",
            f"--num_channels={self.num_channels}", f"--max_L={self.max_L}", f"--max_ell={self.max_ell}",
            f"--num_interactions={self.num_interactions}", f"--correlation={self.correlation}",
            f"--num_radial_basis={self.num_radial_basis}", "--default_dtype=float64", "--device=cpu",
            f"--batch_size={self.batch_size}", f"--valid_batch_size={self.batch_size}",
            f"--max_num_epochs={self.max_num_epochs}", f"--lr={self.lr}", "--loss=stress",
            f"--energy_weight={self.energy_weight}", f"--forces_weight={self.forces_weight}",
            f"--stress_weight={self.stress_weight}", "--compute_stress=True", "--scaling=rms_forces_scaling",
            "--ema", "--ema_decay=0.99", "--amsgrad", "--eval_interval=1", "--restart_latest", "--save_cpu",
            "--num_workers=0", "--keep_checkpoints",
            f"--atomic_numbers=[{', '.join(str(atomic_numbers[s]) for s in self.species)}]",
        ]


def write_training_file(images: Sequence[Atoms], path: Path) -> Path:
    """extxyz with the labels under ``REF_*`` keys (mace ignores a calculator's own ``energy``/``forces``)."""
    from ase.io import write

    out = []
    for atoms in images:
        res = atoms.calc.results
        a = Atoms(atoms.numbers, positions=atoms.positions, cell=atoms.cell, pbc=atoms.pbc)
        a.info["config_type"] = atoms.info.get("config_type", "Default")
        a.info["REF_energy"] = float(res["energy"])
        a.arrays["REF_forces"] = np.asarray(res["forces"], float)
        if "stress" in res:
            a.info["REF_stress"] = np.asarray(res["stress"], float).ravel()
        out.append(a)
    write(path, out, format="extxyz")
    return Path(path)


@dataclass
class MACEFitResult:
    model: Path          #: the PyTorch model (``MACECalculator``)
    lammps_model: Path   #: TorchScript for ``pair_style sei/mace``
    seconds: float
    epochs: int
    settings: MACEFitSettings
    log: Path


def _env(threads: int) -> dict:
    env = dict(os.environ)
    for key in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        env[key] = str(threads)
    env["TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD"] = "1"  # mace's own checkpoints hold more than weights
    return env


_EPOCH = re.compile(r"Epoch (\d+):")


def fit_mace(train: Sequence[Atoms], settings: MACEFitSettings, out: Path, *, workdir: Path | None = None,
             progress: bool = True, start: Path | None = None) -> MACEFitResult:
    """Train a MACE on ``train`` and write ``out`` (``<name>.model``) and ``<out>-lammps.pt`` next to it.

    mace's files (logs, checkpoints, results) go to ``workdir`` (default: ``out``'s directory); an
    interrupted fit continues from its newest checkpoint when called again with the same ``workdir``.
    ``start``: a ``.model`` to fine-tune from (mace's ``--foundation_model``): its architecture, cutoff and
    reference energies E0 are kept, its weights are the starting point (a warm start for active learning).
    """
    from tqdm.auto import tqdm

    teacher.check_labelled(train, settings.species, "MACE", minimum=4)
    out = Path(out)
    if not out.name.endswith(".model"):
        raise ConfigurationError(f"the MACE output must be named '<name>.model' (got {out.name})")
    workdir = Path(workdir) if workdir is not None else out.parent
    workdir.mkdir(parents=True, exist_ok=True)
    name = out.name[: -len(".model")]
    train_file = write_training_file(train, workdir / f"{name}_train.extxyz")
    log_path = workdir / f"{name}_train.log"
    args = settings.cli_args(name, train_file, workdir)
    if start is not None:
        start = Path(start).resolve()
        if not start.is_file() or not start.name.endswith(".model"):
            raise ConfigurationError(f"cannot fine-tune from {start}: give the '<name>.model' file of an earlier fit")
        # E0s from the starting model, so the energy zero stays that of the first fit (given explicitly: mace
        # 0.3.16's own '--E0s=foundation' fails on a one-element model)
        e0s = "{" + ", ".join(f"{z}: {e!r}" for z, e in starting_e0s(start).items()) + "}"
        args = [a for a in args if not a.startswith("--E0s=")] + [f"--foundation_model={start}", f"--E0s={e0s}"]
    cmd = [sys.executable, "-m", "mace.cli.run_train", *args]
    start = time.perf_counter()
    bar = tqdm(total=settings.max_num_epochs, desc=f"train MACE {name}", unit="epoch", disable=not progress)
    epoch = 0
    with open(log_path, "a") as log:  # appended: a continued fit keeps the earlier epochs' lines
        proc = subprocess.Popen(cmd, cwd=workdir, stdout=log, stderr=subprocess.STDOUT, env=_env(settings.threads))
        # mace logs "Epoch N: ..." after each evaluation; follow the log for the bar
        while proc.poll() is None:
            time.sleep(2.0)
            epoch = _last_epoch(log_path, epoch, bar)
    epoch = _last_epoch(log_path, epoch, bar)
    bar.close()
    if proc.returncode != 0:
        tail = "".join(log_path.read_text().splitlines(keepends=True)[-15:])
        raise RunFailed(f"mace_run_train failed (exit {proc.returncode}); log {log_path}:\n{tail}")
    seconds = time.perf_counter() - start
    # with stage two, mace writes the stage-one weights to <name>.model and the final ones to _stagetwo
    trained = workdir / (f"{name}_stagetwo.model" if settings.stage_two_start is not None else f"{name}.model")
    if not trained.is_file():
        raise RunFailed(f"mace_run_train finished but wrote no {trained}; see {log_path}")
    if trained.resolve() != out.resolve():
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(trained.read_bytes())
    lammps_model = export_lammps(out, threads=settings.threads)
    return MACEFitResult(model=out, lammps_model=lammps_model, seconds=seconds, epochs=epoch,
                         settings=settings, log=log_path)


def _last_epoch(log_path: Path, seen: int, bar) -> int:
    try:
        found = _EPOCH.findall(log_path.read_text(errors="replace"))
    except FileNotFoundError:
        return seen
    last = int(found[-1]) + 1 if found else seen  # mace counts epochs from 0
    if last > seen:
        bar.update(last - seen)
    return max(seen, last)


def export_lammps(model: Path, threads: int = 1) -> Path:
    """``mace_create_lammps_model <model> --dtype float64`` (libtorch format): writes ``<model>-lammps.pt``."""
    model = Path(model)
    cmd = [sys.executable, "-m", "mace.cli.create_lammps_model", str(model), "--dtype=float64",
           "--format=libtorch"]
    done = subprocess.run(cmd, capture_output=True, text=True, stdin=subprocess.DEVNULL, env=_env(threads),
                          check=False)  # a failure is reported below with its output
    target = model.with_name(model.name + "-lammps.pt")
    if done.returncode != 0 or not target.is_file():
        raise RunFailed(f"mace_create_lammps_model failed on {model} (exit {done.returncode}):\n"
                        f"{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return target


def mace_calculator(model: Path):
    """mace-torch's ASE calculator for a ``.model`` file, in float64 on the CPU."""
    from mace.calculators import MACECalculator

    os.environ.setdefault("TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD", "1")
    return MACECalculator(model_paths=str(model), device="cpu", default_dtype="float64")


def predict(model: Path, images: Sequence[Atoms], progress: bool = False) -> list[dict]:
    """Energy, forces and stress of each image from a ``.model`` (``MACECalculator``)."""
    from tqdm.auto import tqdm

    calc = mace_calculator(model)
    out = []
    for ref in tqdm(images, desc="MACE predict", disable=not progress):
        atoms = Atoms(ref.numbers, positions=ref.positions, cell=ref.cell, pbc=ref.pbc)
        atoms.calc = calc
        out.append({"energy": float(atoms.get_potential_energy()), "forces": atoms.get_forces().copy(),
                    "stress": atoms.get_stress().copy()})
    return out


def starting_e0s(model: Path) -> dict[int, float]:
    """{Z: E0 [eV]} of a ``.model``'s reference energies."""
    import torch

    os.environ.setdefault("TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD", "1")
    m = torch.load(str(model), map_location="cpu", weights_only=False)
    zs = [int(z) for z in m.atomic_numbers.reshape(-1)]
    energies = m.atomic_energies_fn.atomic_energies.detach().reshape(-1).tolist()
    return dict(zip(zs, energies))


def model_size(model: Path) -> dict:
    """Number of parameters of a ``.model`` and the file sizes of it and its LAMMPS export [bytes]."""
    import torch

    os.environ.setdefault("TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD", "1")
    m = torch.load(str(model), map_location="cpu", weights_only=False)
    lammps = Path(str(model) + "-lammps.pt")
    return {"n_parameters": int(sum(p.numel() for p in m.parameters())),
            "model_bytes": Path(model).stat().st_size,
            "lammps_model_bytes": lammps.stat().st_size if lammps.is_file() else None}


def read_log_table(log_path: Path) -> list[dict]:
    """Per-epoch validation lines of a mace log, as dicts (for the card's training history)."""
    rows = []
    pattern = re.compile(r"Epoch (\d+): head: \S+, loss=([0-9.eE+-]+), RMSE_E_per_atom=\s*([0-9.eE+-]+) meV, "
                         r"RMSE_F=\s*([0-9.eE+-]+) meV / A")
    for m in pattern.finditer(Path(log_path).read_text(errors="replace")):
        rows.append({"epoch": int(m.group(1)), "loss": float(m.group(2)),
                     "valid_rmse_e_meV_per_atom": float(m.group(3)), "valid_rmse_f_meV_per_A": float(m.group(4))})
    return rows


def write_json(obj, path: Path) -> None:
    Path(path).write_text(json.dumps(obj, indent=2) + "\n")
