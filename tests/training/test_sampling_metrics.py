"""Sampling builders, the baseline, metrics and the MTP basis against hand-derived answers."""

import numpy as np
import pytest
from training_helpers import tiny_sample

from sei_lmp.errors import ConfigurationError
from sei_lmp.training import metrics, sampling
from sei_lmp.training.mtp_basis import make_mtp_basis


def test_interstitial_goes_to_the_tetrahedral_void_of_rocksalt():
    a = 4.0
    cell = sampling.lif_rocksalt(a)
    inter = sampling.interstitial(cell)
    assert len(inter) == 9 and inter[-1].symbol == "Li" and inter.info["config_type"] == "Li_interstitial"
    d = inter.get_distances(8, range(8), mic=True)
    # (1/4,1/4,1/4)-type site: 4 Li and 4 F at a*sqrt(3)/4
    assert d.min() == pytest.approx(a * np.sqrt(3) / 4, abs=0.02 * a)
    assert np.sum(np.isclose(d, d.min(), atol=0.05)) == 8


def test_vacancy_and_frenkel_pair():
    cell = sampling.lif_rocksalt(4.0, 2)
    vac = sampling.vacancy(cell)
    assert vac.get_chemical_formula() == "F32Li31"
    fr = sampling.frenkel_pair(cell, rng=np.random.default_rng(2), min_separation=4.0)
    assert fr.get_chemical_formula() == "F32Li32"
    # the interstitial is >= 4 A from the emptied site and sits in a void (>= 1.6 A from everybody)
    moved = fr.positions[-1]
    sites = cell.positions[np.array(cell.get_chemical_symbols()) == "Li"]
    occupied = fr.positions[:-1][np.array(fr.get_chemical_symbols()[:-1]) == "Li"]
    empty = [s for s in sites if np.min(np.linalg.norm(occupied - s, axis=1)) > 0.1]
    assert len(empty) == 1
    dist = fr.get_distances(len(fr) - 1, range(len(fr) - 1), mic=True)
    assert dist.min() > 1.6
    vec = moved - empty[0]
    vec -= cell.cell.array.T @ np.round(np.linalg.solve(cell.cell.array.T, vec))
    assert np.linalg.norm(vec) >= 4.0
    with pytest.raises(ConfigurationError, match="no Na atom"):
        sampling.vacancy(cell, "Na")
    with pytest.raises(ConfigurationError, match="repeat it first"):
        sampling.frenkel_pair(sampling.lif_rocksalt(4.0), min_separation=10.0)


def test_strain_and_rattle_are_seeded_and_bounded():
    base = sampling.lif_rocksalt(4.0)
    a = sampling.strained_rattled(base, 3, np.random.default_rng(5), max_strain=0.02, rattle=0.05)
    b = sampling.strained_rattled(base, 3, np.random.default_rng(5), max_strain=0.02, rattle=0.05)
    assert all(np.array_equal(x.positions, y.positions) for x, y in zip(a, b))
    for x in a:
        eps = np.linalg.solve(base.cell.array, x.cell.array) - np.eye(3)
        assert np.abs(eps).max() <= 0.02 + 1e-12 and np.allclose(eps, eps.T)


def test_random_packing_respects_density_and_distance():
    atoms = sampling.random_packing(["Li"] * 10 + ["F"] * 10, 1.5, np.random.default_rng(0), min_distance=1.8)
    mass_g = atoms.get_masses().sum() * 1.66053906660e-24
    assert mass_g / (atoms.get_volume() * 1e-24) == pytest.approx(1.5, rel=1e-6)
    d = atoms.get_all_distances(mic=True)
    assert d[np.triu_indices(20, 1)].min() >= 1.8
    with pytest.raises(ConfigurationError, match="lower the density"):
        sampling.random_packing(["F"] * 50, 20.0, np.random.default_rng(0), min_distance=2.0, max_tries=20)


def test_baseline_recovers_exact_per_species_energies():
    from ase.calculators.singlepoint import SinglePointCalculator

    images = tiny_sample()  # bulk Li4F4, Li5F4 and Li3F4: two independent composition ratios
    e_li, e_f = -1.7, -3.2
    for a in images:
        n_li = a.get_chemical_symbols().count("Li")
        a.calc = SinglePointCalculator(a, energy=n_li * e_li + (len(a) - n_li) * e_f,
                                       forces=np.ones((len(a), 3)), stress=np.zeros(6))
    base = metrics.SpeciesEnergyBaseline(["Li", "F"]).fit(images)
    np.testing.assert_allclose(base.energies, [e_li, e_f], rtol=1e-10)
    err = metrics.errors(images, base.predict(images))
    assert err["energy_rmse_meV_per_atom"] == pytest.approx(0.0, abs=1e-9)
    assert err["forces_rmse_eV_per_A"] == pytest.approx(1.0) and err["forces_mae_eV_per_A"] == pytest.approx(1.0)
    by_type = metrics.errors_by_type(images, base.predict(images))
    assert set(by_type.index) == {"bulk", "Li_interstitial", "Li_vacancy"}
    with pytest.raises(ConfigurationError, match="do not cover"):
        metrics.SpeciesEnergyBaseline(["Li"]).fit(images)


