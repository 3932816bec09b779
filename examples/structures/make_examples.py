#!/usr/bin/env python
"""Write the small example structures that the README's commands use (shipped with sei_lmp, reachable from any
directory as ``example:<file>``).

* ``Li2S.cif``: antifluorite Li2S (Fm-3m, a = 5.71 A), the conventional cell from sei_lmp's phase library.
* ``beta-Li3PS4.cif``: beta-Li3PS4 (Pnma, a = 12.819, b = 8.2195, c = 6.1236 A) with its partially occupied Li
  sites (occupancies 0.7 and 0.3), from the published structure (Homma et al., Solid State Ionics 182, 53 (2011));
  coordinates rounded to three decimals. ``sei-lmp build crystal --order`` orders it.
* ``Li_LiF.data``: a lattice-matched Li(100) | LiF(100) interface in the element order Li, F (types 1 = Li, 2 = F),
  built with ``sei_lmp.structures.build_interface``.

Usage (repository root): ``python examples/structures/make_examples.py``
"""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent

#: beta-Li3PS4, Pnma: (element, x, y, z, occupancy) of the asymmetric unit
BETA_LI3PS4_SITES = [
    ("Li", 0.152, 0.514, 0.936, 1.0),
    ("Li", 0.000, 0.000, 0.500, 0.7),
    ("Li", 0.010, 0.750, 0.115, 0.3),
    ("P", 0.094, 0.250, 0.162, 1.0),
    ("S", 0.151, 0.054, 0.281, 1.0),
    ("S", 0.074, 0.750, 0.737, 1.0),
    ("S", 0.104, 0.250, 0.838, 1.0),
]


def li2s() -> None:
    from pymatgen.io.ase import AseAtomsAdaptor
    from pymatgen.io.cif import CifWriter

    from sei_lmp.structures import phase

    CifWriter(AseAtomsAdaptor.get_structure(phase("Li2S")), symprec=0.01).write_file(HERE / "Li2S.cif")


def beta_li3ps4() -> None:
    from pymatgen.core import Lattice, Structure
    from pymatgen.io.cif import CifWriter

    species = [{element: occupancy} for element, *_, occupancy in BETA_LI3PS4_SITES]
    coords = [xyz for _, *xyz, _ in BETA_LI3PS4_SITES]
    structure = Structure.from_spacegroup("Pnma", Lattice.orthorhombic(12.819, 8.2195, 6.1236), species, coords)
    CifWriter(structure).write_file(HERE / "beta-Li3PS4.cif")


def li_lif() -> None:
    from sei_lmp.structures import build_interface, phase, write_lammps_data

    atoms = build_interface(phase("Li"), (1, 0, 0), phase("LiF"), (1, 0, 0), max_strain=0.03)
    write_lammps_data(atoms, HERE / "Li_LiF.data", ["Li", "F"])


if __name__ == "__main__":
    li2s()
    beta_li3ps4()
    li_lif()
    for path in sorted(HERE.glob("*.*")):
        if path.suffix != ".py":
            print(path.name, path.stat().st_size, "bytes")
