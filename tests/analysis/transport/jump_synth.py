"""Lattice kinetic Monte Carlo trajectories with known hop rates, sampled on a frame grid with thermal rattle."""

from __future__ import annotations

import numpy as np

from sei_lmp.analysis.transport.sites import INTERSTITIAL, LATTICE, Sites, minimum_image, rocksalt_sites

DIRECTIONS = np.array([[1, 0, 0], [-1, 0, 0], [0, 1, 0], [0, -1, 0], [0, 0, 1], [0, 0, -1]], float)


def cubic_sites(n: int, a_A: float) -> Sites:
    """Simple cubic lattice of n^3 sites, spacing ``a_A``."""
    g = np.arange(n) / n
    frac = np.array(np.meshgrid(g, g, g, indexing="ij")).reshape(3, -1).T
    return Sites(frac, np.eye(3) * n * a_A, np.full(len(frac), LATTICE, object))


def back_jump_f(p: float) -> float:
    """Correlation factor of the simple cubic walk that reverses its last jump with probability ``p`` and
    otherwise takes one of the 5 other directions at random: <cos> = -p + (1 - p)/5 between successive
    jumps, and since each turn is independent of the earlier ones, <cos theta_(i,i+j)> = <cos>^j and
    f = 1 + 2 sum_j <cos>^j = (1 + <cos>) / (1 - <cos>)."""
    c = -p + (1 - p) / 5
    return (1 + c) / (1 - c)


def kmc_cubic(n_atoms: int, n_frames: int, dt_ps: float, rate_per_ps: float, a_A: float, n_cells: int,
              rattle_A: float, seed: int, back_prob: float | None = None):
    """Non-interacting walkers on a simple cubic lattice, continuous-time KMC with total hop rate
    ``rate_per_ps`` per atom, sampled every ``dt_ps``. Returns (positions (n_frames, n_atoms, 3) unwrapped,
    time_ps, cell, n_hops generated)."""
    rng = np.random.default_rng(seed)
    time_ps = np.arange(n_frames) * dt_ps
    T = time_ps[-1]
    sites = cubic_sites(n_cells, a_A)
    start = sites.cartesian()[rng.choice(len(sites), n_atoms, replace=False)]
    positions = np.empty((n_frames, n_atoms, 3))
    n_hops = 0
    for i in range(n_atoms):
        n = rng.poisson(rate_per_ps * T)
        times = np.sort(rng.uniform(0, T, n))
        if back_prob is None:
            dirs = rng.integers(0, 6, n)
        else:
            dirs = np.empty(n, int)
            for j in range(n):
                if j == 0:
                    dirs[j] = rng.integers(0, 6)
                elif rng.random() < back_prob:
                    dirs[j] = dirs[j - 1] ^ 1                       # the opposite direction
                else:
                    others = [d for d in range(6) if d != dirs[j - 1] ^ 1]
                    dirs[j] = others[rng.integers(0, 5)]
        disp = np.vstack([np.zeros(3), np.cumsum(DIRECTIONS[dirs] * a_A, axis=0)])
        positions[:, i] = start[i] + disp[np.searchsorted(times, time_ps, side="right")]
        n_hops += n
    positions += rng.normal(scale=rattle_A, size=positions.shape)
    return positions, time_ps, sites.cell, n_hops


def kmc_rocksalt_interstitial(a0_A: float, repeat: int, n_frames: int, dt_ps: float, rates: dict, rattle_A: float,
                              seed: int):
    """One interstitial Li in the Li sublattice of rocksalt, moving by KMC: ``rates`` (1/ps, per
    interstitial) of ``"direct"`` (to one of the 6 nearest interstitial sites), ``"collinear"`` (the
    interstitial pushes one of its 4 lattice neighbours L on to the interstitial site beyond L) and
    ``"noncollinear"`` (L goes to one of its 6 other interstitial neighbours, not back). Each mechanism's
    total rate is split evenly over its targets.

    Returns (positions (n_frames, n_li, 3) unwrapped, time_ps, cell, sites, generated: list of
    (time_ps, mechanism, defect displacement vector)).
    """
    rng = np.random.default_rng(seed)
    sites = rocksalt_sites(a0_A, (repeat,) * 3)
    cell = sites.cell
    xyz = sites.cartesian()
    lattice = np.nonzero(sites.kinds == LATTICE)[0]
    inter = np.nonzero(sites.kinds == INTERSTITIAL)[0]
    diff = minimum_image(xyz[None] - xyz[:, None], cell)
    dist = np.linalg.norm(diff, axis=-1)
    d_li = a0_A * np.sqrt(3) / 4
    near_l = [np.nonzero(np.isclose(dist[i], d_li, atol=1e-3) & (sites.kinds == LATTICE))[0] for i in range(len(xyz))]
    near_i = [np.nonzero(np.isclose(dist[i], d_li, atol=1e-3) & (sites.kinds == INTERSTITIAL))[0]
              for i in range(len(xyz))]
    near_ii = [np.nonzero(np.isclose(dist[i], a0_A / 2, atol=1e-3) & (sites.kinds == INTERSTITIAL))[0]
               for i in range(len(xyz))]
    # atoms: one per lattice site, plus the interstitial; site_of[atom], unwrapped positions kept as offsets
    site_of = np.concatenate([lattice, [inter[rng.integers(len(inter))]]])
    pos = xyz[site_of].copy()
    time_ps = np.arange(n_frames) * dt_ps
    total = sum(rates.values())
    names = list(rates)
    probs = np.array([rates[k] for k in names]) / total
    out = np.empty((n_frames, len(site_of), 3))
    generated = []
    t, frame = rng.exponential(1 / total), 0
    interstitial_atom = len(site_of) - 1
    while frame < n_frames:
        while frame < n_frames and time_ps[frame] < t:
            out[frame] = pos
            frame += 1
        if frame >= n_frames:
            break
        mech = names[rng.choice(len(names), p=probs)]
        s1 = site_of[interstitial_atom]
        if mech == "direct":
            s2 = rng.choice(near_ii[s1])
            pos[interstitial_atom] += diff[s1, s2]
            site_of[interstitial_atom] = s2
            generated.append((t, mech, diff[s1, s2]))
        else:
            L = rng.choice(near_l[s1])
            pushed = int(np.nonzero(site_of == L)[0][0])
            beyond = [s for s in near_i[L] if s != s1]
            cosines = np.array([diff[s1, L] @ diff[L, s] for s in beyond]) / d_li ** 2
            if mech == "collinear":
                s2 = beyond[int(np.argmax(cosines))]
            else:
                choices = [s for s, c in zip(beyond, cosines) if c < 0.9]
                s2 = choices[rng.integers(len(choices))]
            pos[interstitial_atom] += diff[s1, L]
            pos[pushed] += diff[L, s2]
            site_of[interstitial_atom], site_of[pushed] = L, s2
            interstitial_atom = pushed
            generated.append((t, mech, diff[s1, L] + diff[L, s2]))
        t += rng.exponential(1 / total)
    out += rng.normal(scale=rattle_A, size=out.shape)
    return out, time_ps, cell, sites, generated
