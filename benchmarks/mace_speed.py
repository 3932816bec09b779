"""MD speed of pair_style sei/mace in LAMMPS vs an ASE VelocityVerlet loop with mace-torch's MACECalculator,
on the same random float64 MACE model and the same ~500-atom LiF cell, in one run; prints steps/s and the ratio.

    SEI_LMP_PLUGIN=build-mace/pairstyles/sei_lmpplugin.so python benchmarks/mace_speed.py --steps 20

Both sides use the same number of torch threads (--threads: `torch.set_num_threads` for ASE, `pair_style sei/mace
threads N` for LAMMPS; the LAMMPS library otherwise drops OpenMP, and with it torch, to one thread when
OMP_NUM_THREADS is unset). LAMMPS runs on one rank with `no_domain_decomposition` (a single-rank graph of the local
atoms with periodic shifts, as MACECalculator uses). The two are measured alternately --rounds times and the median
of each is compared, because this machine is shared and noisy.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

# run from a checkout: the source tree's sei_lmp and the tests' model builder
sys.path[:0] = [str(Path(__file__).resolve().parents[1]), str(Path(__file__).resolve().parents[1] / "tests")]

import numpy as np  # noqa: E402

import mace_models as mm  # noqa: E402


def lammps_steps_per_s(atoms, model_lammps, steps, mode, threads, workdir):
    from sei_lmp.run.plugin import MACE_STYLES, start_lammps

    data = Path(workdir) / "cell.data"
    mm.write_lammps_data(atoms, data, ("Li", "F"))
    lmp = start_lammps(styles=MACE_STYLES)
    try:
        for c in ["units metal", "atom_style atomic", f"read_data {data}",
                  f"pair_style sei/mace {mode} threads {threads}",
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


def ase_steps_per_s(atoms, model, steps, threads):
    import torch
    from ase import units
    from ase.md.velocitydistribution import MaxwellBoltzmannDistribution
    from ase.md.verlet import VelocityVerlet

    torch.set_num_threads(threads)
    atoms = atoms.copy()
    atoms.calc = mm.calculator(model)
    MaxwellBoltzmannDistribution(atoms, temperature_K=300, rng=np.random.default_rng(1))
    dyn = VelocityVerlet(atoms, timestep=1.0 * units.fs)
    dyn.run(2)    # warm-up
    start = time.perf_counter()
    dyn.run(steps)
    return steps / (time.perf_counter() - start)


def model_forward_per_s(atoms, model, threads, repeats=3):
    """Forward + force calls per second of the bare model on a prepared graph: the torch work both sides share.

    An ASE step minus this is all the Python that LAMMPS can drop, so ase_step / forward is the best ratio
    possible from dropping Python alone.
    """
    import torch

    torch.set_num_threads(threads)
    calc = mm.calculator(model)
    batch = calc._atoms_to_batch(atoms.copy())
    model_dtype = next(calc.models[0].parameters()).dtype
    batch_dict = {k: (v.to(model_dtype) if torch.is_tensor(v) and v.is_floating_point() else v)
                  for k, v in batch.to_dict().items()}
    times = []
    for _ in range(repeats + 1):
        data = dict(batch_dict, positions=batch_dict["positions"].clone())
        start = time.perf_counter()
        calc.models[0](data, compute_stress=False, training=False)
        times.append(time.perf_counter() - start)
    return 1.0 / statistics.median(times[1:])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=4, help="LiF rocksalt conventional cells per edge (4: 512 atoms)")
    parser.add_argument("--channels", type=int, default=32)
    parser.add_argument("--r-max", type=float, default=5.0)
    parser.add_argument("--threads", type=int, default=os.cpu_count(), help="torch threads on both sides")
    parser.add_argument("--rounds", type=int, default=3, help="alternating measurements of each side")
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
              f"float64, torch {torch.__version__}, {args.threads} thread(s) on both sides, {args.steps} steps")
        lmp, ase = [], []
        forward = model_forward_per_s(atoms, model, args.threads)
        for _ in range(args.rounds):
            lmp.append(lammps_steps_per_s(atoms, model_lammps, args.steps, "no_domain_decomposition", args.threads,
                                          tmp))
            ase.append(ase_steps_per_s(atoms, model, args.steps, args.threads))
            print(f"  round: sei/mace {lmp[-1]:.3f}, ASE {ase[-1]:.3f} steps/s, ratio {lmp[-1] / ase[-1]:.2f}x",
                  flush=True)
    lmp_s, ase_s = statistics.median(lmp), statistics.median(ase)
    print(f"sei/mace (LAMMPS, no_domain_decomposition): {lmp_s:8.3f} steps/s (median of {args.rounds})")
    print(f"MACECalculator + ASE VelocityVerlet:        {ase_s:8.3f} steps/s (median of {args.rounds})")
    print(f"bare model forward + forces (no Python MD):  {forward:8.3f} calls/s")
    print(f"ratio sei/mace / ASE: {lmp_s / ase_s:.2f}x")
    print(f"Python share of an ASE step: {100 * (1 - ase_s / forward):.0f} % (below 0: within noise); the best ratio dropping Python can give "
          f"is {forward / ase_s:.2f}x (the rest is torch work both sides do)")


if __name__ == "__main__":
    main()
