"""The shipped CHGNet-labelled LiF dataset for the ACE/MACE fit tests (uniquely named: see training_helpers.py)."""

from pathlib import Path

import numpy as np

from sei_lmp.training import split, teacher

REPO = Path(__file__).resolve().parents[2]
DATASET = REPO / "potentials" / "LiF_chgnet_dataset.extxyz.gz"
#: the split of potentials/make_lif*.py
SPLIT_SEED, TEST_FRACTION = 20251122, 0.15
#: near-equilibrium 63-65 atom cells: cheap, and what a tiny fit can learn
TINY_TYPES = ("bulk", "eos", "Li_interstitial", "Li_vacancy", "md_Li_interstitial")


def shipped_split():
    """(train, held-out) exactly as the shipped potentials were made."""
    return split.train_test_split(teacher.read_labels(DATASET), TEST_FRACTION, SPLIT_SEED)


def tiny_split(n_train: int, n_test: int):
    """A few small near-equilibrium cells from each side of the shipped split."""
    train, test = shipped_split()

    def pick(frames, n):
        chosen = [a for a in frames if a.info.get("config_type") in TINY_TYPES and len(a) <= 65]
        idx = np.linspace(0, len(chosen) - 1, n).round().astype(int)  # spread over the kinds
        return [chosen[i] for i in idx]

    return pick(train, n_train), pick(test, n_test)


def orthorhombic(frames):
    """Cells LAMMPS takes without rotation: orthorhombic ones, else orthorhombic copies."""
    out = [a for a in frames if np.allclose(a.cell.array, np.diag(np.diag(a.cell.array)))]
    if out:
        return out
    copies = []
    for a in frames:
        b = a.copy()
        b.set_cell(np.diag(a.cell.lengths()), scale_atoms=True)
        copies.append(b)
    return copies
