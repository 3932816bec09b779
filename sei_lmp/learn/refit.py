"""Refit a generation's potential and its active set, one adapter per family.

ACE: the linear fit (a convex ridge solve: no warm start needed, the same basis every generation) and the
``.asi`` of its B-projections. MTP: motep (radial coefficients started from the previous generation's) and
the MLIP-3 ``.almtp`` of the site-energy gradients. MACE: a committee of models (seeds ``seed + k``), each
fine-tuned from the same member of the previous generation; member 0 drives the MD and the others give
``sei/mace`` its force-deviation grade. Each adapter also grades and selects frames with the same active set
(or committee) the pair style reads, so the deck guard and the selection cannot disagree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from ase import Atoms

from sei_lmp.potentials.grades import GradeThresholds
from sei_lmp.training.fit_mace import MACEFitSettings


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


@dataclass(frozen=True)
class MACECommitteeSettings:
    """A committee of ``size`` MACE fits of the same settings, seeds ``member.seed + k``; later generations
    fine-tune each member for ``finetune_epochs`` (default: ``member.max_num_epochs``)."""

    member: MACEFitSettings
    size: int = 2
    finetune_epochs: int | None = None

    def __post_init__(self):
        from sei_lmp.errors import ConfigurationError

        if isinstance(self.size, bool) or not isinstance(self.size, int) or self.size < 2:
            raise ConfigurationError(f"a MACE committee needs at least 2 members (committee = {self.size!r}): "
                                     "its grade is the spread of their forces")
        if self.finetune_epochs is not None and (not isinstance(self.finetune_epochs, int) or self.finetune_epochs < 1):
            raise ConfigurationError(f"finetune_epochs must be a positive integer, got {self.finetune_epochs!r}")

    @property
    def species(self) -> tuple[str, ...]:
        return self.member.species


MEMBER = "member{k}.model"


def _shortened(member, epochs: int):
    """``member`` with ``epochs`` epochs, its stage two (if any) starting at the same fraction of them."""
    two = member.stage_two_start
    if two is not None:
        two = min(max(1, round(two * epochs / member.max_num_epochs)), epochs - 1) if epochs > 1 else None
    return replace(member, max_num_epochs=epochs, stage_two_start=two)


class MACEAdapter:
    family = "mace"

    def __init__(self, settings: MACECommitteeSettings):
        self.settings = settings

    @staticmethod
    def members(path: Path) -> list[Path]:
        """The ``.model`` files of the committee whose driving ``*-lammps.pt`` is ``path``."""
        from sei_lmp.potentials.card import PotentialCard

        card = PotentialCard.for_file(path)
        lammps = [path, *[(path.parent / p) for p in card.extra.get("committee", ())]]
        return [Path(str(p)[: -len("-lammps.pt")]) for p in lammps]

    def fit(self, train: Sequence[Atoms], out_dir: Path, previous: Path | None = None) -> Generation:
        import json

        from ase.data import atomic_numbers

        from sei_lmp.training.fit_mace import fit_mace, model_size

        out_dir.mkdir(parents=True, exist_ok=True)
        before = self.members(previous) if previous is not None else [None] * self.settings.size
        records = []
        for k, start in enumerate(before):
            member = replace(self.settings.member, seed=self.settings.member.seed + k)
            if start is not None and self.settings.finetune_epochs is not None:
                member = _shortened(member, self.settings.finetune_epochs)
            result = fit_mace(train, member, out_dir / MEMBER.format(k=k), workdir=out_dir / f"member{k}",
                              progress=False, start=start)
            records.append({"seed": member.seed, "epochs": result.epochs, "seconds": round(result.seconds, 1),
                            "fine_tuned_from": str(start) if start is not None else None})
        main = out_dir / (MEMBER.format(k=0) + "-lammps.pt")
        m = self.settings.member
        # species in the model's z-table order (ascending atomic number), as sei/mace and the decks expect
        card = {"species": sorted(m.species, key=atomic_numbers.__getitem__), "family": "mace", "units": "metal",
                "cutoff": m.r_max, "num_interactions": m.num_interactions, "num_channels": m.num_channels,
                "max_L": m.max_L, "correlation": m.correlation,
                "committee": [MEMBER.format(k=k) + "-lammps.pt" for k in range(1, self.settings.size)],
                **model_size(out_dir / MEMBER.format(k=0))}
        main.with_name(main.name + ".json").write_text(json.dumps(card, indent=1))
        return Generation(main, {"fit": {"settings": m.as_dict(), "committee": records}})

    def predict(self, path: Path, images: Sequence[Atoms]) -> list[dict]:
        from sei_lmp.training.fit_mace import predict

        return predict(self.members(path)[0], images)

    def grades(self, path: Path, images: Sequence[Atoms]) -> np.ndarray:
        from sei_lmp.learn import mace_committee

        return mace_committee.frame_grades(self.members(path), images)

    def select(self, path: Path, candidates: Sequence[Atoms], cap: int, grades: GradeThresholds) -> list[int]:
        from sei_lmp.learn import mace_committee

        models = self.members(path)
        found = mace_committee.frame_grades(models, candidates)
        features = mace_committee.descriptors(models[0], candidates, self.settings.species)
        return mace_committee.select_diverse(found, features, cap, grades.save)


def adapter(family: str, settings):
    return {"ace": ACEAdapter, "mtp": MTPAdapter, "mace": MACEAdapter}[family](settings)
