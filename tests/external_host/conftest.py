"""Which upstream styles the external-host tests ran, and which the host lacks and why: printed at the end
of the session (CI's log shows it), from what the tests record through ``upstream_record`` and from the
host's own ``lmp -h``."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

_RECORD: list[tuple[str, str, str, str]] = []

#: upstream styles our `lammps` / `kokkos` decks can name, and why a host may lack each
UPSTREAM_STYLES = {
    "snap": "no ML-SNAP package",
    "mliap": "no ML-IAP package",
    "pace": "no ML-PACE (its library is fetched from GitHub at configure time)",
    "mtp": "no ML-MTP package in this LAMMPS (cmake/presets/ml-mtp.cmake where a version ships it)",
    "snap/kk": "no KOKKOS package",
    "pace/kk": "no KOKKOS package with ML-PACE",
    "mtp/kk": "no KOKKOS package with ML-MTP",
}


@pytest.fixture
def upstream_record():
    def record(protocol: str, style: str, outcome: str, detail: str) -> None:
        _RECORD.append((protocol, style, outcome, detail))
    return record


def _host_lines() -> list[str]:
    host = os.environ.get("SEI_LMP_EXTERNAL_LAMMPS", "")
    lmp = Path(host) / "bin" / "lmp"
    if not host or not lmp.is_file():
        return [f"no upstream LAMMPS (SEI_LMP_EXTERNAL_LAMMPS={host!r}): every upstream style skipped"]
    from sei_lmp.lammps_info import probe_executable
    from test_external_host import _env

    try:
        caps = probe_executable([str(lmp)], env=_env())
    except Exception as exc:       # the summary must not hide the test results
        return [f"could not probe {lmp}: {exc}"]
    lines = [f"host: LAMMPS {caps.version} at {host}"]
    for style, why in UPSTREAM_STYLES.items():
        if not caps.has("pair", style):
            lines.append(f"  lacks     {style:<14} {why}")
    if "PYTHON" not in caps.packages:
        lines.append(f"  lacks     {'mliap unified':<14} no PYTHON package (MACE through ML-IAP: a cluster build)")
    return lines


def pytest_terminal_summary(terminalreporter):
    ran = list(_RECORD)
    if not ran and not os.environ.get("SEI_LMP_EXTERNAL_LAMMPS"):
        return
    terminalreporter.section("upstream LAMMPS styles (tests/external_host)")
    for line in _host_lines():
        terminalreporter.write_line(line)
    for protocol, style, outcome, detail in sorted(set(ran), key=lambda r: (r[2], r[1], r[0])):
        terminalreporter.write_line(f"  {outcome:<9} {style:<14} {protocol:<14} {detail}")
