#!/usr/bin/env python
"""The start cells of the learning plans in this directory (deterministic: run again, same files).

* ``li3ps4_glass_128.extxyz``: 16 Li3PS4 (rigid PS4 anions + Li) packed at 1.9 g/cm3, the 1000 K glass target;
* ``li_li3ps4_interface_206.extxyz``: bcc Li(100) | beta-Li3PS4(010) (the shipped CIF, Li sites ordered by
  Ewald energy), 1.6 % strain, two interfaces (periodic in z), the 600 K interface target;
* ``lif_interstitial_217.extxyz``: 3x3x3 conventional LiF cells at CHGNet's a0 (4.0918 A, the demo's cell) plus
  one Li interstitial at a cube centre (the diffusion demo's cell);
* ``li_li3ps4_interface_258.extxyz``: the 206-atom interface with a Li slab twice as thick (130 metal Li
  against 78): enough Li to reduce all 16 PS4 (8 Li each, to Li2S + Li3P), so the metal running out cannot be
  what opens a gap at a face;
* ``li4p2s6_glass_120.extxyz``: 10 Li4P2S6 (rigid staggered P2S6 anions + Li) packed at 1.9 g/cm3: ten P-P
  bonds per cell, the environment PS4 reduced at the Li contact makes one at a time;
* ``lip_amorphous_80.extxyz``: 40 LiP packed at random at 1.9 g/cm3 (default minimum distances): P with zero to
  three P neighbours at 1.8-2.4 A and no S, the polyphosphide P on which the shipped ACE's interface reruns stop
  (no training structure had a P with two P and no S but three).
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from ase.io import write  # noqa: E402

from sei_lmp.io.structure import read_structure  # noqa: E402
from sei_lmp.structures import add_interstitial, amorphous, build_interface, phase  # noqa: E402
from sei_lmp.training import sampling_lips  # noqa: E402


def main() -> None:
    glass = sampling_lips.glass_packing("Li3PS4", 1.9, 16, seed=20261205)
    write(HERE / "li3ps4_glass_128.extxyz", _plain(glass))
    write(HERE / "li4p2s6_glass_120.extxyz", _plain(sampling_lips.glass_packing("Li4P2S6", 1.9, 10, seed=20261207)))
    write(HERE / "lip_amorphous_80.extxyz", _plain(amorphous("LiP", 1.9, 40, seed=20261207)))
    lps = read_structure("example:beta-Li3PS4.cif", order=True)
    for li_slab_a, name in ((8.0, "li_li3ps4_interface_206"), (16.0, "li_li3ps4_interface_258")):
        interface = build_interface(phase("Li"), (1, 0, 0), lps, (0, 1, 0), thickness_a=li_slab_a, thickness_b=10.0,
                                    max_atoms=400, max_strain=0.05)
        write(HERE / f"{name}.extxyz", _plain(interface))
    lif = add_interstitial(phase("LiF", a=4.0918).repeat(3), "Li", species=["Li", "F"])
    write(HERE / "lif_interstitial_217.extxyz", _plain(lif))


def _plain(atoms):
    """Positions, cell and species only (no info dictionaries in the start files)."""
    from ase import Atoms

    return Atoms(atoms.get_chemical_symbols(), positions=atoms.positions, cell=atoms.cell, pbc=True)


if __name__ == "__main__":
    main()
