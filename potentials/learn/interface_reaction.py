#!/usr/bin/env python
"""How far a student's Li | Li3PS4 interface reacts against the teacher's own NPT run of the same cell: intact
PS4, P reduced to no S, P-P and S-S bonds and the cell's normal, at common times. Holding 20 ps below the break
grade says the student was not extrapolating; this says whether it grows the interphase its teacher grows.

Usage (repository root)::

    python potentials/learn/teacher_ps4_check.py potentials/learn/li_li3ps4_interface_206.extxyz \\
        -o teacher.json --md-temperature 600 --npt-z-bar 1 --md-ps 10 --relax-first --steps 500 \\
        --count-every-ps 0.1
    python potentials/learn/interface_reaction.py teacher.json --runs 'MTP=runs/mtp/seed-check/final/1-*/runs/*' \\
        --runs 'ACE=runs/ace/seed-check/final/1-*/runs/*' -o interface_reaction.json --plot reaction.png

A student's runs are the decks' reruns (``seed_check.py --entries interface600K``: LAMMPS' minimiser and
Nose-Hoover NPT) or, like with like, ``teacher_ps4_check.py --student`` records under the teacher's own protocol.
Each student's reruns (other velocity seeds) give a spread at every time; the teacher is one run, so the
comparison is where the teacher's value falls among the reruns (its rank), not an interval on a mean.
"""

from __future__ import annotations

import argparse
import glob
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))
sys.path.insert(0, str(HERE))

# what is compared: a name, and how to read it off a bonding record (teacher_ps4_check.bonding + cell z)
QUANTITIES = {
    "PS4 intact": lambda b: b["P_by_S_count"].get("4", 0),
    "P without S": lambda b: b["P_by_S_count"].get("0", 0),
    "P-P bonds": lambda b: b["P-P_below_2.6A"],
    "S-S bonds": lambda b: b["S-S_below_2.3A"],
    "cell z (A)": lambda b: b.get("cell_z_A", np.nan),
    "widest empty z (A)": lambda b: b.get("widest_empty_z_A", np.nan),   # a gap at a face (records before: NaN)
}


def record_series(record: dict) -> pd.DataFrame:
    """A teacher_ps4_check.py NPT record's quantities per counted step, indexed by time (ps): the teacher's, or
    a student's run under the same protocol (``--student``)."""
    md = record.get("md") or {}
    moved = [b for s, b in record["bonding_by_step"].items() if s != "0"]
    if not moved or "cell_z_A" not in moved[0]:
        raise SystemExit(f"the teacher record ({record.get('run')}) has no MD cell z: not an NPT run "
                         "(teacher_ps4_check.py --npt-z-bar)")
    rows = {int(s) * md["timestep_fs"] / 1000: {q: f(b) for q, f in QUANTITIES.items()}
            for s, b in record["bonding_by_step"].items()}
    return pd.DataFrame.from_dict(rows, orient="index").sort_index()


def student_series(run_dir: Path) -> pd.DataFrame:
    """A student run's quantities per trajectory frame, indexed by time (ps) from the start of its MD."""
    from ase import Atoms

    from sei_lmp.io.trajectory import iter_position_frames
    from sei_lmp.run import RunDirectory
    from teacher_ps4_check import bonding, normal_extent

    run = RunDirectory(run_dir)
    trajectory = run.frames_file
    if trajectory is None:
        raise SystemExit(f"{run_dir} has no trajectory")
    dt_ps = float(run.manifest.timestep_fs) / 1000
    rows = {}
    for f in iter_position_frames(trajectory, type_elements=list(run.manifest.elements)):
        atoms = Atoms(list(f.elements), positions=f.positions, cell=f.cell, pbc=True)
        b = bonding(atoms)[0]
        b.update(normal_extent(atoms))
        rows[round(f.timestep * dt_ps, 6)] = {q: fn(b) for q, fn in QUANTITIES.items()}
    return pd.DataFrame.from_dict(rows, orient="index").sort_index()


