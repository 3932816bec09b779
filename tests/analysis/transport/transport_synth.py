"""Synthetic trajectories with known transport (Brownian walkers) and a LAMMPS text-dump writer."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np


def brownian(n_frames: int, n_atoms: int, dt_ps: float, D_A2_ps, seed: int, start=None) -> np.ndarray:
    """Unwrapped positions (n_frames, n_atoms, 3) of free walkers; D per axis may differ (anisotropic)."""
    rng = np.random.default_rng(seed)
    scale = np.sqrt(2 * np.broadcast_to(np.asarray(D_A2_ps, float), (3,)) * dt_ps)
    steps = rng.normal(size=(n_frames, n_atoms, 3)) * scale
    steps[0] = 0.0
    origin = rng.uniform(0, 10, size=(1, n_atoms, 3)) if start is None else start[None]
    return origin + np.cumsum(steps, axis=0)


def lammps_cell(h: np.ndarray) -> tuple[float, float, float, float, float, float]:
    """(lx, ly, lz, xy, xz, yz) of a LAMMPS cell matrix with rows a=(lx,0,0), b=(xy,ly,0), c=(xz,yz,lz)."""
    return h[0, 0], h[1, 1], h[2, 2], h[1, 0], h[2, 0], h[2, 1]


def write_dump(path: Path, timesteps, cells, positions, types, columns: str = "xu yu zu",
               origin=(0.0, 0.0, 0.0)) -> None:
    """LAMMPS custom dump (``id type <columns>``), triclinic header; positions given unwrapped and converted
    to what ``columns`` asks for (``x y z`` wrapped, ``x y z ix iy iz``, or ``xu yu zu``)."""
    opener = gzip.open if str(path).endswith(".gz") else open
    origin = np.asarray(origin, float)
    with opener(path, "wt") as out:
        for step, h, r in zip(timesteps, cells, positions):
            lx, ly, lz, xy, xz, yz = lammps_cell(h)
            xlo, ylo, zlo = origin
            out.write(f"ITEM: TIMESTEP\n{step}\nITEM: NUMBER OF ATOMS\n{len(r)}\n")
            out.write("ITEM: BOX BOUNDS xy xz yz pp pp pp\n")
            out.write(f"{xlo + min(0, xy, xz, xy + xz)} {xlo + lx + max(0, xy, xz, xy + xz)} {xy}\n")
            out.write(f"{ylo + min(0, yz)} {ylo + ly + max(0, yz)} {xz}\n{zlo} {zlo + lz} {yz}\n")
            frac = np.linalg.solve(h.T, (r - origin).T).T
            image = np.floor(frac)
            wrapped = origin + (frac - image) @ h
            out.write(f"ITEM: ATOMS id type {columns}\n")
            for i in np.random.default_rng(step).permutation(len(r)):      # unsorted, as with several ranks
                if columns == "xu yu zu":
                    vals = " ".join(f"{v:.10f}" for v in r[i])
                elif columns == "x y z":
                    vals = " ".join(f"{v:.10f}" for v in wrapped[i])
                else:
                    vals = " ".join(f"{v:.10f}" for v in wrapped[i]) + " " + " ".join(str(int(v)) for v in image[i])
                out.write(f"{i + 1} {types[i]} {vals}\n")


def msd_direct(positions: np.ndarray, drift: np.ndarray | None = None) -> np.ndarray:
    """Reference all-origins MSD per component by a plain loop over lags and origins."""
    x = np.asarray(positions, dtype=float)
    if drift is not None:
        x = x - drift[:, None, :]
    n = x.shape[0]
    out = np.zeros((n, 3))
    for m in range(1, n):
        out[m] = ((x[m:] - x[:-m]) ** 2).mean(axis=(0, 1))
    return out
