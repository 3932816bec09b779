"""One structure reader: ``read_structure`` refuses partial occupancies, and ``build`` and ``deck -s`` both
read through it, so they refuse the same file with the same message."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from sei_lmp.cli import app
from sei_lmp.errors import ConfigurationError
from sei_lmp.io import read_structure

LI_MTP = Path(__file__).resolve().parents[2] / "potentials" / "Li_mtp_L10_mlearn.mtp"    # species Li

#: bcc Li in P1 with the body-centre site half occupied
PARTIAL_CIF = """data_partial_li
_chemical_formula_sum 'Li1.5'
_cell_length_a 3.51
_cell_length_b 3.51
_cell_length_c 3.51
_cell_angle_alpha 90
_cell_angle_beta 90
_cell_angle_gamma 90
_symmetry_space_group_name_H-M 'P 1'
_symmetry_Int_Tables_number 1
loop_
_symmetry_equiv_pos_as_xyz
  'x, y, z'
loop_
_atom_site_label
_atom_site_type_symbol
_atom_site_fract_x
_atom_site_fract_y
_atom_site_fract_z
_atom_site_occupancy
Li1 Li 0.0 0.0 0.0 1.0
Li2 Li 0.5 0.5 0.5 0.5
"""

REFUSAL = ("partial.cif has partially occupied sites: Li2 (Li:0.5); pass order=True (CLI: --order) to pick the "
           "lowest-Ewald-energy arrangement, or give an ordered structure")


@pytest.fixture
def partial_cif(tmp_path) -> Path:
    path = tmp_path / "partial.cif"
    path.write_text(PARTIAL_CIF)
    return path


def test_partial_occupancy_refused(partial_cif):
    with pytest.raises(ConfigurationError) as err:
        read_structure(partial_cif)
    assert str(err.value) == REFUSAL


def test_ordered_when_asked(partial_cif):
    atoms = read_structure(partial_cif, order=True)
    # the half-occupied site is rounded to whole atoms; the report says how
    assert set(atoms.get_chemical_symbols()) == {"Li"} and atoms.info["ordering"]["rounded"]


def test_ordered_cif_reads(tmp_path):
    path = tmp_path / "full.cif"
    path.write_text(PARTIAL_CIF.replace("0.5 0.5 0.5 0.5", "0.5 0.5 0.5 1.0").replace("Li1.5", "Li2"))
    atoms = read_structure(path)
    assert atoms.get_chemical_formula() == "Li2" and atoms.get_volume() == pytest.approx(3.51**3)


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_build_and_deck_refuse_alike(partial_cif, tmp_path):
    build = CliRunner().invoke(app, ["build", "crystal", str(partial_cif), "-o", str(tmp_path / "x.data")])
    deck = CliRunner().invoke(app, ["deck", "diffusion_nvt", "-s", str(partial_cif), "-p", str(LI_MTP),
                                    "--species", "Li", "-o", str(tmp_path / "deck")])
    assert build.exit_code == 2 and deck.exit_code == 2, (build.output, deck.output)
    assert REFUSAL in _flat(build.output) and REFUSAL in _flat(deck.output)
    assert not (tmp_path / "deck" / "in.lmp").exists()


def test_sweep_refuses_alike(partial_cif):
    from sei_lmp.sweep.plan import resolve_structure
    from sei_lmp.sweep.spec import StructureSpec

    with pytest.raises(ConfigurationError) as err:
        resolve_structure(StructureSpec(name="half", source=str(partial_cif)))
    assert str(err.value) == f"structure 'half': {REFUSAL}"
