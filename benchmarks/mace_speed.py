"""MD speed of pair_style sei/mace in LAMMPS vs an ASE VelocityVerlet loop with mace-torch's MACECalculator,
on the same random float64 MACE model and the same ~500-atom LiF cell, in one run; prints steps/s and the ratio.

    SEI_LMP_PLUGIN=build-mace/pairstyles/sei_lmpplugin.so python benchmarks/mace_speed.py --steps 20

Both sides use the same torch threads (OMP_NUM_THREADS / torch.set_num_threads). LAMMPS runs on one rank with
`no_domain_decomposition` (a single-rank graph of the local atoms with periodic shifts, as MACECalculator uses).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

# run from a checkout: the source tree's sei_lmp and the tests' model builder
sys.path[:0] = [str(Path(__file__).resolve().parents[1]), str(Path(__file__).resolve().parents[1] / "tests")]

import numpy as np  # noqa: E402

import mace_models as mm  # noqa: E402


def lammps_steps_per_s(atoms, model_lammps, steps, mode, workdir):
    from sei_lmp.run.plugin import MACE_STYLES, start_lammps

    data = Path(workdir) / "cell.data"
    mm.write_lammps_data(atoms, data, ("Li", "F"))
    lmp = start_lammps(styles=MACE_STYLES)
    try:
        for c in ["units metal", "atom_style atomic", f"read_data {data}", f"pair_style sei/mace {mode}",
                  f"pair_coeff * * {model_lammps} Li F", "velocity all create 300 1 mom yes", "timestep 0.001",
                  "fix nve all nve", "thermo 100000", "run 2"]:    # warm-up: model load, first graph
            lmp.command(c)
        # every `run` evaluates the forces once more in its setup: time two runs and take the difference
        elapsed = []
        for n in (1, 1 + steps):
            start = time.perf_counter()
            lmp.command(f"run {n} pre no post no")
            elapsed.append(time.perf_counter() - start)
        return steps / (elapsed[1] - elapsed[0])
    finally:
        lmp.close()


def ase_steps_per_s(atoms, model, steps):
    from ase import units
    from ase.md.velocitydistribution import MaxwellBoltzmannDistribution
    from ase.md.verlet import VelocityVerlet

    atoms = atoms.copy()
    atoms.calc = mm.calculator(model)
    MaxwellBoltzmannDistribution(atoms, temperature_K=300, rng=np.random.default_rng(1))
    dyn = VelocityVerlet(atoms, timestep=1.0 * units.fs)
    dyn.run(2)    # warm-up
    start = time.perf_counter()
    dyn.run(steps)
    return steps / (time.perf_counter() - start)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=4, help="LiF rocksalt conventional cells per edge (4: 512 atoms)")
    parser.add_argument("--channels", type=int, default=32)
    parser.add_argument("--r-max", type=float, default=5.0)
    args = parser.parse_args()

    import torch
    from ase.build import bulk

    atoms = bulk("LiF", "rocksalt", a=4.03, cubic=True) * ((args.repeat,) * 3)
    atoms.rattle(0.05, seed=1)
    atoms = mm.to_lammps_frame(atoms)
    with tempfile.TemporaryDirectory() as tmp:
        model, model_lammps = mm.write_model(Path(tmp), "bench", atomic_numbers=(3, 9), r_max=args.r_max,
                                             channels=args.channels, seed=0)
        print(f"{len(atoms)} atoms, MACE {args.channels}x(0e+1o), max_ell 2, 2 interactions, r_max {args.r_max} A, "
              f"float64, torch {torch.__version__} with {torch.get_num_threads()} thread(s)")
        lmp = lammps_steps_per_s(atoms, model_lammps, args.steps, "no_domain_decomposition", tmp)
        ase = ase_steps_per_s(atoms, model, args.steps)
    print(f"sei/mace (LAMMPS, no_domain_decomposition): {lmp:8.3f} steps/s")
    print(f"MACECalculator + ASE VelocityVerlet:        {ase:8.3f} steps/s")
    print(f"ratio sei/mace / ASE: {lmp / ase:.2f}x")


if __name__ == "__main__":
    main()
