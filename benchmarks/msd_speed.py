"""Speed of our all-origins MSD (FFT) on a synthetic LAMMPS dump, next to OVITO's displacement modifier,
kinisi and pymatgen-analysis-diffusion, all measured in this one process.

Writes a 100 000-atom x 200-frame text dump (``id type xu yu zu``, Brownian walkers) to a temporary
directory, then times separately: reading it through OVITO into unwrapped positions (our reader), our MSD
step (all time origins, 3 components), OVITO's CalculateDisplacementsModifier (MSD from origin 0 only; an
all-origins MSD would need one such pass per origin), and kinisi / pymatgen on a subset of atoms (their
memory grows with atoms x frames x lags). Rates are atom-frames per second; compare ratios, not absolute
numbers across machines. Target: >= 5e6 atom-frames/s for our MSD step.

    python benchmarks/msd_speed.py [--atoms 100000] [--frames 200] [--subset 1000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def write_dump(path: Path, n_atoms: int, n_frames: int, box: float, seed: int = 1) -> np.ndarray:
    """Brownian walkers (D = 0.1 A^2/ps, frames 0.1 ps apart); returns the positions for the peers."""
    rng = np.random.default_rng(seed)
    r = rng.uniform(0, box, size=(n_atoms, 3))
    kept = np.empty((n_frames, n_atoms, 3), dtype=np.float32)
    ids = np.arange(1, n_atoms + 1)
    types = 1 + (ids % 2)
    line = "%d %d %.4f %.4f %.4f\n" * n_atoms          # one %-format per frame: ~10x faster than savetxt
    with open(path, "w") as out:
        for k in range(n_frames):
            if k:
                r = r + rng.normal(scale=np.sqrt(2 * 0.1 * 0.1), size=r.shape)
            kept[k] = r
            out.write(f"ITEM: TIMESTEP\n{k * 100}\nITEM: NUMBER OF ATOMS\n{n_atoms}\nITEM: BOX BOUNDS pp pp pp\n"
                      f"0 {box}\n0 {box}\n0 {box}\nITEM: ATOMS id type xu yu zu\n")
            out.write(line % tuple(np.column_stack([ids, types, r]).ravel().tolist()))
    return kept


def rate(n_atoms: int, n_frames: int, seconds: float) -> float:
    return n_atoms * n_frames / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--atoms", type=int, default=100_000)
    parser.add_argument("--frames", type=int, default=200)
    parser.add_argument("--subset", type=int, default=1000, help="atoms given to kinisi and pymatgen")
    parser.add_argument("--keep", type=Path, default=None, help="write the dump here instead of a temp dir")
    args = parser.parse_args()

    from sei_lmp.analysis.transport import msd_fft
    from sei_lmp.io import read_trajectory

    box = (args.atoms / 0.05) ** (1 / 3)                      # 0.05 atoms/A^3
    workdir = args.keep or Path(tempfile.mkdtemp(prefix="msd_speed_"))
    workdir.mkdir(parents=True, exist_ok=True)
    dump = workdir / "synthetic.dump"
    t0 = time.perf_counter()
    truth = write_dump(dump, args.atoms, args.frames, box)
    print(f"wrote {dump} ({dump.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - t0:.1f} s")
    results = {}

    t0 = time.perf_counter()
    traj = read_trajectory(dump, type_elements=["Li", "S"], timestep_fs=1.0)
    results["read (OVITO -> unwrapped arrays)"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    curve = msd_fft(traj.positions)
    results["our MSD, all origins (FFT)"] = time.perf_counter() - t0
    print(f"MSD at the last lag {curve[-1].sum():.3f} A^2 (expected {6 * 0.1 * 0.1 * (args.frames - 1):.3f})")

    from ovito.io import import_file
    from ovito.modifiers import CalculateDisplacementsModifier

    pipeline = import_file(str(dump))
    pipeline.modifiers.append(CalculateDisplacementsModifier(reference_frame=0))
    t0 = time.perf_counter()
    for frame in range(pipeline.source.num_frames):
        data = pipeline.compute(frame)
        np.mean(data.particles["Displacement Magnitude"] ** 2)
    results["OVITO displacements, origin 0 only (reading included)"] = time.perf_counter() - t0

    sub = truth[:, :args.subset].astype(np.float64)
    import pymatgen.analysis.diffusion.analyzer as pmg
    from pymatgen.core import Lattice, Structure

    # pymatgen needs framework atoms: add a few static ones
    static = np.random.default_rng(2).uniform(0, box, size=(8, 3))
    structure = Structure(Lattice.cubic(box), ["Li"] * args.subset + ["S"] * 8,
                          np.vstack([sub[0], static]) / box)
    disp = np.concatenate([np.transpose(sub - sub[0], (1, 0, 2)), np.zeros((8, args.frames, 3))])
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pmg.DiffusionAnalyzer(structure, disp, "Li", 600, 1, 100, smoothed="max", avg_nsteps=100)
    results[f"pymatgen DiffusionAnalyzer (smoothed=max), {args.subset} atoms"] = (time.perf_counter() - t0,
                                                                                  args.subset)
    try:
        import scipp as sc
        from ase import Atoms
        from kinisi.analyze import DiffusionAnalyzer

        frames = [Atoms(["Li"] * args.subset, positions=r % box, cell=np.eye(3) * box, pbc=True) for r in sub]
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            DiffusionAnalyzer.from_ase(frames, specie="Li", time_step=0.1 * sc.Unit("ps"),
                                       step_skip=1 * sc.Unit("dimensionless"), progress=False)
        results[f"kinisi from_ase (parse + MSD), {args.subset} atoms"] = (time.perf_counter() - t0, args.subset)
    except ImportError as err:
        print(f"kinisi skipped: {err}")

    ours = rate(args.atoms, args.frames, results["our MSD, all origins (FFT)"])
    print(f"\n{args.atoms} atoms x {args.frames} frames; peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6:.2f} GB")
    print(f"{'step':62s} {'seconds':>9s} {'atom-frames/s':>14s} {'ours/this':>10s}")
    for name, value in results.items():
        seconds, atoms = value if isinstance(value, tuple) else (value, args.atoms)
        r = rate(atoms, args.frames, seconds)
        print(f"{name:62s} {seconds:9.2f} {r:14.3g} {ours / r:10.1f}")
    print(f"target >= 5e6 atom-frames/s for the MSD step: {'met' if ours >= 5e6 else 'NOT met'} ({ours:.3g})")


if __name__ == "__main__":
    main()
