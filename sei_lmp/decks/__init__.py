"""Protocols and deck rendering: structure + potential + protocol -> a LAMMPS deck directory."""

from sei_lmp.decks.protocols import PROTOCOLS, DiffusionNVT, Guards, InterfaceNPT, MDSettings, MeltQuench, Protocol
from sei_lmp.decks.render import Deck, render_deck

__all__ = ["PROTOCOLS", "Deck", "DiffusionNVT", "Guards", "InterfaceNPT", "MDSettings", "MeltQuench", "Protocol",
           "render_deck"]
