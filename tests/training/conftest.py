import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from pair_teacher import PairTeacher  # noqa: E402



from training_helpers import tiny_sample  # noqa: E402,F401


@pytest.fixture
def teacher():
    return PairTeacher(cutoff=4.0)


@pytest.fixture(scope="module")
def tiny_fit(tmp_path_factory):
    """Label the tiny sample with the pair teacher, split, fit a level-6 MTP; shared by the module's tests."""
    from sei_lmp.training import fit_mtp, metrics, split, teacher

    work = tmp_path_factory.mktemp("tiny_fit")
    frames = teacher.label(tiny_sample(), PairTeacher(cutoff=4.0), work / "labels.extxyz", progress=False)
    train, test = split.train_test_split(frames, 0.25, seed=3)
    settings = fit_mtp.MTPFitSettings(species=("Li", "F"), level=6, min_dist=1.2, max_dist=4.0,
                                      radial_basis_size=6, seed=11, maxiter=60)
    result = fit_mtp.fit_mtp(train, settings, work / "tiny.mtp", progress=False)
    baseline = metrics.SpeciesEnergyBaseline(["Li", "F"]).fit(train)
    return {"work": work, "frames": frames, "train": train, "test": test, "result": result,
            "baseline": baseline, "settings": settings}
