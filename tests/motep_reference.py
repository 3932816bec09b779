"""Reference helpers for testing the ``sei/mtp`` pair style against motep.

motep (PyPI, MIT) is an independent Python implementation of the Moment
Tensor Potential.  It is used here only as a *test-time peer*: this module
calls its public API and never copies its code.  The module contains no
tests itself; it provides

* :func:`motep_efs` - energy, forces, virial and site energies from motep,
  in the conventions of ``/work/shared/reference/mtp`` (and of LAMMPS),
* :func:`random_periodic_cell` - random, well-conditioned periodic test cells,
* :func:`to_lammps_orientation` - rotate a cell into LAMMPS restricted-
  triclinic form,
* :func:`write_lammps_data` - write an ``atom_style atomic`` data file.

Conventions
-----------
The virial is ``W_ab = -sum_i sum_j (dE_i/dr_ij)_a (r_ij)_b`` (eV), i.e. MLIP's
``PlusStress`` and LAMMPS' ``Pair::virial``.  ASE (and motep) report the
stress ``sigma = -W / V``, so ``W = -sigma * V``.
"""

from __future__ import annotations

import copy
import functools
import importlib.util
import os
from pathlib import Path

import numpy as np
from ase import Atoms
from ase.data import atomic_numbers

from lammps_eval import lammps_cell, write_data

__all__ = [
    "available_engines",
    "motep_efs",
    "random_periodic_cell",
    "to_lammps_orientation",
    "write_lammps_data",
]

#: motep engines in order of preference (fastest first, see
#: ``benchmarks/motep_engine_timing.py``).  ``jax`` is left out on purpose:
#: it needs the optional ``jax`` dependency and is not faster for evaluation.
_ENGINE_PREFERENCE = ("cext", "numba", "numpy")


def available_engines() -> list[str]:
    """Return the motep engines that can be used here, fastest first.

    Returns
    -------
    list of str
        Subset of ``("cext", "numba", "numpy")``.

    Notes
    -----
    Availability is checked without importing the numba engine, because that
    import JIT-compiles all kernels eagerly (about 30 s).
    """
    engines = []
    if importlib.util.find_spec("motep.potentials.mtp.cext._mtp_cext") is not None:
        engines.append("cext")
    if importlib.util.find_spec("numba") is not None:
        engines.append("numba")
    engines.append("numpy")
    return engines


@functools.lru_cache(maxsize=16)
def _read_mtp_cached(path: str, mtime_ns: int):
    """Parse an ``.mtp`` file once per (path, modification time)."""
    from motep.io.mlip.mtp import read_mtp

    del mtime_ns  # only part of the cache key
    return read_mtp(path)


def load_mtp(mtp_path: str | os.PathLike):
    """Read an MLIP ``.mtp`` file into a fresh motep ``MTPData``.

    Parameters
    ----------
    mtp_path : str or path-like
        MLIP ``.mtp`` file (version 1.1.0).

    Returns
    -------
    motep.potentials.mtp.data.MTPData
        A private copy (parsing a level-20 file takes ~0.2 s, so the parsed
        data are cached and deep-copied because motep engines mutate them).
        ``species`` is set to ``0 .. species_count-1`` so that motep maps
        ``atoms.numbers`` directly to MTP species indices.
    """
    path = str(Path(mtp_path).resolve())
    data = copy.deepcopy(_read_mtp_cached(path, os.stat(path).st_mtime_ns))
    # motep looks up each atom's type as species.index(atoms.numbers[i]).
    # Pinning species to 0..n-1 makes "atomic number" == MTP species index,
    # independent of chemistry (MLIP .mtp files carry no element names).
    data.species = np.arange(data.species_count, dtype=np.int32)
    return data


def _make_calculator(mtp_path, engine: str):
    """Build a motep ASE calculator for ``engine`` ("auto" = fastest)."""
    from motep.calculator import MTP

    if engine in ("auto", "fastest available", None):
        engine = available_engines()[0]
    return MTP(load_mtp(mtp_path), engine=engine, mode="run")


def _motep_atoms(atoms: Atoms, species_indices, n_species: int) -> Atoms:
    """Copy ``atoms`` with atomic numbers replaced by MTP species indices.

    Non-periodic systems get a dummy cell (with ``pbc`` kept False) because
    motep only computes the stress when the cell has rank 3; without periodic
    directions the cell does not change the neighbour list.
    """
    species = np.asarray(species_indices, dtype=int).reshape(-1)
    if species.shape != (len(atoms),):
        msg = f"species_indices has shape {species.shape}, expected ({len(atoms)},)"
        raise ValueError(msg)
    if species.size and (species.min() < 0 or species.max() >= n_species):
        msg = f"species indices must lie in [0, {n_species}), got {np.unique(species)}"
        raise ValueError(msg)
    pbc = np.asarray(atoms.pbc, dtype=bool)
    cell = np.array(atoms.cell[:], dtype=float)
    if atoms.cell.rank != 3:
        if pbc.any():
            msg = "periodic directions need a full-rank cell"
            raise ValueError(msg)
        cell = np.eye(3)
    return Atoms(numbers=species, positions=atoms.positions.copy(), cell=cell, pbc=pbc)


