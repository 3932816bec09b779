"""Speciation: a planted Li2S (or Li3P) crystal region inside a random Li-P-S packing is labelled as that
phase, the random packing is not; fractions per frame and per slab follow the construction."""

from __future__ import annotations

import numpy as np
import pytest
from ase import Atoms

from sei_lmp.analysis.structure import label_phases, phase_fractions, phase_profile
from sei_lmp.errors import ConfigurationError
from sei_lmp.structures import phase

REFERENCES = ("Li", "Li2S", "Li3P", "LiF", "Li2O")
CUTOFF = 3.6
GLASS_HEIGHT = 14.0
GAP = 1.5           # A between crystal and packing, both sides


def planted(name: str, make_packing, seed: int = 0) -> tuple[Atoms, int]:
    """Crystal of ``name`` (slightly rattled) at the bottom, a random Li-P-S packing on top (same x, y)."""
    crystal = phase(name) * ((3, 3, 2) if name == "Li2S" else (4, 4, 2))
    crystal.rattle(0.05, seed=seed)
    lx, ly, hc = crystal.cell.lengths()
    n_glass = int(0.05 * lx * ly * GLASS_HEIGHT)                 # about 0.05 atoms / A^3
    glass = make_packing(["Li", "Li", "Li", "P", "S"] * (n_glass // 5), [lx, ly, GLASS_HEIGHT], 1.9, seed=seed)
    glass.positions += [0, 0, hc + GAP]
    both = crystal + glass
    both.set_cell([crystal.cell[0], crystal.cell[1], [0, 0, hc + GLASS_HEIGHT + 2 * GAP]])
    both.pbc = True
    return both, len(crystal)


@pytest.fixture(scope="module")
def references():
    return {name: phase(name) for name in REFERENCES}


@pytest.mark.parametrize("name", ["Li2S", "Li3P"])
def test_planted_region_classified(name, references, make_packing):
    atoms, n_crystal = planted(name, make_packing)
    labels = label_phases(atoms, references)
    z = labels["z"].to_numpy()
    hc = atoms.cell.lengths()[2] - GLASS_HEIGHT - 2 * GAP
    interior = np.arange(len(atoms)) < n_crystal
    interior &= (z > CUTOFF) & (z < hc - CUTOFF)     # atoms whose whole neighbour sphere is crystal
    assert interior.sum() > 20
    assert np.all(labels["label"][interior] == name)
    glass = labels.iloc[n_crystal:]
    assert len(glass) > 50
    assert not np.any(glass["label"].isin(["Li2S", "Li3P", "Li2O", "LiF"]))
    assert np.mean(glass["label"] == "amorphous") > 0.95


def test_perfect_references_label_themselves(references):
    for name in REFERENCES:
        labels = label_phases(phase(name) * (2, 2, 2), references)
        assert np.all(labels["label"] == name), name
        assert labels["distance"].max() < 1e-6


def test_fractions_and_profile(references, make_packing):
    atoms, _ = planted("Li2S", make_packing)
    table = phase_fractions([phase("Li2S") * (2, 2, 2), atoms], references)
    assert table["Li2S"].iloc[0] == 1.0
    assert table["Li2S"].iloc[1] == pytest.approx(
        np.mean(label_phases(atoms, references)["label"] == "Li2S"))
    assert table.iloc[1][list(REFERENCES) + ["amorphous"]].sum() == pytest.approx(1.0)
    prof = phase_profile(atoms, references, bins=6)
    li2s = prof[prof["label"] == "Li2S"].set_index("z")["fraction"]
    top = atoms.cell.lengths()[2]
    assert li2s[li2s.index < 0.3 * top].min() > 0.5     # the crystal at the bottom
    # none in the slabs of the packing away from the crystal (the top slab holds crystal atoms wrapped
    # across the periodic boundary)
    assert li2s[(li2s.index > 0.5 * top) & (li2s.index < 0.85 * top)].max() == 0.0


def test_references_must_be_atoms():
    with pytest.raises(ConfigurationError, match="references must be a non-empty dict name -> ase.Atoms"):
        label_phases(phase("Li"), {"Li": "bcc"})
