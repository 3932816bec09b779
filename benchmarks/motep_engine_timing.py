"""Timing of motep's MTP engines (the Python peer implementation).

:func:`time_motep` is meant to be imported by the main benchmark script so
that ``sei/mtp`` timings can be put next to motep's.  Run this file directly
to time every available motep engine on a ~2000-atom random Li-P-S cell
(density ~2 g/cm^3) with ``LiPS_L20_random.mtp`` (level 20)::

    python benchmarks/motep_engine_timing.py [--natoms 2000] [--repeats 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from ase import Atoms
from ase.calculators.calculator import all_changes
from ase.data import atomic_masses, atomic_numbers

# The cell generator lives with the tests; make it importable from here.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from motep_reference import (  # noqa: E402
    _make_calculator,
    _motep_atoms,
    available_engines,
    random_periodic_cell,
)

REFERENCE_DIR = Path("/work/shared/reference/mtp")
LIPS_POTENTIAL = REFERENCE_DIR / "potentials" / "LiPS_L20_random.mtp"
LIPS_SYMBOLS = ("Li", "P", "S")  # species 0, 1, 2 of LiPS_L20_random.mtp
AMU_PER_A3_TO_G_PER_CM3 = 1.66053906660


def time_motep(
    atoms: Atoms,
    mtp_path: str | os.PathLike,
    species_indices,
    engine: str,
    repeats: int,
) -> float:
    """Time one motep engine for energy + forces + stress.

    Parameters
    ----------
    atoms : ase.Atoms
        Structure to evaluate (``atoms.numbers`` ignored).
    mtp_path : str or path-like
        MLIP ``.mtp`` potential file.
    species_indices : array_like of int, shape (N,)
        0-based MTP species index per atom.
    engine : str
        motep engine name ("cext", "numba", "numpy", "jax").
    repeats : int
        Number of timed evaluations.

    Returns
    -------
    float
        Median wall time per evaluation, in microseconds per atom.

    Notes
    -----
    One untimed warm-up call builds the neighbour list (and triggers any
    lazy JIT work).  The timed calls then measure the steady state of an MD
    step between neighbour-list rebuilds: motep rebuilds its ASE neighbour
    list only when an atom moves more than its 0.3 A skin, but it recomputes
    all interatomic vectors, energies, forces and stress each call.  The
    calculator's ``calculate`` is called directly, because ASE's
    ``get_forces`` would return cached results for unchanged atoms.
    Single-threaded: motep's engines do not use threads.
    """
    calc = _make_calculator(mtp_path, engine)
    work = _motep_atoms(atoms, species_indices, calc.engine.mtp_data.species_count)
    properties = ["energy", "forces", "stress"]
    calc.calculate(work, properties, all_changes)  # warm-up, builds the list
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        calc.calculate(work, properties, all_changes)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) / len(atoms) * 1e6


def lips_cell(rng: np.random.Generator, n_atoms: int, density: float = 2.0):
    """Random Li-P-S cell at a given mass density.

    Parameters
    ----------
    rng : numpy.random.Generator
        Random generator.
    n_atoms : int
        Number of atoms (species drawn uniformly from Li, P, S).
    density : float
        Target density in g/cm^3.

    Returns
    -------
    atoms : ase.Atoms
        Triclinic cell in LAMMPS orientation with Li/P/S symbols.
    species_indices : numpy.ndarray of int
        MTP species index per atom.
    """
    mean_mass = np.mean([atomic_masses[atomic_numbers[s]] for s in LIPS_SYMBOLS])
    volume_per_atom = mean_mass * AMU_PER_A3_TO_G_PER_CM3 / density
    # R_min = 1.8 A, R_cut = 5.0 A for LiPS_L20_random.mtp.
    return random_periodic_cell(
        rng,
        3,
        n_atoms,
        cutoff=5.0,
        min_dist=2.0,
        small=False,
        triclinic=True,
        volume_per_atom=volume_per_atom,
        symbols=LIPS_SYMBOLS,
    )


def main() -> None:
    """Time every available motep engine and print microseconds/atom/step."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--natoms", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument(
        "--numpy-natoms",
        type=int,
        default=48,
        help="cell size for the (very slow, ~0.3 s/atom) numpy engine",
    )
    parser.add_argument("--engines", nargs="*", default=None)
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args()

    engines = args.engines or available_engines()
    rng = np.random.default_rng(args.seed)
    atoms, species = lips_cell(rng, args.natoms)
    density = atoms.get_masses().sum() * AMU_PER_A3_TO_G_PER_CM3 / atoms.get_volume()
    print(
        f"LiPS_L20_random.mtp, {len(atoms)} atoms, density {density:.3f} g/cm^3, "
        f"species counts {np.bincount(species, minlength=3).tolist()}"
    )
    for engine in engines:
        cell, spec, repeats = atoms, species, args.repeats
        if engine == "numpy":
            # Same density, fewer atoms: the cost per atom is size-independent.
            cell, spec = lips_cell(np.random.default_rng(args.seed), args.numpy_natoms)
            repeats = 1
        start = time.perf_counter()
        us = time_motep(cell, LIPS_POTENTIAL, spec, engine, repeats)
        total = time.perf_counter() - start
        print(
            f"  motep {engine:6s}: {us:10.2f} us/atom/step "
            f"({len(cell)} atoms, {repeats} repeats, {total:.1f} s incl. setup)"
        )


if __name__ == "__main__":
    main()
