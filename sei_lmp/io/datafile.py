"""Reading LAMMPS data files (``atom_style atomic``): type masses and box shape, the element of each type,
the atoms. The writer is :func:`sei_lmp.structures.write_lammps_data`, whose ``# elements:`` comments
:func:`data_file_elements` reads back."""

from __future__ import annotations

import re
from collections.abc import Sequence
from os import PathLike
from pathlib import Path

from sei_lmp.errors import ConfigurationError, ParseError

__all__ = ["data_file_elements", "read_data_atoms", "read_data_types", "read_lammps_data"]

_MASSES = re.compile(r"^\s*Masses\s*\n\s*\n((?:\s*\d+\s+\S+.*\n)+)", re.M)


def read_data_types(path: str | PathLike) -> tuple[list[float], bool]:
    """(mass of each atom type, triclinic?) from a LAMMPS data file."""
    path = Path(path)
    text = path.read_text()
    ntypes = re.search(r"^\s*(\d+)\s+atom types", text, re.M)
    masses = _MASSES.search(text)
    if not ntypes or not masses:
        raise ConfigurationError(f"{path} has no 'atom types' count or Masses section; write masses into it")
    values = {int(ln.split()[0]): float(ln.split()[1]) for ln in masses.group(1).splitlines() if ln.strip()}
    return [values[t] for t in range(1, int(ntypes.group(1)) + 1)], bool(re.search(r"xy xz yz", text))


def data_file_elements(path: str | PathLike) -> list[str] | None:
    """Element of each type from a data file's ``# elements:`` comment or Masses comments (None if absent)."""
    text = Path(path).read_text()
    found = re.search(r"^#\s*elements:\s*(.+)$", text, re.M)
    if found:
        return found.group(1).split()
    masses = _MASSES.search(text)
    if masses:
        comments = [ln.partition("#")[2].strip() for ln in masses.group(1).splitlines() if ln.strip()]
        if all(comments):
            return comments
    return None


def read_data_atoms(path: str | PathLike):
    """The atoms of a data file as ``ase.Atoms`` as ASE reads them: the LAMMPS type of each atom in
    ``atoms.arrays["type"]``, elements not yet assigned (see :func:`read_lammps_data` for that)."""
    from ase.io import read

    import warnings

    try:
        with warnings.catch_warnings():     # a NaN coordinate makes numpy warn; the deck refuses it with a reason
            warnings.simplefilter("ignore", RuntimeWarning)
            return read(path, format="lammps-data", atom_style="atomic", units="metal")
    except Exception as err:     # ASE raises StopIteration/ValueError/IndexError on short or malformed files
        raise ParseError(f"cannot read LAMMPS data file {path}: it is truncated or malformed ({type(err).__name__}"
                         f"{': ' + str(err) if str(err) else ''}); check that it lists as many atoms as its header "
                         "declares, in 'atom_style atomic' columns (id type x y z)") from err


def read_lammps_data(path: str | PathLike, elements: Sequence[str] | None = None):
    """Read an ``atom_style atomic`` data file as ``ase.Atoms``, types mapped to ``elements`` (or the file's comment)."""
    elements = list(elements) if elements else data_file_elements(path)
    if not elements:
        raise ConfigurationError(f"{path} does not say which element each atom type is; give elements=[...] "
                                 "(CLI: --elements Li,P,S)")
    atoms = read_data_atoms(path)
    types = atoms.arrays.get("type", atoms.get_atomic_numbers())
    if types.max() > len(elements):
        raise ConfigurationError(f"{path} has atom type {types.max()} but only {len(elements)} elements were given")
    atoms.set_chemical_symbols([elements[t - 1] for t in types])
    for key in [k for k in atoms.arrays if k not in ("numbers", "positions")]:
        del atoms.arrays[key]
    return atoms
