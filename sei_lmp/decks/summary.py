"""What a rendered deck will cost before it runs: atoms, cell widths against the cutoff rule, steps, frames, disk
for dumps and restarts, and a wall-time estimate from speeds measured for our pair styles.

The speeds are single-core microseconds per atom and step measured on this project's 2-core workstation
(LiF, 217 atoms); a cluster node is faster per core and runs on more cores, so the estimate is an upper bound
for one rank and scales down with ranks. Styles without a measurement get no estimate.
"""

from __future__ import annotations

from dataclasses import dataclass

from sei_lmp.structures.supercell import perpendicular_widths

__all__ = ["DeckSummary", "US_PER_ATOM_STEP", "summarize"]

#: measured single-core cost per atom and step (LiF 217 atoms; sei/mace: the shipped LiF MACE on CPU)
US_PER_ATOM_STEP = {"sei/mtp": 11.0, "sei/ace": 64.0, "sei/mace": 16000.0}
#: bytes of one atom in one text dump frame ("id type x y z" with LAMMPS' default precision) and in a restart
DUMP_BYTES_PER_ATOM = 60
RESTART_BYTES_PER_ATOM = 110


@dataclass(frozen=True)
class DeckSummary:
    """The numbers a user checks before running a deck."""

    atoms: int
    min_width_A: float
    required_width_A: float
    steps: int
    frames: int
    dump_MB: float
    restarts_written: int
    restart_MB: float
    wall_hours_one_core: float | None
    notes: tuple[str, ...] = ()

    def lines(self) -> list[str]:
        width = (f"cell widths >= {self.min_width_A:.1f} A (2 x (cutoff + skin) = {self.required_width_A:.1f} A"
                 + (")" if self.min_width_A >= self.required_width_A - 1e-6 else
                    ": SMALLER; the cell sees its own images within the cutoff; repeat it (sei-lmp build)"))
        cost = (f"~{self.wall_hours_one_core:.2g} h on one core (our measured speed of this pair style; "
                "divide by ranks)" if self.wall_hours_one_core is not None else "no speed measured for this style")
        return [f"{self.atoms} atoms, {width}",
                f"{self.steps} steps, {self.frames} dumped frames (~{self.dump_MB:.3g} MB), "
                f"{self.restarts_written} restart files (~{self.restart_MB:.3g} MB each)",
                f"run time: {cost}", *(f"note: {n}" for n in self.notes)]


def summarize(deck, cutoff: float) -> DeckSummary:
    """The cost summary of a rendered :class:`sei_lmp.decks.render.Deck` for a potential of ``cutoff`` A."""
    from sei_lmp.io.datafile import read_data_atoms
    from sei_lmp.run.directory import Manifest

    atoms = read_data_atoms(deck.structure_file)
    protocol, manifest = deck.protocol, Manifest.from_dict(deck.manifest, require=())
    md = protocol.md
    steps = manifest.total_steps
    dump_every = protocol.template_context()["dump_every"]
    frames = steps // dump_every + 1 if steps and hasattr(protocol, "dump_every_ps") else 0
    style = (manifest.pair_style or "").split()[0] if manifest.pair_style else ""
    speed = US_PER_ATOM_STEP.get(style)
    replicas = protocol.partitions()
    return DeckSummary(
        atoms=len(atoms), min_width_A=float(perpendicular_widths(atoms.cell).min()),
        required_width_A=2 * (cutoff + md.neighbor_skin_A), steps=steps, frames=frames,
        dump_MB=frames * len(atoms) * DUMP_BYTES_PER_ATOM / 1e6,
        restarts_written=steps // md.restart_every if steps else 0,
        restart_MB=len(atoms) * RESTART_BYTES_PER_ATOM / 1e6,
        wall_hours_one_core=(speed * len(atoms) * steps * replicas / 3.6e9) if speed and steps else None,
        notes=tuple(protocol.rounded_durations()))