def compare(teacher: pd.DataFrame, students: dict[str, list[pd.DataFrame]], times: list[float]) -> pd.DataFrame:
    """At each time both have (teacher's nearest count within half a student frame spacing), per quantity: the
    teacher's value and each student's reruns that reached that time (n, median, min, max) with the fraction of
    reruns below the teacher (0: every rerun above it; 1: every rerun below)."""
    rows = []
    for label, runs in students.items():
        for t in times:
            reached = [r for r in runs if len(r) and r.index.max() >= t - 1e-6]
            if not reached or teacher.index.max() < t - 1e-6:
                continue
            at = [r.iloc[int(np.abs(r.index - t).argmin())] for r in reached]
            tt = teacher.iloc[int(np.abs(teacher.index - t).argmin())]
            for q in QUANTITIES:
                values = np.array([float(a[q]) for a in at])
                rows.append({"student": label, "time_ps": t, "quantity": q, "teacher": float(tt[q]),
                             "reruns": len(values), "median": float(np.median(values)),
                             "min": float(values.min()), "max": float(values.max()),
                             "below_teacher": float(np.mean(values < tt[q]) + 0.5 * np.mean(values == tt[q]))})
    return pd.DataFrame(rows)


WARNING_PREFIX = "Li | Li3PS4 interface reaction:"


def verdict(table: pd.DataFrame, student: str) -> dict:
    """Whether ``student`` reacts like its teacher: intact PS4 and P-P bonds after the relaxation (t = 0) and
    at the later common times. "less"/"more" only where every rerun lies on one side of the teacher at every
    time; the teacher is one run, so a value inside the reruns' spread is "within"."""
    rows = table[table["student"] == student]
    out = {}
    for q in ("PS4 intact", "P-P bonds", "P without S"):
        r = rows[rows["quantity"] == q].sort_values("time_ps")
        out[q] = {f"{t:g} ps": {"teacher": v, "median": m, "range": [lo, hi], "reruns": n}
                  for t, v, m, lo, hi, n in zip(r["time_ps"], r["teacher"], r["median"], r["min"], r["max"],
                                                 r["reruns"])}
    intact = rows[rows["quantity"] == "PS4 intact"]
    if intact.empty:
        return {"verdict": "no common times", **out}
    # every rerun keeps more PS4 than the teacher at every time: it reduces the electrolyte less
    if (intact["min"] > intact["teacher"]).all():
        word = "less"
    elif (intact["max"] < intact["teacher"]).all():
        word = "more"
    else:
        word = "within"
    return {"verdict": word, "times_ps": sorted(intact["time_ps"].unique().tolist()), **out}


def warning(v: dict, source: str) -> str | None:
    """The card's line for a student that does not react like its teacher (None when it does)."""
    if v["verdict"] not in ("less", "more"):
        return None
    first = v["PS4 intact"][f"{v['times_ps'][0]:g} ps"]
    last = v["PS4 intact"][f"{v['times_ps'][-1]:g} ps"]
    pp = max((x["range"][1] for x in v["P-P bonds"].values()), default=0)
    pp_teacher = max((x["teacher"] for x in v["P-P bonds"].values()), default=0)
    def span(x):
        lo, hi = x["range"]
        return f"{lo:g}" if lo == hi else f"{lo:g}-{hi:g}"

    return (f"{WARNING_PREFIX} it reduces PS4 {v['verdict']} than its teacher under the teacher's own protocol "
            f"({source}): {span(first)} intact at {v['times_ps'][0]:g} ps (teacher {first['teacher']:g}), "
            f"{span(last)} at {v['times_ps'][-1]:g} ps (teacher {last['teacher']:g}), over {first['reruns']} runs; "
            f"at most {pp:g} P-P bonds (teacher {pp_teacher:g}). Its interphase growth is not its teacher's; "
            "holding the grade below break does not validate it")


