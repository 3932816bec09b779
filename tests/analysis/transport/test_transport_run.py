"""A real (short) diffusion_nvt run of liquid Li with the shipped MTP: LAMMPS' own ``compute msd com yes``
agrees with our MSD at time origin 0, analyze_run gives the contract table, and ``sei-lmp analyze diffusion``
writes its files."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sei_lmp.analysis.transport import TransportWarning, analyze_run
from sei_lmp.io import read_trajectory
from sei_lmp.errors import ConfigurationError

REPO = Path(__file__).resolve().parents[3]
SETTINGS = {"temperature": "700", "equilibrate_npt": "false", "minimize": "false", "equilibrate_ps": "0.05",
            "production_ps": "0.4", "dump_every_ps": "0.01", "md.thermo_every": "10", "md.restart_every": "100"}


@pytest.fixture(scope="module")
def li_run(tmp_path_factory):
    from ase.build import bulk

    from sei_lmp.decks import DiffusionNVT, render_deck
    from sei_lmp.potentials import load_potential
    from sei_lmp.run import run_deck

    pot = load_potential(REPO / "potentials" / "Li_mtp_L10_mlearn.mtp")
    atoms = bulk("Li", "bcc", a=3.44, cubic=True).repeat((4, 4, 4))            # 128 atoms
    directory = tmp_path_factory.mktemp("li_run") / "T700K"
    render_deck(DiffusionNVT().with_settings(SETTINGS), atoms, pot, "plugin", workdir=directory).write(directory)
    run_deck(directory, nprocs=1)
    return directory


def test_compute_msd_agrees_with_ours_at_origin_zero(li_run):
    lammps = np.loadtxt(li_run / "msd_Li.dat")
    traj = read_trajectory(li_run / "production.dump", type_elements=["Li"], timestep_fs=1.0)
    assert traj.timesteps.tolist() == lammps[:, 0].astype(int).tolist()
    r = traj.select("Li")
    com = traj.com(["Li"])
    disp = (r - r[0]) - (com - com[0])[:, None, :]
    ours = (disp ** 2).sum(axis=2).mean(axis=1)
    assert lammps[-1, 4] > 0.5                                        # atoms moved: the comparison means something
    np.testing.assert_allclose(ours, lammps[:, 4], rtol=1e-3, atol=1e-4)     # dump precision is 6 digits
    np.testing.assert_allclose((disp ** 2).mean(axis=1), lammps[:, 1:4], rtol=1e-3, atol=1e-4)


def test_analyze_run_contract_columns(li_run):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TransportWarning)         # 0.4 ps is too short, and says so
        table = analyze_run(li_run, species=["Li"])
    assert len(table) == 1
    row = table.iloc[0]
    for col in ("run", "temperature_K", "species", "D_cm2_s", "D_err_cm2_s", "fit_start_ps", "fit_end_ps",
                "msd_max_A2", "n_atoms", "sigma_NE_mS_cm"):
        assert col in table.columns
    assert row["run"] == "T700K" and row["temperature_K"] == 700 and row["n_atoms"] == 128
    # 0.4 ps has not left the cage (log-log slope ~0.3): no D, a bound and the reason instead
    assert row["D_status"] == "not_diffusive" and np.isnan(row["D_cm2_s"]) and row["D_upper_cm2_s"] > 0
    assert "run longer" in row["D_note"] and np.isnan(row["sigma_NE_mS_cm"])
    # a window given by hand is fitted as asked
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TransportWarning)
        row = analyze_run(li_run, species=["Li"], window="0.05:0.2").iloc[0]
    assert row["D_status"] == "measured"
    assert row["D_cm2_s"] > 0 and row["D_err_cm2_s"] > 0 and np.isfinite(row["sigma_NE_mS_cm"])
    with pytest.raises(ConfigurationError, match="has no manifest.json"):
        analyze_run(li_run.parent)


def test_cli_writes_table_and_figures(li_run, tmp_path):
    from typer.testing import CliRunner

    from sei_lmp.cli import app

    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["analyze", "diffusion", str(li_run), "--species", "Li", "-o", str(out)])
    assert result.exit_code == 0, result.output
    table = pd.read_parquet(out / "diffusion.parquet")
    assert table["species"].tolist() == ["Li"] and (out / "msd_T700K.png").stat().st_size > 1000
    csv = pd.read_csv(out / "diffusion.csv")
    np.testing.assert_allclose(csv["D_cm2_s"], table["D_cm2_s"], rtol=1e-12)
    bad = CliRunner().invoke(app, ["analyze", "diffusion", str(li_run), "--window", "a-b", "-o", str(out)])
    assert bad.exit_code == 2 and "is not START:END in ps" in bad.output
