"""A cheap teacher for the training tests: a smooth Morse pair potential per species pair (numpy)."""

from __future__ import annotations

import numpy as np
from ase.calculators.calculator import Calculator, all_changes
from ase.neighborlist import neighbor_list

#: (D [eV], alpha [1/A], r0 [A]) per unordered pair of symbols; Li-F bound, like pairs repulsive-ish
PARAMS = {("F", "Li"): (0.9, 1.4, 2.0), ("Li", "Li"): (0.15, 1.2, 3.1), ("F", "F"): (0.12, 1.2, 3.0)}


class PairTeacher(Calculator):
    """E = sum_{i<j} D[(1 - e^{-a(r - r0)})^2 - 1] fc(r), fc = (1 - (r/rc)^2)^2 for r < rc.

    ``calls`` counts evaluations (the cache tests check that labelled frames are not recomputed).
    """

    implemented_properties = ("energy", "free_energy", "forces", "stress")

    def __init__(self, cutoff: float = 4.0, **kwargs):
        super().__init__(**kwargs)
        self.cutoff = cutoff
        self.calls = 0

    def calculate(self, atoms=None, properties=("energy",), system_changes=all_changes):
        super().calculate(atoms, properties, system_changes)
        self.calls += 1
        i, j, d, vec = neighbor_list("ijdD", self.atoms, self.cutoff)
        sym = np.array(self.atoms.get_chemical_symbols())
        pars = np.array([PARAMS[tuple(sorted((a, b)))] for a, b in zip(sym[i], sym[j])]).reshape(-1, 3)
        depth, alpha, r0 = pars.T
        x = np.exp(-alpha * (d - r0))
        morse = depth * ((1 - x) ** 2 - 1)
        dmorse = depth * 2 * (1 - x) * alpha * x
        t = 1 - (d / self.cutoff) ** 2
        fc, dfc = t**2, -4 * t * d / self.cutoff**2
        phi = morse * fc
        dphi = dmorse * fc + morse * dfc
        # each pair appears twice in the full list (i->j and j->i)
        energy = 0.5 * phi.sum()
        pair_force = (dphi / d)[:, None] * vec  # force on i from j (vec = r_j - r_i); -that on j
        forces = np.zeros((len(self.atoms), 3))
        np.add.at(forces, i, pair_force)
        np.add.at(forces, j, -pair_force)
        forces *= 0.5
        virial = 0.5 * (vec[:, :, None] * pair_force[:, None, :]).sum(axis=0)
        stress = virial / self.atoms.get_volume()
        self.results = {"energy": energy, "free_energy": energy, "forces": forces,
                        "stress": stress.flat[[0, 4, 8, 5, 2, 1]]}
