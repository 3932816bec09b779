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


def test_a_cut_off_last_frame_is_left_out_and_said(tmp_path):
    """A run killed while writing its dump leaves the last frame cut off: both readers leave it out, and say so
    (OVITO alone dropped it without a word in our notes)."""
    import warnings

    import pytest

    from sei_lmp.errors import IncompleteDataWarning
    from sei_lmp.io import read_trajectory
    from sei_lmp.io.frames import num_frames
    from sei_lmp.io.trajectory import cut_off_last_frame

    rng = np.random.default_rng(3)
    frames = [([1] * 20, rng.uniform(0, 8, (20, 3))) for _ in range(3)]
    whole = write_dump(tmp_path / "whole.dump", frames)
    assert cut_off_last_frame(whole) == ""
    text = whole.read_text()
    cut = tmp_path / "cut.dump"
    cut.write_text(text[: text.rindex("\n11 1 ") + 1])               # stopped after 10 of the 20 atoms
    assert cut_off_last_frame(cut) == "the last frame (step 200) is cut off: 10 of 20 atoms"
    with pytest.warns(IncompleteDataWarning, match="cut.dump: the last frame .* left out of the analysis"):
        assert num_frames(load_pipeline(cut, ["Li"])) == 2
    with pytest.warns(IncompleteDataWarning, match="10 of 20 atoms"):
        assert read_trajectory(cut, type_elements=["Li"], timestep_fs=1.0).positions.shape[0] == 2
    with warnings.catch_warnings():
        warnings.simplefilter("error", IncompleteDataWarning)
        assert num_frames(load_pipeline(whole, ["Li"])) == 3


def test_a_trajectory_read_after_a_render_of_it_has_every_frame(tmp_path):
    """OVITO stops scanning a dump for frames by itself once a render ran in the process: a trajectory read
    after rendering the same file had one frame (the demo's second run analysed 1 frame of 81)."""
    import pytest

    from sei_lmp.io.trajectory import read_trajectory
    from sei_lmp.viz import can_render, render_snapshot

    if not can_render()[0]:
        pytest.skip(can_render()[1])
    rng = np.random.default_rng(2)
    frames = [([1] * 6 + [2] * 6, rng.uniform(0, 8, (12, 3))) for _ in range(7)]
    dump = tmp_path / "traj.dump"
    write_dump(dump, frames)
    text = dump.read_text().replace("id type x y z", "id type xu yu zu")
    dump.write_text(text)
    render_snapshot(dump, tmp_path / "last.png", size=(200, 150))
    traj = read_trajectory(dump, species=["Li"], type_elements=["Li", "F"], timestep_fs=1.0)
    assert len(traj.time_ps) == 7
