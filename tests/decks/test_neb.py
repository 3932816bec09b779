"""The NEB protocol: a vacancy hop in bcc Li with the shipped Li MTP. The deck (LAMMPS' neb on 5 partitions,
run by run_deck) and an independent ASE climbing-image NEB on the same relaxed end points, with our ASE
calculator, find the same barrier; the calculator itself agrees with python-ace and finite differences."""

from __future__ import annotations

import numpy as np
import pytest

from sei_lmp.data import shipped_potential
from sei_lmp.errors import ConfigurationError
from sei_lmp.potentials import load_potential

IMAGES = 5


@pytest.fixture(scope="module")
def li_mtp():
    return load_potential(shipped_potential("Li_mtp_L10_mlearn.mtp"))


@pytest.fixture(scope="module")
def li_vacancy_hop(li_mtp):
    from ase.build import bulk

    from sei_lmp.run.calculator import LammpsCalculator
    from sei_lmp.structures.migration import relax_endpoints, vacancy_hop

    atoms = bulk("Li", "bcc", a=3.4426, cubic=True).repeat(4)
    return relax_endpoints(vacancy_hop(atoms), LammpsCalculator(li_mtp), fmax=0.002)


def test_vacancy_hop_geometry(li_vacancy_hop):
    from sei_lmp.structures.migration import final_state

    info = li_vacancy_hop.info["hop"]
    assert info["kind"] == "vacancy" and len(li_vacancy_hop) == 127
    assert info["length_A"] == pytest.approx(3.4426 * np.sqrt(3) / 2)       # 1/2 <111> in bcc
    # by symmetry both end points have the same relaxed energy
    assert abs(info["reaction_energy_eV"]) < 1e-6
    assert final_state(li_vacancy_hop).arrays.get("neb_final") is None


def test_calculator_matches_pyace_and_finite_differences():
    from ase.build import bulk
    from pyace import PyACECalculator

    from sei_lmp.run.calculator import LammpsCalculator

    pot = shipped_potential("LiF_ace_chgnet.yace")
    atoms = bulk("LiF", "rocksalt", a=4.09).repeat(2)
    atoms.rattle(0.05, seed=1)
    atoms.set_cell(atoms.cell * [1.0, 1.01, 0.99], scale_atoms=True)
    atoms.calc = LammpsCalculator(pot)
    ref = atoms.copy()
    ref.calc = PyACECalculator(str(pot))
    assert atoms.get_potential_energy() == pytest.approx(ref.get_potential_energy(), abs=1e-8)
    np.testing.assert_allclose(atoms.get_forces(), ref.get_forces(), atol=1e-8)
    np.testing.assert_allclose(atoms.get_stress(), ref.get_stress(), atol=1e-8)
    h, k = 1e-4, 5
    moved = atoms.copy()
    moved.calc = atoms.calc
    energies = []
    for sign in (1, -1):
        moved.positions[k, 2] = atoms.positions[k, 2] + sign * h
        energies.append(moved.get_potential_energy())
    assert -(energies[0] - energies[1]) / (2 * h) == pytest.approx(atoms.get_forces()[k, 2], abs=1e-5)


def test_calculator_refuses_elements_the_potential_lacks(li_mtp):
    from ase.build import bulk

    from sei_lmp.run.calculator import LammpsCalculator

    atoms = bulk("NaCl", "rocksalt", a=5.6)
    atoms.calc = LammpsCalculator(li_mtp)
    with pytest.raises(ConfigurationError, match="does not describe"):
        atoms.get_potential_energy()


