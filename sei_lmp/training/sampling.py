"""Configurations to label for a chemistry: strained/rattled crystals, point defects, teacher MD, packings.

Every function returns a list of new ``ase.Atoms``; ``atoms.info["config_type"]`` says where each one came
from (the fit's metrics are broken down by it) and all randomness comes from a ``numpy`` Generator the
caller seeds, so a sample is reproducible from a seed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

import numpy as np
from ase import Atoms

from sei_lmp.errors import ConfigurationError
from sei_lmp.units import AMU_G

#: LiF rocksalt, a = 4.03 A (CHGNet/PBE-like cell; experiment 4.027 A at room temperature)
LIF_A = 4.03
#: what a potential fitted to the LiF sample (bulk and Li-defect cells, labelled by CHGNet) may be used for
LIF_STATEMENT = ("Teacher-distilled DEMO potential: fitted to CHGNet (a universal ML potential trained on "
                 "PBE/PBE+U Materials Project data) on LiF bulk and Li-defect cells only. It reproduces "
                 "CHGNet, NOT DFT, and is not validated outside LiF with Li interstitials/vacancies.")
#: the teacher of the shipped LiF labels, for cards of potentials fitted to them without the teacher
LIF_SHIPPED_TEACHER = {"calculator": "CHGNet 0.3.0 (labels read from the shipped dataset)"}


def lif_rocksalt(a: float = LIF_A, repeat: int | Sequence[int] = 1) -> Atoms:
    """Conventional rocksalt LiF cell (8 atoms) from :func:`sei_lmp.structures.phase`, repeated."""
    from sei_lmp.structures import phase

    atoms = phase("LiF", a=a).repeat(repeat)
    atoms.info = {"config_type": "bulk", "source": f"LiF rocksalt a={a}"}
    return atoms


def _tag(atoms: Atoms, config_type: str, **info) -> Atoms:
    atoms.info = {**atoms.info, "config_type": config_type, **info}
    return atoms


def strained_rattled(base: Atoms, n: int, rng: np.random.Generator, *, max_strain: float = 0.04,
                     rattle: float = 0.05, config_type: str | None = None) -> list[Atoms]:
    """``n`` copies of ``base`` with a random symmetric strain (each component uniform in +-max_strain)
    and Gaussian displacements of standard deviation ``rattle`` [A]."""
    if n < 0 or max_strain < 0 or rattle < 0:
        raise ConfigurationError(f"strained_rattled needs n, max_strain, rattle >= 0 (got {n}, {max_strain}, {rattle})")
    out = []
    for _ in range(n):
        atoms = base.copy()
        eps = rng.uniform(-max_strain, max_strain, (3, 3))
        eps = 0.5 * (eps + eps.T)
        atoms.set_cell(atoms.cell.array @ (np.eye(3) + eps), scale_atoms=True)
        atoms.positions += rng.normal(0.0, rattle, atoms.positions.shape)
        out.append(_tag(atoms, config_type or base.info.get("config_type", "bulk"),
                        strain=float(np.abs(eps).max()), rattle=rattle))
    return out


def interstitial(atoms: Atoms, symbol: str = "Li", position: Sequence[float] | None = None) -> Atoms:
    """``atoms`` plus one ``symbol`` at ``position`` (default: the largest empty site, from
    :func:`sei_lmp.structures.add_interstitial`)."""
    if position is None:
        from sei_lmp.structures import add_interstitial

        out = add_interstitial(atoms, symbol)
    else:
        out = atoms.copy()
        out.append(symbol)
        out.positions[-1] = np.asarray(position, float)
    out.info = {k: v for k, v in out.info.items() if k != "defect"}  # flat info: it goes to extxyz
    return _tag(out, f"{symbol}_interstitial")


def vacancy(atoms: Atoms, symbol: str = "Li", index: int | None = None) -> Atoms:
    """``atoms`` without one ``symbol`` atom (the first one unless ``index`` is given), from
    :func:`sei_lmp.structures.add_vacancy`."""
    from sei_lmp.structures import add_vacancy

    if symbol not in atoms.get_chemical_symbols():
        raise ConfigurationError(f"no {symbol} atom in {atoms.get_chemical_formula()}; pick a species it contains")
    if index is not None and atoms[index].symbol != symbol:
        raise ConfigurationError(f"atom {index} is {atoms[index].symbol}, not {symbol}")
    out = add_vacancy(atoms, symbol, index=index)
    out.info = {k: v for k, v in out.info.items() if k != "defect"}
    return _tag(out, f"{symbol}_vacancy")


def frenkel_pair(atoms: Atoms, symbol: str = "Li", rng: np.random.Generator | None = None,
                 min_separation: float = 4.0) -> Atoms:
    """Move a random ``symbol`` atom (drawn with ``rng``) into the largest empty site farthest from its vacancy
    (:func:`sei_lmp.structures.add_frenkel_pair`); refused when that site is closer than ``min_separation`` [A]
    (the pair would recombine at once)."""
    from sei_lmp.structures import add_frenkel_pair

    rng = rng or np.random.default_rng(0)
    candidates = np.flatnonzero(np.array(atoms.get_chemical_symbols()) == symbol)
    if candidates.size == 0:
        raise ConfigurationError(f"no {symbol} atom in {atoms.get_chemical_formula()}; pick a species it contains")
    out = add_frenkel_pair(atoms, symbol, index=int(rng.choice(candidates)))
    separation = out.info["defect"]["separation"]
    if separation < min_separation:
        raise ConfigurationError(f"cell too small for a Frenkel pair {min_separation} A apart (at most "
                                 f"{separation:.2f} A); repeat it first")
    out.info = {k: v for k, v in out.info.items() if k != "defect"}
    return _tag(out, f"{symbol}_frenkel")


def random_packing(symbols: Sequence[str], density_g_cm3: float, rng: np.random.Generator,
                   min_distance: float = 1.7, max_tries: int = 2000) -> Atoms:
    """Amorphous-like start: ``symbols`` placed at random in a cubic box of the given density,
    no two atoms closer than ``min_distance`` [A]."""
    from ase.data import atomic_masses, atomic_numbers

    mass = sum(atomic_masses[atomic_numbers[s]] for s in symbols) * AMU_G  # g
    length = (mass / density_g_cm3) ** (1 / 3) * 1e8  # A
    positions = []
    for s in symbols:
        for _ in range(max_tries):
            p = rng.uniform(0, length, 3)
            if not positions:
                break
            d = np.asarray(positions) - p
            d -= length * np.round(d / length)
            if np.min(np.linalg.norm(d, axis=1)) >= min_distance:
                break
        else:
            raise ConfigurationError(f"could not place {len(symbols)} atoms {min_distance} A apart at "
                                     f"{density_g_cm3} g/cm3; lower the density or min_distance")
        positions.append(p)
    atoms = Atoms(symbols, positions=positions, cell=[length] * 3, pbc=True)
    return _tag(atoms, "packing", density_g_cm3=density_g_cm3)


def teacher_md(atoms: Atoms, calc, temperatures: Iterable[float], *, steps: int, interval: int,
               rng: np.random.Generator, timestep_fs: float = 2.0, friction_per_fs: float = 0.01,
               equilibrate: int = 0, progress: Callable[[int], None] | None = None) -> list[Atoms]:
    """Langevin MD with the teacher at each temperature; a snapshot every ``interval`` steps after
    ``equilibrate`` steps. Each snapshot keeps the teacher's energy/forces/stress of that step as a
    ``SinglePointCalculator`` (``info["labelled_by"] = "teacher_md"``), so it needs no second labelling.
    ``progress(k)`` is called after every k steps (for a progress bar).
    """
    from ase import units
    from ase.calculators.singlepoint import SinglePointCalculator
    from ase.md.langevin import Langevin
    from ase.md.velocitydistribution import MaxwellBoltzmannDistribution, Stationary

    from sei_lmp.training.teacher import config_id

    if interval < 1 or steps < interval:
        raise ConfigurationError(f"teacher_md needs 1 <= interval <= steps (got interval={interval}, steps={steps})")
    out = []
    for temperature in temperatures:
        md_atoms = atoms.copy()
        md_atoms.calc = calc
        MaxwellBoltzmannDistribution(md_atoms, temperature_K=temperature, rng=rng)
        Stationary(md_atoms)
        dyn = Langevin(md_atoms, timestep=timestep_fs * units.fs, temperature_K=temperature,
                       friction=friction_per_fs / units.fs, rng=rng, fixcm=False)
        if equilibrate:
            dyn.run(equilibrate)
            if progress:
                progress(equilibrate)
        for k in range(steps // interval):
            dyn.run(interval)
            if progress:
                progress(interval)
            snap = md_atoms.copy()
            snap.calc = SinglePointCalculator(snap, energy=md_atoms.get_potential_energy(),
                                              forces=md_atoms.get_forces(), stress=md_atoms.get_stress())
            snap.info = {**atoms.info, "config_type": f"md_{atoms.info.get('config_type', 'bulk')}",
                         "temperature_K": float(temperature), "md_step": (k + 1) * interval + equilibrate,
                         "labelled_by": "teacher_md"}
            snap.info["config_id"] = config_id(snap)
            out.append(snap)
    return out
