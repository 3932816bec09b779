"""Metadata card next to a potential file: what the file itself does not say.

``pot.mtp`` -> ``pot.mtp.json`` (or ``pot.mtp.toml``)::

    {"species": ["Li", "P", "S"], "family": "mtp", "units": "metal", "cutoff": 5.0,
     "provenance": {...}, "validation": {...}}

The C++ pair styles read the same ``.json`` card for element names in ``pair_coeff``.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sei_lmp.errors import ConfigurationError


@dataclass(frozen=True)
class PotentialCard:
    """Contents of a metadata card; every field is optional."""

    species: tuple[str, ...] | None = None
    family: str | None = None
    units: str | None = None
    cutoff: float | None = None
    provenance: dict[str, Any] = field(default_factory=dict)
    validation: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def for_file(cls, potential: Path) -> PotentialCard:
        """The card of ``potential`` (``<file>.json`` or ``<file>.toml``), or an empty card."""
        for suffix, load in ((".json", json.loads), (".toml", tomllib.loads)):
            path = potential.with_name(potential.name + suffix)
            if path.is_file():
                try:
                    return cls.from_dict(load(path.read_text()))
                except (ValueError, TypeError) as err:
                    raise ConfigurationError(f"cannot read metadata card {path}: {err}") from err
        return cls()

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PotentialCard:
        known = {"species", "family", "units", "cutoff", "provenance", "validation"}
        species = data.get("species")
        if species is not None and (not isinstance(species, list) or not all(isinstance(s, str) for s in species)):
            raise TypeError("'species' must be a list of element symbols")
        return cls(
            species=tuple(species) if species is not None else None,
            family=data.get("family"),
            units=data.get("units"),
            cutoff=float(data["cutoff"]) if data.get("cutoff") is not None else None,
            provenance=dict(data.get("provenance", {})),
            validation=dict(data.get("validation", {})),
            extra={k: v for k, v in data.items() if k not in known},
        )


def check_card_cutoff(path: Path, card: PotentialCard, file_cutoff: float) -> None:
    """Refuse a card whose cutoff is not the file's (the card belongs to another potential)."""
    if card.cutoff is not None and abs(card.cutoff - file_cutoff) > 1e-6:
        raise ConfigurationError(f"the card of {path.name} says cutoff {card.cutoff:g} A but the file has "
                                 f"{file_cutoff:g} A: the card belongs to another potential; fix or regenerate it")