@pytest.mark.slow
def test_neb_deck_matches_an_independent_ase_neb(li_vacancy_hop, li_mtp, tmp_path):
    from ase.mep import NEB as AseNEB
    from ase.optimize import FIRE

    from sei_lmp.analysis.neb import analyze_neb
    from sei_lmp.decks import NEB, render_deck
    from sei_lmp.run import run_deck
    from sei_lmp.run.calculator import LammpsCalculator
    from sei_lmp.structures.migration import images

    band = images(li_vacancy_hop, IMAGES)
    for image in band:
        image.calc = LammpsCalculator(li_mtp)
    assert FIRE(AseNEB(band, climb=True, k=0.5, method="improvedtangent"), logfile=None).run(fmax=0.003, steps=3000)
    energies = [image.get_potential_energy() for image in band]
    reference = max(energies) - energies[0]

    deck = render_deck(NEB(images=IMAGES, ftol_eV_A=0.003), li_vacancy_hop, li_mtp, workdir=tmp_path / "build")
    assert deck.manifest["partitions"] == IMAGES
    directory = deck.write(tmp_path / "neb")
    run_deck(directory, nprocs=IMAGES, progress=False)
    # every replica's log is kept beside the universe log, and its converged coordinates are dumped
    assert all((directory / f"log.lammps.{k}").is_file() for k in range(IMAGES))
    assert not list(directory.glob("log.current.lammps*"))
    assert len(list(directory.glob("neb_image.*.dump"))) == IMAGES
    row = analyze_neb(directory).iloc[0]
    assert row["converged"] and row["climbing_replica"] == (IMAGES + 1) // 2
    # bcc Li vacancy migration: ~0.06 eV with this potential (experiment ~0.05-0.06 eV)
    assert 0.03 < row["barrier_forward_eV"] < 0.1
    assert row["barrier_forward_eV"] == pytest.approx(reference, abs=0.005)
    assert row["barrier_reverse_eV"] == pytest.approx(row["barrier_forward_eV"], abs=1e-3)
    # the generic CLI analysis finds the protocol's analysis through the registry
    import pandas as pd
    from typer.testing import CliRunner

    from sei_lmp.cli import app

    result = CliRunner().invoke(app, ["analyze", "run", str(directory), "-o", str(tmp_path / "neb.csv")])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(tmp_path / "neb.csv")
    assert table["protocol"].tolist() == ["neb"]
    assert table["barrier_forward_eV"].iloc[0] == pytest.approx(row["barrier_forward_eV"])


def test_neb_needs_a_hop(li_mtp, tmp_path):
    from ase.build import bulk

    from sei_lmp.decks import NEB, render_deck

    atoms = bulk("Li", "bcc", a=3.4426, cubic=True).repeat(3)
    with pytest.raises(ConfigurationError, match="this structure is not a hop: it has no 'neb_final' array"):
        render_deck(NEB(), atoms, li_mtp, workdir=tmp_path)
    from sei_lmp.structures.datafile import write_lammps_data

    write_lammps_data(atoms, tmp_path / "li.data", ["Li"])
    with pytest.raises(ConfigurationError, match="the neb protocol needs a hop"):
        render_deck(NEB(), tmp_path / "li.data", li_mtp)
    with pytest.raises(ConfigurationError, match="at least 3"):
        NEB(images=2).validate()


def test_unconverged_band_reports_no_barrier(tmp_path):
    from sei_lmp.analysis.neb import read_neb

    header = "Step MaxReplicaForce MaxAtomForce GradV0 GradV1 GradVc EBF EBR RDT RD1 PE1 RD2 PE2 RD3 PE3"
    out = tmp_path / "stdout.txt"
    out.write_text(f"{header}\n0 0.5 0.5 0 0 0 0.3 0.2 2.0 0 -10.0 0.5 -9.7 1 -9.9\n"
                   f"10 0.2 0.2 0 0 0 0.25 0.15 2.0 0 -10.0 0.5 -9.75 1 -9.9\n")
    result = read_neb(out, ftol_eV_A=0.01)
    assert not result.converged and np.isnan(result.barrier_forward_eV)
    assert "did not converge" in result.reason
    assert result.profile["energy_eV"].tolist() == pytest.approx([0.0, 0.25, 0.1])
    converged = read_neb(out, ftol_eV_A=0.2)
    assert converged.barrier_forward_eV == pytest.approx(0.25) and "no climbing image" in converged.reason
