"""FFT all-origins MSDs against plain loops over origins: self, drift-corrected, weighted (regions), cross."""

from __future__ import annotations

import numpy as np
from transport_synth import brownian, msd_direct

from sei_lmp.analysis.transport import cross_msd_fft, msd_fft, msd_fft_weighted
from sei_lmp.analysis.transport.msd import region_weights


def test_fft_msd_equals_direct_loop_with_drift_and_chunks():
    x = brownian(120, 9, 0.1, [0.3, 0.5, 1.0], seed=1)
    drift = np.cumsum(np.random.default_rng(2).normal(size=(120, 3)), axis=0)
    ref = msd_direct(x, drift)
    np.testing.assert_allclose(msd_fft(x, drift), ref, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(msd_fft(x, drift, chunk_atoms=2), ref, rtol=1e-9, atol=1e-9)   # uneven chunks


def test_cross_msd_equals_direct_loop():
    rng = np.random.default_rng(3)
    a, b = np.cumsum(rng.normal(size=(2, 80, 3)), axis=1)
    ref = np.zeros((80, 3))
    for m in range(1, 80):
        ref[m] = ((a[m:] - a[:-m]) * (b[m:] - b[:-m])).mean(axis=0)
    np.testing.assert_allclose(cross_msd_fft(a, b), ref, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(cross_msd_fft(a, a), msd_direct(a[:, None]), rtol=1e-9, atol=1e-9)


def test_weighted_msd_counts_atoms_by_region_at_the_origin():
    x = brownian(60, 12, 0.1, 0.8, seed=4)
    cells = np.repeat(np.diag([10.0, 10.0, 10.0])[None], 60, axis=0)
    index = region_weights(x, cells, np.array([0.0, 0.5, 1.0]))
    w = (index == 1).astype(float)
    got, norm = msd_fft_weighted(x, w)
    for m in (1, 7, 30, 59):
        d2 = ((x[m:] - x[:-m]) ** 2) * w[:-m, :, None]
        np.testing.assert_allclose(got[m], d2.sum(axis=(0, 1)) / w[:-m].sum(), rtol=1e-9)
        assert norm[m] == w[:-m].sum()
    # the regions partition the atoms: weighted with all ones is the plain MSD
    np.testing.assert_allclose(msd_fft_weighted(x, np.ones((60, 12)))[0], msd_direct(x), rtol=1e-9, atol=1e-9)
