"""Built-in phase library against the validation CIFs (composition, density, space group, matching)."""

from __future__ import annotations

import numpy as np
import pytest
from pymatgen.analysis.structure_matcher import StructureMatcher
from pymatgen.core import Structure
from pymatgen.io.ase import AseAtomsAdaptor
from pymatgen.symmetry.analyzer import SpacegroupAnalyzer

from sei_lmp.errors import ConfigurationError
from sei_lmp.structures import phase, phases

# validation CIF per phase, and how far its density may sit from our experimental cell
# (the Li and Li2O CIFs are PBE-relaxed: PBE underbinds Li2O and overbinds bcc Li)
CIFS = {
    "Li": ("Li_bcc_mlearn_PBE_groundstate.cif", 0.08),
    "LiF": ("LiF_rocksalt_COD9008667_via_NCrystal.cif", 0.01),
    "Li2O": ("Li2O_pymatgen_conventional.cif", 0.04),
    "Li2S": ("Li2S_ICSD60432_moTopo.cif", 0.01),
    "Li3P": ("Li3P_OBELiX-11b_noised.cif", 0.01),
}


def test_names():
    assert {"Li", "LiF", "Li2O", "Li2S", "Li3P", "Li2CO3"} <= set(phases())


@pytest.mark.parametrize("name", sorted(CIFS))
def test_phase_matches_validation_cif(name, validation_dir):
    cif, tol = CIFS[name]
    ref = Structure.from_file(validation_dir / "structures" / cif)
    atoms = phase(name)
    ours = AseAtomsAdaptor.get_structure(atoms)
    assert ours.composition.reduced_formula == ref.composition.reduced_formula
    assert ours.density == pytest.approx(ref.density, rel=tol)
    assert (SpacegroupAnalyzer(ours, symprec=0.01).get_space_group_number()
            == SpacegroupAnalyzer(ref, symprec=0.1).get_space_group_number())
    # the same lattice (scaled to the CIF's volume) must give the same structure
    assert StructureMatcher(scale=True).fit(ours, ref)
    src = atoms.info["source"]
    assert src["reference"] and src["a"] > 0 and src["spacegroup"] > 0


def test_override_lattice_matches_pbe_cell(validation_dir):
    ref = Structure.from_file(validation_dir / "structures" / "Li_bcc_mlearn_PBE_groundstate.cif")
    atoms = phase("Li", a=ref.lattice.a)
    assert AseAtomsAdaptor.get_structure(atoms).density == pytest.approx(ref.density, rel=1e-4)
    assert atoms.info["source"]["overridden"] == ["a"]


def test_li2co3_against_literature():
    """No CIF is available: compare with the measured density and carbonate C-O bond length."""
    from ase.neighborlist import neighbor_list

    atoms = phase("Li2CO3")
    s = AseAtomsAdaptor.get_structure(atoms)
    assert s.composition.reduced_formula == "Li2CO3"
    assert SpacegroupAnalyzer(s, symprec=0.01).get_space_group_symbol() == "C2/c"
    assert s.density == pytest.approx(2.10, abs=0.02)          # zabuyelite 2.09-2.11 g/cm3
    i, j, d = neighbor_list("ijd", atoms, 1.6)
    sym = np.array(atoms.get_chemical_symbols())
    co = d[(sym[i] == "C") & (sym[j] == "O")]
    assert len(co) == 3 * 4                                      # every C has three O
    assert co.mean() == pytest.approx(1.28, abs=0.02)             # carbonate C-O


def test_unknown_phase_lists_known_names():
    with pytest.raises(ConfigurationError, match=r"unknown phase 'lif'; known phases: Li, LiF, Li2O"):
        phase("lif")


def test_cubic_override_refused():
    with pytest.raises(ConfigurationError, match="is cubic: override only 'a'"):
        phase("LiF", c=5.0)


def test_hexagonal_a_override_keeps_the_cell_hexagonal():
    # Li3P is P6_3/mmc: a alone must scale b with it (a = b by symmetry), c untouched
    atoms = phase("Li3P", a=4.30)
    a, b, c, alpha, beta, gamma = atoms.cell.cellpar()
    assert a == pytest.approx(4.30) and b == pytest.approx(4.30) and c == pytest.approx(7.594)
    assert gamma == pytest.approx(120.0)
    with pytest.raises(ConfigurationError, match=r"has a = b by symmetry; give 'a' only"):
        phase("Li3P", a=4.30, b=4.20)
