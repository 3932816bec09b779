"""Protocols and deck rendering: structure + potential + protocol -> a LAMMPS deck directory."""

from sei_lmp.decks.protocols import PROTOCOLS, DiffusionNVT, Guards, InterfaceNPT, MDSettings, MeltQuench, Protocol

__all__ = ["PROTOCOLS", "Deck", "DiffusionNVT", "Guards", "InterfaceNPT", "MDSettings", "MeltQuench", "Protocol",
           "render_deck"]


def __getattr__(name: str):
    # rendering pulls in numpy, ASE and the potentials; the protocol registry alone (CLI help) does not
    if name in ("Deck", "render_deck"):
        from sei_lmp.decks import render

        return getattr(render, name)
    raise AttributeError(name)
