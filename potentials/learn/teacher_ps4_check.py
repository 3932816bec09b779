#!/usr/bin/env python
"""How many PS4 anions the *teacher* keeps when it relaxes a start cell (FIRE, as LAMMPS' minimisation opens the
learning's target runs) or runs NVT MD on it (``--md-temperature``), so a potential that breaks them can be
compared with what it was taught. Compare like with like: the decks minimise a start cell before the MD, so run
the teacher's MD with ``--relax-first`` (MD straight from a packing's close contacts breaks anions that a
relaxed cell keeps).

Usage (repository root; needs the teacher's package: chgnet, or sevenn in its own environment since it needs a
newer e3nn than mace-torch)::

    python potentials/learn/teacher_ps4_check.py potentials/learn/li_li3ps4_interface_206.extxyz -o check.json
    python potentials/learn/teacher_ps4_check.py potentials/learn/li3ps4_glass_128.extxyz -o glass.json \
        --md-temperature 1000 --md-ps 2 --relax-first --steps 500 [--count-every-ps 0.05]
    python potentials/learn/teacher_ps4_check.py potentials/learn/li3ps4_glass_128.extxyz -o glass7.json \
        --md-temperature 1000 --md-ps 4 --teacher sevenn:SevenNet-0

``--student potentials/LiPS_mtp_learned.almtp`` runs the same check with a student in place of the teacher, so
the two are compared under one protocol (the same minimiser, thermostat and barostat), not the decks' against
ASE's; ``interface_reaction.py`` tables them.

A long MD check (hours on CPU) writes ``-o`` after every count with ``"complete": false`` and keeps a checkpoint
beside it (``<out>.checkpoint.pkl``: positions, momenta, thermostat random state, the counts so far); the same
command resumes from it, bit for bit, and refuses an ``-o`` that is already complete.
"""

from __future__ import annotations

import argparse
import json
import pickle
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))


