"""Refit a generation's potential and its active set, one adapter per family.

ACE: the linear fit (a convex ridge solve: no warm start needed, the same basis every generation) and the
``.asi`` of its B-projections. MTP: motep (radial coefficients started from the previous generation's) and
the MLIP-3 ``.almtp`` of the site-energy gradients. Each adapter also grades and selects frames with the
same active set the pair style reads, so the deck guard and the selection cannot disagree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from ase import Atoms

from sei_lmp.potentials.grades import GradeThresholds


@dataclass(frozen=True)
class Generation:
    """The files of one generation's potential: what LAMMPS loads (``path``, with grades) and a record."""

    path: Path                # .yace (with .yaml + .asi beside it) or .almtp
    record: dict


class ACEAdapter:
    family = "ace"

    def __init__(self, settings):
        self.settings = settings

    def fit(self, train: Sequence[Atoms], out_dir: Path, previous: Path | None = None) -> Generation:
        from sei_lmp.learn import ace_active_set
        from sei_lmp.training.fit_ace import fit_ace

        out_dir.mkdir(parents=True, exist_ok=True)
        result = fit_ace(train, self.settings, out_dir / "potential.yace", progress=False)
        summary = ace_active_set.build_active_set(result.yaml, train, out_dir / "potential.asi")
        return Generation(result.path, {"fit": result.fit_record(), "active_set": {
            "functions_per_element": summary.size, "rows_from_data": summary.from_data}})

    def predict(self, path: Path, images: Sequence[Atoms]) -> list[dict]:
        from sei_lmp.training.fit_ace import predict

        return predict(path, images)

    def grades(self, path: Path, images: Sequence[Atoms]) -> np.ndarray:
        from sei_lmp.learn import ace_active_set

        return ace_active_set.frame_grades(path.with_suffix(".yaml"), path.with_suffix(".asi"), images)

    def select(self, path: Path, candidates: Sequence[Atoms], cap: int, grades: GradeThresholds) -> list[int]:
        from sei_lmp.learn import ace_active_set

        return ace_active_set.select(path.with_suffix(".yaml"), path.with_suffix(".asi"), candidates, cap,
                                     min_grade=grades.save)


class MTPAdapter:
    family = "mtp"

    def __init__(self, settings):
        self.settings = settings

    def fit(self, train: Sequence[Atoms], out_dir: Path, previous: Path | None = None) -> Generation:
        from sei_lmp.learn import mtp_active_set
        from sei_lmp.training.fit_mtp import fit_mtp

        out_dir.mkdir(parents=True, exist_ok=True)
        mtp_path = out_dir / "potential.mtp"
        start = previous.with_suffix(".mtp") if previous is not None else None
        result = fit_mtp(train, self.settings, mtp_path, workdir=out_dir, progress=False, start=start)
        species = list(self.settings.species)
        active = mtp_active_set.build_active_set(mtp_path, train, species)
        almtp = out_dir / "potential.almtp"
        mtp_active_set.write_almtp(mtp_path, active, train, almtp)
        return Generation(almtp, {"fit": {**result.fit_record(len(train)),
                                          "warm_start": str(start) if start is not None else None}})

    def predict(self, path: Path, images: Sequence[Atoms]) -> list[dict]:
        from sei_lmp.training.fit_mtp import predict, read_mtp

        return predict(read_mtp(path.with_suffix(".mtp"), self.settings.species), images)

    def grades(self, path: Path, images: Sequence[Atoms]) -> np.ndarray:
        from sei_lmp.learn import mtp_active_set

        active = mtp_active_set.read_active_set(path)
        gradients = mtp_active_set.site_gradients(path.with_suffix(".mtp"), images, list(self.settings.species))
        return np.array([mtp_active_set.grades(active, g).max() if len(g) else 0.0 for g in gradients])

    def select(self, path: Path, candidates: Sequence[Atoms], cap: int, grades: GradeThresholds) -> list[int]:
        from sei_lmp.learn import mtp_active_set

        active = mtp_active_set.read_active_set(path)
        gradients = mtp_active_set.site_gradients(path.with_suffix(".mtp"), candidates, list(self.settings.species))
        return mtp_active_set.select(active, gradients, cap, min_grade=grades.save)


def adapter(family: str, settings):
    return {"ace": ACEAdapter, "mtp": MTPAdapter}[family](settings)
