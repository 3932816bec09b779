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
    for name in args.potential:
        pot = load_potential(name if Path(name).is_file() else f"shipped:{name}")
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


if __name__ == "__main__":
    main()
