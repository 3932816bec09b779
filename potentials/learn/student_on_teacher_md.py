#!/usr/bin/env python
"""How learned potentials grade, and how far their forces are from the teacher's, on frames of the *teacher's*
own MD (written by ``teacher_ps4_check.py --frames``): tells a region the potential never saw (grade above
save) from one it saw but reproduces only to its usual accuracy (grade <= 1, the usual force error). Also the
pressure against the teacher's (hydrostatic and along z, the normal of an interface cell): what an NPT run of
the student drifts by.

Usage (repository root; needs the teacher's package)::

    python potentials/learn/student_on_teacher_md.py glass_chgnet.extxyz --teacher chgnet \
        -p LiPS_mtp_learned.almtp -p LiPS_ace_learned.yace -o potentials/learn/students_on_chgnet_glass.json
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
from ase.units import GPa

GPA_PER_EV_A3 = 1 / GPa

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

WARNING_PREFIX = "on its teacher's own frames of"


def summary(rows: list[dict], stop: float) -> dict:
    """One potential's rows in a few numbers: how many frames grade above ``stop`` (the break threshold), the
    force error and the pressure against the teacher's (mean and range over the frames)."""
    grades = np.array([r["max_grade"] for r in rows])
    dp = np.array([r["pressure_minus_teacher_GPa"] for r in rows])
    dz = np.array([r["pzz_minus_teacher_GPa"] for r in rows])
    forces = np.array([r["forces_rmse_eV_per_A"] for r in rows])
    return {"frames": len(rows), "break_grade": stop, "frames_above_break": int((grades > stop).sum()),
            "max_grade": {"median": round(float(np.median(grades)), 3), "max": round(float(grades.max()), 3)},
            "forces_rmse_eV_per_A_mean": round(float(forces.mean()), 3),
            "pressure_minus_teacher_GPa": {"mean": round(float(dp.mean()), 3),
                                           "range": [round(float(dp.min()), 3), round(float(dp.max()), 3)]},
            "pzz_minus_teacher_GPa_mean": round(float(dz.mean()), 3)}


def warning(block: dict, frames: str, source: str) -> str | None:
    """The card's line when the teacher's own trajectory leaves the potential's trust region (None otherwise)."""
    if block["frames_above_break"] == 0:
        return None
    return (f"{WARNING_PREFIX} {frames} ({source}) it grades above break ({block['break_grade']:g}) on "
            f"{block['frames_above_break']} of {block['frames']} (max {block['max_grade']['max']:.3g}), forces "
            f"{block['forces_rmse_eV_per_A_mean']:g} eV/A RMS from the teacher's, pressure "
            f"{block['pressure_minus_teacher_GPa']['mean']:+.2f} GPa off: where the teacher goes there, this potential "
            "is outside what it was fitted on, whatever its own runs grade")


def annotate(card_path: Path, block: dict, frames: str, source: str) -> None:
    """Put the summary in the card (validation.on_teacher_frames, keyed by the frames file) and replace this
    frames file's warning line."""
    from sei_lmp.training.provenance import record_check

    record_check(card_path, ("on_teacher_frames", frames), {"source": source, **block},
                 f"{WARNING_PREFIX} {frames} ", warning(block, frames, source))


def main() -> None:
    from ase.io import read

    from sei_lmp.learn.plan import fit_settings
    from sei_lmp.learn.refit import adapter
    from sei_lmp.learn.teachers import get_teacher
    from sei_lmp.potentials import load_potential

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("frames", type=Path)
    parser.add_argument("--teacher", default="chgnet")
    parser.add_argument("-p", "--potential", action="append", required=True,
                        help="a learned potential (.almtp or .yace with .asi): a shipped name or a path, repeatable")
    parser.add_argument("--every-ps", type=float, default=0.5, help="time between the frames [ps]")
    parser.add_argument("-o", "--out", type=Path, required=True)
    parser.add_argument("--card", action="store_true",
                        help="write each potential's summary into its card (validation.on_teacher_frames) and a "
                             "warning where the teacher's frames grade above break")
    args = parser.parse_args()
    frames = read(args.frames, index=":")
    teacher = get_teacher(args.teacher)
    calc = teacher.calculator()
    reference, reference_stress = [], []
    for atoms in frames:
        labelled = atoms.copy()
        labelled.calc = calc
        reference.append(labelled.get_forces().copy())
        reference_stress.append(labelled.get_stress(voigt=True).copy())
    result = {"teacher": teacher.description, "frames": args.frames.name, "every_ps": args.every_ps,
              "potentials": {}}
    potentials = {name: load_potential(name if Path(name).is_file() else f"shipped:{name}")
                  for name in args.potential}
    for name, pot in potentials.items():
        fit = adapter(pot.family, fit_settings(pot.family, tuple(pot.species), {}))
        grades = fit.grades(pot.path, frames)
        predicted = fit.predict(pot.path, frames)
        rows = []
        for k, (g, p, r, rs) in enumerate(zip(grades, predicted, reference, reference_stress)):
            # ASE's stress is dE/(V d strain): the pressure is its negative
            dp = -(np.asarray(p["stress"])[:3] - rs[:3]) * GPA_PER_EV_A3
            rows.append({"t_ps": round(k * args.every_ps, 3), "max_grade": round(float(g), 3),
                         "forces_rmse_eV_per_A": round(float(np.sqrt(((p["forces"] - r) ** 2).mean())), 3),
                         "pressure_minus_teacher_GPa": round(float(dp.mean()), 3),
                         "pzz_minus_teacher_GPa": round(float(dp[2]), 3)})
        result["potentials"][Path(name).name] = rows
        print(name, rows, flush=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    if args.card:
        from sei_lmp.potentials.grades import thresholds_for

        for name, pot in potentials.items():
            block = summary(result["potentials"][Path(name).name], thresholds_for(pot.family).stop)
            card = Path(str(pot.path) + ".json")
            if not card.is_file():
                raise SystemExit(f"{pot.path} has no .json card to write into")
            annotate(card, block, args.frames.name,
                     str(args.out.resolve().relative_to(HERE.parent)))


if __name__ == "__main__":
    main()
