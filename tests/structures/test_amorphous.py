"""Amorphous packings: density, stoichiometry, minimum distances, intact molecules, and refusals."""

from __future__ import annotations

import numpy as np
import pytest
from ase.data import atomic_masses, atomic_numbers
from ase.neighborlist import neighbor_list

from sei_lmp.errors import ConfigurationError
from sei_lmp.structures.amorphous import amorphous, default_min_distance, molecule

G_PER_CM3 = 1e24 / 6.02214076e23       # amu/A^3 -> g/cm3


def _check_min_distances(atoms, table):
    i, j, d = neighbor_list("ijd", atoms, 4.0)
    mol = atoms.arrays["mol-id"]
    sym = np.array(atoms.get_chemical_symbols())
    between = mol[i] != mol[j]
    required = np.array([table(a, b) for a, b in zip(sym[i], sym[j])])
    assert np.all(d[between] >= required[between] - 1e-9)


@pytest.mark.parametrize("formula,density,n,mol", [("LiPO2F2", 2.1, 32, "PO2F2"), ("Li3PS4", 1.87, 24, "PS4")])
def test_molecular_glass(formula, density, n, mol):
    atoms = amorphous(formula, density, n, molecules=[mol], seed=4)
    template = molecule(mol)
    # density from the masses and the box, independently of the report
    mass = sum(atomic_masses[atomic_numbers[s]] for s in atoms.get_chemical_symbols())
    assert mass / atoms.get_volume() * G_PER_CM3 == pytest.approx(density, rel=1e-6)
    assert atoms.info["amorphous"]["density"] == pytest.approx(density, rel=1e-6)
    # stoichiometry: n formula units
    from pymatgen.core import Composition

    assert Composition(atoms.get_chemical_formula()) == Composition(formula) * n
    _check_min_distances(atoms, default_min_distance)
    # every anion is intact: its internal distances equal the template's (minimum image)
    mol_id = atoms.arrays["mol-id"]
    ref = np.sort(template.get_all_distances().ravel())
    sizes = np.bincount(mol_id)
    anions = np.flatnonzero(sizes == len(template))
    assert len(anions) == n
    for k in anions[:5]:
        idx = np.flatnonzero(mol_id == k)
        assert np.allclose(np.sort(atoms.get_distances(idx[0], idx, mic=True)),
                           np.sort(template.get_distances(0, range(len(template)))), atol=1e-8)
        inner = np.array([atoms.get_distances(i, idx, mic=True) for i in idx])
        assert np.allclose(np.sort(inner.ravel()), ref, atol=1e-8)


def test_atomic_packing_with_pair_overrides():
    atoms = amorphous("LiF", 2.0, 32, min_distances={"Li-F": 1.8, "Li-Li": 2.4, "F-F": 2.5}, seed=1)
    table = {("Li", "F"): 1.8, ("F", "Li"): 1.8, ("Li", "Li"): 2.4, ("F", "F"): 2.5}
    _check_min_distances(atoms, lambda a, b: table[(a, b)])
    assert atoms.get_chemical_symbols().count("Li") == 32


def test_impossible_density_is_refused_quickly():
    with pytest.raises(ConfigurationError, match=r"LiF at 10(\.0)? g/cm3 cannot meet the minimum distances: .* "
                                                 r"lower the density or the minimum distances"):
        amorphous("LiF", 10.0, 64)


def test_unpackable_request_fails_after_bounded_relaxation():
    with pytest.raises(ConfigurationError, match=r"could not pack 64 x LiF at 1.84 g/cm3 with the minimum distances: "
                                                 r".*after 30 push-apart sweeps"):
        amorphous("LiF", 1.84, 64, min_distances=2.5, relax_steps=30)


def test_bad_inputs():
    with pytest.raises(ConfigurationError, match="cannot read the formula 'Xx2'"):
        amorphous("Xx2", 2.0, 4)
    with pytest.raises(ConfigurationError, match=r"1 formula units hold 0.5 Li atoms"):
        amorphous("Li0.5F0.5", 2.0, 1)
    with pytest.raises(ConfigurationError, match="unknown molecule 'PS5'"):
        amorphous("Li3PS4", 2.0, 4, molecules=["PS5"])
    with pytest.raises(ConfigurationError, match="minimum distance given for Li-Cl"):
        amorphous("LiF", 2.0, 4, min_distances={"Li-Cl": 2.0})
