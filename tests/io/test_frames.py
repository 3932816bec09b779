"""OVITO frames with element names: a dump that uses only some of the potential's types (an interface of Li and
Li2S with a Li-P-S potential: no P) is read and analysed; a type that appears only in a later frame is named too."""

from __future__ import annotations

import numpy as np

from sei_lmp.io.frames import iter_data_collections, load_pipeline, type_names


def write_dump(path, frames, box=8.0):
    """LAMMPS dump of (types, positions) frames."""
    lines = []
    for step, (types, positions) in enumerate(frames):
        lines += ["ITEM: TIMESTEP", str(step * 100), "ITEM: NUMBER OF ATOMS", str(len(types)),
                  "ITEM: BOX BOUNDS pp pp pp", *[f"0 {box}"] * 3, "ITEM: ATOMS id type x y z"]
        lines += [f"{i + 1} {t} {x:.4f} {y:.4f} {z:.4f}" for i, (t, (x, y, z)) in enumerate(zip(types, positions))]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_types_the_file_does_not_use_are_named(tmp_path):
    rng = np.random.default_rng(1)
    positions = rng.uniform(0, 8, (12, 3))
    first = [1] * 8 + [3] * 4                      # Li and S; no P (type 2) yet
    later = [1] * 7 + [2] + [3] * 4                # a P appears
    dump = write_dump(tmp_path / "traj.dump", [(first, positions), (later, positions)])
    pipeline = load_pipeline(dump, ["Li", "P", "S"])
    names = [type_names(data) for _, data in iter_data_collections(pipeline)]
    assert names[0][1] == "Li" and names[0][3] == "S"
    assert names[1][2] == "P"


def test_structure_analysis_of_a_dump_without_one_element(tmp_path):
    from sei_lmp.analysis.structure.rdf import partial_rdf

    rng = np.random.default_rng(2)
    types = [1] * 20 + [3] * 10
    dump = write_dump(tmp_path / "traj.dump", [(types, rng.uniform(0, 8, (30, 3)))])
    rdf = partial_rdf(dump, cutoff=3.5, bins=20, elements=["Li", "P", "S"])
    assert {"Li-Li", "Li-S", "S-S"} <= set(rdf.columns)
    assert rdf["Li-S"].max() > 0
    # no P in the dump: any P pair the table lists is empty
    for column in (c for c in rdf.columns if "P" in c.split("-")):
        assert (rdf[column].fillna(0.0) == 0.0).all()
