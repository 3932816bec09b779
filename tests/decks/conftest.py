"""Fixtures for deck tests: a trained potential that runs stable MD, and a way to run a deck directory."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from sei_lmp.potentials import load_potential

LMP = Path(sys.executable).parent / "lmp"

# tiny stages: the protocols run for a few hundred steps
SHORT = {"md.thermo_every": "20", "md.restart_every": "50"}
TINY = {
    "melt_quench": {**SHORT, "md.tdamp_steps": "10", "heat_ps": 0.05, "hold_ps": 0.05, "quench_rate_k_per_ps": 10000, "anneal_ps": 0.05,
                    "equilibrate_ps": 0.05, "t_melt": 1500, "sample_every": 20},
    "interface_npt": {**SHORT, "run_ps": 0.1, "dump_every_ps": 0.02, "frozen_bottom": 2.0},
    "diffusion_nvt": {**SHORT, "equilibrate_ps": 0.1, "production_ps": 0.1, "dump_every_ps": 0.02},
}


@pytest.fixture(scope="session")
def cuagau(mtp_reference):
    """The MLIP-3-trained CuAgAu MTP (species 0, 1, 2 = Au, Ag, Cu) and its fcc structure."""
    pot = load_potential(mtp_reference / "potentials" / "CuAgAu_L10_trained.mtp", species=["Au", "Ag", "Cu"])
    return pot, mtp_reference / "structures" / "CuAgAu_fcc27.lammps-data"


def run_lmp(directory: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(LMP), "-in", "in.lmp", "-log", "log.lammps", *args], cwd=directory,
                          capture_output=True, text=True, timeout=600)
