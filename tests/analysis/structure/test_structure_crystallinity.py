"""PTM and CNA fractions: 100 % of the right type on perfect crystals, mostly 'OTHER' on a random packing."""

from __future__ import annotations

import pytest

from sei_lmp.analysis.structure import crystalline_fraction, structure_fractions
from sei_lmp.errors import ConfigurationError
from sei_lmp.structures import phase


@pytest.mark.parametrize("method", ["ptm", "cna"])
def test_bcc_li_is_all_bcc(method):
    atoms = phase("Li") * (3, 3, 3)
    atoms.rattle(0.03, seed=1)          # thermal-like noise must not change the answer
    row = structure_fractions(atoms, method).iloc[0]
    assert row["BCC"] == 1.0 and row["OTHER"] == 0.0 and row["crystalline"] == 1.0


def test_rocksalt_and_antifluorite_sublattices():
    assert structure_fractions(phase("LiF") * (3, 3, 3), "ptm").iloc[0]["SC"] == 1.0
    li2s = phase("Li2S") * (3, 3, 3)
    assert structure_fractions(li2s, "ptm").iloc[0]["OTHER"] == 1.0           # no template for the whole
    assert structure_fractions(li2s, "ptm", species=["S"]).iloc[0]["FCC"] == 1.0
    assert structure_fractions(li2s, "ptm", species=["Li"]).iloc[0]["SC"] == 1.0


def test_random_packing_is_not_crystalline(glass):
    assert crystalline_fraction(glass, "ptm") < 0.05
    assert crystalline_fraction(glass, "cna") < 0.05


def test_frames_and_errors(glass):
    table = structure_fractions([phase("Li") * (3, 3, 3), glass], "cna")
    assert list(table["frame"]) == [0, 1]
    assert table["crystalline"].iloc[0] == 1.0 and table["crystalline"].iloc[1] < 0.05
    with pytest.raises(ConfigurationError, match="unknown crystallinity method 'xrd'; use one of ptm, cna"):
        structure_fractions(glass, "xrd")
    with pytest.raises(ConfigurationError, match=r"species \['S'\] are not in this structure"):
        structure_fractions(glass, "ptm", species=["S"])
