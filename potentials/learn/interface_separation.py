#!/usr/bin/env python
"""Rigid separation of an interface cell against the teacher: the energy per area of opening a gap ``d`` at a
plane normal to z (the atoms above the plane and the cell's top move up by ``d``), for the teacher and each
student, at the same geometries. Tells a student that holds an interface too weakly (its NPT cell opens a gap the
teacher's would not) or too strongly, which the grade cannot: a gap is a surface, and a potential may grade a
surface low while getting its energy wrong.

The cells are rigid cuts of the start structure (no relaxation), so the numbers are the traction-separation
curve of the built interface, not a relaxed work of separation; the plateau is the energy of the two cut faces
at that geometry. ``--frames`` writes the separated cells labelled by the teacher (energy, forces, stress), to
add to a learning plan's starting set.

Usage (repository root; needs the teacher's package)::

    python potentials/learn/interface_separation.py potentials/learn/li_li3ps4_interface_206.extxyz \
        --plane Li|Li3PS4=10.5 --plane Li3PS4|Li=28.3 --plane Li(100)=5.3 --teacher chgnet \
        -p potentials/LiPS_ace_learned.yace -p potentials/LiPS_mtp_learned.almtp \
        -o potentials/learn/interface_npt600K/li_li3ps4_interface_206_separation.json [--frames OUT.extxyz]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))
sys.path.insert(0, str(HERE))

GAPS_A = (0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0)
#: a curve further from the teacher's than this fraction of the teacher's largest |value| gets a card warning
TOLERANCE = 0.25
WARNING_PREFIX = "rigid separation of"


def separated(atoms, plane: float, gap: float):
    """``atoms`` with a gap ``gap`` opened at ``plane`` (z, in the wrapped cell): atoms above it and the cell's
    third vector move up by ``gap``. The cell must have its third vector along z."""
    cell = atoms.cell[:].copy()       # a view otherwise: the caller's cell would grow with every call
    if not all(atoms.pbc):
        raise SystemExit("the interface cell must be periodic in x, y and z")
    if abs(cell[2, 0]) > 1e-9 or abs(cell[2, 1]) > 1e-9 or abs(cell[0, 2]) > 1e-9 or abs(cell[1, 2]) > 1e-9:
        raise SystemExit("the interface normal must be the cell's third vector, along z (an orthorhombic-like cell)")
    if not 0 < plane <= cell[2, 2]:
        raise SystemExit(f"plane z = {plane} lies outside the cell (0, {cell[2, 2]:.3f}]")
    out = atoms.copy()
    out.calc = None
    positions = out.positions.copy()
    positions[:, 2] %= cell[2, 2]
    positions[positions[:, 2] > plane, 2] += gap
    cell[2, 2] += gap
    out.set_cell(cell)
    out.positions = positions
    return out


def curve(calc, cells: list, area: float) -> list[float]:
    """Energy per area [meV/A^2] of each cell relative to the first (no gap)."""
    energies = []
    for atoms in cells:
        atoms = atoms.copy()
        atoms.calc = calc
        energies.append(atoms.get_potential_energy())
    return [round(float((e - energies[0]) * 1000 / area), 2) for e in energies]


def compare(teacher: list[float], student: list[float]) -> dict:
    """The student's plateau (largest gap) against the teacher's, and the largest difference along the curve."""
    t, s = np.array(teacher), np.array(student)
    return {"plateau_meV_per_A2": float(s[-1]), "teacher_plateau_meV_per_A2": float(t[-1]),
            "plateau_ratio": round(float(s[-1] / t[-1]), 3) if abs(t[-1]) > 1e-9 else None,
            "max_abs_difference_meV_per_A2": round(float(np.abs(s - t).max()), 2)}


def off(block: dict, student: str) -> bool:
    """Whether ``student``'s curve at one plane lies further from the teacher's than TOLERANCE allows."""
    scale = max(abs(v) for v in block["teacher"])
    return block[student]["max_abs_difference_meV_per_A2"] > TOLERANCE * scale


def card_block(result: dict, student: str, source: str) -> dict:
    """What a student's card keeps of a separation record: per plane its plateau against the teacher's."""
    planes = {name: {k: v for k, v in block[student].items() if k != "curve"} | {"z_A": block["z_A"],
                                                                               "off": off(block, student)}
              for name, block in result["planes"].items() if student in block}
    return {"source": source, "structure": result["structure"], "tolerance": TOLERANCE, "planes": planes}


def warning(block: dict) -> str | None:
    """The card's line for the planes where the student is off (None when none is)."""
    bad = {name: p for name, p in block["planes"].items() if p["off"]}
    if not bad:
        return None
    each = "; ".join(f"{name} {p['plateau_meV_per_A2']:g} meV/A^2 (teacher {p['teacher_plateau_meV_per_A2']:g})"
                     for name, p in bad.items())
    return (f"{WARNING_PREFIX} {block['structure']} ({block['source']}): the energy to open a gap differs from "
            f"the teacher's by more than {TOLERANCE:.0%} of the teacher's largest value at {each}. "
            "Surfaces and adhesion at this interface are not its teacher's: an NPT run may open or close gaps "
            "the teacher would not")


