"""Reading structures, refusing partial occupancies, and Ewald ordering against pymatgen's exact search."""

from __future__ import annotations

import numpy as np
import pytest
from pymatgen.analysis.ewald import EwaldSummation
from pymatgen.core import Structure
from pymatgen.transformations.standard_transformations import OrderDisorderedStructureTransformation

from sei_lmp.errors import ConfigurationError
from sei_lmp.io import read_structure
from sei_lmp.structures.ordering import order_structure

BETA = "beta-Li3PS4_OBELiX-nhq_ICSD180319_noised_partialLi.cif"
ARGYRODITE = "Li6PS5Cl_OBELiX-122_ICSD259200_noised_partialLi.cif"
GAMMA = "gamma-Li3PS4_OBELiX-joc_ICSD180318_noised_partialS.cif"


@pytest.fixture(scope="module")
def structures(validation_dir):
    return validation_dir / "structures"


def test_read_cif_and_poscar(structures):
    atoms = read_structure(structures / "Li7P3S11_POSCAR_xas-tools_PBE")
    ref = Structure.from_file(structures / "Li7P3S11_POSCAR_xas-tools_PBE")
    assert atoms.get_chemical_formula() == "Li14P6S22"
    assert atoms.get_volume() == pytest.approx(ref.volume, rel=1e-10)
    atoms = read_structure(structures / "Li3P_OBELiX-11b_noised.cif")
    assert atoms.get_chemical_formula() == "Li6P2" and type(atoms).__name__ == "Atoms"


def test_read_extxyz_round_trip(tmp_path):
    from ase.build import bulk
    from ase.io import write

    ref = bulk("LiF", "rocksalt", a=4.0173, cubic=True)
    write(tmp_path / "x.extxyz", ref)
    atoms = read_structure(tmp_path / "x.extxyz")
    assert np.allclose(atoms.cell[:], ref.cell[:]) and atoms.get_chemical_symbols() == ref.get_chemical_symbols()


def test_partial_occupancy_refused_with_sites(structures):
    with pytest.raises(ConfigurationError, match=r"partially occupied sites: .*Li1 \(Li:0\.7\).*pass order=True "
                                                 r"\(CLI: --order\)"):
        read_structure(structures / BETA)


def test_missing_file():
    with pytest.raises(ConfigurationError, match="does not exist"):
        read_structure("/nonexistent/x.cif")


def test_ewald_ordering_matches_pymatgen_exhaustive_minimum(structures):
    """beta-Li3PS4: 0.7/0.3 Li sites round to 3 of 4 and 1 of 4; pymatgen enumerates all orderings."""
    atoms = read_structure(structures / BETA, order=True)
    assert atoms.get_chemical_formula() == "Li12P4S16"
    report = atoms.info["ordering"]
    assert any("Li 2.8 -> 3" in note for note in report["rounded"])
    disordered = Structure.from_file(structures / BETA)
    for i, site in enumerate(disordered):
        occ = {sp.symbol: x for sp, x in site.species.items()}
        if occ.get("Li", 1) in (0.7, 0.3):
            disordered.replace(i, {"Li": 0.75 if occ["Li"] == 0.7 else 0.25})
    disordered.add_oxidation_state_by_element({"Li": 1, "P": 5, "S": -2})
    exact = OrderDisorderedStructureTransformation().apply_transformation(disordered)
    assert report["ewald_energy_eV"] == pytest.approx(EwaldSummation(exact).total_energy, abs=1e-6)


def test_argyrodite_ordering_is_bounded_and_neutral(structures):
    """48 half-occupied Li sites: too many for exhaustive enumeration; the ordering keeps Li24P4S20Cl4,
    its reported energy is pymatgen's Ewald energy of the result, and no two Li sit on a split pair."""
    atoms = read_structure(structures / ARGYRODITE, order=True, oxidation_states={"Li": 1, "P": 5, "S": -2, "Cl": -1})
    counts = {e: atoms.get_chemical_symbols().count(e) for e in ("Li", "P", "S", "Cl")}
    assert counts == {"Li": 24, "P": 4, "S": 20, "Cl": 4}
    from sei_lmp.io.structure import to_structure

    ordered = to_structure(atoms)
    ordered.add_oxidation_state_by_element({"Li": 1, "P": 5, "S": -2, "Cl": -1})
    assert atoms.info["ordering"]["ewald_energy_eV"] == pytest.approx(EwaldSummation(ordered).total_energy, abs=1e-5)
    # the 48h split pairs are ~1.9 A apart in the disordered cell; Coulomb keeps both halves from being filled
    from ase.neighborlist import neighbor_list

    sym = np.array(atoms.get_chemical_symbols())
    i, j, d = neighbor_list("ijd", atoms, 2.2)
    assert not np.any((sym[i] == "Li") & (sym[j] == "Li"))


def test_ordering_rounds_near_full_sites(structures):
    atoms = read_structure(structures / GAMMA, order=True)
    assert atoms.get_chemical_formula() == "Li6P2S8"
    assert any("S:0.97 -> 1" in note for note in atoms.info["ordering"]["rounded"])


def test_ordering_refuses_charged_cell(structures):
    s = Structure.from_file(structures / BETA)
    with pytest.raises(ConfigurationError, match="has charge"):
        order_structure(s, oxidation_states={"Li": 1, "P": 5, "S": -1})
