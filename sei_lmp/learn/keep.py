"""Structural invariants of explore runs: "every P keeps four S within 2.6 A".

The extrapolation grade cannot see a potential that is wrong *inside* its training span: a learned Li-P-S
potential can open PS4 anions at 1000 K at grades below the save threshold, where its teacher keeps them. A plan
states what the teacher keeps (``[[explore]] keep``); a run whose frames break it does not hold, and its broken
frames go to the teacher like extrapolative ones (the teacher's forces there are what the student got wrong)::

    [[explore]]
    ...
    keep = [{ center = "P", neighbour = "S", count = 4, within = 2.6 }]
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from ase import Atoms

from sei_lmp.errors import ConfigurationError

KEEP_KEYS = {"center", "neighbour", "count", "within"}


@dataclass(frozen=True)
class KeepRule:
    center: str          # every atom of this element ...
    neighbour: str       # ... has exactly ``count`` atoms of this element ...
    count: int
    within: float        # ... closer than this (A)

    @property
    def label(self) -> str:
        return f"{self.center} with {self.count} {self.neighbour} within {self.within:g} A"

    def counts(self, symbols: np.ndarray, i: np.ndarray, j: np.ndarray, d: np.ndarray) -> np.ndarray:
        """Neighbours of element ``neighbour`` within ``within`` of each ``center`` atom, from a neighbour
        list ``i, j, d`` whose cutoff is at least ``within``."""
        hit = (symbols[i] == self.center) & (symbols[j] == self.neighbour) & (d < self.within)
        return np.bincount(i[hit], minlength=len(symbols))[symbols == self.center]


def parse_keep(raw, where: str, species: Sequence[str]) -> tuple[KeepRule, ...]:
    """Rules of an ``[[explore]] keep`` list, checked: elements of the plan, a positive count and distance."""
    if isinstance(raw, Mapping):
        raw = [raw]
    if not isinstance(raw, list) or not all(isinstance(r, Mapping) for r in raw):
        raise ConfigurationError(f"{where} keep must be a list of tables like "
                                 "{ center = \"P\", neighbour = \"S\", count = 4, within = 2.6 }")
    rules = []
    for k, r in enumerate(raw):
        at = f"{where} keep[{k}]"
        extra, missing = sorted(set(r) - KEEP_KEYS), sorted(KEEP_KEYS - set(r))
        if extra or missing:
            raise ConfigurationError(f"{at}: " + (f"unknown key(s) {', '.join(extra)}; " if extra else "")
                                     + (f"missing {', '.join(missing)}; " if missing else "")
                                     + f"write {', '.join(sorted(KEEP_KEYS))}")
        for key in ("center", "neighbour"):
            if r[key] not in species:
                raise ConfigurationError(f"{at} {key} = {r[key]!r} is not one of the plan's species "
                                         f"({', '.join(species)})")
        count, within = r["count"], r["within"]
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise ConfigurationError(f"{at} count must be a non-negative integer, got {count!r}")
        if isinstance(within, bool) or not isinstance(within, (int, float)) or not 0 < within <= 6:
            raise ConfigurationError(f"{at} within must be a distance in A in (0, 6], got {within!r}")
        rules.append(KeepRule(str(r["center"]), str(r["neighbour"]), int(count), float(within)))
    return tuple(rules)


def obeys(atoms: Atoms, rules: Sequence[KeepRule]) -> dict[str, np.ndarray]:
    """Per rule: for each centre atom (in index order), whether it obeys the rule."""
    from ase.neighborlist import neighbor_list

    if not rules:
        return {}
    i, j, d = neighbor_list("ijd", atoms, max(r.within for r in rules))
    symbols = np.array(atoms.get_chemical_symbols())
    return {rule.label: rule.counts(symbols, i, j, d) == rule.count for rule in rules}


def kept(atoms: Atoms, rules: Sequence[KeepRule]) -> dict[str, tuple[int, int]]:
    """Per rule: how many centre atoms obey it, of how many."""
    return {label: (int(ok.sum()), int(len(ok))) for label, ok in obeys(atoms, rules).items()}


def trajectory_frames(path: Path, elements: Sequence[str]) -> list[Atoms]:
    """The frames of a run's trajectory dump as periodic Atoms (an empty list when there is none yet)."""
    from sei_lmp.io.trajectory import iter_position_frames

    if not path.is_file() or path.stat().st_size == 0:
        return []
    return [Atoms(list(f.elements), positions=f.positions, cell=f.cell, pbc=True)
            for f in iter_position_frames(path, type_elements=list(elements))]


def count_openings(broken_by_frame: Iterable[Iterable[int]]) -> int:
    """How many times a centre goes from obeying a rule to breaking it between consecutive frames, each frame
    given as the indices of its broken centres (a centre broken in the first frame counts once)."""
    before: set[int] = set()
    count = 0
    for now in map(set, broken_by_frame):
        count += len(now - before)
        before = now
    return count


def check_frames(frames: Sequence[Atoms], rules: Sequence[KeepRule]) -> dict:
    """``worst``: per rule the fewest centres that obey it in any frame (``"15/16"``),
    ``centre_frames_broken``: per rule how many (centre, frame) pairs break it, of all (the fraction of anion-time
    open), ``openings``: per rule how many times a centre goes from obeying to breaking it (a centre broken in the
    first frame counts once): the events whose rate is compared between potentials, since the frames of one
    opening are not independent; ``broken``: the indices of frames where some rule fails, ``intact``: frames were
    written and none is broken."""
    worst: dict[str, tuple[int, int]] = {}
    opened: dict[str, list[int]] = {}       # per rule: centre-frames that break it, of all centre-frames
    broken_centres: dict[str, list[np.ndarray]] = {}
    broken = []
    for k, atoms in enumerate(frames):
        for label, ok in obeys(atoms, rules).items():
            good, n = int(ok.sum()), int(len(ok))
            worst[label] = min(worst.get(label, (good, n)), (good, n))
            tally = opened.setdefault(label, [0, 0])
            tally[0] += n - good
            tally[1] += n
            broken_centres.setdefault(label, []).append(np.flatnonzero(~ok))
            if good < n and (not broken or broken[-1] != k):
                broken.append(k)
    return {"frames": len(frames), "worst": {k: f"{g}/{n}" for k, (g, n) in worst.items()},
            "centre_frames_broken": {k: f"{b}/{n}" for k, (b, n) in opened.items()},
            "openings": {k: count_openings(v) for k, v in broken_centres.items()},
            "broken": broken, "intact": bool(frames) and not broken}