def motep_efs(
    atoms: Atoms,
    mtp_path: str | os.PathLike,
    species_indices,
    engine: str = "auto",
) -> dict:
    """Energy, forces, virial and site energies of ``atoms`` from motep.

    Parameters
    ----------
    atoms : ase.Atoms
        Structure; ``atoms.numbers`` is ignored (see ``species_indices``).
        Periodicity comes from ``atoms.pbc``; a free cluster may have no cell.
    mtp_path : str or path-like
        MLIP ``.mtp`` potential file.
    species_indices : array_like of int, shape (N,)
        0-based MTP species index of every atom (LAMMPS type - 1).
    engine : {"auto", "cext", "numba", "numpy", "jax"}
        motep backend; "auto" picks the fastest available (``cext``).

    Returns
    -------
    dict
        ``energy`` (float, eV), ``forces`` ((N, 3), eV/A),
        ``virial`` ((3, 3), eV, ``W_ab = -sum (dE/dr_ij)_a (r_ij)_b``, the
        reference / LAMMPS sign; it is ``-stress * V`` in ASE terms) and
        ``site_energies`` ((N,), eV, summing to ``energy``).

    Notes
    -----
    A fresh calculator is built per call, so no neighbour list or ASE result
    cache leaks between calls.  motep symmetrises the virial; the exact
    virial of an MTP is symmetric anyway (rotational invariance).
    """
    calc = _make_calculator(mtp_path, engine)
    work = _motep_atoms(atoms, species_indices, calc.engine.mtp_data.species_count)
    work.calc = calc
    energy = float(work.get_potential_energy())
    forces = np.array(work.get_forces(), dtype=float)
    site = work.get_potential_energies()
    stress = work.get_stress(voigt=False)  # ASE sign: sigma = -W / V
    virial = -np.array(stress, dtype=float) * work.get_volume()
    return {
        "energy": energy,
        "forces": forces,
        "virial": virial,
        "site_energies": None if site is None else np.array(site, dtype=float),
    }


def to_lammps_orientation(atoms: Atoms) -> Atoms:
    """Rotate a periodic cell into LAMMPS restricted-triclinic form.

    The result has ``a = (lx, 0, 0)``, ``b = (xy, ly, 0)``,
    ``c = (xz, yz, lz)`` with ``lx, ly, lz > 0``, ``|xy|, |xz| <= lx/2`` and
    ``|yz| <= ly/2``, and all atoms wrapped into the cell.

    Parameters
    ----------
    atoms : ase.Atoms
        Structure with a full-rank cell (any orientation and handedness).

    Returns
    -------
    ase.Atoms
        New object; the input is not modified.  Only a proper rotation, a
        change of lattice basis and a re-wrapping of atoms by lattice vectors
        are applied, so energies are unchanged and forces / virial rotate.

    Notes
    -----
    A left-handed cell is made right-handed by replacing ``c`` with ``-c``,
    which spans the same lattice (no reflection of the atoms is needed).
    """
    out = atoms.copy()
    cell = np.array(out.cell[:], dtype=float)
    if abs(np.linalg.det(cell)) < 1e-12:
        msg = "to_lammps_orientation needs a full-rank cell"
        raise ValueError(msg)
    if np.linalg.det(cell) < 0.0:
        cell[2] *= -1.0
    lower = lammps_cell(cell)
    # Row-vector convention: cell @ rot == lower; rot is orthogonal with
    # det +1 because both cells are right-handed and have the same metric.
    rot = np.linalg.solve(cell, lower)
    positions = out.positions @ rot

    # Reduce tilts by adding lattice vectors (same lattice).  Order matters:
    # fixing yz with b changes xz, which is then fixed with a; then xy.
    lower[2] -= np.round(lower[2, 1] / lower[1, 1]) * lower[1]
    lower[2] -= np.round(lower[2, 0] / lower[0, 0]) * lower[0]
    lower[1] -= np.round(lower[1, 0] / lower[0, 0]) * lower[0]

    out.set_cell(lower, scale_atoms=False)
    out.positions = positions
    _wrap_in_place(out)
    return out


