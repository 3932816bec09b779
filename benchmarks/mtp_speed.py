"""Speed of pair_style sei/mtp in LAMMPS vs motep's fastest engine, on the same ~2000-atom Li-P-S cells.

Prints microseconds per atom-step for MTP levels 10, 16 and 20 and the ratio motep / sei/mtp, all
measured in this one process (machines are noisy: compare ratios, not absolute numbers across runs).
Single core: LAMMPS runs on one MPI rank; motep's engines are single-threaded.

Needs ../shared/reference/mtp (or $SEI_LMP_REFERENCE_DIR/mtp): the level-20 Li-P-S potential is used as
is; levels 10 and 16 are the MLIP-3 template bases of the reference Li and LiF potentials given fresh
random coefficients for three species (speed does not depend on the coefficient values).

    python benchmarks/mtp_speed.py [--atoms 2000] [--steps 20] [--no-motep]
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "tests")]

from lammps_eval import lammps_cell, write_data  # noqa: E402
from motep_engine_timing import lips_cell, time_motep  # noqa: E402
from motep_reference import available_engines  # noqa: E402

from sei_lmp.run.plugin import start_lammps  # noqa: E402

REFERENCE = Path(os.environ.get("SEI_LMP_REFERENCE_DIR", HERE.parent.parent / "shared" / "reference")) / "mtp"
LEVELS = {10: "Li_L10_random.mtp", 16: "LiF_L16_random.mtp", 20: "LiPS_L20_random.mtp"}
MASSES = [6.94, 30.97, 32.06]   # Li, P, S = species 0, 1, 2
TARGET_L16_US = 20.0


def three_species(template: str, rng: np.random.Generator) -> str:
    """The basis of ``template`` with random radial and species coefficients for 3 species."""
    n_q = int(re.search(r"radial_basis_size\s*=\s*(\d+)", template).group(1))
    n_mu = int(re.search(r"radial_funcs_count\s*=\s*(\d+)", template).group(1))
    head, rest = template.split("\tradial_coeffs", 1)
    tail = rest[rest.index("alpha_moments_count"):]
    damp = 1.0 / np.sqrt(1.0 + np.arange(n_q))
    blocks = []
    for a in range(3):
        for b in range(3):
            rows = [rng.normal(scale=0.1, size=n_q) * damp for _ in range(n_mu)]
            blocks.append(f"\t\t{a}-{b}\n" + "".join(
                "\t\t\t{" + ", ".join(f"{v:.15e}" for v in row) + "}\n" for row in rows))
    head = re.sub(r"species_count\s*=\s*\d+", "species_count = 3", head)
    tail = re.sub(r"species_coeffs\s*=\s*\{[^}]*\}", "species_coeffs = {-1.0, -5.0, -4.0}", tail)
    return head + "\tradial_coeffs\n" + "".join(blocks) + tail


def potential_file(level: int, workdir: Path, rng) -> Path:
    source = REFERENCE / "potentials" / LEVELS[level]
    if level == 20:
        return source
    path = workdir / f"LiPS_L{level}_bench.mtp"
    path.write_text(three_species(source.read_text(), rng))
    return path


def time_sei_mtp(data: Path, potential: Path, steps: int) -> tuple[float, float]:
    """(us per atom-step, mean neighbours per atom within the cutoff) of sei/mtp on one rank.

    Atoms are not integrated (random coefficients give unphysical forces): each step is a full
    energy + force + virial evaluation between neighbour-list builds, as motep is timed."""
    lmp = start_lammps()
    try:
        for c in ("units metal", "atom_style atomic", f"read_data {data}", "pair_style sei/mtp",
                  f"pair_coeff * * {potential}", "compute coord all coord/atom cutoff 5.0", "compute mean all reduce ave c_coord",
                  "thermo_style custom step pe c_mean press", "thermo 1000", "run 2"):    # warm-up: neighbour lists, scratch
            lmp.command(c)
        neighbours = lmp.last_thermo()["c_mean"]
        natoms = lmp.get_natoms()
        elapsed = float("inf")
        for _ in range(3):    # best of three blocks: the machine is shared and noisy
            start = time.perf_counter()
            lmp.command(f"run {steps} pre no post no")
            elapsed = min(elapsed, time.perf_counter() - start)
    finally:
        lmp.close()
    return elapsed * 1e6 / (natoms * steps), neighbours


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--atoms", type=int, default=2000)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--levels", type=int, nargs="+", default=sorted(LEVELS))
    parser.add_argument("--no-motep", action="store_true", help="time sei/mtp only")
    args = parser.parse_args()
    if not (REFERENCE / "potentials").is_dir():
        sys.exit(f"reference potentials not found under {REFERENCE}; set SEI_LMP_REFERENCE_DIR")

    logging.getLogger("motep").setLevel(logging.ERROR)    # it warns about short distances on every call
    rng = np.random.default_rng(20261122)
    atoms, species = lips_cell(rng, args.atoms, density=2.0)
    engine = None if args.no_motep else available_engines()[0]
    print(f"{len(atoms)}-atom Li-P-S cell, {atoms.get_volume() / len(atoms):.1f} A^3/atom; "
          f"motep engine: {engine or 'skipped'}")
    print(f"{'level':>5} {'neigh/atom':>10} {'sei/mtp us/atom-step':>21} {'motep us/atom-step':>19} {'motep/sei':>10}")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        data = tmp / "cell.data"
        write_data(data, lammps_cell(atoms.cell.array), atoms.positions, species + 1, MASSES)
        for level in args.levels:
            pot = potential_file(level, tmp, rng)
            ours, neighbours = time_sei_mtp(data, pot, args.steps)
            theirs = float("nan")
            if engine:
                theirs = time_motep(atoms, pot, species, engine, repeats=3)
            print(f"{level:>5} {neighbours:>10.1f} {ours:>21.2f} {theirs:>19.2f} {theirs / ours:>10.1f}")
            if level == 16:
                verdict = "meets" if ours <= TARGET_L16_US else "MISSES"
                print(f"      level 16 {verdict} the target of {TARGET_L16_US} us/atom-step on one core")


if __name__ == "__main__":
    main()
