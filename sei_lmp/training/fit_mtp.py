"""Fit a Moment Tensor Potential with motep: basis written by :mod:`sei_lmp.training.mtp_basis`, LLS +
L-BFGS-B + LLS, all randomness from one seed. The result is an MLIP 1.1.0 ``.mtp`` that sei/mtp reads.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
from ase import Atoms
from ase.data import atomic_numbers

from sei_lmp.errors import ConfigurationError
from sei_lmp.training import teacher
from sei_lmp.training.mtp_basis import make_mtp_basis


@dataclass(frozen=True)
class MTPFitSettings:
    """What defines a fit; stored in the potential's card.

    ``min_dist``/``max_dist`` [A] bound the radial basis (``max_dist`` is the cutoff); the loss weights
    follow MLIP's meaning (energy per atom, forces, stress times volume per atom). ``seed`` sets the
    starting radial coefficients and motep's generator (0 is refused: motep reads it as 'no seed').
    ``nonlinear_subset``: run L-BFGS-B on about this many training configurations only (a seeded stratified
    pick) and then solve the linear coefficients on all of them; the nonlinear step costs ~30 ms per
    atom and iteration for two species on a loaded 2-core machine, the final LLS a fraction of that.
    ``config_weights``: ``{text: n}`` counts each configuration whose ``config_type`` contains ``text`` (case
    ignored; the largest n where several match) n times in both steps, so a fit can favour what it must hold
    (e.g. ``{ glass = 3 }``). Whole numbers, because motep's linear step has no per-configuration weight.
    """

    species: tuple[str, ...]
    level: int = 10
    min_dist: float = 1.5
    max_dist: float = 5.0
    radial_basis_size: int = 8
    seed: int = 1
    maxiter: int = 200
    energy_weight: float = 1.0
    forces_weight: float = 0.01
    stress_weight: float = 0.01
    engine: str = "cext"
    nonlinear_subset: int | None = None
    extra_steps: tuple = field(default=())
    config_weights: dict = field(default_factory=dict)

    def __post_init__(self):
        bad = [s for s in self.species if s not in atomic_numbers]
        if not self.species or bad:
            raise ConfigurationError(f"MTP species must be element symbols, got {list(self.species)}")
        if self.level < 2 or self.level % 2:
            raise ConfigurationError(f"MTP level must be an even number >= 2 (got {self.level})")
        if not 0 < self.min_dist < self.max_dist:
            raise ConfigurationError(f"need 0 < min_dist < max_dist (got {self.min_dist}, {self.max_dist})")
        if self.nonlinear_subset is not None and self.nonlinear_subset < 1:
            raise ConfigurationError(f"nonlinear_subset must be a positive number of configurations or None "
                                     f"(got {self.nonlinear_subset})")
        if self.seed == 0:
            raise ConfigurationError("seed 0 is not usable: motep treats a zero seed as 'no seed'; pick another")
        bad = {k: v for k, v in dict(self.config_weights).items()
               if not isinstance(k, str) or not k or isinstance(v, bool) or not isinstance(v, int) or v < 1}
        if bad:
            raise ConfigurationError(f"config_weights maps config_type text to a whole number of copies >= 1, "
                                     f"e.g. {{ glass = 3 }} (got {bad})")

    def weight(self, atoms: Atoms) -> int:
        """How many times ``atoms`` counts in the loss (``config_weights``)."""
        kind = str(atoms.info.get("config_type", "")).lower()
        return max([n for text, n in self.config_weights.items() if text.lower() in kind], default=1)

    @property
    def numbers(self) -> list[int]:
        return [atomic_numbers[s] for s in self.species]

    def as_dict(self) -> dict:
        d = asdict(self)
        d["species"] = list(self.species)
        d.pop("extra_steps")
        if not d["config_weights"]:     # cards of unweighted fits read as before
            d.pop("config_weights")
        return d


def initial_radial_coeffs(n_species: int, n_mu: int, n_q: int, seed: int, scale: float = 0.02,
                          noise: float = 0.1) -> np.ndarray:
    """f_mu = scale * Q_mu (+ seeded noise) for every species pair: distinct Chebyshev shapes per radial
    function. 0.02 keeps M_00 of a dense ionic or metallic cell near 1, so products of up to four moments stay
    O(1); motep's default start (uniform +-0.1) converged slowly and unreliably in the Li trials."""
    rng = np.random.default_rng(seed)
    c = np.eye(n_mu, n_q)[None, None] + noise * rng.uniform(-1.0, 1.0, (n_species, n_species, n_mu, n_q))
    return scale * c