def annotate(card_path: Path, v: dict, source: str, student: str | None = None) -> None:
    """Put the verdict in a potential's card (validation.interface_reaction) and replace its warning line."""
    from sei_lmp.training.provenance import record_check

    block = {"source": source, **({"student": student} if student else {}), **v}
    record_check(card_path, ("interface_reaction",), block, WARNING_PREFIX, warning(v, source))


def plot(teacher: pd.DataFrame, students: dict[str, list[pd.DataFrame]], out: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    shown = ["PS4 intact", "P without S", "cell z (A)"]
    fig, axes = plt.subplots(1, len(shown), figsize=(4 * len(shown), 3.4))
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for ax, q in zip(axes, shown):
        for c, (label, runs) in zip(colours[1:], students.items()):
            for k, r in enumerate(runs):
                ax.plot(r.index, r[q], color=c, lw=0.7, alpha=0.5, label=f"{label} ({len(runs)} reruns)"
                        if k == 0 else None)
        ax.plot(teacher.index, teacher[q], color="k", lw=2, label="teacher")
        ax.set_xlabel("time (ps)")
        ax.set_title(q)
    axes[0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    plt.close(fig)
    return out


def _relative_to_potentials(path: Path) -> str:
    """How a card names a file: relative to potentials/ when it lies there (``learn/...``)."""
    try:
        return str(path.resolve().relative_to(HERE.parent))
    except ValueError:
        return path.name


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("teacher", type=Path, help="teacher_ps4_check.py record of an --npt-z-bar run")
    parser.add_argument("--runs", action="append", required=True, metavar="LABEL=GLOB",
                        help="a student's rerun directories, or its teacher_ps4_check.py --student records "
                             "(repeat for each student)")
    parser.add_argument("--times", type=float, nargs="+", default=[0.5, 1, 2, 5, 10, 20])
    parser.add_argument("-o", "--out", type=Path, required=True)
    parser.add_argument("--plot", type=Path)
    parser.add_argument("--card", action="append", default=[], metavar="CARD=LABEL",
                        help="write LABEL's verdict into this potential card (validation.interface_reaction and a "
                             "warning where it does not react like its teacher)")
    args = parser.parse_args()
    if args.out.exists():
        raise SystemExit(f"{args.out} exists; give another -o (nothing is overwritten)")
    record = json.loads(args.teacher.read_text())
    teacher = record_series(record)
    students = {}
    for spec in args.runs:
        label, _, pattern = spec.partition("=")
        found = sorted(Path(p) for p in glob.glob(pattern))
        if not label or not found:
            raise SystemExit(f"--runs {spec!r}: give LABEL=GLOB matching run directories or records")
        # a deck's run directory, or a teacher_ps4_check.py --student record (the teacher's own protocol)
        students[label] = [student_series(p) if p.is_dir() else record_series(json.loads(p.read_text()))
                           for p in found]
    table = compare(teacher, students, args.times)
    pd.set_option("display.width", 160)
    print(table.to_string(index=False, float_format=lambda v: f"{v:.3g}"))
    result = {"teacher": {"record": args.teacher.name, "run": record.get("run"), "complete": record.get("complete"),
                          "ps": float(teacher.index.max())},
              "students": {label: {"reruns": len(runs), "ps_reached": [float(r.index.max()) for r in runs]}
                           for label, runs in students.items()},
              "comparison": table.to_dict("records")}
    result["verdicts"] = {label: verdict(table, label) for label in students}
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    for spec in args.card:
        card, _, label = spec.partition("=")
        if label not in students:
            raise SystemExit(f"--card {spec!r}: no student labelled {label!r} (have {', '.join(students)})")
        annotate(Path(card), result["verdicts"][label], _relative_to_potentials(args.out), label)
        print(f"{card}: {result['verdicts'][label]['verdict']}")
    if args.plot:
        plot(teacher, students, args.plot)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
