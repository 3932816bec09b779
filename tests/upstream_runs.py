"""Helpers shared by the tests that run an upstream ``lmp`` (tests/external_host, tests/upstream): a few hundred
steps of each protocol, and a step-0 deck whose energy, pressure and forces are read back at full precision."""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from pathlib import Path

import numpy as np

SHORT = {"md.thermo_every": "20", "md.restart_every": "50"}
# a few hundred steps of each protocol (1 fs steps); NEB: a short band on 5 partitions
FEW_STEPS = {
    "melt_quench": {**SHORT, "md.tdamp_steps": "10", "heat_ps": 0.05, "hold_ps": 0.05, "quench_rate_k_per_ps": 10000,
                    "anneal_ps": 0.05, "equilibrate_ps": 0.05, "t_melt": 600, "sample_every": 20},
    "interface_npt": {**SHORT, "run_ps": 0.2, "dump_every_ps": 0.05, "frozen_bottom": 2.0},
    "diffusion_nvt": {**SHORT, "equilibrate_ps": 0.1, "production_ps": 0.2, "dump_every_ps": 0.05},
    "neb": {"images": 5, "ftol_eV_A": 0.05, "steps": 200, "climb_steps": 100, "print_every": 20},
}


def step0_deck(data: Path, pair_lines: Sequence[str], dump: str | Path = "forces.dump", preamble: str = "") -> str:
    """``run 0`` on ``data`` with ``pair_lines``: thermo pe/press and a sorted force dump, 15 digits."""
    return (f"{preamble}units metal\natom_style atomic\natom_modify map array\nread_data {data}\n"
            + "\n".join(pair_lines) + "\n"
            "thermo_style custom step pe press\nthermo_modify format float %20.15g\n"
            f"dump d all custom 1 {dump} id fx fy fz\ndump_modify d sort id format float %20.15g\nrun 0\n")


def run_step0(command: Sequence[str], deck: str, workdir: Path, env: dict,
              dump: str = "forces.dump") -> tuple[float, float, np.ndarray, str]:
    """Run ``deck`` (from :func:`step0_deck`) with ``command`` in ``workdir``: (pe, press, forces, stdout)."""
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "in.deck").write_text(deck)
    out = subprocess.run([*command, "-in", "in.deck", "-log", "log.lammps", "-nocite"], cwd=workdir, env=env,
                         capture_output=True, text=True, check=False, timeout=600)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    lines = out.stdout.splitlines()
    row = next(lines[i + 1] for i, line in enumerate(lines) if line.split()[:3] == ["Step", "PotEng", "Press"])
    _, pe, press = (float(v) for v in row.split())
    return pe, press, np.loadtxt(workdir / dump, skiprows=9)[:, 1:], out.stdout