def untrained_mtp(settings: MTPFitSettings, name: str):
    """motep ``MTPData`` with the basis and the seeded starting radial coefficients."""
    from motep.potentials.mtp.data import MTPData

    basic, times, mapping, n_moments = make_mtp_basis(settings.level)
    n_mu = max(b[0] for b in basic) + 1
    n_sp = len(settings.species)
    mtp = MTPData(
        version="1.1.0", potential_name=name, species_count=n_sp,
        radial_basis={"type": "RBChebyshev", "min": settings.min_dist, "max": settings.max_dist,
                      "size": settings.radial_basis_size},
        radial_funcs_count=n_mu,
        radial_coeffs=initial_radial_coeffs(n_sp, n_mu, settings.radial_basis_size, settings.seed),
        alpha_moments_count=n_moments,
        alpha_index_basic_count=len(basic), alpha_index_basic=np.array(basic, dtype=np.int32),
        alpha_index_times_count=len(times), alpha_index_times=np.array(times, dtype=np.int32),
        alpha_scalar_moments=len(mapping), alpha_moment_mapping=np.array(mapping, dtype=np.int32),
    )
    mtp.species = settings.numbers
    return mtp


def write_mtp(path: Path, mtp) -> Path:
    """MLIP 1.1.0 layout (min_dist/max_dist/radial_basis_size/radial_funcs_count in the basis block):
    what MLIP, LAMMPS ML-MTP and sei/mtp read. motep 0.2.0's default writer puts radial_funcs_count
    after radial_coeffs, which neither its own reader nor sei/mtp accepts."""
    from motep.io.mlip.mtp import write_mtp as motep_write

    motep_write(Path(path), mtp, legacy=True)
    return Path(path)


def read_mtp(path: Path, species: Sequence[str]):
    from motep.io.mlip.mtp import read_mtp as motep_read

    mtp = motep_read(Path(path))
    mtp.species = [atomic_numbers[s] for s in species]
    return mtp


class _IterationBar(logging.Handler):
    """Advances a progress bar on motep's per-iteration log record ('loss %d: %s')."""

    def __init__(self, bar):
        super().__init__()
        self.bar = bar

    def emit(self, record):
        if isinstance(record.msg, str) and record.msg.startswith("loss %d"):
            self.bar.update(1)


@dataclass
class FitResult:
    mtp: object
    path: Path
    seconds: float
    settings: MTPFitSettings
    n_nonlinear: int = 0  #: configurations the L-BFGS-B step saw

    def fit_record(self, n_train: int) -> dict:
        """The card's ``provenance.fit`` block: the settings, the trainer, the optimiser steps (``n_train``: the
        training configurations of the final linear solve), the basis and the training time."""
        return {**self.settings.as_dict(), "trained_with": "motep (cext engine)",
                "optimizer": f"LLS + L-BFGS-B ({self.settings.maxiter} iterations, ftol = gtol = 0) on "
                             f"{self.n_nonlinear} training configurations, then LLS on all {n_train}"
                             + (" (configurations counted by config_weights)" if self.settings.config_weights else ""),
                "basis": f"level {self.settings.level}, generated by sei_lmp.training.mtp_basis",
                "training_time_s": round(self.seconds, 1)}


def _weighted(images: Sequence[Atoms], settings: MTPFitSettings) -> list[Atoms]:
    """``images`` with each one listed ``settings.weight`` times (motep's loss takes its own shallow copy of every
    entry, so a repeated entry is a repeated term)."""
    return [a for a in images for _ in range(settings.weight(a))]