def test_mtp_basis_matches_the_shipped_level10_potential():
    """The generated level-10 basis has the slot counts of the shipped Li MTP (written by the same recipe
    and checked against MLIP's template 10 when it was made)."""
    import re
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "potentials" / "Li_mtp_L10_mlearn.mtp").read_text()
    want = {k: int(re.search(rf"{k}\s*=\s*(\d+)", text).group(1))
            for k in ("alpha_moments_count", "alpha_index_basic_count", "alpha_index_times_count",
                      "alpha_scalar_moments")}
    basic, times, mapping, n_moments = make_mtp_basis(10)
    assert (n_moments, len(basic), len(times), len(mapping)) == tuple(want.values())


def test_interstitial_site_agrees_with_the_structures_library():
    """Our void search and sei_lmp.structures.defects.add_interstitial put the extra Li equally far from
    its neighbours (the tetrahedral site) in a 64-atom LiF cell."""
    defects = pytest.importorskip("sei_lmp.structures.defects")
    cell = sampling.lif_rocksalt(4.09, 2)
    ours = sampling.interstitial(cell)
    theirs = defects.add_interstitial(cell, "Li")
    d_ours = ours.get_distances(len(ours) - 1, range(len(ours) - 1), mic=True).min()
    d_theirs = theirs.get_distances(len(theirs) - 1, range(len(theirs) - 1), mic=True).min()
    assert d_ours == pytest.approx(d_theirs, abs=1e-4) and d_ours == pytest.approx(4.09 * np.sqrt(3) / 4, abs=1e-4)


def test_validation_block_of_a_card():
    from ase.calculators.singlepoint import SinglePointCalculator

    images = tiny_sample()
    e_li, e_f = -1.7, -3.2
    for a in images:
        n_li = a.get_chemical_symbols().count("Li")
        a.calc = SinglePointCalculator(a, energy=n_li * e_li + (len(a) - n_li) * e_f,
                                       forces=np.ones((len(a), 3)), stress=np.zeros(6))
    # a perfect model: its predictions are the labels
    perfect = [{"energy": a.get_potential_energy(), "forces": a.get_forces(), "stress": a.get_stress()}
               for a in images]
    block = metrics.validation_block(images, images, perfect, perfect, ["Li", "F"])
    assert block["held_out"]["energy_rmse_meV_per_atom"] == pytest.approx(0.0, abs=1e-9)
    assert block["train"]["forces_rmse_eV_per_A"] == pytest.approx(0.0, abs=1e-12)
    # the baseline is fitted on train: exact energies, but zero forces against unit labels
    assert block["held_out_baseline"]["species_energies_eV"] == pytest.approx({"Li": e_li, "F": e_f})
    assert block["held_out_baseline"]["forces_rmse_eV_per_A"] == pytest.approx(1.0)
    assert set(block["held_out_by_config_type"]) == {"bulk", "Li_interstitial", "Li_vacancy"}


def _error_rows(energy_errors_meV, force_errors, n_atoms=10):
    import pandas as pd

    return pd.DataFrame([{"config_type": "", "n_atoms": n_atoms, "energy_ref_eV_per_atom": 0.0,
                          "energy_pred_eV_per_atom": e / 1000, "forces_sq_sum": f**2 * 3 * n_atoms,
                          "forces_abs_sum": abs(f) * 3 * n_atoms, "forces_count": 3 * n_atoms}
                         for e, f in zip(energy_errors_meV, force_errors)])


def test_bootstrap_rmse_interval():
    """Equal errors everywhere: the interval is the point; spread errors: it brackets the RMSE and narrows
    with more configurations roughly as 1/sqrt(n); too few configurations: no interval."""
    from sei_lmp.training.metrics import bootstrap_rmse, summarise

    same = _error_rows([3.0] * 8, [0.2] * 8)
    ci = bootstrap_rmse(same)
    assert ci["energy_rmse_meV_per_atom_ci95"] == pytest.approx([3.0, 3.0])
    assert ci["forces_rmse_eV_per_A_ci95"] == pytest.approx([0.2, 0.2])
    assert bootstrap_rmse(same.iloc[:4]) == {}

    rng = np.random.default_rng(5)
    widths = []
    for n in (20, 320):
        table = _error_rows(rng.normal(0, 5, n), rng.gamma(4, 0.05, n))
        point = summarise(table)
        lo, hi = bootstrap_rmse(table)["forces_rmse_eV_per_A_ci95"]
        assert lo < point["forces_rmse_eV_per_A"] < hi
        lo_e, hi_e = bootstrap_rmse(table)["energy_rmse_meV_per_atom_ci95"]
        assert lo_e < point["energy_rmse_meV_per_atom"] < hi_e
        widths.append(hi - lo)
    assert 2.5 < widths[0] / widths[1] < 6.5           # sqrt(16) = 4
