#!/usr/bin/env python
"""Rerun a learning's target runs that carry keep rules with the final potential and *other* velocity seeds,
writing frames more often, and count what they keep: one trajectory that kept every PS4 could be luck, and a
PS4 that opens and closes between two 0.5 ps frames is not seen by the learning's own check.

Usage (repository root)::

    python potentials/learn/seed_check.py potentials/learn/LiPS_mtp_keep.toml runs/learn-LiPS-mtp \
        --seeds $(seq 11 30) --dump-every-ps 0.1 -o potentials/learn/LiPS_mtp_learned_seed_check.json

The plan gives the target runs and their keep rules (a plan without keep rules, such as the one a shipped
potential was grown by, can be checked with its ``*_keep.toml`` twin). The runs go to
``<learning>/seed-check/<final or gen-N>/<k>-<name>-seeds-...`` (resumable: the sweep machinery skips finished runs).
Each run records its openings (how many times an anion went from intact to open) and the anion-ps they were
counted over: ``ship.py`` compares their rate with the teacher's. ``--entries NAME ...`` reruns named entries
instead, e.g. a target without keep rules (an interface run): whether each rerun holds its full length;
``--card potentials/<potential>.json`` with an ``-o`` in this directory also writes that into a shipped card
(``validation.target_reruns`` and a warning), as ``ship.py --rerun-check`` does when it ships.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))


def final_potential(learning: Path, plan, generation: int | None = None) -> Path:
    """The learning's final potential, or that of one generation."""
    suffix = {"mtp": ".almtp", "ace": ".yace", "mace": ".model-lammps.pt"}[plan.family]
    if generation is not None:
        record = learning / f"gen-{generation:03d}" / "potential" / "fit.json"
        if not record.is_file():
            fitted = sorted(p.parent.parent.name for p in learning.glob("gen-*/potential/fit.json"))
            raise SystemExit(f"{record} does not exist: generation {generation} of {learning} has no fitted "
                             f"potential (fitted: {', '.join(fitted) or 'none'})")
        return Path(json.loads(record.read_text())["path"])
    found = sorted((learning / "final").glob(f"*{suffix}"))
    if not found:
        raise SystemExit(f"{learning}/final holds no {suffix}: has the learning ended?")
    return found[0]


def _centres(centre_frames: str, frames: int) -> int:
    """Centres per frame from a ``"broken/all"`` centre-frame tally over ``frames`` frames."""
    return int(centre_frames.split("/")[1]) // frames


