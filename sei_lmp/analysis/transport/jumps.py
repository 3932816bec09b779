"""Site occupancy with hysteresis, jump events, defect paths and jump types (no statistics here).

An atom is *captured* by a site while it is within ``r_capture_A`` of it. It *resides* on a site once it has
been captured by that site for at least ``min_residence_ps`` without a break (a transition-state-like
criterion: crossing the dividing surface and coming straight back, or rattling towards a neighbour, is no
jump). A jump is a change of residence; its time is the first frame of the new residence. The work is a
run-length encoding of the (atoms x frames) capture table, vectorised over all atoms.

Defects follow from the occupancy, Wigner-Seitz style: lattice sites with no atom are vacancies, atoms on
non-lattice sites (and second atoms on a lattice site) are interstitials. A defect's site series goes through
the same residence filter, so an interstitialcy (the interstitial pushes a lattice atom into the next
interstitial site) moves the defect from the old interstitial site to the new one in one step.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment

from sei_lmp.analysis.transport.sites import LATTICE, Sites, minimum_image

__all__ = ["DIRECT", "FRENKEL", "HOP", "INTERSTITIALCY_COLLINEAR", "INTERSTITIALCY_CHAIN", "INTERSTITIALCY_NONCOLLINEAR",
           "RECOMBINATION",
           "VACANCY", "classify_jumps", "defect_paths", "jump_events", "mechanism_events", "residences",
           "site_counts"]

HOP = "hop"                                   # lattice -> lattice on a sparsely filled lattice
VACANCY = "vacancy"                           # lattice -> lattice on a (nearly) full lattice
DIRECT = "direct"                             # interstitial -> interstitial
INTERSTITIALCY_COLLINEAR = "interstitialcy collinear"
INTERSTITIALCY_NONCOLLINEAR = "interstitialcy non-collinear"
INTERSTITIALCY_CHAIN = "interstitialcy chain"      # three or more atoms move on in one window
FRENKEL = "lattice->interstitial"             # a lattice->interstitial jump with no partner
RECOMBINATION = "interstitial->lattice"       # an interstitial->lattice jump with no partner


def residence_frames(time_ps: np.ndarray, min_residence_ps: float) -> int:
    """Frames an atom must stay captured to reside (at least 1)."""
    dt = float(np.median(np.diff(time_ps))) if len(time_ps) > 1 else 1.0
    return max(1, int(np.ceil(min_residence_ps / dt - 1e-9)))


def _runs(labels: np.ndarray):
    """Runs of equal values along axis 1 of (n_rows, n_frames): (row, start, end, value), row-major order."""
    n_rows, n = labels.shape
    change = np.ones_like(labels, dtype=bool)
    change[:, 1:] = labels[:, 1:] != labels[:, :-1]
    row, start = np.nonzero(change)
    end = np.empty_like(start)
    end[:-1] = np.where(row[1:] == row[:-1], start[1:], n)
    if len(end):
        end[-1] = n
    return row, start, end, labels[row, start]


def residences(labels: np.ndarray, min_frames: int):
    """Residences from per-frame site labels (n_rows, n_frames; -1 = captured by no site).

    Returns ``(row, start, site, left)`` of every residence (a stay of >= ``min_frames`` frames, consecutive
    stays on one site merged), with ``left`` the frame after the previous residence's last captured frame
    (-1 for a row's first residence), and the occupancy (n_rows, n_frames): the site resided on, forward
    filled from each residence's start, -1 before the first.
    """
    row, start, end, value = _runs(labels)
    stable = (value >= 0) & (end - start >= min_frames)
    row, start, end, value = row[stable], start[stable], end[stable], value[stable]
    new = np.ones(len(row), bool)
    new[1:] = (row[1:] != row[:-1]) | (value[1:] != value[:-1])
    idx = np.nonzero(new)[0]
    left = np.full(len(idx), -1)
    first_of_row = np.ones(len(idx), bool)
    first_of_row[1:] = row[idx[1:]] != row[idx[:-1]]
    left[~first_of_row] = end[idx[~first_of_row] - 1]
    marks = np.full(labels.shape, -1, np.int64)
    marks[row[idx], start[idx]] = value[idx]
    n_frames = labels.shape[1]
    fill = np.where(marks >= 0, np.arange(n_frames)[None, :], 0)
    np.maximum.accumulate(fill, axis=1, out=fill)
    occupancy = np.take_along_axis(marks, fill, axis=1)
    return (row[idx], start[idx], value[idx], left), occupancy


def _vectors(sites: Sites, cells: np.ndarray, frames: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Minimum-image vectors from site ``a`` to site ``b`` in the cell of each frame, (n, 3)."""
    cells = np.asarray(cells, float)
    if cells.ndim == 2 or np.allclose(cells, cells[0], rtol=0, atol=1e-9):
        cell = cells if cells.ndim == 2 else cells[0]
        return minimum_image((sites.frac[b] - sites.frac[a]) @ cell, cell).reshape(-1, 3)
    out = np.zeros((len(frames), 3))
    for i, f in enumerate(frames):
        out[i] = minimum_image((sites.frac[b[i]] - sites.frac[a[i]]) @ cells[f], cells[f])
    return out


def jump_events(site: np.ndarray, dist: np.ndarray, time_ps: np.ndarray, cells: np.ndarray, sites: Sites,
                r_capture_A: float, min_residence_ps: float):
    """Jumps of every atom: ``(events, occupancy)``.

    ``site``, ``dist``: nearest site and its distance per frame and atom (n_frames, n_atoms), from
    :func:`~sei_lmp.analysis.transport.sites.assign_sites`. ``events`` has one row per jump: time_ps
    (entry into the new site), left_ps (last frame captured by the old one), frame, atom (index among
    the analysed atoms), from_site, to_site, from_kind, to_kind, dx_A, dy_A, dz_A (minimum image, site to
    site) and length_A. ``occupancy`` (n_frames, n_atoms) is the site each atom resides on (-1 before its
    first residence).
    """
    labels = np.where(dist < r_capture_A, site, -1).T
    k = residence_frames(time_ps, min_residence_ps)
    (row, start, value, left), occupancy = residences(labels, k)
    jump = np.zeros(len(row), bool)
    jump[1:] = row[1:] == row[:-1]
    prev = np.roll(value, 1)
    frames, atoms, a, b = start[jump], row[jump], prev[jump], value[jump]
    vec = _vectors(sites, np.asarray(cells), frames, a, b)
    events = pd.DataFrame({
        "time_ps": time_ps[frames], "left_ps": time_ps[np.maximum(left[jump] - 1, 0)], "frame": frames,
        "atom": atoms, "from_site": a, "to_site": b, "from_kind": sites.kinds[a].astype(str),
        "to_kind": sites.kinds[b].astype(str), "dx_A": vec[:, 0], "dy_A": vec[:, 1], "dz_A": vec[:, 2],
        "length_A": np.linalg.norm(vec, axis=1)})
    return events.sort_values(["time_ps", "atom"], kind="stable").reset_index(drop=True), occupancy.T


def site_counts(occupancy: np.ndarray, n_sites: int) -> np.ndarray:
    """Atoms residing on each site in each frame, (n_frames, n_sites)."""
    n_frames = occupancy.shape[0]
    flat = (np.arange(n_frames)[:, None] * n_sites + occupancy)[occupancy >= 0]
    return np.bincount(flat, minlength=n_frames * n_sites).reshape(n_frames, n_sites)


def classify_jumps(events: pd.DataFrame, sites: Sites, n_atoms: int, pair_window_ps: float = 0.5,
                   collinear_cos: float = 0.9, classify: Callable | None = None, max_chain: int = 4) -> pd.DataFrame:
    """Add ``type`` and ``pair`` columns to ``events`` (a copy).

    Default geometry: on a lattice with no other site kinds, lattice->lattice jumps are ``vacancy`` hops
    when the atoms fill more than half of the sites, else ``hop``. With interstitial sites: interstitial->
    interstitial is ``direct``; an interstitial->lattice jump into site L paired with a lattice->interstitial
    jump out of L by another atom within ``pair_window_ps`` is an interstitialcy, ``collinear`` when the two
    jump vectors have cos >= ``collinear_cos``, else ``non-collinear`` (``pair`` numbers the pair, -1 when
    unpaired). When the pushed atom pushes another lattice atom on (up to ``max_chain`` atoms) in the same
    window, the whole chain is one ``interstitialcy chain`` (frames too far apart to resolve two successive
    interstitialcies give these too). Unpaired ones are ``lattice->interstitial`` / ``interstitial->lattice``
    and lattice->lattice ones ``vacancy``. ``classify``
    (events, sites) -> array of type names replaces all of this.
    """
    events = events.copy()
    events["pair"] = -1
    if classify is not None:
        events["type"] = np.asarray(classify(events, sites), dtype=object)
        return events
    lattice_only = bool(sites.is_lattice().all())
    ll = VACANCY if (lattice_only and n_atoms > len(sites) / 2) or not lattice_only else HOP
    fk, tk = events["from_kind"].to_numpy(), events["to_kind"].to_numpy()
    types = np.where((fk == LATTICE) & (tk == LATTICE), ll,
                     np.where((fk != LATTICE) & (tk != LATTICE), DIRECT,
                              np.where(fk == LATTICE, FRENKEL, RECOMBINATION))).astype(object)
    # interstitialcy: follow each interstitial->lattice jump through the atoms it displaces (same site,
    # another atom, within the time window) until one lands on an interstitial site
    t = events["time_ps"].to_numpy()
    src, dst, atom = (events[c].to_numpy() for c in ("from_site", "to_site", "atom"))
    vec = events[["dx_A", "dy_A", "dz_A"]].to_numpy()
    used = np.zeros(len(events), bool)
    pair = events["pair"].to_numpy().copy()
    n_pairs = 0
    for i in np.nonzero(types == RECOMBINATION)[0]:
        chain = [i]
        while len(chain) <= max_chain:
            last = chain[-1]
            cand = np.nonzero((src == dst[last]) & (atom != atom[last]) & (np.abs(t - t[i]) <= pair_window_ps)
                              & ~used & (types != DIRECT) & (types != RECOMBINATION))[0]
            cand = [c for c in cand if c not in chain]
            if not cand:
                break
            chain.append(min(cand, key=lambda c: abs(t[c] - t[i])))
            if types[chain[-1]] == FRENKEL:
                break
        if len(chain) < 2 or types[chain[-1]] != FRENKEL:
            continue
        if len(chain) == 2:
            a, b = vec[chain[0]], vec[chain[1]]
            cos = a @ b / max(np.linalg.norm(a) * np.linalg.norm(b), 1e-12)
            kind = INTERSTITIALCY_COLLINEAR if cos >= collinear_cos else INTERSTITIALCY_NONCOLLINEAR
        else:
            kind = INTERSTITIALCY_CHAIN
        types[chain], pair[chain], used[chain] = kind, n_pairs, True
        n_pairs += 1
    events["type"], events["pair"] = types, pair
    return events


def mechanism_events(events: pd.DataFrame) -> pd.DataFrame:
    """One row per mechanism event: every unpaired jump, and one row per interstitialcy pair whose vector is
    the defect's displacement (the sum of the two atomic jumps: old to new interstitial site). A vacancy
    moves against the atom, so a ``vacancy`` row's vector is minus the atom's."""
    cols = ["time_ps", "type", "dx_A", "dy_A", "dz_A"]
    single = events.loc[events["pair"] < 0, cols + ["atom"]].copy()
    flip = single["type"] == VACANCY
    single.loc[flip, ["dx_A", "dy_A", "dz_A"]] *= -1
    paired = events[events["pair"] >= 0]
    if len(paired):
        g = paired.groupby("pair")
        pairs = pd.DataFrame({"time_ps": g["time_ps"].min(), "type": g["type"].first(), "dx_A": g["dx_A"].sum(),
                              "dy_A": g["dy_A"].sum(), "dz_A": g["dz_A"].sum(), "atom": g["atom"].first()})
        single = pd.concat([single, pairs.reset_index(drop=True)], ignore_index=True)
    single["length_A"] = np.linalg.norm(single[["dx_A", "dy_A", "dz_A"]].to_numpy(), axis=1)
    return single.sort_values("time_ps", kind="stable").reset_index(drop=True)


def defect_sites(counts: np.ndarray, sites: Sites):
    """Per frame: arrays of interstitial sites (a site appears once per extra atom) and vacant lattice sites."""
    n_frames, n_sites = counts.shape
    lattice = sites.is_lattice()
    extra = np.where(lattice[None, :], np.maximum(counts - 1, 0), counts)
    vacant = ((counts == 0) & lattice[None, :]).astype(np.int64)

    def per_frame(times):
        flat = np.repeat(np.arange(n_frames * n_sites), times.ravel()) % n_sites
        return np.split(flat, np.cumsum(times.sum(axis=1))[:-1])

    return per_frame(extra), per_frame(vacant)


def defect_paths(per_frame: list[np.ndarray], time_ps: np.ndarray, cells: np.ndarray, sites: Sites,
                 min_residence_ps: float):
    """Follow the defects of one kind: ``(path, events, n_tracked)``.

    ``per_frame``: the defect sites of each frame. The modal number of defects is tracked; in frames with
    that many defects each is matched to the nearest defect of the previous frame (minimum image,
    assignment by the Hungarian method); frames with another number (a transient Frenkel pair, a defect
    in transit) keep the previous sites. The site series then passes the residence filter, and ``path``
    (n_frames, n_tracked, 3) is the unwrapped position of each defect (A); ``events`` lists the defect's jumps
    (time_ps, defect, from_site, to_site, dx_A, dy_A, dz_A, length_A). Moves are taken as minimum images:
    a defect that moves more than half the cell between two frames is followed to the wrong image.
    """
    n_frames = len(per_frame)
    sizes = np.array([len(p) for p in per_frame])
    empty = pd.DataFrame(columns=["time_ps", "defect", "from_site", "to_site", "dx_A", "dy_A", "dz_A",
                                  "length_A"])
    if not sizes.any():
        return np.zeros((n_frames, 0, 3)), empty, 0
    n = int(np.bincount(sizes).argmax())
    if n == 0:
        return np.zeros((n_frames, 0, 3)), empty, 0
    cells = np.broadcast_to(np.asarray(cells, float), (n_frames, 3, 3))
    labels = np.full((n_frames, n), -1, np.int64)
    current = None
    for t in range(n_frames):
        if sizes[t] == n:
            now = np.asarray(per_frame[t])
            if current is None:
                current = now
            else:
                d = minimum_image((sites.frac[now][None] - sites.frac[current][:, None]) @ cells[t], cells[t])
                r, c = linear_sum_assignment(np.linalg.norm(d, axis=-1))
                current = now[c[np.argsort(r)]]
        if current is not None:
            labels[t] = current
    k = residence_frames(time_ps, min_residence_ps)
    (row, start, value, _), occupancy = residences(labels.T, k)
    occupancy = occupancy.T
    jump = np.zeros(len(row), bool)
    jump[1:] = row[1:] == row[:-1]
    prev = np.roll(value, 1)
    vec = _vectors(sites, cells, start[jump], prev[jump], value[jump])
    events = pd.DataFrame({"time_ps": time_ps[start[jump]], "defect": row[jump], "from_site": prev[jump],
                           "to_site": value[jump], "dx_A": vec[:, 0], "dy_A": vec[:, 1], "dz_A": vec[:, 2],
                           "length_A": np.linalg.norm(vec, axis=1)})
    # unwrapped path: the residence site, moved by the minimum-image step from frame to frame
    seen = occupancy >= 0
    initial = occupancy[np.argmax(seen, axis=0), np.arange(n)]          # before the first residence: its site
    first = np.maximum(np.where(seen, occupancy, initial[None, :]), 0)
    pos = np.stack([sites.frac[first[t]] @ cells[t] for t in range(n_frames)])
    steps = np.zeros_like(pos)
    steps[1:] = minimum_image(np.diff(pos, axis=0), cells[0])
    path = pos[0][None] + np.cumsum(steps, axis=0)
    return path, events.sort_values("time_ps", kind="stable").reset_index(drop=True), n