def _wrap_in_place(atoms: Atoms) -> None:
    """Wrap atoms into ``[0, 1)`` fractional coordinates along periodic axes."""
    cell = np.array(atoms.cell[:])
    frac = np.linalg.solve(cell.T, atoms.positions.T).T
    periodic = np.asarray(atoms.pbc, dtype=bool)
    frac[:, periodic] -= np.floor(frac[:, periodic])
    # floor() can leave exactly 1.0 after round-off; map it to 0.
    frac[:, periodic] = np.where(frac[:, periodic] >= 1.0, 0.0, frac[:, periodic])
    atoms.positions = frac @ cell


def _heights(cell: np.ndarray) -> np.ndarray:
    """Perpendicular widths of a cell (distance between opposite faces)."""
    volume = abs(np.linalg.det(cell))
    areas = np.linalg.norm(np.cross(cell[[1, 2, 0]], cell[[2, 0, 1]]), axis=1)
    return volume / areas


def _random_rotation(rng: np.random.Generator) -> np.ndarray:
    """Uniformly random proper rotation matrix (QR of a Gaussian matrix)."""
    q, r = np.linalg.qr(rng.normal(size=(3, 3)))
    q *= np.sign(np.diag(r))
    if np.linalg.det(q) < 0.0:
        q[:, 0] *= -1.0
    return q


def _random_cell_shape(rng: np.random.Generator, triclinic: bool) -> np.ndarray:
    """Unit-volume cell with random edge ratios (and angles if triclinic)."""
    lengths = rng.uniform(0.8, 1.25, size=3)
    if triclinic:
        # 65-115 degrees keeps the cell far from degenerate while still
        # producing sizeable tilts after the LAMMPS conversion.
        alpha, beta, gamma = np.radians(rng.uniform(65.0, 115.0, size=3))
        a = np.array([1.0, 0.0, 0.0])
        b = np.array([np.cos(gamma), np.sin(gamma), 0.0])
        cx = np.cos(beta)
        cy = (np.cos(alpha) - np.cos(beta) * np.cos(gamma)) / np.sin(gamma)
        cz2 = 1.0 - cx * cx - cy * cy
        if cz2 < 0.05:  # invalid angle combination: fall back to a box
            cell = np.eye(3)
        else:
            cell = np.array([a, b, [cx, cy, np.sqrt(cz2)]])
        cell = cell * lengths[:, None]
        # General orientation, so to_lammps_orientation has real work to do.
        cell = cell @ _random_rotation(rng).T
    else:
        cell = np.diag(lengths)
    return cell / np.cbrt(abs(np.linalg.det(cell)))


def _place_atoms(rng, cell, n_atoms, min_dist, max_tries=2000) -> np.ndarray:
    """Random sequential addition with a minimum-image distance constraint.

    Requires every cell height >= min_dist: then any vector shorter than
    min_dist has fractional components in (-1, 1), so checking the 27
    neighbouring images of the wrapped difference is exhaustive, and an atom
    never clashes with its own images.
    """
    shifts = np.array(np.meshgrid([-1, 0, 1], [-1, 0, 1], [-1, 0, 1])).reshape(3, -1).T
    image_vectors = shifts @ cell  # (27, 3)
    frac = np.empty((n_atoms, 3))
    d2 = min_dist * min_dist
    for i in range(n_atoms):
        for _ in range(max_tries):
            trial = rng.random(3)
            dfrac = frac[:i] - trial
            dfrac -= np.round(dfrac)
            vec = (dfrac @ cell)[:, None, :] + image_vectors[None, :, :]
            if i == 0 or np.einsum("ijk,ijk->ij", vec, vec).min() >= d2:
                frac[i] = trial
                break
        else:
            msg = (
                f"could not place atom {i + 1}/{n_atoms} with min_dist={min_dist}; "
                "lower the density (volume_per_atom) or min_dist"
            )
            raise RuntimeError(msg)
    return frac @ cell


