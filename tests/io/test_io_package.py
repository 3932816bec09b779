"""``sei_lmp.io`` is cheap to import: OVITO, pandas, ASE and pymatgen load only when a reader runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import sei_lmp.io

REPO = Path(__file__).resolve().parents[2]
HEAVY = ("ovito", "pandas", "ase", "pymatgen", "scipy", "matplotlib")


def _loaded_after(code: str) -> list[str]:
    script = f"import sys, json\n{code}\nprint(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_import_pulls_nothing_heavy():
    assert _loaded_after("import sei_lmp.io") == []
    # naming a reader loads its module, still without the libraries it calls
    assert _loaded_after("from sei_lmp.io import read_trajectory, load_pipeline, read_structure, read_thermo, "
                         "read_lammps_data") == []


def test_every_public_name_resolves():
    for name in sei_lmp.io.__all__:
        assert callable(getattr(sei_lmp.io, name)), name
