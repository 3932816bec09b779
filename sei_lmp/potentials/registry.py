"""Which family a potential file belongs to, by name; one table line per family."""

from __future__ import annotations

from collections.abc import Sequence
from os import PathLike
from pathlib import Path

from sei_lmp.errors import ConfigurationError
from sei_lmp.potentials.ace import ACEPotential
from sei_lmp.potentials.base import Potential
from sei_lmp.potentials.card import PotentialCard
from sei_lmp.potentials.mace import MACEPotential
from sei_lmp.potentials.mtp import MTPPotential
from sei_lmp.potentials.snap import SNAPPotential

#: prefix of a shipped potential's name: "shipped:LiF_ace_chgnet.yace"
SHIPPED = "shipped:"
#: (file-name endings, class); first match wins
FAMILIES: tuple[tuple[tuple[str, ...], type[Potential]], ...] = (
    ((".mtp", ".almtp"), MTPPotential),
    ((".yace", ".yaml", ".ace"), ACEPotential),
    (("-lammps.pt", "_lammps.pt", ".model-lammps.pt"), MACEPotential),
    ((".snapcoeff",), SNAPPotential),
)


def load_potential(path: str | PathLike, species: Sequence[str] | None = None) -> Potential:
    """Read a potential file (and its metadata card) into a :class:`Potential`.

    ``species`` names the elements in the file's species order where neither the file nor a card does
    (MTP files number their species). ``"shipped:<name or glob>"`` is a potential shipped with sei_lmp
    (``sei-lmp info`` lists them), found wherever sei_lmp is installed.
    """
    if str(path).startswith(SHIPPED):
        from sei_lmp.data import shipped_potential

        path = shipped_potential(str(path)[len(SHIPPED):])
    path = Path(path).expanduser().resolve()
    if not path.is_file():
        raise ConfigurationError(f"potential file {path} does not exist (a shipped one is named shipped:<file>; "
                                 "'sei-lmp info' lists them)")
    card = PotentialCard.for_file(path)
    _check_card(path, card, species)
    for endings, cls in FAMILIES:
        if path.name.endswith(endings) or (card.family and card.family == cls.family):
            return cls.read(path, card, species)
    known = ", ".join(e for endings, _ in FAMILIES for e in endings)
    raise ConfigurationError(f"unknown potential type for {path.name}; known endings: {known} "
                             "(or set \"family\" in a metadata card)")


def _check_card(path: Path, card: PotentialCard, species: Sequence[str] | None) -> None:
    """Refuse a card that belongs to another file, or names that contradict it (a silent species mix-up runs
    with the wrong parameters)."""
    import hashlib

    expected = card.provenance.get("sha256") or card.provenance.get("mtp_sha256") or card.extra.get("sha256")
    if isinstance(expected, str) and len(expected) == 64:
        actual = hashlib.sha256(path.read_bytes()).hexdigest()
        if actual != expected:
            raise ConfigurationError(f"{path.name} is not the file its card describes (sha256 {actual[:12]}... "
                                     f"against the card's {expected[:12]}...): the file was changed or the card "
                                     "belongs to another file; regenerate the card (or remove its checksum if you "
                                     "changed the file on purpose)")
    by_name = next((cls for endings, cls in FAMILIES if path.name.endswith(endings)), None)
    if card.family and by_name is not None and card.family != by_name.family:
        raise ConfigurationError(f"the card of {path.name} says family '{card.family}' but the file is a "
                                 f"'{by_name.family}' potential; fix the card")
    if species is not None and card.species is not None and tuple(species) != tuple(card.species):
        raise ConfigurationError(f"the species given ({', '.join(species)}) contradict the card of {path.name} "
                                 f"({', '.join(card.species)}), the order the potential was fitted with; drop "
                                 "--species/species= (the card is used) or fix the card")

