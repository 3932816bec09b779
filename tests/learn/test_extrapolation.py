"""Where the grade rose: the highest-grade atom and its neighbours, read from a guarded dump as the deck writes it."""

from __future__ import annotations

import numpy as np
import pytest
from ase import Atoms

from sei_lmp.learn.extrapolation import dump_frames, where_grade_rose, worst_atom


def _reduced_p() -> Atoms:
    # a P stripped to one S with a P-P bond and a Li, far from a second, ordinary PS4-like P
    positions = [[5, 5, 5], [7.05, 5, 5], [5, 7.2, 5], [5, 5, 7.5], [5, 5, 2.6],
                 [15, 15, 15], [17.05, 15, 15]]
    return Atoms(["P", "S", "P", "Li", "Li", "P", "S"], positions=positions, cell=[20, 20, 20], pbc=True)


def test_worst_atom_names_species_and_neighbours_nearest_first():
    frame = _reduced_p()
    worst = worst_atom(frame, [12.0, 1, 3, 1, 1, 0.5, 0.4])
    assert worst["species"] == "P" and worst["atom"] == 0 and worst["grade"] == 12.0
    assert worst["neighbours"] == "1 S 2.05, 1 P 2.20, 2 Li 2.40"
    assert worst["neighbour_counts"] == {"S": 1, "P": 1, "Li": 2}


def test_worst_atom_counts_neighbours_across_the_periodic_boundary():
    frame = Atoms(["Li", "F"], positions=[[0.2, 0, 0], [9.2, 0, 0]], cell=[10, 10, 10], pbc=True)
    assert worst_atom(frame, [5, 1])["neighbours"] == "1 F 1.00"
    alone = Atoms(["Li"], positions=[[0, 0, 0]], cell=[10, 10, 10], pbc=True)
    assert worst_atom(alone, [3])["neighbours"] == "none"


def test_worst_atom_refuses_grades_of_another_frame():
    with pytest.raises(ValueError, match="6 per-atom grades for a frame of 7 atoms"):
        worst_atom(_reduced_p(), np.ones(6))


def _write_dump(path, frames):
    with open(path, "w") as fh:
        for step, frame, grade, types in frames:
            fh.write(f"ITEM: TIMESTEP\n{step}\nITEM: NUMBER OF ATOMS\n{len(frame)}\n"
                     "ITEM: BOX BOUNDS pp pp pp\n" + "".join(f"0 {frame.cell[k, k]}\n" for k in range(3))
                     + "ITEM: ATOMS id type x y z f_gamma\n")
            for i, (t, x, g) in enumerate(zip(types, frame.positions, grade)):
                fh.write(f"{i + 1} {t} {x[0]} {x[1]} {x[2]} {g}\n")


def test_where_grade_rose_reads_the_worst_frame_of_each_run(tmp_path):
    frame = _reduced_p()
    types = [2, 3, 2, 1, 1, 2, 3]                    # data-file types of elements Li P S
    mild = [1, 1, 2.5, 1, 1, 1, 1]                   # a Li-surrounded P at 2.5
    bad = [11.0, 1, 3, 1, 1, 1, 1]
    _write_dump(tmp_path / "a.dump", [(100, frame, mild, types), (250, frame, bad, types), (300, frame, mild, types)])
    (tmp_path / "empty.dump").write_text("")
    runs = {"1/seed1": {"dump": str(tmp_path / "a.dump"), "elements": ["Li", "P", "S"], "completed": False},
            "1/seed2": {"dump": str(tmp_path / "empty.dump"), "elements": ["Li", "P", "S"], "completed": True}}
    assert [step for step, _, _ in dump_frames(tmp_path / "a.dump", ["Li", "P", "S"])] == [100, 250, 300]
    table = where_grade_rose(runs)
    assert len(table) == 1
    row = table.iloc[0]
    assert row["run"] == "1/seed1" and row["step"] == 250 and row["frames"] == 3 and not row["held"]
    assert row["species"] == "P" and row["max_grade"] == pytest.approx(11.0)
    assert row["neighbours"] == "1 S 2.05, 1 P 2.20, 2 Li 2.40"
