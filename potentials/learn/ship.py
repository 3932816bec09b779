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

from sei_lmp.learn.keep import KeepRule, count_openings, kept  # noqa: E402
from sei_lmp.learn.loop import holds  # noqa: E402
from sei_lmp.potentials.grades import MAXVOL  # noqa: E402

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


def _md_summary(check: dict) -> str:
    """A teacher MD check in one phrase: its fewest intact PS4 over how many counts and picoseconds."""
    counts = check["P_with_four_S_within_2.6A_by_step"]
    fewest = min(counts.values(), key=lambda v: int(v.split("/")[0]))
    steps = [int(k) for k in counts]
    timing = _md_spacing(check)
    span = f"{(max(steps) - min(steps)) * timing[0] / 1000:g} ps" if timing else f"{max(steps)} steps"
    return f"{check['teacher'].split(' (')[0]}: {fewest} at worst over {len(counts)} counts in {span}"


def warnings(targets: dict, teacher: list[dict] = ()) -> list[str]:
    """What a user must know from the target runs: anions that break, or start cells that had them broken."""
    out = []
    for key, run in targets.items():
        if not isinstance(run, dict) or "_ps4" not in run:
            continue
        fewest, begun, first, last, n_p = run.pop("_ps4")
        if begun == 0:          # no PS4 to keep (a P2S6 glass): its own bonding is in the run's record
            continue
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
                told = "; the teacher's own MD of the same cell, relaxed first: " + "; ".join(map(_md_summary, md))
            elif relaxed:
                told = (f"; its teacher breaks them too when it relaxes the same cell ({relaxed['teacher']}: "
                        f"{_by_step(relaxed)})")
            else:
                told = "; compare with the teacher before using it for thiophosphate glasses at this temperature"
            out.append(f"{key}: PS4 anions break during the run ({fewest}/{n_p} intact in the worst frame, "
                       f"{last}/{n_p} at the end, {run['ps_held']} ps){told}")
    return out


def seed_warnings(seeds: dict) -> list[str]:
    """What the reruns with other velocity seeds and denser frames (seed_check.py) show: one line per target
    with the reruns that break a keep rule, their broken frames and the worst frame."""
    out = []
    targets: dict[str, list[tuple[str, dict]]] = {}
    for key, run in seeds["runs"].items():
        targets.setdefault(key.split("/")[0], []).append((key.split("/")[-1], run))
    for name, runs in targets.items():
        opened = [(key, run) for key, run in runs if not run["intact"]]
        if not opened:
            continue
        worst = {}
        for _, run in opened:
            for label, v in run["worst"].items():
                worst[label] = min(worst.get(label, v), v, key=lambda x: int(x.split("/")[0]))
        out.append(f"{name} (rerun with {len(runs)} other seeds, frames every {seeds['dump_every_ps']:g} ps): "
                   f"{len(opened)} of {len(runs)} reruns break a keep rule ("
                   + ", ".join(f"{label}: {v} in the worst frame" for label, v in worst.items())
                   + "); frames broken, of " + f"{runs[0][1]['frames']} per rerun: "
                   + ", ".join(f"{run['broken_frames']} ({key.split('seed')[-1]})" if "seed" in key else
                               f"{run['broken_frames']} ({key})" for key, run in opened))
    return out


def _md_spacing(check: dict) -> tuple[float, float] | None:
    """(timestep fs, count spacing ps) of a teacher MD check (its ``md`` block); None for a relaxation."""
    md = check.get("md")
    return (md["timestep_fs"], md["count_every_ps"]) if md else None


def teacher_openings(check: dict, spacing_ps: float) -> tuple[int, float] | None:
    """PS4 openings in a teacher MD check and its anion-ps, its counts taken ``spacing_ps`` apart (the student's
    frame spacing, so both miss the same short openings); None when the check cannot give them."""
    timing = _md_spacing(check)
    if timing is None:
        return None
    timestep_fs, every_ps = timing
    stride = round(spacing_ps / every_ps)
    if stride < 1 or abs(stride * every_ps - spacing_ps) > 1e-9:
        return None
    counts = check["P_with_four_S_within_2.6A_by_step"]
    steps = sorted(int(k) for k in counts)[::stride]
    n_p = int(next(iter(counts.values())).split("/")[1])
    if "open_P_by_step" in check:
        frames = [check["open_P_by_step"][str(k)] for k in steps]
    elif all(counts[str(k)] == f"{n_p}/{n_p}" for k in sorted(int(k) for k in counts)):
        frames = [[] for _ in steps]          # nothing ever opened: no per-anion record needed
    else:
        return None
    return count_openings(frames), n_p * (steps[-1] - steps[0]) * timestep_fs / 1000


