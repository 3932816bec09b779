#!/usr/bin/env python
"""Ship the final potential of a learning run (``sei-lmp learn``) into ``potentials/``: the potential with its
active set (``.yace`` + ``.yaml`` + ``.asi``, or ``.almtp``), a card merging the learning's card with what the
final generation's target runs showed, the learning table and the grade figure.

The target runs are re-read rather than re-run: for every [[explore]] run of the last generation, the time it
held, its max grade, the shortest distance per element pair over its trajectory and, where P and S are present,
how many P keep four S within 2.6 A in every frame (a PS4 anion that breaks is what an untrusted thiophosphate
potential does first).

Usage (repository root)::

    python potentials/learn/ship.py runs/learn-LiPS-ace --name LiPS_ace_learned
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(REPO))

from sei_lmp.learn.keep import KeepRule, kept  # noqa: E402

#: an intact PS4: the keep rule of the Li-P-S plans' glass target (LiPS_*.toml), one definition for both
PS4 = KeepRule("P", "S", 4, 2.6)
PS4_CUTOFF_A = PS4.within
SS_BOND_A = 2.3      # an S-S bond is 2.05-2.1 A; S-S contacts in PS4 glasses are > 3.2 A


def p_coordination(sym, i, j, d) -> tuple[np.ndarray, int]:
    """From a neighbour list ``i, j, d`` (cutoff >= PS4_CUTOFF_A) of atoms with symbols ``sym``: how many S lie
    within PS4_CUTOFF_A of each P (4: an intact PS4), and how many S-S pairs are bonded (closer than SS_BOND_A)."""
    return PS4.counts(sym, i, j, d), int(((sym[i] == "S") & (sym[j] == "S") & (d < SS_BOND_A)).sum() // 2)


def _ps4(atoms) -> int:
    return kept(atoms, [PS4])[PS4.label][0]


def frame_checks(trajectory: Path, elements, start) -> dict:
    """Shortest distance per element pair (over all frames) and the fewest P with four S in any frame;
    ``start``: the structure the run began from (before its minimisation)."""
    from ase import Atoms
    from ase.neighborlist import neighbor_list

    from sei_lmp.io.trajectory import iter_position_frames

    shortest: dict[str, float] = {}
    fewest, first, last, n_p, frames = None, None, None, 0, 0
    most_ss = last_ss = 0
    for frame in iter_position_frames(trajectory, type_elements=list(elements)):
        atoms = Atoms(list(frame.elements), positions=frame.positions, cell=frame.cell, pbc=True)
        i, j, d = neighbor_list("ijd", atoms, 3.0)
        sym = np.array(atoms.get_chemical_symbols())
        for a, b, dist in zip(sym[i], sym[j], d):
            key = "-".join(sorted((a, b)))
            shortest[key] = min(shortest.get(key, 9.9), float(dist))
        if (sym == "P").any():
            # S-S bonds: where a PS4 loses an S, the teachers make polysulfide (compare teacher_ps4_check.py)
            s_per_p, last_ss = p_coordination(sym, i, j, d)
            kept = int((s_per_p == 4).sum())
            fewest, n_p = (kept if fewest is None else min(fewest, kept)), len(s_per_p)
            first = kept if first is None else first
            last = kept
            most_ss = max(most_ss, last_ss)
        frames += 1
    out = {"frames": frames, "shortest_distance_A": {k: round(v, 3) for k, v in sorted(shortest.items())}}
    if fewest is not None:
        out[f"P_with_four_S_within_{PS4_CUTOFF_A:g}A_in_every_frame"] = f"{fewest}/{n_p}"
        begun = _ps4(start)
        out[f"P_with_four_S_within_{PS4_CUTOFF_A:g}A_start_first_last_frame"] = \
            f"{begun}/{n_p}, {first}/{n_p}, {last}/{n_p}"
        out[f"S-S_bonds_below_{SS_BOND_A:g}A_most_last_frame"] = f"{most_ss}, {last_ss}"
        out["_ps4"] = (fewest, begun, first, last, n_p)
    return out


def _by_step(check: dict) -> str:
    return ", ".join(f"{v} after {k} steps" for k, v in check["P_with_four_S_within_2.6A_by_step"].items())


def warnings(targets: dict, teacher: list[dict] = ()) -> list[str]:
    """What a user must know from the target runs: anions that break, or start cells that had them broken."""
    out = []
    for key, run in targets.items():
        if not isinstance(run, dict) or "_ps4" not in run:
            continue
        fewest, begun, first, last, n_p = run.pop("_ps4")
        if begun < n_p:
            out.append(f"{key}: the start cell already has only {begun}/{n_p} P with four S within "
                       f"{PS4_CUTOFF_A:g} A: this run does not test PS4 stability")
        elif first < n_p:
            taught = next((t for t in teacher if t["structure"] == run.get("start")), None)
            told = (f"its teacher does the same ({taught['teacher']} relaxing the same cell: {_by_step(taught)})"
                    if taught else "whether its teacher does the same is not checked")
            out.append(f"{key}: the minimisation that opens the run leaves {first}/{n_p} PS4 intact ({last}/{n_p} "
                       f"at the end of {run['ps_held']} ps): PS4 is reduced at the Li contact without a barrier; "
                       f"{told}. Interface reactions here are the teacher's (PBE-trained universal potential), "
                       "not validated chemistry")
        elif fewest < n_p:
            # the teacher's MD of the same cell, relaxed first as the deck minimises first (MD straight from the
            # packing's close contacts is not the same run)
            md = [t for t in teacher if t["structure"] == run.get("start") and t.get("relaxed_first")]
            relaxed = next((t for t in teacher if t["structure"] == run.get("start") and "optimizer" in t), None)
            if md:
                told = "; the teacher's own MD of the same cell, relaxed first: " + "; ".join("{}: {}".format(
                    t["teacher"].split(" (")[0], ", ".join(f"{v} at {int(k) / 1000:g} ps" for k, v in
                                                           t["P_with_four_S_within_2.6A_by_step"].items()))
                    for t in md)
            elif relaxed:
                told = (f"; its teacher breaks them too when it relaxes the same cell ({relaxed['teacher']}: "
                        f"{_by_step(relaxed)})")
            else:
                told = "; compare with the teacher before using it for thiophosphate glasses at this temperature"
            out.append(f"{key}: PS4 anions break during the run ({fewest}/{n_p} intact in the worst frame, "
                       f"{last}/{n_p} at the end, {run['ps_held']} ps){told}")
    return out


def seed_warnings(seeds: dict) -> list[str]:
    """What the reruns with other velocity seeds and denser frames (seed_check.py) show."""
    out = []
    for key, run in seeds["runs"].items():
        if not run["intact"]:
            worst = ", ".join(f"{label}: {v} in the worst frame" for label, v in run["worst"].items())
            out.append(f"{key} (rerun, frames every {seeds['dump_every_ps']:g} ps): {run['broken_frames']} of "
                       f"{run['frames']} frames break a keep rule ({worst})")
    return out


def _data(run):
    from ase.io.lammpsdata import read_lammps_data

    atoms = read_lammps_data(run.data_file, atom_style="atomic")
    atoms.set_chemical_symbols([run.manifest.elements[t - 1] for t in atoms.arrays["type"]])
    return atoms


def target_runs(run_dir: Path) -> dict:
    from sei_lmp.run import RunDirectory

    last = sorted(run_dir.glob("gen-*/explore.json"))[-1]
    runs = json.loads(last.read_text())["runs"]
    out = {"generation": last.parent.name}
    for key, info in runs.items():
        run = RunDirectory(Path(info["dump"]).parent)
        trajectory = next((p for p in (run.production_dump, run.trajectory) if p.is_file()), None)
        entry = {"completed": info["completed"], "ps_held": round(info["ps_held"], 3),
                 "max_grade": round(info["max_grade"], 3), "protocol": run.manifest.protocol,
                 "settings": {k: v for k, v in run.manifest.settings.items() if not isinstance(v, dict)}}
        if trajectory is not None:
            from sei_lmp.io.structure import read_structure

            start = read_structure(run.data_file) if run.data_file.suffix != ".data" else _data(run)
            entry.update(frame_checks(trajectory, run.manifest.elements, start))
            entry["start"] = Path(json.loads(run.sweep_point.read_text())["structure"]["source"]).name
        out[key] = entry
    return out


def with_intervals(run_dir: Path, validation: dict) -> dict:
    """The final generation's training and held-out errors, recomputed with their 95 % bootstrap intervals
    where the learning predates them (the numbers themselves do not change)."""
    if "forces_rmse_eV_per_A_ci95" in (validation.get("holdout_errors") or {}):
        return validation
    from sei_lmp.learn.loop import errors_with_intervals, read_labels_by_id
    from sei_lmp.learn.plan import fit_settings
    from sei_lmp.learn.refit import adapter

    plan = json.loads((run_dir / "plan.json").read_text())
    fit = adapter(plan["family"], fit_settings(plan["family"], tuple(plan["species"]), plan["fit"]))
    record_path = sorted(run_dir.glob("gen-*/potential/fit.json"))[-1]
    record = json.loads(record_path.read_text())
    ids = json.loads((record_path.parent / "dataset.json").read_text())
    out = dict(validation)
    for key, part in (("train_errors", "train"), ("holdout_errors", "holdout")):
        frames = read_labels_by_id(run_dir / ids["labels"], ids[part])
        out[key] = errors_with_intervals(fit, Path(record["path"]), frames)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run_dir", type=Path)
    parser.add_argument("--name", required=True, help="file stem in potentials/, e.g. LiPS_ace_learned")
    parser.add_argument("--out", type=Path, default=REPO / "potentials")
    parser.add_argument("--teacher-check", type=Path, action="append", default=[],
                        help="output of teacher_ps4_check.py for a target's start cell (repeatable)")
    parser.add_argument("--seed-check", type=Path,
                        help="output of seed_check.py: the keep-rule targets rerun with other velocity seeds")
    parser.add_argument("--warning", action="append", default=[], help="a further warning for the card")
    args = parser.parse_args()
    final = args.run_dir / "final"
    main_file = next(p for p in final.iterdir() if p.suffix in (".yace", ".almtp"))
    card = json.loads(main_file.with_name(main_file.name + ".json").read_text())
    for src in final.iterdir():
        if src.suffix in (".yace", ".yaml", ".asi", ".almtp", ".mtp"):
            shutil.copyfile(src, args.out / f"{args.name}{src.suffix}")
    card["validation"] = with_intervals(args.run_dir, card["validation"])
    last_fit = sorted(args.run_dir.glob("gen-*/potential/validation.json"))
    if last_fit:
        card["validation"]["teacher_checks"] = json.loads(last_fit[-1].read_text())
    card["validation"]["target_runs"] = target_runs(args.run_dir)
    teacher = [json.loads(p.read_text()) for p in args.teacher_check]
    if teacher:
        card["validation"]["teacher_ps4_checks"] = teacher
    card["warnings"] = warnings(card["validation"]["target_runs"], teacher) + args.warning
    if args.seed_check:
        seeds = json.loads(args.seed_check.read_text())
        card["validation"]["seed_check"] = seeds
        card["warnings"] += seed_warnings(seeds)
    barriers = card["validation"].get("teacher_checks", {}).get("barriers")
    if barriers:
        for mechanism, diff in barriers["difference_eV"].items():
            if abs(diff) > barriers["tolerance_eV"]:
                card["warnings"].append(f"{mechanism} barrier {barriers['barriers_eV'][mechanism]} eV is "
                                        f"{diff:+.3f} eV from the teacher's (tolerance {barriers['tolerance_eV']} eV)")
    recipe = Path(json.loads((args.run_dir / "plan.json").read_text())["source"]).name
    card["provenance"]["recipe"] = f"potentials/learn/{recipe}"
    card["provenance"]["shipped_by"] = "potentials/learn/ship.py"
    from sei_lmp.training.provenance import card_json

    (args.out / f"{args.name}{main_file.suffix}.json").write_text(card_json(card))
    shutil.copyfile(args.run_dir / "learning.csv", args.out / f"{args.name}_learning.csv")
    if (args.run_dir / "grades.png").is_file():
        shutil.copyfile(args.run_dir / "grades.png", args.out / f"{args.name}_learning.png")
    print(json.dumps(card["validation"]["target_runs"], indent=1))
    print("\n".join(card["warnings"]))


if __name__ == "__main__":
    main()