def annotate(card_path: Path, block: dict) -> None:
    """Put the block in the card (validation.interface_separation) and replace its warning line."""
    from sei_lmp.training.provenance import record_check

    record_check(card_path, ("interface_separation",), block, f"{WARNING_PREFIX} {block['structure']} ",
                 warning(block))


def _plane(text: str) -> tuple[str, float]:
    name, _, z = text.rpartition("=")
    if not name:
        raise argparse.ArgumentTypeError(f"--plane wants NAME=Z, got {text!r}")
    return name, float(z)


def main() -> None:
    from ase.io import read, write

    from sei_lmp.errors import ConfigurationError
    from sei_lmp.learn.teachers import get_teacher
    from teacher_ps4_check import student_calculator

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("structure", type=Path)
    parser.add_argument("--plane", type=_plane, action="append", required=True, metavar="NAME=Z",
                        help="a plane to open, by a name and its z [A] in the wrapped cell; repeatable")
    parser.add_argument("--teacher", default="chgnet")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("-p", "--potential", type=Path, action="append", default=[],
                        help="a student potential (.yace or .almtp/.mtp), repeatable")
    parser.add_argument("--gaps", type=float, nargs="+", default=list(GAPS_A))
    parser.add_argument("-o", "--out", type=Path, required=True)
    parser.add_argument("--frames", type=Path, help="write the separated cells (gap > 0) with the teacher's labels")
    parser.add_argument("--card", action="store_true",
                        help="write each student's plateaus into its card (validation.interface_separation) and a "
                             "warning where it is off the teacher's")
    args = parser.parse_args()
    if args.gaps[0] != 0:
        parser.error("the first gap must be 0 (the curves are relative to the closed interface)")
    for path in (args.out, args.frames):
        if path is not None and path.exists():
            parser.error(f"{path} exists: remove it or name another file")

    atoms = read(args.structure)
    area = float(np.linalg.norm(np.cross(atoms.cell[0], atoms.cell[1])))
    teacher = get_teacher(args.teacher, {"threads": args.threads})
    teacher_calc = teacher.calculator()
    try:
        students = {p.name: student_calculator(p)[0] for p in args.potential}
    except ConfigurationError as error:
        parser.error(str(error))
    result = {"structure": args.structure.name, "teacher": teacher.description, "area_A2": round(area, 3),
              "gaps_A": args.gaps, "unit": "meV/A^2 relative to the closed cell (rigid cut, no relaxation)",
              "planes": {}}
    labelled = []
    for name, z in args.plane:
        cells = [separated(atoms, z, d) for d in args.gaps]
        block = {"z_A": z, "teacher": curve(teacher_calc, cells, area)}
        for student, calc in students.items():
            values = curve(calc, cells, area)
            block[student] = {"curve": values, **compare(block["teacher"], values)}
        result["planes"][name] = block
        print(name, json.dumps(block), flush=True)
        if args.frames is not None:
            from ase.calculators.singlepoint import SinglePointCalculator

            for d, cell in zip(args.gaps[1:], cells[1:]):
                cell.calc = teacher_calc
                labels = {"energy": cell.get_potential_energy(), "forces": cell.get_forces(),
                          "stress": cell.get_stress()}
                cell.calc = SinglePointCalculator(cell, **labels)
                cell.info.update(config_type="interface_separation", plane=name, gap_A=d)
                labelled.append(cell)
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    if labelled:
        write(args.frames, labelled, format="extxyz")
    if args.card:
        for path in args.potential:
            card = Path(str(path) + ".json")
            if not card.is_file():
                raise SystemExit(f"{path} has no .json card to write into")
            annotate(card, card_block(result, path.name, str(args.out.resolve().relative_to(HERE.parent))))


if __name__ == "__main__":
    main()
