"""Helpers shared by the deck tests (uniquely named: see tests/sweep/sweep_helpers.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

LMP = Path(sys.executable).parent / "lmp"

# tiny stages: the protocols run for a few hundred steps
SHORT = {"md.thermo_every": "20", "md.restart_every": "50"}
TINY = {
    "melt_quench": {**SHORT, "md.tdamp_steps": "10", "heat_ps": 0.05, "hold_ps": 0.05, "quench_rate_k_per_ps": 10000, "anneal_ps": 0.05,
                    "equilibrate_ps": 0.05, "t_melt": 1500, "sample_every": 20},
    "interface_npt": {**SHORT, "run_ps": 0.1, "dump_every_ps": 0.02, "frozen_bottom": 2.0},
    "diffusion_nvt": {**SHORT, "equilibrate_ps": 0.1, "production_ps": 0.1, "dump_every_ps": 0.02},
}


def run_lmp(directory: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(LMP), "-in", "in.lmp", "-log", "log.lammps", *args], cwd=directory,
                          capture_output=True, text=True, timeout=600)