def random_periodic_cell(
    rng: np.random.Generator,
    n_species: int,
    n_atoms: int,
    cutoff: float,
    min_dist: float,
    small: bool = False,
    triclinic: bool = True,
    *,
    volume_per_atom: float | None = None,
    symbols=None,
) -> tuple[Atoms, np.ndarray]:
    """Draw a random periodic cell with a minimum interatomic distance.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness (reproducible with a fixed seed).
    n_species : int
        Number of species to use (1-3); each appears at least once when
        ``n_atoms >= n_species``.
    n_atoms : int
        Number of atoms.
    cutoff : float
        Potential cutoff R_cut (A); controls ``small``.
    min_dist : float
        Minimum distance between any two atoms including periodic images,
        e.g. the potential's R_min + 0.2 A so that the potential is evaluated
        in a sane range.
    small : bool
        If True, at least one cell height is below ``2 * cutoff`` (so atoms
        interact with several images of the same neighbour, or with their
        own images when the height is below ``cutoff``).  If False, all
        heights are at least ``2 * cutoff``; if the requested density would
        not allow this, the cell is enlarged (lowering the density).
    triclinic : bool
        If True, draw a general triclinic cell in a random orientation and
        convert it with :func:`to_lammps_orientation`; otherwise an
        orthorhombic box.
    volume_per_atom : float, optional
        Target volume per atom (A^3).  Default: a random packing fraction in
        [0.12, 0.22] of spheres of diameter ``min_dist`` (dense enough for
        ~10-40 neighbours inside typical cutoffs, loose enough for random
        sequential placement to succeed quickly).
    symbols : sequence of str, optional
        Chemical symbol per species (only sets ``atoms.numbers``/masses; the
        physics uses ``species_indices``).  Default: dummy ``"X"``.

    Returns
    -------
    atoms : ase.Atoms
        Periodic cell in LAMMPS restricted-triclinic orientation, atoms
        wrapped into the cell.
    species_indices : numpy.ndarray of int, shape (N,)
        0-based MTP species index per atom.
    """
    if not 1 <= n_species <= 3:
        msg = f"n_species must be 1..3, got {n_species}"
        raise ValueError(msg)
    if volume_per_atom is None:
        packing = rng.uniform(0.12, 0.22)
        volume_per_atom = np.pi / 6.0 * min_dist**3 / packing
    cell = _random_cell_shape(rng, triclinic) * np.cbrt(n_atoms * volume_per_atom)

    heights = _heights(cell)
    if small and heights.min() >= 2.0 * cutoff:
        # Too many atoms for a small isotropic cell at this density: squash
        # the thinnest direction and stretch the others (volume preserved).
        k = int(np.argmin(heights))
        target = rng.uniform(max(1.3 * min_dist, 0.6 * cutoff), 1.9 * cutoff)
        factor = target / heights[k]
        normal = np.cross(cell[(k + 1) % 3], cell[(k + 2) % 3])
        normal /= np.linalg.norm(normal)
        # Scale along the face normal by `factor`, perpendicular by 1/sqrt.
        inv_sqrt = 1.0 / np.sqrt(factor)
        strain = inv_sqrt * np.eye(3) + (factor - inv_sqrt) * np.outer(normal, normal)
        cell = cell @ strain
    elif not small and heights.min() < 2.0 * cutoff:
        cell = cell * (2.0 * cutoff / heights.min()) * (1.0 + 1e-9)
    if _heights(cell).min() < 1.1 * min_dist:
        # Very few atoms: a cell thinner than min_dist would make an atom
        # clash with its own image, so enlarge it (lowering the density).
        cell = cell * (1.1 * min_dist / _heights(cell).min())

    # Convert the empty cell first, then place atoms directly in it.
    if triclinic:
        cell = np.array(to_lammps_orientation(Atoms(cell=cell, pbc=True)).cell[:])
    positions = _place_atoms(rng, cell, n_atoms, min_dist)

    species = rng.integers(0, n_species, size=n_atoms)
    if n_atoms >= n_species:  # guarantee every species is present
        chosen = rng.choice(n_atoms, size=n_species, replace=False)
        species[chosen] = np.arange(n_species)
    if symbols is None:
        numbers = np.zeros(n_atoms, dtype=int)
    else:
        numbers = [atomic_numbers[symbols[s]] for s in species]
    atoms = Atoms(numbers=numbers, positions=positions, cell=cell, pbc=True)
    _wrap_in_place(atoms)
    return atoms, species.astype(int)


def write_lammps_data(
    path: str | os.PathLike,
    atoms: Atoms,
    species_indices,
    masses,
) -> None:
    """Write a LAMMPS data file (``atom_style atomic``) at full precision.

    Parameters
    ----------
    path : str or path-like
        Output file.
    atoms : ase.Atoms
        Periodic cell already in LAMMPS orientation (see
        :func:`to_lammps_orientation`), or a non-periodic cluster (then an
        orthogonal box enclosing the atoms with a 10 A margin is written, for
        use with ``boundary f f f``).
    species_indices : array_like of int, shape (N,)
        0-based MTP species index per atom; LAMMPS type = index + 1.
    masses : sequence of float
        Mass per species (amu); its length sets the number of atom types.

    Notes
    -----
    Numbers are written with ``%.17g`` so the file round-trips doubles
    exactly (see :func:`lammps_eval.write_data`).
    """
    species = np.asarray(species_indices, dtype=int).reshape(-1)
    if species.shape != (len(atoms),):
        msg = "species_indices must have one entry per atom"
        raise ValueError(msg)
    if species.size and (species.min() < 0 or species.max() >= len(masses)):
        msg = "every species index needs a mass"
        raise ValueError(msg)
    periodic = atoms.cell.rank == 3 and bool(np.any(atoms.pbc))
    write_data(path, np.array(atoms.cell[:]) if periodic else None, atoms.positions, species + 1,
               [float(m) for m in masses], pbc=periodic)