def bonding(atoms) -> tuple[dict, list[int]]:
    """Per P, how many S lie within the PS4 cutoff (histogram), and the P-P / S-S pairs closer than the
    cutoffs of a bond (2.6 A, 2.3 A: a P2S6 P-P bond is 2.2-2.3 A, an S-S bond 2.05-2.1 A); and which P
    (0-based among the P atoms, in index order) lack four S, so that the openings of each anion can be counted
    at any frame spacing (ship.py compares their rate with a student's). One neighbour list per frame."""
    import numpy as np
    from ase.neighborlist import neighbor_list

    from ship import PS4, PS4_CUTOFF_A, p_coordination

    sym = np.array(atoms.get_chemical_symbols())
    i, j, d = neighbor_list("ijd", atoms, PS4_CUTOFF_A)
    n_s, ss = p_coordination(sym, i, j, d)
    pp = int(((sym[i] == "P") & (sym[j] == "P")).sum() // 2)
    return ({"P_by_S_count": {str(k): int(c) for k, c in enumerate(np.bincount(n_s)) if c},
             "P-P_below_2.6A": pp, "S-S_below_2.3A": ss},
            [int(k) for k in np.flatnonzero(n_s != PS4.count)])


def widest_empty_z(atoms) -> float:
    """The widest slab along the interface normal (the cell's third axis) with no atom in it [A], periodic: a
    crack shows as this growing past the 2-3 A of a closed cell (one thick-slab run: 1.9 A, then 23 A when the
    expand watchdog stopped it)."""
    import numpy as np

    z = np.sort(atoms.get_scaled_positions(wrap=True)[:, 2])
    gaps = np.diff(np.append(z, z[0] + 1.0))
    height = atoms.get_volume() / np.linalg.norm(np.cross(atoms.cell[0], atoms.cell[1]))
    return float(gaps.max() * height)


def normal_extent(atoms) -> dict:
    """The cell along the interface normal and the widest empty slab across it [A]: what a teacher record (rounded)
    and a student's series (interface_reaction.py) both carry next to the bonding of an NPT interface frame."""
    return {"cell_z_A": float(atoms.cell.lengths()[2]), "widest_empty_z_A": widest_empty_z(atoms)}


def _four(counts: dict) -> int:
    """Intact PS4 (P with four S) from a ``bonding`` record: one neighbour list per counted frame."""
    return counts["P_by_S_count"].get("4", 0)


def _md_args(args) -> dict:
    """What a checkpoint must have been made with to be resumed by this command."""
    made = {k: str(getattr(args, k)) for k in ("structure", "teacher", "modal", "seed", "md_temperature",
                                                  "timestep_fs", "count_every_ps", "relax_first", "relax_fmax",
                                                  "steps", "npt_z_bar")}
    # named only when given, so checkpoints made before the option existed still resume
    return (made | ({"student": str(args.student)} if args.student else {})
            | ({"barostat": args.barostat} if args.barostat != "berendsen" else {}))


def student_calculator(path: Path):
    """An ASE calculator for a student potential, and what to call it in the record."""
    from sei_lmp.potentials.registry import load_potential

    potential = load_potential(path)
    if potential.family == "ace":
        from sei_lmp.training.fit_ace import ace_calculator

        return ace_calculator(path), f"{path.name} (pyace)"
    if potential.family == "mtp":
        from sei_lmp.training.fit_mtp import mtp_calculator, read_mtp

        # an .almtp's potential is the .mtp beside it (the .almtp adds the active set)
        mtp = path.with_suffix(".mtp")
        if not mtp.is_file():
            raise SystemExit(f"{path}: no {mtp.name} beside it for motep's calculator")
        return mtp_calculator(read_mtp(mtp, list(potential.species))), f"{path.name} (motep)"
    raise SystemExit(f"{path}: a {potential.family} student has no calculator here (MTP and ACE do)")


def main() -> None:
    import numpy as np
    from ase.io import read
    from ase.optimize import FIRE

    from sei_lmp.learn.teachers import get_teacher

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("structure", type=Path)
    parser.add_argument("-o", "--out", type=Path, required=True)
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--md-temperature", type=float, help="run Langevin NVT MD at this temperature instead")
    parser.add_argument("--npt-z-bar", type=float,
                        help="NPT instead of NVT, the cell's z only at this pressure (bar), as the interface decks "
                             "do: thermostat 0.1 ps and barostat 1 ps, Berendsen by default (--barostat)")
    parser.add_argument("--barostat", choices=("berendsen", "mtk"), default="berendsen",
                        help="with --npt-z-bar: Berendsen (weak coupling; the stored teacher runs) or mtk (ASE's "
                             "Nose-Hoover-chain Martyna-Tobias-Klein, z only: the decks' kind of barostat, which "
                             "keeps momentum, so a cell that opens can go on opening)")
    parser.add_argument("--md-ps", type=float, default=5.0)
    parser.add_argument("--timestep-fs", type=float, default=1.0)
    parser.add_argument("--relax-first", action="store_true",
                        help="relax (FIRE, at most --steps) before the MD, as the explore decks minimise first")
    parser.add_argument("--relax-fmax", type=float, default=0.05)
    parser.add_argument("--count-every-ps", type=float, default=0.5,
                        help="MD time between counts (and frames): a PS4 that opens for less is not seen")
    parser.add_argument("--frames", type=Path, help="write the counted frames here (extxyz)")
    parser.add_argument("--teacher", default="chgnet", help="a learning plan's teacher name (chgnet, sevenn:<model>)")
    parser.add_argument("--modal", help="SevenNet-MF-0's fidelity: PBE or R2SCAN")
    parser.add_argument("--threads", type=int, help="CHGNet's torch threads (its default is 1)")
    parser.add_argument("--student", type=Path,
                        help="the same check with a student potential (.almtp/.mtp, .yace) in place of the teacher "
                             "(motep's / pyace's calculators, which match the sei/* styles): like with like")
    parser.add_argument("--seed", type=int, default=1,
                        help="velocity seed (the thermostat's is seed + 1); another seed is an independent run")
    args = parser.parse_args()
    if args.relax_first and not args.md_temperature:
        parser.error("--relax-first goes with --md-temperature (without it the check is a relaxation already)")
    if args.npt_z_bar is not None and not args.md_temperature:
        parser.error("--npt-z-bar goes with --md-temperature")
    if args.barostat != "berendsen" and args.npt_z_bar is None:
        parser.error("--barostat goes with --npt-z-bar")
    if args.out.exists() and json.loads(args.out.read_text()).get("complete", True):
        parser.error(f"{args.out} holds a finished check; give another -o (nothing is overwritten)")
    checkpoint = args.out.with_name(args.out.name + ".checkpoint.pkl")
    atoms = read(args.structure)
    if args.student:
        atoms.calc, description = student_calculator(args.student)
    else:
        options = {**({"modal": args.modal} if args.modal else {}),
                   **({"threads": args.threads} if args.threads else {})}
        teacher = get_teacher(args.teacher, options)
        atoms.calc, description = teacher.calculator(), teacher.description
    n_p = atoms.get_chemical_symbols().count("P")
    start = time.perf_counter()
    saved = pickle.loads(checkpoint.read_bytes()) if checkpoint.exists() and args.md_temperature else None
    def counted(atoms) -> tuple[dict, list[int]]:
        """The bonding at one count; under NPT also the cell along the interface normal (how far the barostat
        closes it, to compare a student's with the teacher's)."""
        bonds_now, opened_now = bonding(atoms)
        if args.npt_z_bar is not None:
            bonds_now.update({k: round(v, 3) for k, v in normal_extent(atoms).items()})
        return bonds_now, opened_now

    if saved is not None:
        if saved["args"] != _md_args(args):
            parser.error(f"{checkpoint} was made with {saved['args']}, not {_md_args(args)}: run the same "
                         "command, or delete the checkpoint and -o to start again")
        if "cell" in saved:
            atoms.set_cell(saved["cell"])
        atoms.set_positions(saved["positions"])
        atoms.set_momenta(saved["momenta"])
        bonds, trace, relaxed_at = saved["bonds"], saved["trace"], saved["relaxed_at"]
        opened = saved["opened"]
        start -= saved["seconds"]
        print(f"resuming at step {trace[-1][0]} from {checkpoint}", flush=True)
    else:
        relaxed_steps = None
        if args.relax_first:
            # as the explore decks do (a minimisation opens every run): relax the packing's close contacts first
            optimizer = FIRE(atoms, logfile=None)
            optimizer.run(fmax=args.relax_fmax, steps=args.steps)
            relaxed_steps = optimizer.nsteps
        # step 0: the cell the MD (or the relaxation trace) starts from
        bonds, opened = {}, {}
        bonds[0], opened[0] = counted(atoms)
        trace = [(0, _four(bonds[0]))]
        relaxed_at = None
        if relaxed_steps is not None:
            relaxed_at = {"steps": relaxed_steps, "P_with_four_S_within_2.6A": f"{trace[0][1]}/{n_p}",
                          "bonding": bonds[0],
                          "max_force_eV_per_A": round(float(np.linalg.norm(atoms.get_forces(), axis=1).max()), 3)}
            print("relaxed", relaxed_at, flush=True)
    if args.frames and saved is None:
        from ase.io import write

        write(args.frames, atoms, format="extxyz")

    def record(how: str, complete: bool, md: dict | None = None) -> None:
        result = {("student" if args.student else "teacher"): description,
                  **({"relaxed_first": relaxed_at} if relaxed_at else {}),
                  "structure": args.structure.name, "run": how, **({"md": md} if md else {}), "complete": complete,
                  "P_with_four_S_within_2.6A_by_step": {str(s): f"{k}/{n_p}" for s, k in trace},
                  # how the others are bonded: a P with 3 or 5 S, P-P and S-S bonds tell breaking from bridging
                  "bonding_by_step": {str(s): b for s, b in bonds.items()},
                  "open_P_by_step": {str(s): o for s, o in opened.items()},
                  "seconds": round(time.perf_counter() - start)}
        partial = args.out.with_name(args.out.name + ".part")
        partial.write_text(json.dumps(result, indent=1) + "\n")
        partial.replace(args.out)  # a kill mid-write leaves the last whole record

    if args.md_temperature:
        from ase import units
        from ase.io import write
        from ase.md.langevin import Langevin
        from ase.md.velocitydistribution import MaxwellBoltzmannDistribution

        if saved is None:
            MaxwellBoltzmannDistribution(atoms, temperature_K=args.md_temperature,
                                         rng=np.random.default_rng(args.seed))
        every = int(round(args.count_every_ps * 1000 / args.timestep_fs))
        if args.npt_z_bar is None:
            # ASE takes the friction in inverse ASE time units: 0.01 of those is 0.00098/fs (a 1 ps relaxation
            # time), the value every stored teacher run used
            friction = 0.01
            dyn = Langevin(atoms, args.timestep_fs * units.fs, temperature_K=args.md_temperature, friction=friction,
                           rng=np.random.default_rng(args.seed + 1))
            # what ship.py compares a student with (temperature, spacing of the counts): fields, not prose; the
            # prose line is written from them
            md = {"thermostat": "Langevin", "temperature_K": args.md_temperature, "timestep_fs": args.timestep_fs,
                  "friction_per_fs": round(friction * units.fs, 6)}
            how = (f"Langevin NVT {args.md_temperature:g} K, {args.timestep_fs:g} fs, friction "
                   f"{md['friction_per_fs']:.2g}/fs")
        else:
            # both barostats couple as the interface decks do: thermostat 0.1 ps, barostat 1 ps, z only
            taut_fs, taup_fs = 100, 1000
            coupling = {"temperature_K": args.md_temperature, "pressure_bar": args.npt_z_bar,
                        "timestep_fs": args.timestep_fs, "taut_ps": taut_fs / 1000, "taup_ps": taup_fs / 1000}
            if args.barostat == "mtk":
                from ase.md.nose_hoover_chain import MaskedMTKNPT

                # the mask as an array: ASE 3.29 indexes the cell momenta with it, and a tuple selects nothing
                # (the cell then never moves)
                dyn = MaskedMTKNPT(atoms, args.timestep_fs * units.fs, temperature_K=args.md_temperature,
                                   pressure_au=args.npt_z_bar * units.bar, tdamp=taut_fs * units.fs,
                                   pdamp=taup_fs * units.fs, mask=np.array([False, False, True]))
                md = {"thermostat": "Nose-Hoover chain (MTK)", "barostat": "MTK, z only", **coupling}
                if saved is not None:
                    # the chains' own variables are not checkpointed: a resumed run restarts them from rest
                    md["chains_restarted_at_steps"] = [*saved.get("chains_restarted_at_steps", []), trace[-1][0]]
                how = (f"Nose-Hoover-chain MTK NPT (z only) {args.md_temperature:g} K, {args.npt_z_bar:g} bar, "
                       f"{args.timestep_fs:g} fs, tdamp 0.1 ps, pdamp 1 ps")
            else:
                from ase.md.nptberendsen import Inhomogeneous_NPTBerendsen

                # Li metal's compressibility (bulk modulus ~12 GPa): only how fast the gap closes depends on it
                compressibility_per_bar = 8e-6
                dyn = Inhomogeneous_NPTBerendsen(atoms, args.timestep_fs * units.fs,
                                                 temperature_K=args.md_temperature,
                                                 pressure_au=args.npt_z_bar * units.bar, taut=taut_fs * units.fs,
                                                 taup=taup_fs * units.fs,
                                                 compressibility_au=compressibility_per_bar / units.bar,
                                                 mask=(0, 0, 1))
                md = {"thermostat": "Berendsen", "barostat": "Berendsen, z only", **coupling,
                      "compressibility_per_bar": compressibility_per_bar}
                how = (f"Berendsen NPT (z only) {args.md_temperature:g} K, {args.npt_z_bar:g} bar, "
                       f"{args.timestep_fs:g} fs, taut 0.1 ps, taup 1 ps")
        if saved is not None:
            dyn.nsteps = trace[-1][0]
            if hasattr(dyn, "rng"):
                dyn.rng = saved["rng"]
        md.update(count_every_ps=every * args.timestep_fs / 1000, seeds=[args.seed, args.seed + 1])
        how += (f", counted every {md['count_every_ps']:g} ps, seeds {args.seed}/{args.seed + 1}"
                + (f", after FIRE to fmax {args.relax_fmax:g} eV/A" if args.relax_first else ""))
        total = int(round(args.md_ps * 1000 / args.timestep_fs)) // every * every
        while dyn.nsteps < total:
            dyn.run(every)
            bonds[dyn.nsteps], opened[dyn.nsteps] = counted(atoms)
            trace.append((dyn.nsteps, _four(bonds[dyn.nsteps])))
            if args.frames:
                write(args.frames, atoms, format="extxyz", append=True)
            state = {"args": _md_args(args), "positions": atoms.get_positions(), "momenta": atoms.get_momenta(),
                     "cell": atoms.get_cell()[:], "rng": getattr(dyn, "rng", None), "bonds": bonds,
                     "opened": opened, "trace": trace, "relaxed_at": relaxed_at,
                     "seconds": time.perf_counter() - start,
                     "chains_restarted_at_steps": md.get("chains_restarted_at_steps", [])}
            part = checkpoint.with_name(checkpoint.name + ".part")
            part.write_bytes(pickle.dumps(state))
            part.replace(checkpoint)
            record(how, complete=False, md=md)
            print(trace[-1], f"{time.perf_counter() - start:.0f} s", flush=True)
        record(how, complete=True, md=md)
        checkpoint.unlink(missing_ok=True)
    else:
        optimizer = FIRE(atoms, logfile=None)
        for _ in range(args.steps // 50):
            optimizer.run(fmax=0.02, steps=50)
            counted, opened[optimizer.nsteps] = bonding(atoms)
            trace.append((optimizer.nsteps, _four(counted)))
            print(trace[-1], flush=True)
        record("FIRE, fmax 0.02", complete=True)


if __name__ == "__main__":
    main()
