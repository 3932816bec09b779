"""Files shipped with sei_lmp: potentials (with metadata cards), deck templates and example structures."""

from __future__ import annotations

from pathlib import Path

from sei_lmp.errors import ConfigurationError

_PACKAGE = Path(__file__).resolve().parent


def data_dir(kind: str) -> Path:
    """Directory of shipped ``kind`` ('potentials', 'lammps_inputs' or 'examples/structures').

    Installed wheels carry them in ``sei_lmp/data/``; a source checkout has them at the top level.
    """
    for candidate in (_PACKAGE / "data" / kind, _PACKAGE.parent / kind):
        if candidate.is_dir():
            return candidate
    raise ConfigurationError(f"shipped '{kind}' not found next to {_PACKAGE}; reinstall sei_lmp")


def shipped_potential(pattern: str) -> Path:
    """The shipped potential file matching a glob ``pattern`` (e.g. ``'Li_mtp_*.mtp'``)."""
    matches = sorted(p for p in data_dir("potentials").glob(pattern) if not p.name.endswith(".json"))
    if not matches:
        raise ConfigurationError(f"no shipped potential matches '{pattern}' in {data_dir('potentials')}")
    return matches[-1]


def shipped_potentials() -> list[Path]:
    """Every shipped potential file (its metadata card beside it), sorted by name."""
    return sorted(p for p in data_dir("potentials").iterdir()
                  if p.is_file() and (p.parent / (p.name + ".json")).is_file())


#: prefix of an example structure shipped with sei_lmp: "example:Li2S.cif" (the README's commands use them)
EXAMPLE = "example:"


def example_structures() -> list[Path]:
    """Every shipped example structure, sorted by name."""
    return sorted(p for p in data_dir("examples/structures").iterdir()
                  if p.is_file() and p.suffix not in (".py", ".md"))


def resolve_structure(path) -> Path:
    """``path`` itself, or the shipped example a name ``example:<file>`` stands for."""
    text = str(path)
    if not text.startswith(EXAMPLE):
        return Path(path)
    name = text[len(EXAMPLE):]
    found = [p for p in example_structures() if p.name == name]
    if not found:
        raise ConfigurationError(f"no example structure '{name}'; shipped: "
                                 f"{', '.join(EXAMPLE + p.name for p in example_structures())}")
    return found[0]
