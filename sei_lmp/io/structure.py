"""Read CIF / POSCAR / extxyz into ``ase.Atoms``; refuse partial occupancies unless asked to order them.

:func:`read_structure` is the one way a structure file enters sei_lmp: ``sei-lmp build``, ``sei-lmp deck -s``
and sweeps all read through it, so a file one of them refuses, the others refuse with the same message.
"""

from __future__ import annotations

from collections.abc import Mapping
from os import PathLike
from pathlib import Path

from sei_lmp.errors import ConfigurationError
from sei_lmp.structures.ordering import OCCUPANCY_TOLERANCE, order_structure, partial_sites

__all__ = ["read_structure", "to_atoms", "to_structure"]

#: formats read through pymatgen, which keeps partial occupancies (ASE's CIF reader drops them silently)
_PYMATGEN_SUFFIXES = (".cif", ".mcif")
_VASP_NAMES = ("POSCAR", "CONTCAR")


def _is_vasp(path: Path) -> bool:
    return any(path.name.startswith(n) or path.name.endswith(n) for n in _VASP_NAMES) or path.suffix == ".vasp"


def to_atoms(structure) -> "ase.Atoms":  # noqa: F821
    """pymatgen ``Structure`` (ordered) -> ``ase.Atoms``."""
    from ase import Atoms

    # built directly: pymatgen's adaptor returns an MSONAtoms subclass carrying pymatgen-only properties
    return Atoms([site.specie.symbol for site in structure], positions=structure.cart_coords,
                 cell=structure.lattice.matrix, pbc=True)


def to_structure(atoms):
    """``ase.Atoms`` -> pymatgen ``Structure`` (for internal use)."""
    from pymatgen.core import Lattice, Structure

    return Structure(Lattice(atoms.cell[:]), atoms.get_chemical_symbols(), atoms.get_positions(),
                     coords_are_cartesian=True)


def read_structure(path: str | PathLike, *, order: bool = False,
                   oxidation_states: Mapping[str, float] | None = None,
                   occupancy_tolerance: float = OCCUPANCY_TOLERANCE, supercell=None, seed: int = 0,
                   index: int | str = -1) -> "ase.Atoms":  # noqa: F821
    """Read a CIF, POSCAR/CONTCAR, extxyz (or any format ASE reads) as ``ase.Atoms``; ``example:<file>`` is a
    structure shipped with sei_lmp (:func:`sei_lmp.data.example_structures`).

    Partially occupied sites are refused unless ``order=True``: then the lowest-Ewald arrangement is
    chosen (:func:`sei_lmp.structures.ordering.order_structure`), optionally in ``supercell`` (a scaling
    factor or matrix applied first), and the report goes to ``atoms.info["ordering"]``.
    """
    from sei_lmp.data import resolve_structure

    path = resolve_structure(path)
    if path.is_dir():
        raise ConfigurationError(f"{path} is a directory, not a structure file; give a CIF/POSCAR/extxyz or a "
                                 "LAMMPS data file")
    if not path.is_file():
        raise ConfigurationError(f"structure file {path} does not exist (a shipped example is named example:<file>)")
    if path.suffix.lower() in _PYMATGEN_SUFFIXES or _is_vasp(path):
        from pymatgen.core import Structure

        try:
            structure = Structure.from_file(path)
        except Exception as err:   # pymatgen raises ValueError/KeyError/IndexError on bad files
            raise ConfigurationError(f"cannot read {path}: {err}") from err
        if not structure.is_ordered:
            if not order:
                raise ConfigurationError(
                    f"{path.name} has partially occupied sites: {', '.join(partial_sites(structure))}; "
                    "pass order=True (CLI: --order) to pick the lowest-Ewald-energy arrangement, or give an "
                    "ordered structure")
            if supercell is not None:
                structure.make_supercell(supercell)
            structure, report = order_structure(structure, oxidation_states=oxidation_states,
                                                tolerance=occupancy_tolerance, seed=seed)
            atoms = to_atoms(structure)
            atoms.info["ordering"] = report
        else:
            if supercell is not None:
                structure.make_supercell(supercell)
            atoms = to_atoms(structure)
    else:
        from ase.io import read

        try:
            atoms = read(path, index=index)
        except Exception as err:
            raise ConfigurationError(f"cannot read {path}: {err}") from err
    atoms.info["source_file"] = str(path)
    atoms.wrap()
    return atoms
