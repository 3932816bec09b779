"""Labelling with a teacher: labels are the teacher's, the extxyz cache resumes an interrupted run."""

import numpy as np
import pytest
from training_helpers import tiny_sample
from pair_teacher import PairTeacher

from sei_lmp.errors import ConfigurationError
from sei_lmp.training import sampling
from sei_lmp.training import teacher as teacher_mod


def test_labels_are_the_teachers(teacher, tmp_path):
    images = tiny_sample()[:4]
    labelled = teacher_mod.label(images, teacher, tmp_path / "l.extxyz", progress=False)
    for img, lab in zip(images, labelled):
        ref = img.copy()
        ref.calc = PairTeacher(cutoff=4.0)  # an independent instance
        assert lab.get_potential_energy() == pytest.approx(ref.get_potential_energy(), rel=1e-12)
        np.testing.assert_allclose(lab.get_forces(), ref.get_forces(), rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(lab.get_stress(), ref.get_stress(), rtol=1e-12, atol=1e-14)
        assert lab.info["config_type"] == img.info["config_type"]


def test_interrupted_labelling_resumes_without_recomputing(teacher, tmp_path):
    images = tiny_sample()[:8]
    path = tmp_path / "labels.extxyz"
    teacher_mod.label(images[:5], teacher, path, progress=False)
    assert teacher.calls == 5
    # a kill in the middle of writing the 6th frame leaves a truncated tail
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(lines) + "".join(lines[:4]))
    frames = teacher_mod.label(images, teacher, path, progress=False)
    assert teacher.calls == 5 + 3  # only the 3 missing configurations were computed
    assert [f.info["config_id"] for f in frames] == [teacher_mod.config_id(a) for a in images]
    assert len(teacher_mod.read_labels(path)) == 8  # the truncated frame is gone
    again = teacher_mod.label(images, teacher, path, progress=False)
    assert teacher.calls == 8  # everything cached now
    assert [a.get_potential_energy() for a in again] == pytest.approx([a.get_potential_energy() for a in frames])


def test_config_id_changes_with_positions_species_and_cell():
    a = tiny_sample()[0]
    b = a.copy()
    b.positions[0, 0] += 1e-4
    c = a.copy()
    c.numbers[0] = 9 if c.numbers[0] == 3 else 3
    d = a.copy()
    d.set_cell(a.cell.array * 1.001)
    assert len({teacher_mod.config_id(x) for x in (a, b, c, d)}) == 4
    assert teacher_mod.config_id(a.copy()) == teacher_mod.config_id(a)


def test_teacher_md_snapshots_are_stored_without_relabelling(teacher, tmp_path):
    cell = sampling.lif_rocksalt(4.0)
    snaps = sampling.teacher_md(cell, teacher, [600.0], steps=6, interval=3, rng=np.random.default_rng(1),
                                timestep_fs=1.0)
    assert len(snaps) == 2 and all(s.info["temperature_K"] == 600.0 for s in snaps)
    calls = teacher.calls
    stored = teacher_mod.label(snaps, teacher, tmp_path / "md.extxyz", progress=False)
    assert teacher.calls == calls
    fresh = snaps[1].copy()
    fresh.calc = PairTeacher(cutoff=4.0)  # the stored labels are the teacher's at that snapshot
    np.testing.assert_allclose(stored[1].get_forces(), fresh.get_forces(), rtol=1e-10, atol=1e-10)
    assert stored[1].get_potential_energy() == pytest.approx(fresh.get_potential_energy(), rel=1e-12)


def test_unreadable_cache_and_failing_teacher_raise_clear_errors(tmp_path):
    from ase.calculators.calculator import Calculator

    bad = tmp_path / "bad.extxyz"
    bad.write_text("not an xyz file\n")
    with pytest.raises(ConfigurationError, match="delete it to relabel"):
        teacher_mod.read_labels(bad)

    class Broken(Calculator):
        implemented_properties = ("energy", "forces", "stress")

        def calculate(self, *args, **kwargs):
            raise RuntimeError("boom")

    with pytest.raises(ConfigurationError, match="the teacher failed on config"):
        teacher_mod.label(tiny_sample()[:1], Broken(), tmp_path / "x.extxyz", progress=False)


def test_md_frames_read_back_from_extxyz_are_recognised(teacher, tmp_path):
    """MD snapshots cached in an extxyz (8-decimal positions) keep their id, so they are not stored twice."""
    from ase.io import read, write

    snaps = sampling.teacher_md(sampling.lif_rocksalt(4.0), teacher, [900.0], steps=9, interval=3,
                                rng=np.random.default_rng(4), timestep_fs=1.0)
    path = tmp_path / "labels.extxyz"
    teacher_mod.label(snaps, teacher, path, progress=False)
    write(tmp_path / "md.extxyz", snaps, format="extxyz")
    again = read(tmp_path / "md.extxyz", index=":")
    for a in again:
        a.info["labelled_by"] = "teacher_md"
    teacher_mod.label(again, teacher, path, progress=False)
    assert len(teacher_mod.read_labels(path)) == 3


def test_config_ids_that_look_like_numbers_survive_the_label_file(teacher, tmp_path):
    """A sha1 prefix such as '385030956852e127' would be read back from extxyz as a float (and its frame lost
    from the cache): such ids get a letter."""
    import hashlib

    from ase import Atoms

    def raw(a):
        h = hashlib.sha1()
        h.update(np.asarray(a.numbers, np.int64).tobytes())
        for arr in (a.cell.array, a.positions):
            h.update(np.round(np.asarray(arr, float), 6).tobytes())
        return h.hexdigest()[:16]

    def numeric(text):
        try:
            float(text)
            return True
        except ValueError:
            return False

    symbols = tiny_sample()[0].get_chemical_symbols()[:2]        # elements the test teacher knows
    for k in range(200000):
        a = Atoms(symbols, positions=[[0, 0, 0], [2.0 + k * 1e-5, 0, 0]], cell=[5, 5, 5], pbc=True)
        if numeric(raw(a)):
            break
    else:
        pytest.skip("no numeric-looking hash in the search range")
    assert not numeric(teacher_mod.config_id(a))
    frames = teacher_mod.label([a], teacher, tmp_path / "l.extxyz", progress=False)
    assert teacher_mod.read_labels(tmp_path / "l.extxyz")[0].info["config_id"] == frames[0].info["config_id"]
