"""Extrapolation-grade thresholds, in one place: the decks' guard, the active-learning selection and the
refit's active set all read them from here.

Two kinds of grade exist:

* ``maxvol`` (``sei/mtp``, ``sei/ace``): gamma = max_k |(b A^-1)_k|, dimensionless; b is an atom's row of the
  basis (ACE B-projections, MTP site-energy gradient), A the active set. gamma <= 1 interpolates. MLIP-3 and
  pacemaker use save ~2 and break ~10.
* ``committee`` (``sei/mace``): the per-atom standard deviation of the committee's forces, in eV/A.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class GradeThresholds:
    kind: str
    unit: str
    save: float            # keep (and offer for labelling) frames whose max grade exceeds this
    stop: float            # a run is stopped above this: the potential is no longer trusted
    # MaxVol swaps a row in while it grows |det A| by more than this factor: close to 1, so that every row of
    # the training data grades <= 1 (+1e-7) afterwards (MLIP's default 1.001 would leave grades up to 1.001)
    maxvol_tolerance: float = 1.0 + 1e-7

    def describe(self) -> str:
        unit = f" {self.unit}" if self.unit else ""
        return f"{self.kind} grade: save above {self.save:g}{unit}, stop above {self.stop:g}{unit}"


MAXVOL = GradeThresholds(kind="maxvol", unit="", save=2.0, stop=10.0)
COMMITTEE = GradeThresholds(kind="committee", unit="eV/A", save=0.1, stop=0.5)

#: potential family -> the kind of grade its pair style gives
GRADE_OF_FAMILY = {"mtp": MAXVOL, "ace": MAXVOL, "mace": COMMITTEE}


def thresholds_for(family: str) -> GradeThresholds:
    """Thresholds of the grade ``family``'s pair style computes."""
    from sei_lmp.errors import ConfigurationError

    try:
        return GRADE_OF_FAMILY[family]
    except KeyError:
        raise ConfigurationError(f"potential family {family!r} has no extrapolation grade; families with one: "
                                 f"{', '.join(GRADE_OF_FAMILY)}") from None
