"""Train / held-out split of labelled configurations, reproducible from a seed."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from ase import Atoms

from sei_lmp.errors import ConfigurationError


def train_test_split(images: Sequence[Atoms], test_fraction: float, seed: int,
                     stratify: str | None = "config_type") -> tuple[list[Atoms], list[Atoms]]:
    """Seeded random split; with ``stratify`` (an ``atoms.info`` key) every group with two or more members
    puts at least one on each side, so every kind of configuration is both trained on and tested.
    The order of ``images`` decides the result together with the seed (no hidden state).
    """
    if not 0 < test_fraction < 1:
        raise ConfigurationError(f"test_fraction must be between 0 and 1 (got {test_fraction})")
    if len(images) < 2:
        raise ConfigurationError(f"need at least 2 configurations to split, got {len(images)}")
    rng = np.random.default_rng(seed)
    keys = [str(a.info.get(stratify, "")) if stratify else "" for a in images]
    train, test = [], []
    for key in sorted(set(keys)):
        members = [i for i, k in enumerate(keys) if k == key]
        order = rng.permutation(len(members))
        n_test = round(test_fraction * len(members))
        n_test = min(max(n_test, 1 if len(members) > 1 else 0), len(members) - 1) if len(members) > 1 else 0
        test += [members[j] for j in order[:n_test]]
        train += [members[j] for j in order[n_test:]]
    return [images[i] for i in sorted(train)], [images[i] for i in sorted(test)]
