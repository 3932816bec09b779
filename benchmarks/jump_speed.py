"""Throughput of the jump analysis next to the all-origins MSD, on one synthetic lattice-hopping trajectory.

Walkers on a simple cubic lattice (a = 2.5 A) hop to a random neighbour with a fixed probability per frame and
rattle by 0.15 A (Gaussian). Times, in this one process: site assignment + residence-filtered jumps + rates
+ D with intervals (``jump_analysis``, which also runs one MSD for its cross-check), its jump-finding core
alone (``assign_sites`` + ``jump_events``), ``msd_fft`` on the same positions, and GEMDAT's transitions + jumps
when ``gemdat`` is importable (it is not a dependency: its matplotlib pin clashes with ours; put it on
PYTHONPATH to include it). Rates are atom-frames per second; compare the printed ratios, not absolute numbers
across machines.

    python benchmarks/jump_speed.py [--atoms 4000] [--frames 1000] [--hop 0.01] [--repeat 3]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sei_lmp.analysis.transport import Sites, assign_sites, jump_analysis, msd_fft  # noqa: E402
from sei_lmp.analysis.transport.jumps import jump_events  # noqa: E402
from sei_lmp.io import Trajectory  # noqa: E402

A = 2.5


def lattice_walk(n_atoms: int, n_frames: int, hop: float, seed: int = 1):
    """Unwrapped positions (n_frames, n_atoms, 3), the cell and the sites of a lattice big enough to hold the
    atoms at about 50 % filling."""
    rng = np.random.default_rng(seed)
    n = int(np.ceil((2 * n_atoms) ** (1 / 3)))
    g = np.arange(n) / n
    frac = np.array(np.meshgrid(g, g, g, indexing="ij")).reshape(3, -1).T
    cell = np.eye(3) * n * A
    sites = Sites(frac, cell, "lattice")
    start = sites.cartesian()[rng.choice(len(sites), n_atoms, replace=False)]
    directions = np.vstack([np.eye(3), -np.eye(3)]) * A
    steps = directions[rng.integers(0, 6, size=(n_frames, n_atoms))]
    steps *= (rng.random((n_frames, n_atoms)) < hop)[..., None]
    steps[0] = 0
    positions = start + np.cumsum(steps, axis=0) + rng.normal(scale=0.15, size=(n_frames, n_atoms, 3))
    return positions, cell, sites


def best_of(repeat: int, fn):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def gemdat_time(positions, cell, sites, repeat: int):
    """Seconds for GEMDAT to find the same jumps (transitions with a 1.0 A site radius, 2-frame residence);
    None when gemdat is not importable."""
    try:
        from gemdat import Trajectory as GemdatTrajectory
        from gemdat.jumps import Jumps
        from pymatgen.core import Element, Lattice, Structure
    except ImportError:
        return None
    lattice = Lattice(cell)
    frac = np.linalg.solve(cell.T, positions.reshape(-1, 3).T).T.reshape(positions.shape)
    traj = GemdatTrajectory(species=[Element("Li")] * positions.shape[1], coords=frac, lattice=lattice,
                            time_step=0.1e-12, coords_are_displacement=False, constant_lattice=True)
    reference = Structure(lattice, ["Li"] * len(sites), sites.frac, labels=["Li"] * len(sites))

    def run():
        transitions = traj.transitions_between_sites(sites=reference, floating_specie="Li", site_radius=1.0)
        return Jumps(transitions, minimal_residence=2).n_jumps

    return best_of(repeat, run)[0]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--atoms", type=int, default=4000)
    parser.add_argument("--frames", type=int, default=1000)
    parser.add_argument("--hop", type=float, default=0.01, help="hop probability per atom and frame")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)

    positions, cell, sites = lattice_walk(args.atoms, args.frames, args.hop)
    time_ps = np.arange(args.frames) * 0.1
    traj = Trajectory.from_positions(positions, ["Li"] * args.atoms, time_ps, cell)
    work = args.atoms * args.frames

    t_msd, _ = best_of(args.repeat, lambda: msd_fft(positions))

    def core():
        site, dist = assign_sites(positions, cell, sites, max_distance_A=1.0)
        return jump_events(site, dist, time_ps, cell, sites, 1.0, 0.2)

    t_core, (events, _) = best_of(args.repeat, core)
    t_full, result = best_of(args.repeat, lambda: jump_analysis(traj, sites, "Li"))

    rows = [("msd_fft (all origins, x y z)", t_msd), ("assign_sites + jump_events (jump core)", t_core),
            ("jump_analysis (all tables, incl. one MSD)", t_full)]
    t_gemdat = gemdat_time(positions, cell, sites, args.repeat)
    if t_gemdat is not None:
        rows.append(("GEMDAT transitions + Jumps", t_gemdat))
    print(f"{args.atoms} atoms x {args.frames} frames = {work:.3g} atom-frames, {len(events)} jumps found "
          f"(hop probability {args.hop} per frame)")
    print(f"{'step':42s} {'s':>8s} {'atom-frames/s':>14s}")
    for name, t in rows:
        print(f"{name:42s} {t:8.3f} {work / t:14.3g}")
    print(f"ratio jump core / MSD time: {t_core / t_msd:.2f}; full jump analysis / MSD time: {t_full / t_msd:.2f}")
    if t_gemdat is not None:
        print(f"ratio GEMDAT / our jump core time: {t_gemdat / t_core:.2f}")
    print(result.headline())


if __name__ == "__main__":
    main()
