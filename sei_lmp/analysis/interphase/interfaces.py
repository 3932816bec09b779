"""Interface positions and interphase thickness from composition profiles.

An order parameter phi(z) = (x(z) - x_B) / (x_A - x_B) runs from 1 in phase A to 0 in phase B, x being
the fraction of one marker element (F for Li | LiF, S for Li | Li2S ...). Going round the periodic cell,
every change between an A region (phi >= hi) and a B region (phi <= lo) is one interface: its position is
where phi crosses 1/2, and the interphase thickness is the distance between the crossings of ``hi`` and
``lo`` (the 10-90 width by default), linearly interpolated between bin centres. A mixed region of width w
with sharp edges therefore measures w to within one bin.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sei_lmp.errors import ConfigurationError

__all__ = ["interfaces", "marker_element", "marker_fraction"]


def marker_element(profiles: pd.DataFrame) -> str:
    """The element whose fraction varies most along the axis (a default marker)."""
    columns = [c for c in profiles.columns if c.startswith("x_")]
    if not columns:
        raise ConfigurationError("no composition columns (x_<El>) in this table; make it with composition_profiles()")
    spread = {c[2:]: float(np.nanmax(profiles[c]) - np.nanmin(profiles[c])) for c in columns}
    return max(spread, key=spread.get)


def _crossing(z: np.ndarray, phi: np.ndarray, level: float, start: int, step: int, length: float) -> float:
    """Walk from bin ``start`` in direction ``step`` (cyclic) to where phi passes ``level``; interpolated z."""
    n = len(phi)
    above = phi[start] > level
    for m in range(1, n + 1):
        i, j = (start + (m - 1) * step) % n, (start + m * step) % n
        if (phi[j] > level) != above:
            zi, zj = z[i], z[i] + step * (length / n)
            frac = (phi[i] - level) / (phi[i] - phi[j])
            return zi + frac * (zj - zi)
    return np.nan


def _gaussian_ring(values: np.ndarray, sigma_bins: float) -> np.ndarray:
    """Periodic Gaussian smoothing of a profile (``sigma_bins`` in bins), by FFT."""
    n = len(values)
    freq = np.fft.rfftfreq(n)
    return np.fft.irfft(np.fft.rfft(values) * np.exp(-2.0 * (np.pi * freq * sigma_bins) ** 2), n)


def marker_fraction(group: pd.DataFrame, element: str, smooth_width: float = 0.0) -> np.ndarray:
    """Fraction of ``element`` in each bin of one frame's profile; with ``smooth_width`` (A, Gaussian sigma)
    the marker and total counts are smoothed first (periodically), which removes the oscillation of a
    layered crystal whose planes are further apart than a bin (S planes 3.3 A apart in Li2S (111))."""
    counts = group[[c for c in group.columns if c.startswith("n_")]].to_numpy(float)
    marker = group[f"n_{element}"].to_numpy(float)
    total = counts.sum(axis=1)
    if smooth_width > 0:
        sigma = smooth_width / float(group["bin_width"].iloc[0])
        marker, total = _gaussian_ring(marker, sigma), _gaussian_ring(total, sigma)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 1e-9, marker / np.where(total > 1e-9, total, 1.0), np.nan)


def _frame_interfaces(z: np.ndarray, x: np.ndarray, x_a: float, x_b: float, lo: float, hi: float,
                      length: float, smooth: int) -> list[dict]:
    phi = (x - x_b) / (x_a - x_b)
    phi = np.where(np.isnan(phi), 0.5, phi)       # an empty bin (vacuum) is neither phase
    if smooth > 1:
        kernel = np.ones(smooth) / smooth
        half = smooth // 2
        phi = np.convolve(np.concatenate([phi[-half:], phi, phi[:half]]), kernel, mode="valid")[: len(z)]
    state = np.where(phi >= hi, 1, np.where(phi <= lo, -1, 0))
    pure = np.nonzero(state != 0)[0]
    if len(pure) == 0 or np.all(state[pure] == state[pure[0]]):
        return []
    out = []
    n = len(z)
    origin = z[0] - 0.5 * length / n       # positions are reported inside [origin, origin + length)
    # walk once round the ring from a pure bin; each A<->B change is an interface
    order = [(pure[0] + m) % n for m in range(n)]
    last_pure = order[0]
    for i in order[1:] + [order[0]]:
        if state[i] == 0:
            continue
        if state[i] != state[last_pure]:
            start, end = last_pure, i
            direction = 1
            a_side = state[start] == 1
            z_start = z[start]
            # unwrap: positions measured forward from the start bin
            z_ring = z_start + ((z - z_start) % length)
            z_hi = _crossing(z_ring, phi, hi, start if a_side else end, 1 if a_side else -1, length)
            z_lo = _crossing(z_ring, phi, lo, end if a_side else start, -1 if a_side else 1, length)
            z_mid = _crossing(z_ring, phi, 0.5, start, direction, length)
            thickness = abs(z_lo - z_hi)
            out.append({"position": (z_mid - origin) % length + origin, "thickness": thickness,
                        "edge_hi": (z_hi - origin) % length + origin, "edge_lo": (z_lo - origin) % length + origin,
                        "from_phase": "A" if a_side else "B", "to_phase": "B" if a_side else "A"})
        last_pure = i
    return out


def interfaces(profiles: pd.DataFrame, element: str | None = None, pure: tuple[float, float] | None = None,
               lo: float = 0.1, hi: float = 0.9, smooth: int = 1, smooth_width: float = 0.0) -> pd.DataFrame:
    """Interfaces of every frame of a :func:`composition_profiles` table.

    Parameters
    ----------
    element
        marker element (default: the one whose fraction varies most).
    pure
        ``(x_A, x_B)``: the marker fraction in the two pure phases (e.g. ``(0.5, 0.0)`` for F in LiF | Li);
        default: the largest and smallest (smoothed) fraction over all frames.
    lo, hi
        order-parameter levels that bound the interphase.
    smooth
        running mean over this many bins before the analysis (noisy profiles).
    smooth_width
        Gaussian smoothing (sigma, A) of the counts before the fractions are taken: set it to about half
        the largest interplanar spacing of a layered phase, or its planes read as alternating phases. A
        sharp interface then reads about 1.5-2 sigma wide (10-90): the resolution of the thickness.

    Returns
    -------
    DataFrame ``frame, step, interface, position, thickness, edge_hi, edge_lo, from_phase, to_phase``
    (lengths in Angstrom); ``attrs`` hold the marker and the pure fractions.
    """
    if not 0 < lo < 0.5 < hi < 1:
        raise ConfigurationError(f"need 0 < lo < 0.5 < hi < 1 (got lo={lo}, hi={hi})")
    element = element or marker_element(profiles)
    column = f"x_{element}"
    if column not in profiles.columns:
        known = [c[2:] for c in profiles.columns if c.startswith("x_")]
        raise ConfigurationError(f"no element '{element}' in the profiles; elements: {', '.join(known)}")
    if smooth_width < 0:
        raise ConfigurationError(f"smooth_width must be >= 0 A (got {smooth_width})")
    groups = list(profiles.groupby(["frame", "step"], sort=True))
    fractions = [marker_fraction(group, element, smooth_width) for _, group in groups]
    if pure is None:
        every = np.concatenate(fractions)
        pure = (float(np.nanmax(every)), float(np.nanmin(every)))
    x_a, x_b = map(float, pure)
    if x_a == x_b:
        raise ConfigurationError(f"the fraction of {element} is the same in both phases ({x_a}); choose another "
                                 "marker element or pass pure=(x_A, x_B)")
    rows = []
    for ((frame, step), group), x in zip(groups, fractions):
        z = group["z"].to_numpy()
        length = float(group["bin_width"].iloc[0]) * len(z)
        for k, item in enumerate(_frame_interfaces(z, x, x_a, x_b, lo, hi, length, smooth)):
            rows.append({"frame": frame, "step": step, "interface": k, **item})
    columns = ["frame", "step", "interface", "position", "thickness", "edge_hi", "edge_lo", "from_phase", "to_phase"]
    out = pd.DataFrame(rows, columns=columns)
    out.attrs.update(element=element, pure=(x_a, x_b), lo=lo, hi=hi, smooth_width=smooth_width)
    return out
