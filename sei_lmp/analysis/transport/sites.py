"""Sites for jump analysis: a reference lattice (with interstitial sites) or clusters of time-averaged positions.

A :class:`Sites` holds fractional coordinates in a reference cell and a kind per site (``"lattice"``,
``"interstitial"``, ...). Fractional coordinates make the sites follow the cell, so a trajectory whose cell
changes frame by frame (NPT) is assigned against its own cell in every frame. :func:`assign_sites` finds the
nearest site of every atom in every frame with the periodic minimum image, for any (triclinic) cell.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

from sei_lmp.errors import ConfigurationError

__all__ = ["LATTICE", "INTERSTITIAL", "Sites", "assign_sites", "cluster_sites", "minimum_image", "rocksalt_sites"]

#: the kind of the sites a perfect crystal fills; every other kind is an interstitial position
LATTICE = "lattice"
INTERSTITIAL = "interstitial"


@dataclass(frozen=True)
class Sites:
    """Site positions as fractional coordinates of ``cell`` (rows a, b, c in A), one kind per site."""

    frac: np.ndarray          # (n_sites, 3), wrapped to [0, 1)
    cell: np.ndarray          # (3, 3) reference cell
    kinds: np.ndarray         # (n_sites,) str

    def __post_init__(self):
        frac = np.asarray(self.frac, float).reshape(-1, 3) % 1.0
        kinds = np.asarray(self.kinds, dtype=object)
        if kinds.shape != (len(frac),):
            kinds = np.full(len(frac), self.kinds if np.ndim(self.kinds) == 0 else LATTICE, dtype=object)
        object.__setattr__(self, "frac", frac)
        object.__setattr__(self, "cell", np.asarray(self.cell, float).reshape(3, 3))
        object.__setattr__(self, "kinds", kinds)

    def __len__(self) -> int:
        return len(self.frac)

    @classmethod
    def from_cartesian(cls, positions, cell, kinds: str | Sequence[str] = LATTICE) -> Sites:
        """Sites at cartesian ``positions`` (A) of the reference ``cell``."""
        cell = np.asarray(cell, float)
        frac = np.linalg.solve(cell.T, np.asarray(positions, float).reshape(-1, 3).T).T
        kinds = np.full(len(frac), kinds, dtype=object) if isinstance(kinds, str) else np.asarray(kinds, object)
        return cls(frac, cell, kinds)

    @classmethod
    def from_atoms(cls, atoms, species: str | Sequence[str] | None = None, kind: str = LATTICE) -> Sites:
        """The positions of the ``species`` atoms of an :class:`ase.Atoms` (all atoms if None) as sites."""
        symbols = np.array(atoms.get_chemical_symbols())
        mask = np.ones(len(atoms), bool) if species is None else np.isin(symbols, np.atleast_1d(species))
        if not mask.any():
            raise ConfigurationError(f"no {species} atoms in {atoms.get_chemical_formula()}")
        return cls(atoms.get_scaled_positions(wrap=True)[mask], atoms.cell[:], np.full(mask.sum(), kind, object))

    def __add__(self, other: Sites) -> Sites:
        if not np.allclose(self.cell, other.cell, atol=1e-6):
            raise ConfigurationError("sites can be combined only on the same reference cell")
        return Sites(np.vstack([self.frac, other.frac]), self.cell, np.concatenate([self.kinds, other.kinds]))

    def cartesian(self, cell=None) -> np.ndarray:
        """Cartesian positions (A) in ``cell`` (the reference cell if None)."""
        return self.frac @ (self.cell if cell is None else np.asarray(cell, float))

    def is_lattice(self) -> np.ndarray:
        return self.kinds == LATTICE


def rocksalt_sites(a0_A: float, repeat=(1, 1, 1), species: str = "cation", interstitials: bool = True) -> Sites:
    """Sites of one sublattice of a rocksalt crystal (LiF: ``species="cation"`` are the Li sites) in a
    ``repeat`` supercell of the conventional cubic cell, plus (``interstitials``) the 8 cube-centre sites
    per conventional cell, (1/4, 1/4, 1/4) and its equivalents, the interstitial positions of rocksalt,
    tetrahedral to each sublattice. The supercell matches ``ase.build.bulk(..., 'rocksalt', cubic=True)
    .repeat(repeat)`` with the cation at the origin."""
    from ase.build import bulk

    atoms = bulk("LiF", "rocksalt", a=a0_A, cubic=True).repeat(repeat)
    chosen = "Li" if species == "cation" else "F"
    sites = Sites.from_atoms(atoms, chosen, LATTICE)
    if interstitials:
        corners = np.array([[x, y, z] for x in (0.25, 0.75) for y in (0.25, 0.75) for z in (0.25, 0.75)])
        n = np.asarray(np.broadcast_to(repeat, (3,)), int)
        shifts = np.array(np.meshgrid(*[np.arange(k) for k in n], indexing="ij")).reshape(3, -1).T
        frac = ((corners[None] + shifts[:, None]) / n).reshape(-1, 3)
        sites = sites + Sites(frac, atoms.cell[:], np.full(len(frac), INTERSTITIAL, object))
    return sites


def minimum_image(vectors: np.ndarray, cell: np.ndarray) -> np.ndarray:
    """Shortest periodic images of cartesian ``vectors`` (..., 3) in ``cell`` (exact for cells that are not
    too skewed: the fractional wrap is followed by a search over the 27 neighbouring images)."""
    cell = np.asarray(cell, float)
    frac = np.linalg.solve(cell.T, np.asarray(vectors, float).reshape(-1, 3).T).T
    frac -= np.round(frac)
    shifts = np.array(np.meshgrid([-1, 0, 1], [-1, 0, 1], [-1, 0, 1], indexing="ij")).reshape(3, -1).T
    cand = (frac[:, None, :] + shifts[None]) @ cell
    best = np.argmin(np.einsum("nkc,nkc->nk", cand, cand), axis=1)
    return cand[np.arange(len(cand)), best].reshape(np.shape(vectors))


def _site_tree(sites: Sites, cell: np.ndarray, reach_A: float = np.inf) -> tuple[cKDTree, np.ndarray]:
    """A KD-tree of the sites in ``cell`` and of those periodic images that lie within ``reach_A`` of the cell
    (in fractional terms: within reach / cell height of a face), so a wrapped point finds every site within
    ``reach_A`` of it. Returns (tree, site index of each tree point)."""
    shifts = np.array(np.meshgrid([-1, 0, 1], [-1, 0, 1], [-1, 0, 1], indexing="ij")).reshape(3, -1).T
    frac = (sites.frac[None] + shifts[:, None]).reshape(-1, 3)
    index = np.tile(np.arange(len(sites)), len(shifts))
    if np.isfinite(reach_A):
        heights = abs(np.linalg.det(cell)) / np.linalg.norm(np.cross(cell[[1, 2, 0]], cell[[2, 0, 1]]), axis=1)
        margin = reach_A / heights + 1e-9
        keep = ((frac >= -margin) & (frac < 1 + margin)).all(axis=1)
        frac, index = frac[keep], index[keep]
    return cKDTree(frac @ cell), index


def assign_sites(positions: np.ndarray, cells: np.ndarray, sites: Sites, max_distance_A: float = np.inf,
                 workers: int = 1, stride: int = 10) -> tuple[np.ndarray, np.ndarray]:
    """Nearest site of every atom in every frame: ``(site, distance_A)``, both (n_frames, n_atoms).

    ``positions`` (n_frames, n_atoms, 3) may be wrapped or unwrapped; ``cells`` is (3, 3) or (n_frames, 3, 3).
    Positions are wrapped into each frame's cell and looked up in a KD-tree of the sites and their periodic
    images near the cell (rebuilt only when the cell changes), so the minimum image holds in any cell. Atoms
    farther than ``max_distance_A`` from every site get site -1 and distance inf (a bound makes the search
    much faster). ``workers``: threads of the KD-tree query.

    With a fixed cell and ``max_distance_A`` at most half the shortest site-site distance (a site within it is
    then the only one), only every ``stride``-th frame is searched in full; in the frames between, an atom
    within ``max_distance_A`` of its site in the last searched frame keeps it, and the rest are searched.
    """
    positions = np.asarray(positions, float)
    n_frames, n_atoms = positions.shape[:2]
    cells = np.broadcast_to(np.asarray(cells, float), (n_frames, 3, 3))

    def query(tree, index, cell, points):
        frac = np.linalg.solve(cell.T, points.reshape(-1, 3).T).T % 1.0
        d, i = tree.query(frac @ cell, distance_upper_bound=max_distance_A, workers=workers)
        far = ~np.isfinite(d)
        return np.where(far, -1, index[np.where(far, 0, i)]), d

    if np.allclose(cells, cells[0], rtol=0, atol=1e-9):
        # one tree and one solve for all frames
        cell = cells[0]
        tree, index = _site_tree(sites, cell, max_distance_A)
        if not (np.isfinite(max_distance_A) and n_frames > 2 * stride):
            i, d = query(tree, index, cell, positions)
            return i.reshape(n_frames, n_atoms), d.reshape(n_frames, n_atoms)
        return _coherent(positions, cell, sites, tree, index, query, max_distance_A, stride)
    site = np.empty((n_frames, n_atoms), np.int64)
    dist = np.empty((n_frames, n_atoms))
    tree, last = None, None
    for t in range(n_frames):
        if last is None or not np.allclose(cells[t], last, rtol=0, atol=1e-9):
            (tree, index), last = _site_tree(sites, cells[t], max_distance_A), cells[t]
        site[t], dist[t] = query(tree, index, cells[t], positions[t])
    return site, dist


def _coherent(positions, cell, sites, tree, index, query, max_distance_A, stride):
    """assign_sites for a fixed cell, searching in full only every ``stride``-th frame (see there)."""
    n_frames, n_atoms = positions.shape[:2]
    d_pair, _ = tree.query(sites.frac @ cell, k=2)
    if max_distance_A > 0.5 * float(d_pair[:, 1].min()):
        i, d = query(tree, index, cell, positions)
        return i.reshape(n_frames, n_atoms), d.reshape(n_frames, n_atoms)
    key = np.arange(0, n_frames, stride)
    i_key, _ = query(tree, index, cell, positions[key])
    guess = i_key.reshape(len(key), n_atoms)[np.arange(n_frames) // stride]
    frac = np.linalg.solve(cell.T, positions.reshape(-1, 3).T).T.reshape(n_frames, n_atoms, 3)
    delta = frac - sites.frac[np.maximum(guess, 0)]
    delta -= np.round(delta)
    # this image is never closer than the minimum image: a distance under the bound is the true one
    dist = np.linalg.norm(delta @ cell, axis=-1)
    ok = (guess >= 0) & (dist < max_distance_A)
    site = np.where(ok, guess, -1)
    if (~ok).any():
        i, d = query(tree, index, cell, positions[~ok])
        site[~ok], dist[~ok] = i, d
    return site, dist


def cluster_sites(positions: np.ndarray, cell: np.ndarray, *, block_frames: int = 10, merge_A: float = 0.7,
                  max_spread_A: float | None = None, min_points: int = 2, kind: str = LATTICE,
                  max_points: int = 4000, seed: int = 0) -> Sites:
    """Sites from clusters of time-averaged positions (no reference lattice needed).

    Positions (n_frames, n_atoms, 3, unwrapped) are averaged over blocks of ``block_frames`` frames, which
    removes most of the thermal rattle. A block in which the atom jumped averages to a point between sites;
    such blocks are recognised by their spread (rms distance from the block mean above ``max_spread_A``,
    default ``merge_A``) and left out. The remaining block means are wrapped and clustered (average linkage on
    minimum-image distances, clusters cut at ``merge_A``); a cluster's centre is its mean position, and
    clusters of fewer than ``min_points`` block means are dropped. At most ``max_points`` block means are
    clustered (a random subset, ``seed``).
    """
    from scipy.cluster.hierarchy import fcluster, linkage

    positions = np.asarray(positions, float)
    cell = np.asarray(cell, float).reshape(3, 3)
    n_frames = positions.shape[0]
    block_frames = max(1, min(block_frames, n_frames))
    n_blocks = n_frames // block_frames
    # a short run has few blocks: a site seen in every one of them is still a site
    min_points = max(1, min(min_points, n_blocks))
    blocks = positions[:n_blocks * block_frames].reshape(n_blocks, block_frames, *positions.shape[1:])
    means = blocks.mean(axis=1)
    spread = np.sqrt(((blocks - means[:, None]) ** 2).sum(axis=-1).mean(axis=1))
    points = means[spread <= (merge_A if max_spread_A is None else max_spread_A)].reshape(-1, 3)
    if len(points) > max_points:
        points = points[np.random.default_rng(seed).choice(len(points), max_points, replace=False)]
    if len(points) < 2:
        raise ConfigurationError(f"{len(points)} settled block means to cluster: give sites, or shorter blocks")
    i, j = np.triu_indices(len(points), k=1)
    condensed = np.linalg.norm(minimum_image(points[j] - points[i], cell), axis=1)
    labels = fcluster(linkage(condensed, "average"), t=merge_A, criterion="distance")
    centres = []
    for label in np.unique(labels):
        members = points[labels == label]
        if len(members) >= min_points:
            # mean of the minimum-image offsets from one member, so clusters split by the boundary stay whole
            centres.append(members[0] + minimum_image(members - members[0], cell).mean(axis=0))
    if not centres:
        raise ConfigurationError(f"no sites found: no cluster of settled block means has {min_points} members; "
                                 "give sites (e.g. rocksalt_sites) or run longer")
    return Sites.from_cartesian(np.asarray(centres).reshape(-1, 3), cell, kind)
