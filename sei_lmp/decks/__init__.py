"""Protocols and deck rendering: structure + potential + protocol -> a LAMMPS deck directory.

Every protocol class of :mod:`sei_lmp.decks.protocols` is importable from here by its class name
(``from sei_lmp.decks import DiffusionNVT``), so a new protocol needs no line in this file.
"""

from sei_lmp.decks import protocols as _protocols
from sei_lmp.decks.protocols import PROTOCOLS, Guards, MDSettings, Protocol

__all__ = ["PROTOCOLS", "Deck", "Guards", "MDSettings", "Protocol", "render_deck",
           *sorted(cls.__name__ for cls in PROTOCOLS.values())]


def __getattr__(name: str):
    # rendering pulls in numpy, ASE and the potentials; the protocol registry alone (CLI help) does not
    if name in ("Deck", "render_deck"):
        from sei_lmp.decks import render

        return getattr(render, name)
    cls = getattr(_protocols, name, None)
    if isinstance(cls, type) and issubclass(cls, Protocol):
        return cls
    raise AttributeError(f"module 'sei_lmp.decks' has no attribute '{name}'")