def _rate(n: int, exposure: float, dispersion: float) -> dict:
    """A rate of openings with its 95 % interval, quasi-Poisson as the ratio is (n / dispersion events)."""
    from sei_lmp.analysis.transport import poisson_interval

    low, high = (dispersion * x for x in poisson_interval(n / dispersion, 0.95, zero_one_sided=True))
    return {"openings": n, "anion_ps": round(exposure, 3), "per_anion_ps": round(n / exposure, 5),
            "per_anion_ps_ci95": [round(low / exposure, 5), round(high / exposure, 5)]}


def _more_teacher_md(n_s: int, e_s: float, n_t: int, e_t: float, phi: float) -> float | None:
    """Teacher anion-ps still needed for p < 0.05 if the teacher goes on opening at its present rate (none so
    far: at none); None when the student's rate is not above the teacher's, 0 when it is decided already."""
    from scipy.optimize import brentq

    from sei_lmp.analysis.transport import poisson_rate_ratio

    if n_s == 0 or n_s / e_s <= n_t / e_t:
        return None

    def p(extra: float) -> float:
        return poisson_rate_ratio(n_s, e_s, n_t / e_t * (e_t + extra), e_t + extra, dispersion=phi).p_greater - 0.05

    if p(0.0) < 0:
        return 0.0
    top = e_t + e_s
    while p(top) > 0:
        top *= 4
        if top > 1e9:
            return None
    return float(brentq(p, 0.0, top, xtol=1e-3))


def opening_rates(seeds: dict, teacher: list[dict]) -> dict:
    """Per keep-rule target of a seed check: the student's PS4 openings per anion-ps against its teacher's own
    MD of the same start cell at the same temperature, relaxed first as the decks minimise first, with the exact
    rate-ratio interval (count statistics: an opening is an event, the frames it spans are not independent)."""
    from sei_lmp.analysis.transport import overdispersion, poisson_rate_ratio

    out = {}
    for name, target in seeds.get("targets", {}).items():
        runs = [r for key, r in seeds["runs"].items()
                if key.split("/")[0] == name and PS4.label in r.get("openings", {})]
        md = [t for t in teacher if t.get("relaxed_first") and t["structure"] in target["structures"]
              and t.get("md", {}).get("temperature_K") == target["temperature_K"]]
        taught = [(t, teacher_openings(t, seeds["dump_every_ps"])) for t in md]
        taught = [(t, o) for t, o in taught if o is not None]
        if not runs or not taught:
            continue
        per_run = [(r["openings"][PS4.label], r["centre_ps"][PS4.label]) for r in runs]
        n_s, e_s = (sum(x) for x in zip(*per_run))
        n_t, e_t = sum(o[0] for _, o in taught), sum(o[1] for _, o in taught)
        # the reruns scatter more than Poisson (each glass trajectory drifts its own way): quasi-Poisson
        phi = overdispersion(*zip(*per_run))
        ratio = poisson_rate_ratio(n_s, e_s, n_t, e_t, dispersion=phi)
        n_p = int(next(iter(runs[0]["centre_frames_broken"].values())).split("/")[1]) // runs[0]["frames"]
        needed = _more_teacher_md(n_s, e_s, n_t, e_t, phi)
        out[name] = {
            "frames_every_ps": seeds["dump_every_ps"],
            "student": _rate(n_s, e_s, phi) | {"runs": len(runs)},
            "teacher": _rate(n_t, e_t, phi) | {"runs": [t["run"] for t, _ in taught]},
            "dispersion_of_reruns": round(phi, 2),
            "ratio": ratio.ratio, "ratio_ci95": [round(ratio.low, 3), round(ratio.high, 3)],
            # the bound that goes with a one-sided test at 5 %: the lower end of the central 90 % interval
            "ratio_above_one_sided_95": round(poisson_rate_ratio(n_s, e_s, n_t, e_t, 0.90, dispersion=phi).low, 3),
            "p_student_not_higher": round(ratio.p_greater, 5),
            "p_if_reruns_were_poisson": round(poisson_rate_ratio(n_s, e_s, n_t, e_t).p_greater, 5),
            "teacher_ps_more_to_decide": None if needed is None else round(needed / n_p, 1),
            **({"note": "the teacher opened none: the ratio has a lower bound only (null = unbounded)"}
               if n_t == 0 else {})}
    return out


