"""A MACE committee's grade and selection, computed as ``pair_style sei/mace committee`` does in the decks.

The grade of an atom is the deviation of the members' forces, sqrt(1/K sum_k |F_k - <F>|^2) in eV/A (the
formula of ``PairSEIMACE::compute_gamma``); a frame's grade is its largest atom grade. Selection takes the
frames above the save threshold in order of grade and skips near-copies: a frame whose invariant descriptor
(the driving model's per-species mean node features) lies closer to an already chosen frame than a tenth of
the candidates' median pairwise distance adds nothing the chosen one does not.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from ase import Atoms

#: near-copy distance, as a fraction of the median pairwise descriptor distance of the candidates
DUPLICATE_FRACTION = 0.1


def _plain(ref: Atoms) -> Atoms:
    return Atoms(ref.numbers, positions=ref.positions, cell=ref.cell, pbc=ref.pbc)


def member_forces(models: Sequence[Path], images: Sequence[Atoms]) -> list[np.ndarray]:
    """Per image, the members' forces as an array (K, N, 3)."""
    from sei_lmp.training.fit_mace import mace_calculator

    stacks = [[] for _ in images]
    for model in models:
        calc = mace_calculator(model)
        for k, ref in enumerate(images):
            atoms = _plain(ref)
            atoms.calc = calc
            stacks[k].append(atoms.get_forces().copy())
    return [np.array(s) for s in stacks]


def atom_deviation(forces: np.ndarray) -> np.ndarray:
    """sqrt(1/K sum_k |F_k - <F>|^2) per atom, from forces (K, N, 3)."""
    forces = np.asarray(forces, float)
    if forces.ndim != 3 or forces.shape[0] < 2:
        raise ValueError(f"a committee deviation needs forces of at least 2 members as (K, N, 3), got {forces.shape}")
    return np.sqrt(((forces - forces.mean(axis=0)) ** 2).sum(axis=2).mean(axis=0))


def frame_grades(models: Sequence[Path], images: Sequence[Atoms]) -> np.ndarray:
    return np.array([atom_deviation(f).max() if f.shape[1] else 0.0 for f in member_forces(models, images)])


def descriptors(model: Path, images: Sequence[Atoms], species: Sequence[str]) -> np.ndarray:
    """One vector per frame: the mean invariant node features of each species, side by side (zeros for a
    species the frame lacks)."""
    from sei_lmp.training.fit_mace import mace_calculator

    calc = mace_calculator(model)
    rows = []
    for ref in images:
        atoms = _plain(ref)
        d = np.asarray(calc.get_descriptors(atoms, invariants_only=True), float)
        symbols = np.array(atoms.get_chemical_symbols())
        rows.append(np.concatenate([d[symbols == s].mean(axis=0) if (symbols == s).any() else np.zeros(d.shape[1])
                                    for s in species]))
    return np.array(rows)


def select_diverse(grades: np.ndarray, features: np.ndarray, cap: int, min_grade: float) -> list[int]:
    """Indices of at most ``cap`` frames above ``min_grade``, highest grade first, skipping near-copies."""
    grades = np.asarray(grades, float)
    eligible = [int(i) for i in np.argsort(-grades, kind="stable") if grades[i] > min_grade]
    if not eligible:
        return []
    x = np.asarray(features, float)[eligible]
    pairwise = np.linalg.norm(x[:, None, :] - x[None, :, :], axis=2)[np.triu_indices(len(eligible), 1)]
    scale = float(np.median(pairwise[pairwise > 0])) if (pairwise > 0).any() else 0.0
    chosen: list[int] = []
    for i in eligible:
        if len(chosen) == cap:
            break
        if chosen and min(np.linalg.norm(features[i] - features[j]) for j in chosen) <= DUPLICATE_FRACTION * scale:
            continue
        chosen.append(i)
    return chosen
