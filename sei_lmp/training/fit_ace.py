"""Fit a linear Atomic Cluster Expansion (B-basis) without TensorFlow: python-ace computes the basis
projections, we solve a weighted ridge problem for the coefficients.

Model (per configuration, N atoms, n_s atoms of species s)::

    E = sum_s n_s E0_s + E_core + sum_k c_k sum_i B_k(i),    F = F_core + sum_k c_k dB_k

* ``E0_s`` are per-species reference energies, solved together with ``c`` (not regularised) and written
  into the ``.yace`` as ``E0`` (pyace's calculator and ``sei/ace`` both add them). Without them the basis
  has to carry ~-5 eV/atom of cohesive energy and the forces suffer.
* ``E_core``/``F_core``: pacemaker's core repulsion (``prehc exp(-lambdahc r^2)/r``), switched on below
  ``r_in`` by the ``distance`` inner cutoff, which also switches the ACE part off there. It is linear in
  ``prehc``, so with ``fit_core`` the prefactor is one more (unregularised) coefficient fitted to the
  teacher's close contacts; it must come out positive (repulsive), else the fixed value is used. Either way
  the potential stays repulsive where the data are thin.
* Loss: ``w_E mean_s (dE_s/N_s)^2 + w_F mean_s mean_i |dF_i|^2 g_i + w_S mean_s mean_ab (dW_ab,s/N_s)^2
  + alpha |c / scale|^2``, with ``g_i = 1 / max(1, |F_i| / force_scale)^2`` so that a few violently rattled cells
  (|F| up to 70 eV/A) do not dominate the force fit; columns are scaled to unit RMS so one ``alpha`` fits all
  orders. ``W = V sigma`` is the virial of a periodic cell (MLIP's convention: stress times volume, per atom);
  without it (``stress_weight = 0``) nothing ties the pressure to the teacher's, and an NPT run drifts with the
  fit's stress error (a linear ACE fitted to energies and forces alone put the pressure 0.5 GPa above the
  teacher's on the very interface frames it was fitted to, and its NPT cell grew).
* The virial rows are central differences of the energy projections under small homogeneous deformations
  ``F = 1 + h e_a e_b`` (``dE/dh = V sigma_ab``): the energy is linear in the coefficients, so each basis
  function's virial is exact to O(h^2), and python-ace does not give one per function.
* ``alpha`` is chosen on a seeded validation part of the training set from a log grid, then the
  coefficients are refitted on the whole training set.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
from ase import Atoms
from ase.data import atomic_numbers

from sei_lmp.errors import ConfigurationError
from sei_lmp.training import teacher


@dataclass(frozen=True)
class ACEFitSettings:
    """What defines a linear ACE fit; stored in the potential's card.

    ``functions_per_element`` caps the basis (pacemaker's ``number_of_functions_per_element``; the lowest
    orders and radial/angular indices are kept); ``nradmax_by_orders``/``lmax_by_orders`` bound the radial
    and angular indices per body order (the first entry is the 2-body radial basis size). ``r_in``/``delta_in``
    [A]: below ``r_in`` the ACE part fades out over ``delta_in`` and the core repulsion
    ``core_repulsion = (prehc [eV A], lambdahc [1/A^2])`` takes over.
    """

    species: tuple[str, ...]
    cutoff: float = 5.0
    functions_per_element: int = 300
    nradmax_by_orders: tuple[int, ...] = (12, 6, 4, 3)
    lmax_by_orders: tuple[int, ...] = (0, 3, 2, 1)
    radial_basis: str = "SBessel"
    r_in: float = 1.0
    delta_in: float = 0.5
    core_repulsion: tuple[float, float] = (20.0, 2.0)
    fit_core: bool = True
    core_lambda_scan: tuple[float, ...] = ()
    energy_weight: float = 1.0
    forces_weight: float = 0.01
    force_scale: float = 10.0
    stress_weight: float = 0.0
    alphas: tuple[float, ...] = tuple(10.0 ** k for k in range(-9, 0))
    valid_fraction: float = 0.15
    seed: int = 1
    extra: dict = field(default_factory=dict)

    def __post_init__(self):
        bad = [s for s in self.species if s not in atomic_numbers]
        if not self.species or bad:
            raise ConfigurationError(f"ACE species must be element symbols, got {list(self.species)}")
        if len(self.nradmax_by_orders) != len(self.lmax_by_orders) or not self.nradmax_by_orders:
            raise ConfigurationError("nradmax_by_orders and lmax_by_orders need one entry per body order "
                                     f"(got {list(self.nradmax_by_orders)} and {list(self.lmax_by_orders)})")
        if self.functions_per_element < 1:
            raise ConfigurationError(f"functions_per_element must be positive (got {self.functions_per_element})")
        if not 0 < self.r_in < self.cutoff or not 0 < self.delta_in <= self.r_in:
            raise ConfigurationError(f"need 0 < delta_in <= r_in < cutoff (got r_in {self.r_in}, delta_in "
                                     f"{self.delta_in}, cutoff {self.cutoff})")
        if self.energy_weight < 0 or self.forces_weight < 0 or self.energy_weight + self.forces_weight == 0:
            raise ConfigurationError("energy_weight and forces_weight must be >= 0 and not both 0 (got "
                                     f"{self.energy_weight}, {self.forces_weight})")
        if self.stress_weight < 0:
            raise ConfigurationError(f"stress_weight must be >= 0 (got {self.stress_weight})")
        if not self.alphas or min(self.alphas) < 0:
            raise ConfigurationError(f"alphas must be a non-empty list of ridge strengths >= 0 (got {self.alphas})")

    def as_dict(self) -> dict:
        d = asdict(self)
        for key in ("species", "nradmax_by_orders", "lmax_by_orders", "core_repulsion", "alphas", "core_lambda_scan"):
            d[key] = list(d[key])
        return d

    def basis_config(self, core_prefactor: float | None = None, core_lambda: float | None = None,
                     minimal: bool = False):
        """pyace ``BBasisConfiguration`` of this basis, all coefficients zero, linear (one density, F(rho) = rho);
        ``core_prefactor``/``core_lambda`` replace ``core_repulsion``; ``minimal``: one radial function only
        (same cutoffs and core term: evaluates the core repulsion cheaply)."""
        from pyace import create_multispecies_basis_config

        core = [self.core_repulsion[0] if core_prefactor is None else core_prefactor,
                self.core_repulsion[1] if core_lambda is None else core_lambda]
        nrad, lmax, nfunc = ((1,), (0,), 1) if minimal else (self.nradmax_by_orders, self.lmax_by_orders,
                                                            self.functions_per_element)

        orders = len(nrad)
        return create_multispecies_basis_config({
            "deltaSplineBins": 0.001,
            "elements": list(self.species),
            # FinnisSinclairShiftedScaled with [1, 1] is F(rho) = rho: the energy is linear in the coefficients
            "embeddings": {"ALL": {"npot": "FinnisSinclairShiftedScaled", "fs_parameters": [1, 1],
                                   "ndensity": 1}},
            "bonds": {"ALL": {"radbase": self.radial_basis, "radparameters": [5.25], "rcut": self.cutoff,
                              "dcut": 0.01, "NameOfCutoffFunction": "cos", "r_in": self.r_in,
                              "delta_in": self.delta_in, "core-repulsion": core,
                              "inner_cutoff_type": "distance"}},
            "functions": {"number_of_functions_per_element": nfunc,
                          "ALL": {"nradmax_by_orders": list(nrad)[:orders], "lmax_by_orders": list(lmax)[:orders]}},
        })


class _Evaluator:
    """pyace B-basis evaluator with the basis coefficients set to ``coeffs``; keeps every object alive
    (pyace's calculator holds only a raw pointer to its evaluator, so a temporary one crashes)."""

    def __init__(self, bconf, coeffs: np.ndarray | None = None):
        from pyace import ACEBBasisSet, ACEBEvaluator, ACECalculator

        self.basis = ACEBBasisSet(bconf)
        if coeffs is not None:
            self.basis.basis_coeffs = np.asarray(coeffs, float)
        self.evaluator = ACEBEvaluator(self.basis)
        self.calc = ACECalculator(self.evaluator)
        self.shift, self.nfunc = [], 0
        for rank1, rest in zip(self.basis.basis_rank1, self.basis.basis):
            self.shift.append(self.nfunc)
            self.nfunc += len(rank1) + len(rest)

    def projection_row(self, env) -> np.ndarray:
        """The last computed projections of ``env`` summed over atoms: one entry per basis function."""
        row = np.zeros(self.nfunc)
        for s, proj in zip(env.species_type, self.calc.projections):
            row[self.shift[s]:self.shift[s] + len(proj)] += proj
        return row

    def environment(self, atoms: Atoms):
        from pyace.atomicenvironment import aseatoms_to_atomicenvironment

        return aseatoms_to_atomicenvironment(atoms, cutoff=self.basis.cutoffmax,
                                             elements_mapper_dict=self.basis.elements_to_index_map)


@dataclass
class Projections:
    """Per-configuration rows of the linear problem (before weights): energy row per atom, force rows,
    core-repulsion energy/forces, composition, labels."""

    energy_rows: np.ndarray      #: (n_config, nfunc) sum_i B_k(i) / N
    force_rows: list             #: per config (3N, nfunc) dE/dx of each basis function, negated
    core_energy: np.ndarray      #: (n_config,) eV
    core_forces: list            #: per config (N, 3)
    counts: np.ndarray           #: (n_config, n_species) atoms per species
    energy: np.ndarray           #: (n_config,) reference energies [eV]
    forces: list                 #: per config (N, 3)
    #: per config (6, nfunc) virial per atom of each basis function (Voigt xx yy zz yz xz xy), None where the
    #: cell is not periodic in 3D or the label has no stress; computed only when the fit weights stress
    virial_rows: list = field(default_factory=list)
    core_virial: list = field(default_factory=list)   #: per config (6,) core-repulsion virial per atom, or None
    virial: list = field(default_factory=list)        #: per config (6,) the label's V sigma / N [eV], or None


#: Voigt order of ASE's stress, and the deformation step of the virial's central differences
VOIGT = ((0, 0), (1, 1), (2, 2), (1, 2), (0, 2), (0, 1))
STRAIN_STEP = 1e-4


def _deformed(atoms: Atoms, a: int, b: int, h: float) -> Atoms:
    """``atoms`` under the deformation ``1 + h e_a e_b`` (cell and positions)."""
    f = np.eye(3)
    f[a, b] += h
    return Atoms(atoms.numbers, positions=atoms.positions @ f.T, cell=atoms.cell[:] @ f.T, pbc=atoms.pbc)


def _has_virial(atoms: Atoms) -> bool:
    return bool(np.all(atoms.pbc)) and atoms.calc is not None and atoms.calc.results.get("stress") is not None


def _voigt(stress) -> np.ndarray:
    """A label's stress in ASE's Voigt order, whether stored as 6 components or as the 3x3 tensor."""
    from ase.stress import full_3x3_to_voigt_6_stress

    stress = np.asarray(stress, float)
    return full_3x3_to_voigt_6_stress(stress.reshape(3, 3)) if stress.size == 9 else stress.reshape(6)


def virial_per_atom(energy, atoms: Atoms) -> np.ndarray:
    """``dE/dh`` of each Voigt component (``V sigma_ab``) divided by N, by central differences; ``energy``
    maps deformed Atoms to a number or an array (the energy projections: one row per basis function)."""
    rows = []
    for a, b in VOIGT:
        up, down = energy(_deformed(atoms, a, b, STRAIN_STEP)), energy(_deformed(atoms, a, b, -STRAIN_STEP))
        rows.append((np.asarray(up) - np.asarray(down)) / (2 * STRAIN_STEP * len(atoms)))
    return np.array(rows)


def project(images: Sequence[Atoms], settings: ACEFitSettings, bconf=None, progress: bool = True) -> Projections:
    """Basis projections (energy, forces and, where the fit weights stress, the virial) of every configuration,
    plus the fixed core repulsion."""
    from tqdm.auto import tqdm

    bconf = bconf if bconf is not None else settings.basis_config()
    full = _Evaluator(bconf)
    e_rows, f_rows, energies, forces, v_rows, virials = [], [], [], [], [], []

    def energy_row(atoms: Atoms) -> np.ndarray:
        env = full.environment(atoms)
        full.calc.compute(env, compute_projections=True, compute_b_grad=False)
        return full.projection_row(env)

    for atoms in tqdm(images, desc="ACE projections", unit="cfg", disable=not progress):
        res = atoms.calc.results
        env = full.environment(atoms)
        full.calc.compute(env, compute_projections=True, compute_b_grad=True)
        n = len(atoms)
        e_rows.append(full.projection_row(env) / n)
        fb = np.asarray(full.calc.forces_bfuncs)           # (N, nfunc, 3): force of each basis function
        f_rows.append(fb.transpose(0, 2, 1).reshape(3 * n, full.nfunc))
        energies.append(float(res["energy"]))
        forces.append(np.asarray(res["forces"], float))
        stressed = settings.stress_weight > 0 and _has_virial(atoms)
        v_rows.append(virial_per_atom(energy_row, atoms) if stressed else None)
        virials.append(_voigt(res["stress"]) * atoms.get_volume() / n if stressed else None)
    order = list(bconf_elements(bconf))
    counts = np.array([[a.get_chemical_symbols().count(s) for s in order] for a in images], float)
    e_core, f_core, v_core = core_terms(images, settings, settings.core_repulsion[1])
    return Projections(np.array(e_rows), f_rows, e_core, f_core, counts, np.array(energies), forces,
                       v_rows, v_core, virials)


def core_terms(images: Sequence[Atoms], settings: ACEFitSettings,
               core_lambda: float) -> tuple[np.ndarray, list, list]:
    """Core-repulsion energies, forces and (where the fit weights stress) virials per atom of ``images`` at the
    settings' prefactor and ``core_lambda`` (a one-function basis with zero coefficient: only the core term
    is left)."""
    ev = _Evaluator(settings.basis_config(core_lambda=core_lambda, minimal=True))  # coefficients start at zero

    def energy(atoms: Atoms) -> float:
        ev.calc.compute(ev.environment(atoms))
        return float(ev.calc.energy)

    energies, forces, virials = [], [], []
    for atoms in images:
        energies.append(energy(atoms))
        forces.append(np.asarray(ev.calc.forces).copy())
        stressed = settings.stress_weight > 0 and _has_virial(atoms)
        virials.append(virial_per_atom(energy, atoms) if stressed else None)
    return np.array(energies), forces, virials


def bconf_elements(bconf) -> list[str]:
    """Element order of a basis (pyace sorts them alphabetically, whatever order they were given in)."""
    from pyace import ACEBBasisSet

    return list(ACEBBasisSet(bconf).elements_name)


def _system(p: Projections, idx: Sequence[int], settings: ACEFitSettings, core_column: bool):
    """Weighted normal equations (A^T A, A^T y, y^T y) over configurations ``idx``; columns: [E0 per species,
    core prefactor (with ``core_column``), basis functions]. Without the core column the core term of
    ``settings.core_repulsion`` is subtracted from the targets."""
    n_sp = p.counts.shape[1]
    n_fixed = n_sp + int(core_column)
    nfunc = p.energy_rows.shape[1]
    m = n_fixed + nfunc
    prefactor = settings.core_repulsion[0]
    ata, aty, yty = np.zeros((m, m)), np.zeros(m), 0.0
    n_cfg = len(idx)
    for k in idx:
        n = p.counts[k].sum()
        # energy row (per atom); the core term is linear in its prefactor: column = core at prefactor 1
        w = np.sqrt(settings.energy_weight / n_cfg)
        core = [p.core_energy[k] / prefactor / n] if core_column else []
        a = np.concatenate([p.counts[k] / n, core, p.energy_rows[k]]) * w
        y = (p.energy[k] - (0.0 if core_column else p.core_energy[k])) / n * w
        ata += np.outer(a, a)
        aty += a * y
        yty += y * y
        # force rows: mean over the configuration's components, damped where the teacher's force is huge
        if settings.forces_weight > 0:
            fmag = np.linalg.norm(p.forces[k], axis=1)
            g = 1.0 / np.maximum(1.0, fmag / settings.force_scale)
            wf = np.sqrt(settings.forces_weight / (n_cfg * n)) * np.repeat(g, 3)
            af = p.force_rows[k] * wf[:, None]
            if core_column:
                af = np.hstack([(p.core_forces[k].ravel() / prefactor * wf)[:, None], af])
                yf = p.forces[k].ravel() * wf
            else:
                yf = (p.forces[k] - p.core_forces[k]).ravel() * wf
            ata[n_sp:, n_sp:] += af.T @ af
            aty[n_sp:] += af.T @ yf
            yty += yf @ yf
        # virial rows (per atom, like the energy): E0 columns carry none; the core term as for the forces
        if settings.stress_weight > 0 and p.virial_rows and p.virial_rows[k] is not None:
            ws = np.sqrt(settings.stress_weight / (n_cfg * 6))
            av = p.virial_rows[k] * ws
            if core_column:
                av = np.hstack([(p.core_virial[k] / prefactor * ws)[:, None], av])
                yv = p.virial[k] * ws
            else:
                yv = (p.virial[k] - p.core_virial[k]) * ws
            ata[n_sp:, n_sp:] += av.T @ av
            aty[n_sp:] += av.T @ yv
            yty += yv @ yv
    return ata, aty, yty


def _solve(ata, aty, n_fixed: int, scale: np.ndarray, alpha: float) -> np.ndarray:
    """Ridge on unit-RMS columns; the first ``n_fixed`` columns (E0, core prefactor) are not regularised."""
    s = np.concatenate([np.ones(n_fixed), scale])
    a = ata / np.outer(s, s)
    reg = np.full(len(s), alpha)
    reg[:n_fixed] = 0.0
    a[np.diag_indices_from(a)] += reg * np.trace(a[n_fixed:, n_fixed:]) / max(1, len(s) - n_fixed)
    x = np.linalg.lstsq(a, aty / s, rcond=None)[0]
    return x / s


def _loss(ata, aty, yty, x) -> float:
    return float(x @ ata @ x - 2 * x @ aty + yty)


@dataclass
class ACEFitResult:
    path: Path                  #: the .yace (C-tilde, with E0)
    yaml: Path                  #: the B-basis .yaml (coefficients only; E0 is in the card and the .yace)
    e0: dict                    #: eV per species
    coeffs: np.ndarray
    alpha: float
    validation_loss: dict       #: alpha -> validation loss
    n_functions: int            #: basis functions over all elements
    seconds_projections: float
    seconds_solve: float
    settings: ACEFitSettings
    core_prefactor: float = 0.0  #: prehc written into the potential [eV A]
    core_lambda: float = 0.0     #: lambdahc written into the potential [1/A^2]
    core_fitted: bool = False    #: fitted (True) or the fixed value of the settings

    def fit_record(self, **extra) -> dict:
        """The card's ``provenance.fit`` block: the settings, how it was trained, ``extra`` entries, the ridge
        strength chosen, the validation loss of every strength tried and the timings."""
        return {**self.settings.as_dict(),
                "trained_with": "python-ace basis projections + weighted ridge (sei_lmp.training.fit_ace), "
                                "no TensorFlow",
                **extra,
                "ridge_alpha": self.alpha,
                "validation_loss_by_alpha": {f"{k:g}": v for k, v in self.validation_loss.items()},
                "projections_time_s": round(self.seconds_projections, 1),
                "solve_time_s": round(self.seconds_solve, 2)}


def fit_ace(train: Sequence[Atoms], settings: ACEFitSettings, out: Path, *, progress: bool = True) -> ACEFitResult:
    """Fit a linear ACE to ``train`` (frames with energy and forces) and write ``out`` (``.yace``) and the
    B-basis ``.yaml`` next to it."""
    from sei_lmp.training.split import train_test_split

    teacher.check_labelled(train, settings.species, "ACE", minimum=4)
    out = Path(out)
    if out.suffix != ".yace":
        raise ConfigurationError(f"the ACE output must be a '.yace' file (got {out.name})")
    bconf = settings.basis_config()
    start = time.perf_counter()
    p = project(train, settings, bconf, progress=progress)
    t_proj = time.perf_counter() - start
    start = time.perf_counter()
    n_sp = p.counts.shape[1]
    # alpha on a seeded validation part of the training set (indices: tag each frame with its position)
    tagged = []
    for k, a in enumerate(train):
        b = Atoms(a.numbers, positions=a.positions, cell=a.cell, pbc=a.pbc, info=dict(a.info))
        b.info["_k"] = k
        tagged.append(b)
    sub, val = train_test_split(tagged, settings.valid_fraction, settings.seed)
    i_sub, i_val = [a.info["_k"] for a in sub], [a.info["_k"] for a in val]

    def solve(core_column: bool):
        n_fixed = n_sp + int(core_column)
        ata_s, aty_s, _ = _system(p, i_sub, settings, core_column)
        ata_v, aty_v, yty_v = _system(p, i_val, settings, core_column)
        scale = np.sqrt(np.maximum(np.diag(ata_s)[n_fixed:], 1e-300))
        losses = {float(al): _loss(ata_v, aty_v, yty_v, _solve(ata_s, aty_s, n_fixed, scale, al))
                  for al in settings.alphas}
        alpha = min(losses, key=losses.get)
        ata, aty, _ = _system(p, range(len(train)), settings, core_column)
        scale = np.sqrt(np.maximum(np.diag(ata)[n_fixed:], 1e-300))
        return _solve(ata, aty, n_fixed, scale, alpha), alpha, losses

    prefactor, lam = settings.core_repulsion
    core_fitted = False
    if settings.fit_core and np.any(p.core_energy != 0):
        best = None
        # lambdahc enters non-linearly: refit for each candidate, keep the best validation loss
        for candidate in settings.core_lambda_scan or (lam,):
            if candidate != settings.core_repulsion[1]:
                p.core_energy, p.core_forces, p.core_virial = core_terms(train, settings, candidate)
            x, alpha, losses = solve(True)
            # a negative prefactor would be attraction at contact: not a candidate
            if x[n_sp] > 0 and (best is None or losses[alpha] < best[2][best[1]]):
                best = (x, alpha, losses, candidate, p.core_energy, p.core_forces, p.core_virial)
        if best is not None:
            x, alpha, losses, lam, p.core_energy, p.core_forces, p.core_virial = best
            prefactor, core_fitted = float(x[n_sp]), True
            x = np.delete(x, n_sp)
    if not core_fitted:
        if lam != settings.core_repulsion[1] or settings.core_lambda_scan:
            lam = settings.core_repulsion[1]
            p.core_energy, p.core_forces, p.core_virial = core_terms(train, settings, lam)
        x, alpha, losses = solve(False)
    t_solve = time.perf_counter() - start
    bconf = settings.basis_config(core_prefactor=prefactor, core_lambda=lam)
    elements = bconf_elements(bconf)
    e0 = dict(zip(elements, map(float, x[:n_sp])))
    coeffs = x[n_sp:]
    yace, yaml = write_potential(bconf, coeffs, e0, out)
    return ACEFitResult(path=yace, yaml=yaml, e0=e0, coeffs=coeffs, alpha=alpha, validation_loss=losses,
                        n_functions=len(coeffs), seconds_projections=t_proj, seconds_solve=t_solve,
                        settings=settings, core_prefactor=prefactor, core_lambda=lam, core_fitted=core_fitted)


def write_potential(bconf, coeffs: np.ndarray, e0: dict, out: Path) -> tuple[Path, Path]:
    """``out`` (.yace, C-tilde basis with ``E0``) and ``out`` with ``.yaml`` (B-basis, without E0: pyace's
    B-basis reader has no place for it)."""
    from pyace import ACEBBasisSet

    basis = ACEBBasisSet(bconf)
    basis.basis_coeffs = np.asarray(coeffs, float)
    yaml = Path(out).with_suffix(".yaml")
    basis.to_BBasisConfiguration().save(str(yaml))
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    basis.to_ACECTildeBasisSet().save_yaml(str(out))
    text = Path(out).read_text()
    values = ", ".join(repr(float(e0[el])) for el in basis.elements_name)
    text, n = re.subn(r"^E0:.*$", f"E0: [{values}]", text, count=1, flags=re.MULTILINE)
    if n != 1:
        raise ConfigurationError(f"pyace wrote {out} without an 'E0:' line; this python-ace version is not "
                                 "supported (pin python-ace==0.4.0rc1)")
    Path(out).write_text(text)
    return Path(out), yaml


def ace_calculator(path: Path):
    """pyace's ASE calculator for a ``.yace``/``.yaml`` file."""
    from pyace import PyACECalculator

    return PyACECalculator(str(path))


def predict(path: Path, images: Sequence[Atoms]) -> list[dict]:
    """Energy, forces and stress of each image from pyace's calculator."""
    calc = ace_calculator(path)
    out = []
    for ref in images:
        atoms = Atoms(ref.numbers, positions=ref.positions, cell=ref.cell, pbc=ref.pbc)
        atoms.calc = calc
        out.append({"energy": float(atoms.get_potential_energy()), "forces": atoms.get_forces().copy(),
                    "stress": atoms.get_stress().copy()})
    return out
