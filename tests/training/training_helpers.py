"""Helpers shared by the training tests (uniquely named: see tests/sweep/sweep_helpers.py)."""

import numpy as np

from sei_lmp.training import sampling


def tiny_sample(seed: int = 7):
    """24 small LiF cells: rattled/strained bulk, Li interstitial and Li vacancy (8 +- 1 atoms)."""
    rng = np.random.default_rng(seed)
    bulk = sampling.lif_rocksalt(4.0)
    out = sampling.strained_rattled(bulk, 14, rng, max_strain=0.03, rattle=0.12)
    out += sampling.strained_rattled(sampling.interstitial(bulk), 5, rng, max_strain=0.02, rattle=0.08)
    out += sampling.strained_rattled(sampling.vacancy(bulk), 5, rng, max_strain=0.02, rattle=0.08)
    return out
