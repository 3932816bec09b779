"""Structure + potential + protocol -> a deck directory that runs on the chosen backend.

Pre-flight checks refuse, with a message that says what to change, a deck that cannot run: elements the
potential lacks, masses that do not match the elements, overlapping atoms, and styles the target
LAMMPS does not have (when its capabilities are given).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from sei_lmp import __version__
from sei_lmp.data import data_dir
from sei_lmp.decks.protocols import Protocol
from sei_lmp.errors import ConfigurationError, DeckError
from sei_lmp.io.datafile import read_data_atoms, read_data_types
from sei_lmp.lammps_info import LammpsCapabilities
from sei_lmp.potentials.base import Backend, Potential, kokkos_switches_for
from sei_lmp.run import layout
from sei_lmp.run.directory import Manifest, RunDirectory
from sei_lmp.run.layout import DATA_FILE

MASS_TOLERANCE = 0.5    # amu


@dataclass(frozen=True)
class Deck:
    """A rendered deck: input text, manifest, and the structure it reads."""

    protocol: Protocol
    backend: Backend
    input_text: str
    manifest: dict[str, Any]
    structure_file: Path
    extra_files: dict[str, str] = field(default_factory=dict)

    def write(self, directory: str | Path, *, force: bool = False) -> Path:
        """Write the input, the manifest, the data file and any extra files into ``directory``; a directory with
        a started run is refused unless ``force``, which moves that run aside first (see
        :meth:`sei_lmp.run.directory.RunDirectory.write_deck`)."""
        return RunDirectory(directory).write_deck(self.input_text, self.manifest,
                                                  {DATA_FILE: self.structure_file, **self.extra_files}, force=force)


def _environment():
    import jinja2

    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(data_dir("lammps_inputs"))),
                              undefined=jinja2.StrictUndefined, keep_trailing_newline=True,
                              trim_blocks=False, lstrip_blocks=False)


def elements_from_masses(masses: Sequence[float], candidates: Sequence[str]) -> list[str]:
    """Element of each type, matched by mass among the potential's species."""
    from ase.data import atomic_masses, atomic_numbers

    out = []
    for t, m in enumerate(masses, start=1):
        close = [e for e in candidates if e in atomic_numbers and abs(atomic_masses[atomic_numbers[e]] - m) < MASS_TOLERANCE]
        if len(close) != 1 and candidates and all(str(c).isdigit() for c in candidates):
            raise ConfigurationError(f"cannot tell the element of atom type {t} (mass {m}): the potential does not "
                                     "name its species (an MTP without a metadata card); name them with --species "
                                     "in the file's order (e.g. --species Li,F)")
        if not close:
            standard = [e for e in atomic_numbers if abs(atomic_masses[atomic_numbers[e]] - m) < MASS_TOLERANCE]
            if standard:
                raise ConfigurationError(f"atom type {t} has the mass of {standard[0]} ({m}), which the potential "
                                         f"(species {list(candidates)}) does not describe: use a potential with "
                                         f"{standard[0]}, or give the element of each type (-e) if the masses are "
                                         "not standard")
        if len(close) != 1:
            raise ConfigurationError(f"cannot tell the element of atom type {t} (mass {m}) among {list(candidates)}; "
                                     "give the elements per type explicitly")
        out.append(close[0])
    return out


def check_masses(masses: Sequence[float], elements: Sequence[str]) -> None:
    from ase.data import atomic_masses, atomic_numbers

    for t, (m, e) in enumerate(zip(masses, elements), start=1):
        expected = atomic_masses[atomic_numbers[e]]
        if abs(m - expected) > MASS_TOLERANCE:
            raise ConfigurationError(f"atom type {t} is mapped to {e} (mass {expected:.3f}) but the structure gives "
                                     f"mass {m}; fix the Masses section or the element order")


def write_structure(atoms, elements: Sequence[str], path: Path) -> None:
    """LAMMPS data file with types in the given element order (not ASE's default order)."""
    from sei_lmp.structures.datafile import write_lammps_data

    write_lammps_data(atoms, path, list(elements))


OVERLAP_FRACTION = 0.5   # of the sum of covalent radii: closer than this no bonded pair of elements comes


def check_min_distance(atoms, min_distance: float, symbols: Sequence[str] | None = None) -> None:
    """Refuse atoms closer than ``min_distance`` or, when the elements are known (``symbols``, else those
    of ``atoms``), closer than OVERLAP_FRACTION x the sum of the pair's covalent radii (Li-S 1.17 A,
    Li-F 0.93 A): a structure builder that put Li 0.8 A from S would otherwise run and collapse."""
    from ase.data import atomic_numbers, covalent_radii
    from ase.neighborlist import neighbor_list

    symbols = list(symbols) if symbols is not None else atoms.get_chemical_symbols()
    positions = atoms.get_positions()
    if not np.isfinite(positions).all():
        bad = int(np.nonzero(~np.isfinite(positions).all(axis=1))[0][0])
        raise ConfigurationError(f"atom {bad + 1} ({symbols[bad]}) has a non-finite coordinate "
                                 f"{positions[bad].tolist()}: the structure file is damaged; rebuild it")
    radii = np.array([covalent_radii[atomic_numbers[e]] if e in atomic_numbers else 0.0 for e in symbols])
    reach = max(min_distance, OVERLAP_FRACTION * 2 * float(radii.max(initial=0.0)))
    i, j, d = neighbor_list("ijd", atoms, reach)
    floor = np.maximum(min_distance, OVERLAP_FRACTION * (radii[i] + radii[j]))
    bad = np.nonzero(d < floor)[0]
    if len(bad):
        k = bad[np.argmin(d[bad] / floor[bad])]
        a, b = i[k], j[k]
        raise ConfigurationError(f"atoms {a + 1} ({symbols[a]}) and {b + 1} ({symbols[b]}) are {d[k]:.3f} A apart "
                                 f"(< {floor[k]:.2f} A): overlapping or duplicated atoms in the structure; check how "
                                 "it was built (e.g. the gap of an interface) or relax it with a soft potential")


