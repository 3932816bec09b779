"""What a potential's metadata card records about how it was made: software versions, file checksums,
and the card itself as strict JSON."""

from __future__ import annotations

import hashlib
import json
import platform
import sys
import time
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import numpy as np


def software_versions(*distributions: str) -> dict[str, str]:
    """Python's version and that of each installed distribution named (missing ones are left out)."""
    out = {"python": platform.python_version()}
    for dist in distributions:
        try:
            out[dist] = version(dist)
        except PackageNotFoundError:
            pass
    return out


def command_line(script: str, argv=None) -> str:
    """How the script was run: ``python <script> <arguments>`` (``argv`` as given to its ``main``, else
    ``sys.argv``)."""
    return " ".join(["python", script, *(argv if argv is not None else sys.argv[1:])])


def script_record(script: str, argv, seed: int) -> dict:
    """The card's ``script``, ``command``, ``seed`` and ``date`` (UTC) of a ``potentials/make_*.py`` run."""
    return {"script": script, "command": command_line(script, argv), "seed": seed,
            "date": time.strftime("%Y-%m-%d", time.gmtime())}


def file_sha256(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def card_json(obj) -> str:
    """Indented JSON without NaN/inf, which strict readers (the plugin's card reader among them) refuse: they
    become null; numpy scalars become Python numbers and keys strings."""
    def clean(x):
        if isinstance(x, dict):
            return {str(k): clean(v) for k, v in x.items()}
        if isinstance(x, (list, tuple)):
            return [clean(v) for v in x]
        if isinstance(x, (np.floating, np.integer)):
            x = x.item()
        if isinstance(x, float) and not np.isfinite(x):
            return None
        return x

    return json.dumps(clean(obj), indent=2, allow_nan=False) + "\n"


def record_check(card_path: Path, keys: tuple[str, ...], block: dict, warning_prefix: str,
                 warning: str | None) -> None:
    """Write one check into a potential's card: ``block`` at ``validation[keys[0]][keys[1]]...`` and, in place
    of the card's warnings that start with ``warning_prefix`` (this check's earlier line), ``warning`` if any."""
    card = json.loads(Path(card_path).read_text())
    node = card.setdefault("validation", {})
    for key in keys[:-1]:
        node = node.setdefault(key, {})
    node[keys[-1]] = block
    kept = [w for w in card.get("warnings", []) if not w.startswith(warning_prefix)]
    card["warnings"] = kept + ([warning] if warning else [])
    Path(card_path).write_text(card_json(card))
