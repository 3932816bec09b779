#!/usr/bin/env python
"""How many PS4 anions the *teacher* keeps when it relaxes a start cell (FIRE, as LAMMPS' minimisation opens the
learning's target runs) or runs NVT MD on it (``--md-temperature``), so a potential that breaks them can be
compared with what it was taught.

Usage (repository root; needs chgnet)::

    python potentials/learn/teacher_ps4_check.py potentials/learn/li_li3ps4_interface_206.extxyz -o check.json
    python potentials/learn/teacher_ps4_check.py potentials/learn/li3ps4_glass_128.extxyz -o glass.json \
        --md-temperature 1000 --md-ps 5
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))


def main() -> None:
    from ase.io import read
    from ase.optimize import FIRE

    from ship import _ps4
    from sei_lmp.training.teacher import CHGNET_MODEL, chgnet_calculator

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("structure", type=Path)
    parser.add_argument("-o", "--out", type=Path, required=True)
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--md-temperature", type=float, help="run Langevin NVT MD at this temperature instead")
    parser.add_argument("--md-ps", type=float, default=5.0)
    parser.add_argument("--timestep-fs", type=float, default=1.0)
    args = parser.parse_args()
    atoms = read(args.structure)
    atoms.calc = chgnet_calculator()
    n_p = atoms.get_chemical_symbols().count("P")
    trace, start = [(0, _ps4(atoms))], time.perf_counter()
    if args.md_temperature:
        import numpy as np
        from ase import units
        from ase.md.langevin import Langevin
        from ase.md.velocitydistribution import MaxwellBoltzmannDistribution

        MaxwellBoltzmannDistribution(atoms, temperature_K=args.md_temperature, rng=np.random.default_rng(1))
        dyn = Langevin(atoms, args.timestep_fs * units.fs, temperature_K=args.md_temperature, friction=0.01,
                       rng=np.random.default_rng(2))
        every = int(round(500 / args.timestep_fs))             # count every 0.5 ps
        for _ in range(int(round(args.md_ps * 1000 / args.timestep_fs)) // every):
            dyn.run(every)
            trace.append((dyn.nsteps, _ps4(atoms)))
            print(trace[-1], f"{time.perf_counter() - start:.0f} s", flush=True)
        how = f"Langevin NVT {args.md_temperature:g} K, {args.timestep_fs:g} fs, friction 0.01/fs"
    else:
        optimizer = FIRE(atoms, logfile=None)
        for _ in range(args.steps // 50):
            optimizer.run(fmax=0.02, steps=50)
            trace.append((optimizer.nsteps, _ps4(atoms)))
            print(trace[-1], flush=True)
        how = "FIRE, fmax 0.02"
    result = {"teacher": f"CHGNet {CHGNET_MODEL}", "structure": args.structure.name, "run": how,
              "P_with_four_S_within_2.6A_by_step": {str(s): f"{k}/{n_p}" for s, k in trace},
              "seconds": round(time.perf_counter() - start)}
    args.out.write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
