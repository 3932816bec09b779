"""MACE models exported for LAMMPS: TorchScript ``*-lammps.pt`` (our ``sei/mace``, ACEsuit ``pair_style mace``)
or ``*-mliap_lammps.pt`` (``pair_style mliap unified``). Species and cutoff come from the metadata card:
reading them from the model would need torch.

A committee (other ``*-lammps.pt`` models of the same elements) gives ``sei/mace`` a per-atom force deviation,
used as the extrapolation grade ``gamma`` of the decks' guard. It comes from the card, ``"committee": [paths
relative to the card]``, or from :meth:`MACEPotential.with_committee`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from sei_lmp.errors import ConfigurationError
from sei_lmp.potentials.base import Backend, PairBlock, Potential
from sei_lmp.potentials.card import PotentialCard


@dataclass(frozen=True)
class MACEPotential(Potential):
    family = "mace"

    @classmethod
    def read(cls, path: Path, card: PotentialCard, species: Sequence[str] | None) -> MACEPotential:
        names = tuple(species) if species else card.species
        if not names or card.cutoff is None:
            raise ConfigurationError(
                f"{path.name}: MACE models need a metadata card {path.name}.json with \"species\" (in the "
                "model's z-table order) and \"cutoff\" (r_max in A)")
        committee = tuple((path.parent / p).resolve() for p in card.extra.get("committee", ()))
        return cls(path=path, species=tuple(names), cutoff=card.cutoff, card=card)._checked(committee)

    committee: tuple[Path, ...] = ()

    def with_committee(self, models: Sequence[str | Path]) -> MACEPotential:
        """The same driving model with ``models`` as the other committee members (replacing the card's)."""
        return self._checked(tuple(Path(m).expanduser().resolve() for m in models))

    def _checked(self, committee: tuple[Path, ...]) -> MACEPotential:
        for member in committee:
            if not member.is_file():
                raise ConfigurationError(f"committee model {member} of {self.path.name} does not exist")
            if member.name.endswith("mliap_lammps.pt") or not member.name.endswith(".pt"):
                raise ConfigurationError(f"committee model {member.name} must be a TorchScript '*-lammps.pt' file "
                                         "written by mace_create_lammps_model")
        return replace(self, committee=committee)

    @property
    def has_gamma(self) -> bool:
        """Per-atom committee force deviation, on the plugin backend only."""
        return bool(self.committee)

    @property
    def is_mliap(self) -> bool:
        return self.path.name.endswith("mliap_lammps.pt")

    @property
    def layers(self) -> int:
        return int(self.card.extra.get("num_interactions", 2))

    def styles(self, backend: Backend) -> tuple[str, ...]:
        if backend == "plugin":
            return ("sei/mace",)
        if backend == "lammps":
            return ("mliap",) if self.is_mliap else ("mace",)
        return ("mliap",) if self.is_mliap else ("symmetrix/mace/kk",)

    def _pair_block(self, backend: Backend, type_elements: Sequence[str], style: str) -> PairBlock:
        self.species_indices(type_elements)
        elements = " ".join(type_elements)
        if style == "mliap":
            # ML-IAP unified passes ghost atoms to the model: it needs the message-passing range
            return PairBlock(f"mliap unified {self.path} 0", (f"* * {elements}",), ("mliap",), atom_map=True,
                             ghost_cutoff=self.layers * self.cutoff)
        if style == "mace":
            return PairBlock("mace no_domain_decomposition", (f"* * {self.path} {elements}",), ("mace",),
                             one_rank_only=True)
        if style == "sei/mace":
            if not self.committee:
                return PairBlock(style, (f"* * {self.path} {elements}",), (style,))
            members = " ".join(str(m) for m in self.committee)
            return PairBlock(f"sei/mace committee {members}", (f"* * {self.path} {elements}",), (style,),
                             gamma_style="sei/mace")
        return PairBlock(style, (f"* * {self.path} {elements}",), (style,))
