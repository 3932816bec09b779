"""Mean-squared displacements averaged over all time origins, by FFT.

For a series r_0 .. r_{N-1} the all-origins MSD at lag m is

    MSD(m) = 1/(N-m) sum_{k<N-m} |r_{k+m} - r_k|^2
           = 1/(N-m) [ sum_{k<N-m} |r_k|^2 + sum_{k>=m} |r_k|^2 - 2 sum_k r_k . r_{k+m} ],

the first two sums from cumulative sums and the last one (an autocorrelation) from a zero-padded FFT
(the nMoldyn route of Calandrini et al., Collection SFN 12, 201 (2011)). The power spectra are summed over
atoms *before* the inverse transform, so the cost is one forward FFT per atom and component, O(N log N).
Atoms are processed in chunks so the work arrays stay small (``chunk_atoms``).

Every function here returns per-component arrays (last axis x, y, z): directional MSDs, their sums
(``xyz``, ``xy``) and fits are left to the caller.
"""

from __future__ import annotations

import numpy as np
import scipy.fft

__all__ = ["COMPONENTS", "cross_msd_fft", "msd_fft", "msd_fft_weighted", "region_weights"]

#: directional combinations of the x, y, z components reported in tables: name -> (components, dimensionality)
COMPONENTS = {"xyz": ((0, 1, 2), 3), "x": ((0,), 1), "y": ((1,), 1), "z": ((2,), 1), "xy": ((0, 1), 2)}


def _nfft(n: int) -> int:
    return scipy.fft.next_fast_len(2 * n, real=True)


