"""An ASE calculator over our LAMMPS pair styles: ``atoms.calc = LammpsCalculator("pot.yace")``.

Relaxations, NEB references, phonons or EOS scans in ASE then use exactly the energies and forces of the
decks (the same plugin, the same ``pair_style``/``pair_coeff`` lines), in one LAMMPS instance per calculator
that is kept alive between calls: a new cell, species or atom count rebuilds the box, a move only scatters
the new positions.
"""

from __future__ import annotations

import ctypes
from collections.abc import Sequence

import numpy as np
from ase.calculators.calculator import Calculator, all_changes

from sei_lmp.errors import ConfigurationError

__all__ = ["LammpsCalculator"]


class LammpsCalculator(Calculator):
    """Energy, forces and stress from a sei_lmp potential evaluated by LAMMPS.

    Parameters
    ----------
    potential
        a potential file (with its card) or a :class:`sei_lmp.potentials.base.Potential`.
    species
        the potential's elements where the file and card do not name them (MTP).
    backend
        ``plugin`` (our ``sei/*`` styles, default) or ``lammps`` for upstream styles in this LAMMPS.
    """

    implemented_properties = ["energy", "free_energy", "forces", "stress"]

    def __init__(self, potential, *, species: Sequence[str] | None = None, backend: str = "plugin", **kwargs):
        super().__init__(**kwargs)
        from sei_lmp.potentials import load_potential
        from sei_lmp.potentials.base import Potential

        self.potential = potential if isinstance(potential, Potential) else load_potential(potential, species=species)
        self.backend = backend
        self._lmp = None
        self._built_for = None       # (numbers, cell, pbc) the LAMMPS box was made for

    # ------------------------------------------------------------------ LAMMPS instance

    def _start(self, atoms) -> None:
        from ase.calculators.lammps import Prism
        from ase.data import atomic_masses, atomic_numbers

        from sei_lmp.run.plugin import start_lammps

        elements = list(self.potential.species)
        unknown = sorted(set(atoms.get_chemical_symbols()) - set(elements))
        if unknown:
            raise ConfigurationError(f"{self.potential.path.name} (species {elements}) does not describe {unknown}")
        if not atoms.pbc.all():
            raise ConfigurationError("LammpsCalculator needs a periodic cell (pbc on all three axes); put the "
                                     "molecule or slab in a box with vacuum")
        block = self.potential.pair_block(self.backend, elements)
        self.close()
        lmp = start_lammps()
        self._prism = Prism(np.array(atoms.cell))
        xhi, yhi, zhi, xy, xz, yz = map(float, self._prism.get_lammps_prism())
        for line in ("units metal", "atom_style atomic", "atom_modify map array sort 0 0.0", "boundary p p p",
                     f"region cell prism 0 {xhi!r} 0 {yhi!r} 0 {zhi!r} {xy!r} {xz!r} {yz!r} units box",
                     f"create_box {len(elements)} cell"):
            lmp.command(line)
        for t, e in enumerate(elements, start=1):
            lmp.command(f"mass {t} {float(atomic_masses[atomic_numbers[e]])!r}")
        types = [elements.index(e) + 1 for e in atoms.get_chemical_symbols()]
        x = self._prism.vector_to_lammps(atoms.positions, wrap=True)
        lmp.create_atoms(len(atoms), list(range(1, len(atoms) + 1)), types, x.ravel().tolist())
        for line in block.lines:
            lmp.command(line)
        if block.ghost_cutoff:      # message-passing models need ghosts out to all their layers
            lmp.command(f"comm_modify cutoff {block.ghost_cutoff + 1.0:.3f}")
        lmp.command("neighbor 1.0 bin")
        lmp.command("thermo_style custom step pe pxx pyy pzz pyz pxz pxy")
        self._lmp = lmp
        self._built_for = (atoms.numbers.copy(), np.array(atoms.cell), atoms.pbc.copy())

    def _same_box(self, atoms) -> bool:
        if self._built_for is None:
            return False
        numbers, cell, pbc = self._built_for
        return (len(numbers) == len(atoms) and (numbers == atoms.numbers).all()
                and np.allclose(cell, atoms.cell, atol=1e-12) and (pbc == atoms.pbc).all())

    def close(self) -> None:
        """Stop the LAMMPS instance (a later calculation starts a new one)."""
        if self._lmp is not None:
            self._lmp.close()
        self._lmp = None
        self._built_for = None

    def __del__(self):
        try:
            self.close()
        except Exception:   # noqa: BLE001 - interpreter shutdown: LAMMPS may already be gone
            pass

    # ------------------------------------------------------------------ ASE interface

    def calculate(self, atoms=None, properties=("energy",), system_changes=all_changes) -> None:
        super().calculate(atoms, properties, system_changes)
        atoms = self.atoms
        if not self._same_box(atoms):
            self._start(atoms)
        else:
            x = self._prism.vector_to_lammps(atoms.positions, wrap=True)
            self._lmp.scatter_atoms("x", 1, 3, (ctypes.c_double * x.size)(*x.ravel()))
        lmp = self._lmp
        lmp.command("run 0 post no")
        n = len(atoms)
        forces = np.ctypeslib.as_array(lmp.gather_atoms("f", 1, 3), shape=(n * 3,)).reshape(n, 3).copy()
        energy = float(lmp.get_thermo("pe"))
        from ase.units import bar

        p = {k: float(lmp.get_thermo(k)) for k in ("pxx", "pyy", "pzz", "pyz", "pxz", "pxy")}
        tensor = -bar * np.array([[p["pxx"], p["pxy"], p["pxz"]], [p["pxy"], p["pyy"], p["pyz"]],
                                  [p["pxz"], p["pyz"], p["pzz"]]])
        stress = self._prism.tensor2_to_ase(tensor)
        self.results = {"energy": energy, "free_energy": energy, "forces": self._prism.vector_to_ase(forces),
                        "stress": stress[[0, 1, 2, 1, 0, 0], [0, 1, 2, 2, 2, 1]]}

