"""Helpers shared by the sweep tests (a uniquely named module: every test directory has its own
conftest, so `from conftest import ...` would pick whichever was imported first)."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

#: a few hundred 1 fs steps on 54 atoms: about a second of LAMMPS per run
TINY_SETTINGS = {"equilibrate_npt": False, "equilibrate_ps": 0.1, "production_ps": 0.3, "dump_every_ps": 0.02,
                 "md.thermo_every": 20, "md.restart_every": 50}


def sweep_toml(name: str, temperatures=(600, 900), seeds=(1, 2), settings=None, extra: str = "") -> str:
    settings = {**TINY_SETTINGS, **(settings or {})}
    lines = [f'name = "{name}"', 'protocol = "diffusion_nvt"', 'backend = "plugin"', "",
             "[[structures]]", 'name = "bcc"', 'source = "phase:Li"', "lattice = {a = 3.4426}",
             "supercell = [3, 3, 3]", "",
             "[[potentials]]", 'name = "mtp"', 'path = "shipped:Li_mtp_L10_mlearn.mtp"', "", "[settings]"]
    for key, value in settings.items():
        lines.append(f'"{key}" = {str(value).lower() if isinstance(value, bool) else value}')
    lines += ["", "[grid]", f"temperature = {list(temperatures)}", f"seed = {list(seeds)}", "", extra]
    return "\n".join(lines) + "\n"