def fit_mtp(train: Sequence[Atoms], settings: MTPFitSettings, out: Path, *, workdir: Path | None = None,
            name: str | None = None, progress: bool = True, start: Path | None = None) -> FitResult:
    """Fit an MTP to ``train`` (frames carrying energy, forces and, optionally, stress) and write it to ``out``.

    motep's own files (log, intermediate potentials) go to ``workdir`` (default: ``out``'s directory).
    ``start``: an ``.mtp`` of the same settings whose radial coefficients start the fit (a warm start: active
    learning refits after each generation's few new configurations). One of a lower level with the same species
    and radial basis but fewer radial functions starts the first ones; the rest keep their seeded start.
    """
    from motep.parallel import world
    from motep.train.trainer import Trainer
    from tqdm.auto import tqdm

    teacher.check_labelled(train, settings.species, "MTP")
    out = Path(out)
    workdir = Path(workdir) if workdir is not None else out.parent
    workdir.mkdir(parents=True, exist_ok=True)
    name = name or out.stem
    mtp = untrained_mtp(settings, name)
    if start is not None:
        previous = read_mtp(Path(start), settings.species)
        old, new = np.shape(previous.radial_coeffs), np.shape(mtp.radial_coeffs)
        if len(old) != 4 or old[:2] != new[:2] or old[3] != new[3] or old[2] > new[2]:
            raise ConfigurationError(f"cannot warm-start from {start}: its radial basis has another shape {old} "
                                     f"(these settings: {new}; species pairs, radial functions, basis size)")
        span = (float(previous.radial_basis.min), float(previous.radial_basis.max))
        if not np.allclose(span, (settings.min_dist, settings.max_dist)):
            raise ConfigurationError(f"cannot warm-start from {start}: its radial functions span {span[0]:g}-"
                                     f"{span[1]:g} A, these settings {settings.min_dist:g}-{settings.max_dist:g} A")
        coeffs = np.array(mtp.radial_coeffs, float)
        coeffs[:, :, :old[2]] = previous.radial_coeffs
        mtp.radial_coeffs = coeffs
    lbfgs = {"method": "minimize", "kwargs": {"method": "L-BFGS-B",
                                              "options": {"maxiter": settings.maxiter, "ftol": 0.0, "gtol": 0.0}}}
    subset = None
    if settings.nonlinear_subset is not None and settings.nonlinear_subset < len(train):
        from sei_lmp.training.split import train_test_split

        _, subset = train_test_split(train, settings.nonlinear_subset / len(train), seed=settings.seed)
        stages = [(_weighted(subset, settings), [{"method": "LLS"}, lbfgs]),
                  (_weighted(train, settings), [{"method": "LLS"}, *settings.extra_steps])]
    else:
        stages = [(_weighted(train, settings), [{"method": "LLS"}, lbfgs, {"method": "LLS"},
                                                *settings.extra_steps])]
    # LLS solves the linear (species, moment) coefficients exactly for the current radial functions;
    # ftol = gtol = 0 because SciPy compares them with max(|loss|, 1) and a converged loss is ~1e-5
    loss = {"energy_weight": settings.energy_weight, "forces_weight": settings.forces_weight,
            "stress_weight": settings.stress_weight}
    motep_log = logging.getLogger("motep")
    file_handler = logging.FileHandler(workdir / f"{name}_motep.log", mode="w")
    file_handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
    bar = tqdm(total=settings.maxiter + 1, desc=f"fit MTP L{settings.level}", unit="it", disable=not progress)
    bar_handler = _IterationBar(bar)
    old_level, old_propagate = motep_log.level, motep_log.propagate
    motep_log.setLevel(logging.INFO)
    motep_log.addHandler(file_handler)
    motep_log.addHandler(bar_handler)
    motep_log.propagate = False
    cwd = Path.cwd()
    # motep prints its step timings; they belong in its log, not on the terminal
    stdout = contextlib.ExitStack()
    printed = stdout.enter_context(open(workdir / f"{name}_motep.out", "a"))
    os.chdir(workdir)  # motep writes intermediate_*.mtp into the working directory
    try:
        stdout.enter_context(contextlib.redirect_stdout(printed))
        t0 = time.perf_counter()
        for images, steps in stages:
            trainer = Trainer(mtp, seed=settings.seed, engine=settings.engine, loss=loss, steps=steps, comm=world)
            trainer.train(images)
        seconds = time.perf_counter() - t0
    finally:
        stdout.close()
        os.chdir(cwd)
        bar.close()
        for h in (file_handler, bar_handler):
            motep_log.removeHandler(h)
        file_handler.close()
        motep_log.setLevel(old_level)
        motep_log.propagate = old_propagate
    mtp.potential_name = name
    write_mtp(out, mtp)
    return FitResult(mtp=mtp, path=out, seconds=seconds, settings=settings,
                     n_nonlinear=len(subset) if subset is not None else len(train))


def mtp_calculator(mtp, engine: str = "cext"):
    """motep's ASE calculator for ``mtp`` (``MTPData``); one per structure (it sizes its neighbour list)."""
    from motep.calculator import MTP

    return MTP(mtp, engine=engine, mode="run")


def predict(mtp, images: Sequence[Atoms], engine: str = "cext") -> list[dict]:
    """Energy, forces and stress of each image from ``mtp`` (motep's ASE calculator)."""
    out = []
    for ref in images:
        atoms = Atoms(ref.numbers, positions=ref.positions, cell=ref.cell, pbc=ref.pbc)
        atoms.calc = mtp_calculator(mtp, engine)
        out.append({"energy": atoms.get_potential_energy(), "forces": atoms.get_forces(),
                    "stress": atoms.get_stress()})
    return out
