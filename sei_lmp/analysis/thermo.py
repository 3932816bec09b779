"""Thermodynamic traces: how well an NVE run conserves its total energy.

One function for every NVE check in the package (the demo's ``run_nve``, the potential fits' LAMMPS checks and
the scripts under ``potentials/``), so that "drift" and "fluctuation" mean the same thing on every card.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sei_lmp.errors import ConfigurationError
from sei_lmp.units import MEV_PER_EV


@dataclass(frozen=True)
class NVEDrift:
    """Energy conservation of an NVE trace, per atom.

    Attributes
    ----------
    drift_meV_per_atom_per_ps
        Slope of a least-squares line through the total energy against time.
    fluctuation_meV_per_atom
        Standard deviation of the total energy about that line.
    max_deviation_meV_per_atom
        Largest ``|E(t) - E(t_0)|`` over the trace (``t_0`` its first sample).
    natoms, n_samples, duration_ps
        What the numbers were computed from.
    """

    drift_meV_per_atom_per_ps: float
    fluctuation_meV_per_atom: float
    max_deviation_meV_per_atom: float
    natoms: int
    n_samples: int
    duration_ps: float


def nve_drift(time_ps: Sequence[float], total_energy_eV: Sequence[float], natoms: int) -> NVEDrift:
    """Drift and fluctuation of the total energy of an NVE run.

    Parameters
    ----------
    time_ps
        Sample times [ps] (any origin; only differences matter for the drift).
    total_energy_eV
        Total energy of the whole system at those times [eV] (LAMMPS ``etotal`` with ``thermo_modify norm no``).
    natoms
        Number of atoms, to report per atom.

    Returns
    -------
    NVEDrift
        Linear-fit slope [meV/atom/ps], scatter about the fit [meV/atom] and the largest deviation from the
        first sample [meV/atom].

    Examples
    --------
    >>> t = [0.0, 0.1, 0.2, 0.3]
    >>> r = nve_drift(t, [-100.0 + 0.002 * x for x in t], natoms=2)
    >>> round(r.drift_meV_per_atom_per_ps, 6), round(r.fluctuation_meV_per_atom, 9)
    (1.0, 0.0)
    """
    t = np.asarray(time_ps, dtype=float)
    e = np.asarray(total_energy_eV, dtype=float)
    if t.ndim != 1 or t.shape != e.shape:
        raise ConfigurationError(f"nve_drift needs two 1-d series of the same length (got shapes {t.shape}, {e.shape})")
    if len(t) < 2 or np.ptp(t) <= 0:
        raise ConfigurationError(f"nve_drift needs at least two samples at different times (got {len(t)})")
    if natoms < 1:
        raise ConfigurationError(f"nve_drift needs natoms >= 1 (got {natoms})")
    slope, intercept = np.polyfit(t, e, 1)
    per_atom_meV = MEV_PER_EV / natoms
    return NVEDrift(drift_meV_per_atom_per_ps=float(slope * per_atom_meV),
                    fluctuation_meV_per_atom=float(np.std(e - (slope * t + intercept)) * per_atom_meV),
                    max_deviation_meV_per_atom=float(np.max(np.abs(e - e[0])) * per_atom_meV),
                    natoms=int(natoms), n_samples=len(t), duration_ps=float(np.ptp(t)))