def render_deck(protocol: Protocol, structure, potential: Potential, backend: Backend = "plugin", *,
                type_elements: Sequence[str] | None = None, capabilities: LammpsCapabilities | None = None,
                pair_style: str | None = None, workdir: Path | None = None) -> Deck:
    """Render ``protocol`` for ``structure`` (an ``ase.Atoms`` or a LAMMPS data file) and ``potential``.

    For a data file the element of each type comes from ``type_elements`` or is matched by mass.
    """
    protocol.validate()
    if hasattr(structure, "get_chemical_symbols"):
        present = set(structure.get_chemical_symbols())
        elements = [e for e in potential.species if e in present]
        missing = present - set(elements)
        if missing:
            raise ConfigurationError(f"the structure has {sorted(missing)}, which {potential.path.name} "
                                     f"(species {list(potential.species)}) does not describe")
        check_min_distance(structure, protocol.guards.min_distance_A)
        volume = float(structure.get_volume())
        workdir = Path(workdir) if workdir else Path.cwd()
        workdir.mkdir(parents=True, exist_ok=True)
        structure_file = workdir / DATA_FILE
        write_structure(structure, elements, structure_file)
        # what LAMMPS will read decides: ASE writes a tilt line only for a skewed cell
        masses, triclinic = read_data_types(structure_file)
    else:
        structure_file = Path(structure)
        if not structure_file.is_file():
            raise ConfigurationError(f"structure file {structure_file} does not exist")
        masses, triclinic = read_data_types(structure_file)
        elements = list(type_elements) if type_elements else elements_from_masses(masses, potential.species)
        if len(elements) != len(masses):
            raise ConfigurationError(f"{structure_file.name} has {len(masses)} atom types but {len(elements)} "
                                     f"elements were given: {list(elements)}")
        data = read_data_atoms(structure_file)
        check_min_distance(data, protocol.guards.min_distance_A, [elements[t - 1] for t in data.arrays["type"]])
        volume = float(data.get_volume())
    block = potential.pair_block(backend, elements, style=pair_style)   # refuses elements it lacks
    if potential.card.units and potential.card.units != block.units:
        raise ConfigurationError(f"{potential.path.name} is in '{potential.card.units}' units (its card), but "
                                 f"pair style {block.pair_style.split()[0]} needs '{block.units}'; convert the potential")
    check_masses(masses, elements)
    if capabilities is not None:
        capabilities.require(block, backend)
        if backend == "kokkos":       # GPU or CPU-thread switches, as that Kokkos was built
            block = replace(block, switches=kokkos_switches_for(capabilities))
            # under Kokkos every minimiser must have a /kk version (LAMMPS stops otherwise); fire/kk is 2026 on
            for name in protocol.damped_minimizers():
                if not capabilities.has("minimize", f"{name}/kk"):
                    raise ConfigurationError(
                        f"LAMMPS {capabilities.version} ({capabilities.source}) has no min_style {name}/kk, and a "
                        f"Kokkos run stops at a minimiser without one; the {protocol.name} deck needs {name}. Run it "
                        "with backend 'lammps' or 'plugin', or on a LAMMPS whose KOKKOS has it (fire/kk: 2026 on)")
        lacking = [f"{cat} style '{name}'" for cat, names in protocol.required_styles().items()
                   for name in names if not capabilities.has(cat, name)]
        if lacking:
            raise ConfigurationError(f"LAMMPS {capabilities.version} ({capabilities.source}) lacks {', '.join(lacking)} "
                                     f"that the {protocol.name} deck uses")

    guard = protocol.guards
    use_gamma = guard.gamma and block.gamma_style is not None
    groups: dict[str, list[int]] = {}
    for t, e in enumerate(elements, start=1):
        groups.setdefault(e, []).append(t)
    steps = protocol.stage_steps()
    context = {
        "p": protocol, "md": protocol.md, "steps": steps, "pair": block, "backend": backend,
        "potential_name": potential.path.name, "data_file": DATA_FILE, "boundary": "p p p",
        "groups": groups, "triclinic": triclinic,
        "guard": {**vars(guard), "gamma": use_gamma}, "files": layout,
        # the watchdog's reference volume: the structure's, fixed in the deck, so a resumed run keeps it
        "structure_volume_A3": volume,
        **protocol.template_context(),
    }
    try:
        text = _environment().get_template(protocol.template()).render(**context)
    except Exception as err:   # a template that cannot render is our bug, not the user's
        raise DeckError(f"rendering {protocol.name} failed: {err}") from err
    manifest = Manifest(
        protocol=protocol.name, backend=backend, switches=tuple(block.switches), total_steps=steps["total"],
        stages=steps, one_rank_only=block.one_rank_only, pair_style=block.pair_style, elements=tuple(elements),
        potential={"path": str(potential.path), "family": potential.family, "species": list(potential.species),
                   "provenance": potential.card.provenance},
        settings=protocol.as_dict(), extrapolation_guard=use_gamma, sei_lmp_version=__version__,
        partitions=protocol.partitions(),
    ).to_dict()
    extra_files = protocol.extra_files(structure if hasattr(structure, "arrays") else None, elements)
    return Deck(protocol, backend, text, manifest, structure_file, extra_files)
