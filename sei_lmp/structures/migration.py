"""Migration paths for nudged-elastic-band barriers: end points of one hop, relaxed, and the images between.

A hop is an ``ase.Atoms`` of the initial state whose per-atom array ``"neb_final"`` holds every atom's
position in the final state (the same atoms in the same order), so one plain object carries the whole path
through extxyz files, decks and analyses. :func:`final_state` gives the final state as its own ``Atoms``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from sei_lmp.errors import ConfigurationError

#: the per-atom array holding the final positions of a hop
FINAL = "neb_final"

__all__ = ["FINAL", "final_state", "hop", "images", "relax_endpoints", "vacancy_hop"]


def hop(initial, final_positions: np.ndarray, **info) -> object:
    """A hop from ``initial`` to the same atoms at ``final_positions`` (Cartesian, Angstrom)."""
    final_positions = np.asarray(final_positions, dtype=float)
    if final_positions.shape != (len(initial), 3):
        raise ConfigurationError(f"final positions have shape {final_positions.shape}; expected ({len(initial)}, 3): "
                                 "the same atoms in the same order as the initial state")
    out = initial.copy()
    out.set_array(FINAL, final_positions)
    out.info["hop"] = {**out.info.get("hop", {}), **info}
    return out


def final_state(path):
    """The final state of a hop as an ``Atoms`` (same cell, species and order)."""
    if FINAL not in path.arrays:
        raise ConfigurationError(f"this structure is not a hop: it has no '{FINAL}' array (build it with "
                                 "sei_lmp.structures.vacancy_hop or hop)")
    out = path.copy()
    out.positions = path.arrays[FINAL]
    del out.arrays[FINAL]
    return out


def _shortest(atoms, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """b moved by lattice vectors so that b - a is the shortest periodic vector."""
    from ase.geometry import find_mic

    d, _ = find_mic(b - a, atoms.cell, atoms.pbc)
    return a + d


def vacancy_hop(atoms, element: str = "Li", *, site: int | None = None, neighbour: int = 0) -> object:
    """A vacancy hop: the atom ``site`` (default: the first ``element`` atom) is removed and its ``neighbour``-th
    nearest ``element`` neighbour (0 = the nearest) jumps into the empty site.

    Returns the hop (see the module docstring) with ``info["hop"]``: kind, the moving atom's index, the jump
    vector and its length.
    """
    symbols = np.array(atoms.get_chemical_symbols())
    same = np.nonzero(symbols == element)[0]
    if len(same) < 2:
        raise ConfigurationError(f"a vacancy hop of {element} needs at least two {element} atoms; the structure has "
                                 f"{len(same)}")
    site = int(same[0]) if site is None else int(site)
    if symbols[site] != element:
        raise ConfigurationError(f"atom {site} is {symbols[site]}, not {element}")
    distances = atoms.get_distances(site, same, mic=True)
    order = same[np.argsort(distances, kind="stable")][1:]
    if neighbour >= len(order):
        raise ConfigurationError(f"there are only {len(order)} other {element} atoms; neighbour={neighbour} is too far")
    mover = int(order[neighbour])
    start = atoms.positions[mover]
    target = _shortest(atoms, start, atoms.positions[site])
    initial = atoms.copy()
    del initial[site]
    moved = mover - (mover > site)
    final = initial.positions.copy()
    final[moved] = target
    jump = target - start
    return hop(initial, final, kind="vacancy", element=element, atom=moved, jump_A=jump.tolist(),
               length_A=float(np.linalg.norm(jump)))


def images(path, n: int, method: str = "linear") -> list:
    """``n`` images from the initial to the final state (both included), linear or IDPP interpolation."""
    if n < 3:
        raise ConfigurationError(f"an elastic band needs at least 3 images (both end points and one between), got {n}")
    from ase.mep import NEB

    first, last = path.copy(), final_state(path)
    del first.arrays[FINAL]
    band = [first] + [first.copy() for _ in range(n - 2)] + [last]
    NEB(band, method="improvedtangent").interpolate(method=method, mic=True)
    return band


def relax_endpoints(path, calculator, *, fmax: float = 0.01, steps: int = 1000, fixed: Sequence[int] = ()):
    """Relax both end points of a hop with ``calculator`` (FIRE, to ``fmax`` eV/A); returns the new hop.

    The moving atom can slide off its site during relaxation when the site is not a minimum; the
    displacement of each end point's atoms is reported in ``info["hop"]["relaxation"]``.
    """
    from ase.constraints import FixAtoms
    from ase.optimize import FIRE

    relaxed = []
    report = {}
    for name, state in (("initial", path.copy()), ("final", final_state(path))):
        state.arrays.pop(FINAL, None)
        if fixed:
            state.set_constraint(FixAtoms(indices=list(fixed)))
        start = state.positions.copy()
        state.calc = calculator
        converged = FIRE(state, logfile=None).run(fmax=fmax, steps=steps)
        if not converged:
            raise ConfigurationError(f"the {name} state did not relax to fmax {fmax} eV/A in {steps} steps; check the "
                                     "hop (an end point that is not a minimum) or allow more steps")
        report[name] = {"energy_eV": float(state.get_potential_energy()),
                        "max_displacement_A": float(np.abs(state.positions - start).max())}
        state.calc = None
        state.set_constraint()
        relaxed.append(state)
    out = hop(relaxed[0], relaxed[1].positions, **path.info.get("hop", {}))
    out.info["hop"]["relaxation"] = report
    out.info["hop"]["reaction_energy_eV"] = report["final"]["energy_eV"] - report["initial"]["energy_eV"]
    return out