def msd_fft(positions: np.ndarray, drift: np.ndarray | None = None, *, chunk_atoms: int = 1024,
            workers: int = 1) -> np.ndarray:
    """All-origins MSD per component, averaged over atoms: (n_frames, 3) in the units of positions squared.

    ``positions``: (n_frames, n_atoms, 3) unwrapped; ``drift``: (n_frames, 3) subtracted from every atom
    (e.g. a framework's centre of mass) before the displacements are taken. Work memory is about
    ``chunk_atoms * 3 * n_frames * 40`` bytes on top of the input.
    """
    positions = np.asarray(positions)
    if positions.ndim != 3 or positions.shape[2] != 3:
        raise ValueError(f"positions must be (n_frames, n_atoms, 3), got {positions.shape}")
    n, n_atoms = positions.shape[:2]
    nfft = _nfft(n)
    power = np.zeros((3, nfft // 2 + 1))
    squares = np.zeros((3, n))
    work = np.empty((3, min(chunk_atoms, n_atoms), n))
    for start in range(0, n_atoms, chunk_atoms):
        block = positions[:, start:start + chunk_atoms]
        y = work[:, :block.shape[1]]
        # displacements from the first frame (MSD is shift invariant; small numbers keep the FFT precise),
        # laid out contiguous in time for the transforms
        np.subtract(block.transpose(2, 1, 0), block[0].T[:, :, None], out=y)
        if drift is not None:
            y -= (drift - drift[0]).T[:, None, :]
        squares += np.einsum("cat,cat->ct", y, y)
        spectrum = scipy.fft.rfft(y, n=nfft, axis=2, workers=workers)
        density = np.square(spectrum.real)
        density += np.square(spectrum.imag)
        power += density.sum(axis=1)         # sum over atoms before the inverse transform
    auto = scipy.fft.irfft(power, n=nfft, axis=1, workers=workers)[:, :n].T
    lags = np.arange(n)
    cs = np.vstack([np.zeros((1, 3)), np.cumsum(squares.T, axis=0)])
    edge = cs[n - lags] + cs[n] - cs[lags]
    msd = (edge - 2.0 * auto) / ((n - lags)[:, None] * n_atoms)
    msd[0] = 0.0
    return np.maximum(msd, 0.0)


def cross_msd_fft(a: np.ndarray, b: np.ndarray, *, workers: int = 1) -> np.ndarray:
    """All-origins <(A(t0+t)-A(t0)) (B(t0+t)-B(t0))> per component for two (n_frames, 3) series:
    the collective (charge) MSD for A = B = sum_i q_i r_i, and the cross terms of Onsager coefficients."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape or a.ndim != 2:
        raise ValueError(f"series must both be (n_frames, 3), got {a.shape} and {b.shape}")
    n = a.shape[0]
    a = a - a.mean(axis=0)
    b = b - b.mean(axis=0)
    nfft = _nfft(n)
    fa = scipy.fft.rfft(a, n=nfft, axis=0, workers=workers)
    fb = scipy.fft.rfft(b, n=nfft, axis=0, workers=workers)
    # sum_k a_k b_{k+m} + sum_k b_k a_{k+m}
    both = scipy.fft.irfft(2.0 * (np.conj(fa) * fb).real, n=nfft, axis=0, workers=workers)[:n]
    lags = np.arange(n)
    cs = np.vstack([np.zeros((1, a.shape[1])), np.cumsum(a * b, axis=0)])
    out = (cs[n - lags] + cs[n] - cs[lags] - both) / (n - lags)[:, None]
    out[0] = 0.0
    return out


def msd_fft_weighted(positions: np.ndarray, weights: np.ndarray, drift: np.ndarray | None = None, *,
                     workers: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """All-origins MSD where each (atom, origin) counts with ``weights[origin, atom]`` (e.g. 1 when the atom
    sits in a region at the time origin): returns the per-component MSD (n_frames, 3) and the summed weight
    per lag (the number of atom-origins behind each point)."""
    positions = np.asarray(positions, dtype=np.float64)
    w = np.asarray(weights, dtype=np.float64)
    n = positions.shape[0]
    if w.shape != positions.shape[:2]:
        raise ValueError(f"weights must be (n_frames, n_atoms) = {positions.shape[:2]}, got {w.shape}")
    x = positions - drift[:, None, :] if drift is not None else positions
    x = x - x.mean(axis=0)
    nfft = _nfft(n)
    sq = x * x
    fw = scipy.fft.rfft(w, n=nfft, axis=0, workers=workers)
    fsq = scipy.fft.rfft(sq, n=nfft, axis=0, workers=workers)
    fwx = scipy.fft.rfft(w[:, :, None] * x, n=nfft, axis=0, workers=workers)
    fx = scipy.fft.rfft(x, n=nfft, axis=0, workers=workers)
    # sum_k w_k sq_{k+m}  and  sum_k w_k x_k x_{k+m}, summed over atoms in frequency space
    later = scipy.fft.irfft((np.conj(fw)[:, :, None] * fsq).sum(axis=1), n=nfft, axis=0, workers=workers)[:n]
    cross = scipy.fft.irfft((np.conj(fwx) * fx).sum(axis=1), n=nfft, axis=0, workers=workers)[:n]
    lags = np.arange(n)
    cs = np.vstack([np.zeros((1, 3)), np.cumsum((w[:, :, None] * sq).sum(axis=1), axis=0)])
    cw = np.concatenate([[0.0], np.cumsum(w.sum(axis=1))])
    norm = cw[n - lags]
    with np.errstate(invalid="ignore", divide="ignore"):
        msd = (later + cs[n - lags] - 2.0 * cross) / norm[:, None]
    msd[0] = 0.0
    return np.where(norm[:, None] > 0, np.maximum(msd, 0.0), np.nan), norm


def region_weights(positions: np.ndarray, cells: np.ndarray, edges: np.ndarray, axis: int = 2) -> np.ndarray:
    """Region index (0 .. len(edges)-2, or -1 outside) of every atom at every frame, from its *wrapped*
    fractional coordinate along cell vector ``axis``; ``edges`` are fractional slab boundaries in [0, 1]."""
    inverse = np.linalg.inv(cells)                        # r = s @ H  ->  s = r @ H^-1
    frac = np.einsum("fai,fi->fa", positions, inverse[:, :, axis])
    frac -= np.floor(frac)
    index = np.searchsorted(np.asarray(edges), frac, side="right") - 1
    index[(frac < edges[0]) | (frac >= edges[-1])] = -1
    return index