def main() -> None:
    from sei_lmp.learn.loop import explore_spec, run_summary
    from sei_lmp.learn.plan import read_plan
    from sei_lmp.sweep import plan_sweep, run_local, wait_for_held_runs

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("plan", type=Path)
    parser.add_argument("learning", type=Path)
    parser.add_argument("--seeds", type=int, nargs="+", default=[11, 12, 13])
    parser.add_argument("--dump-every-ps", type=float, default=0.1)
    parser.add_argument("--generation", type=int, help="check this generation's potential instead of final/")
    parser.add_argument("--entries", nargs="+", metavar="NAME",
                        help="rerun these [[explore]] entries instead (by name; one without keep rules records "
                             "whether it held, its grade and any watchdog trip)")
    parser.add_argument("-o", "--out", type=Path, required=True)
    parser.add_argument("--card", type=Path,
                        help="with --entries: also put the reruns into this shipped potential's card "
                             "(validation.target_reruns and a warning where not all held), as ship.py "
                             "--rerun-check does; -o must then lie in potentials/learn/, where the card points")
    args = parser.parse_args()
    if args.card and not args.entries:
        parser.error("--card goes with --entries (a keep-rule check goes into a card through ship.py --seed-check)")
    if args.card and args.out.resolve().parent != HERE:
        parser.error(f"with --card, give an -o in {HERE}: the card names its source as learn/<file>")
    if args.card and not args.card.is_file():
        parser.error(f"{args.card} is not a potential card (<potential>.json)")
    plan = read_plan(args.plan)
    potential = final_potential(args.learning, plan, args.generation)
    names = [str(entry.get("name", k)) for k, entry in enumerate(plan.explore)]
    if args.entries:
        unknown = sorted(set(args.entries) - set(names))
        if unknown:
            raise SystemExit(f"{args.plan} has no [[explore]] entry named {', '.join(unknown)} (it has "
                             f"{', '.join(names)})")
        checked = [k for k, name in enumerate(names) if name in args.entries]
    else:
        checked = [k for k in range(len(plan.explore)) if plan.keep_rules(k)]
    if not checked:
        raise SystemExit(f"{args.plan} has no [[explore]] entry with keep rules (name some with --entries)")
    if args.out.exists():
        raise SystemExit(f"{args.out} exists; give another -o (nothing is overwritten; the runs resume anyway)")
    explore = list(plan.explore)
    result = {"plan": args.plan.name, "potential": potential.name, "generation": args.generation, "seeds": args.seeds,
              "dump_every_ps": args.dump_every_ps, "runs": {}}
    for k in checked:
        entry = dict(explore[k])
        entry["settings"] = {**entry.get("settings", {}), "dump_every_ps": args.dump_every_ps}
        entry["grid"] = {**entry.get("grid", {}), "md.seed": list(args.seeds)}
        explore[k] = entry
        spec = explore_spec(dataclasses.replace(plan, explore=tuple(explore)), k, potential)
        # named by what it runs: a rerun with other seeds or frame spacing, or another plan's entry of the same
        # index, is a new sweep, not a resume
        sweep_dir = (args.learning / "seed-check" / ("final" if args.generation is None else
                                                     f"gen-{args.generation:03d}") /
                     f"{k}-{entry.get('name', k)}-seeds-{'-'.join(map(str, args.seeds))}"
                     f"-every-{args.dump_every_ps:g}ps")
        started = time.perf_counter()
        if not (sweep_dir / "sweep.json").is_file():
            plan_sweep(spec, sweep_dir, progress=False)
        run_local(sweep_dir, progress=True)
        while wait_for_held_runs(sweep_dir):      # an earlier, killed check's workers were still running
            run_local(sweep_dir, progress=True)
        for run_dir in sorted((sweep_dir / "runs").iterdir()):
            info = run_summary(run_dir, plan.keep_rules(k))  # counts the keep rules over its trajectory
            held = {"completed": info["completed"], "ps_held": info["ps_held"],
                    "max_grade": round(info["max_grade"], 3), "watchdog": info["watchdog"]}
            if "keep" not in info:                           # a target without keep rules: whether it held
                result["runs"][f"{entry.get('name', k)}/{run_dir.name}"] = held
                print(run_dir.name, held, flush=True)
                continue
            keep = info["keep"]
            result["runs"][f"{entry.get('name', k)}/{run_dir.name}"] = {
                **held, "frames": keep["frames"], "worst": keep["worst"], "broken_frames": len(keep["broken"]),
                "centre_frames_broken": keep["centre_frames_broken"],
                # the events a rate is made of (frames of one opening are not independent), and their exposure
                "openings": keep["openings"],
                "centre_ps": {label: round(_centres(frac, keep["frames"]) * (keep["frames"] - 1)
                                           * args.dump_every_ps, 3)
                              for label, frac in keep["centre_frames_broken"].items()},
                "broken_at_ps": [round(i * args.dump_every_ps, 2) for i in keep["broken"]][:20],
                "intact": keep["intact"]}
            print(run_dir.name, result["runs"][f"{entry.get('name', k)}/{run_dir.name}"], flush=True)
        result.setdefault("seconds", {})[str(entry.get("name", k))] = round(time.perf_counter() - started, 1)
        # what the teacher's own MD must have run to be compared with (ship.py matches on these)
        result.setdefault("targets", {})[str(entry.get("name", k))] = {
            "temperature_K": entry["settings"].get("temperature_K"),
            "structures": [Path(s["source"]).name for s in entry.get("structures", [])]}
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    print(f"wrote {args.out}")
    if args.card:
        from ship import add_rerun_check

        from sei_lmp.training.provenance import card_json

        card = json.loads(args.card.read_text())
        add_rerun_check(card, args.out)
        args.card.write_text(card_json(card))
        print(f"wrote the reruns into {args.card}")


if __name__ == "__main__":
    main()