def opening_warnings(rates: dict, seed_file: str) -> list[str]:
    """One line per target: is the student's opening rate above its teacher's, by count statistics?"""
    out = []
    for name, r in rates.items():
        s, t = r["student"], r["teacher"]
        said = (f"{name}: PS4 openings per anion-ps, frames every {r['frames_every_ps']:g} ps: this potential "
                f"{s['per_anion_ps']:.3f} ({s['openings']} in {s['anion_ps']:g} anion-ps, {s['runs']} reruns "
                f"scattering {r['dispersion_of_reruns']:g}x Poisson, {seed_file}), its teacher "
                f"{t['per_anion_ps']:.3f} ({t['openings']} in {t['anion_ps']:g} anion-ps of its own MD of the "
                "relaxed cell)")
        if r["p_student_not_higher"] < 0.05:
            out.append(f"{said}: this potential opens PS4 more often than its teacher (rate ratio above "
                       f"{r['ratio_above_one_sided_95']:.3g}, one-sided 95 %, p = {r['p_student_not_higher']:.1g})")
        elif s["openings"]:
            rate = "opening none" if t["openings"] == 0 else "opening at its present rate"
            more = (f"; if the teacher goes on {rate}, about {r['teacher_ps_more_to_decide']:g} ps more of its "
                    "MD would decide it at 95 %" if r.get("teacher_ps_more_to_decide") is not None else "")
            high = r["ratio_ci95"][1]
            upper = "no upper bound" if high is None or high > 1e3 else f"{high:.2g}"
            out.append(f"{said}: the two rates cannot be told apart with these data (p = "
                       f"{r['p_student_not_higher']:.2f}, rate ratio {r['ratio_ci95'][0]:.2g} to {upper} at "
                       f"95 %){more}")
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
        trajectory = run.frames_file
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


def rerun_summary(reruns: dict, stop: float = MAXVOL.stop) -> dict:
    """Per target of a ``seed_check.py --entries`` output: how many reruns with other seeds held their full length
    below the stop grade (the learning's own verdict rests on one trajectory per target), and how the others ended."""
    out: dict[str, dict] = {}
    for key, run in reruns["runs"].items():
        name, rerun = key.split("/", 1)
        entry = out.setdefault(name, {"reruns": 0, "held": 0, "stopped_by_grade": [], "watchdog": [], "other": []})
        entry["reruns"] += 1
        seed = rerun.rsplit("seed", 1)[-1]
        if holds(run, stop):
            entry["held"] += 1
        elif run.get("watchdog"):
            entry["watchdog"].append(f"{seed}: {run['watchdog']} at {run['ps_held']:.3g} ps")
        elif run["max_grade"] >= stop:
            entry["stopped_by_grade"].append(f"{seed}: grade {run['max_grade']:.3g} at {run['ps_held']:.3g} ps")
        else:
            entry["other"].append(f"{seed}: ended at {run['ps_held']:.3g} ps")
    return out


def add_rerun_check(card: dict, path: Path) -> None:
    """Put a ``seed_check.py --entries`` output (kept in potentials/learn/) into a card: its summary under
    validation.target_reruns (replacing a target's earlier one) and a warning per target whose reruns did not all
    hold."""
    summary = rerun_summary(json.loads(path.read_text()))
    reruns = card["validation"].setdefault("target_reruns", {})
    # a target checked again replaces its line rather than adding a second one: the line its earlier entry gave
    stale = {line for name in summary if name in reruns
             for line in rerun_warnings({name: reruns[name]}, reruns[name]["source"])}
    card["warnings"] = [w for w in card.get("warnings", []) if w not in stale]
    reruns.update({name: entry | {"source": f"learn/{path.name}"} for name, entry in summary.items()})
    card["warnings"] += rerun_warnings(summary, f"learn/{path.name}")


def rerun_warnings(summary: dict, source: str) -> list[str]:
    """One line per target whose reruns with other seeds did not all hold."""
    out = []
    for name, entry in summary.items():
        if entry["held"] == entry["reruns"]:
            continue
        ends = "; ".join(entry["stopped_by_grade"] + entry["watchdog"] + entry["other"])
        out.append(f"{name} (rerun with {entry['reruns']} other seeds, {source}): {entry['held']} of "
                   f"{entry['reruns']} held their full length below grade {MAXVOL.stop:g}; the others stopped "
                   f"(seed: how) {ends}. Until reruns hold, treat these conditions as outside the trust "
                   "region (a watchdog trip at a low grade is not extrapolation: see what the run did)")
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
    parser.add_argument("--rerun-check", type=Path, action="append", default=[],
                        help="output of seed_check.py --entries: targets rerun with other seeds (repeatable)")
    parser.add_argument("--warning", action="append", default=[], help="a further warning for the card")
    args = parser.parse_args()
    final = args.run_dir / "final"
    if not final.is_dir():
        raise SystemExit(f"{final} does not exist: ship a learning that has ended (sei-lmp learn writes final/ "
                         "when it converges, runs out of generations or of --budget-s)")
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
        rates = opening_rates(seeds, teacher)
        if rates:
            card["validation"]["ps4_opening_rates"] = rates
        card["warnings"] += opening_warnings(rates, f"learn/{args.seed_check.name}") + seed_warnings(seeds)
    for path in args.rerun_check:
        add_rerun_check(card, path)
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
