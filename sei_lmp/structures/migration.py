"""Migration paths for nudged-elastic-band barriers: end points of one hop, relaxed, and the images between.

A hop is an ``ase.Atoms`` of the initial state whose per-atom array ``"neb_final"`` holds every atom's
position in the final state (the same atoms in the same order), so one plain object carries the whole path
through extxyz files, decks and analyses. :func:`final_state` gives the final state as its own ``Atoms``.
Builders: :func:`vacancy_hop`, :func:`interstitial_hop` (direct and interstitialcy), :func:`hop` (any final
positions); then :func:`relax_endpoints` and :func:`images`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from sei_lmp.errors import ConfigurationError

#: the per-atom array holding the final positions of a hop
FINAL = "neb_final"

#: the interstitial mechanisms :func:`interstitial_hop` builds
MECHANISMS = ("direct", "interstitialcy_collinear", "interstitialcy_noncollinear")

__all__ = ["FINAL", "MECHANISMS", "final_state", "hop", "images", "interstitial_hop", "relax_endpoints",
           "vacancy_hop"]


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
                                 "sei_lmp.structures.migration: vacancy_hop, interstitial_hop or hop)")
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


def interstitial_hop(atoms, element: str = "Li", mechanism: str = "interstitialcy_collinear", *,
                     site: int = 0, neighbour: int = 0, tolerance_A: float = 0.05) -> object:
    """A hop of an interstitial ``element`` atom added to the perfect crystal ``atoms``.

    The interstitial starts at a void of the largest kind (:func:`sei_lmp.structures.voids`; ``site`` picks
    one of them, 0 = the first listed) and is appended as the last atom. Its sites ``S`` are the voids of that
    kind (radius within ``EQUIVALENT_FRACTION`` of the largest).

    Mechanisms
    ----------
    ``direct``
        the interstitial jumps to a neighbouring site ``S'`` (``neighbour``: 0 = the nearest; a shell of
        equidistant sites is ordered by index, so any of them is a symmetry copy in a perfect crystal).
    ``interstitialcy_collinear``
        the interstitial takes the place of its nearest lattice ``element`` atom ``L`` while ``L`` is pushed on
        into the site ``S'`` nearest to ``L`` that makes the angle ``S-L-S'`` as wide as possible (180 degrees
        where the crystal has such a site: the three positions on one line).
    ``interstitialcy_noncollinear``
        the same, but ``L`` goes to the site making the widest angle ``S-L-S'`` short of the collinear one.

    In rocksalt (LiF, conventional cell edge ``a``, Li at ``(0, 0, 0)`` + fcc, F at ``(1/2, 0, 0)`` + fcc) the
    largest void is the cube-centre ("tetrahedral") site ``S = (1/4, 1/4, 1/4) a``, 8-fold coordinated by
    4 Li and 4 F at ``sqrt(3)/4 a``; the sites form a simple cubic lattice of spacing ``a/2``. Then

    - direct: ``S -> S + (1/2, 0, 0) a`` through the shared Li2F2 square face, a jump of ``a/2``;
    - collinear interstitialcy: ``S -> L = (0, 0, 0)`` and ``L -> (-1/4, -1/4, -1/4) a``, two jumps of
      ``sqrt(3)/4 a`` along the same [111] line (the defect moves ``sqrt(3)/2 a``);
    - non-collinear interstitialcy: ``S -> L`` and ``L -> (-1/4, -1/4, 1/4) a``: angle ``S-L-S'`` 109.47
      degrees, i.e. 70.53 degrees between the two jumps (the defect moves ``a/sqrt(2)`` along [110]).

    The other non-collinear choice, ``S-L-S'`` = 70.53 degrees, puts ``L`` on a site sharing a face with ``S``
    (the defect moves ``a/2``, as in a direct hop); with the shipped LiF ACE its barrier is 0.67 eV against 0.26
    for the one built here, so it is not offered. ``neighbour`` applies to ``direct`` only.

    Returns the hop (see the module docstring) with ``info["hop"]``: kind ``"interstitial"``, the mechanism,
    the moving atoms (``atoms``: indices, the interstitial first), their jump vectors and lengths, the site
    positions (``site_A``, ``lattice_A``, ``target_A``), the angle ``S-L-S'`` in degrees (interstitialcy) and
    the net displacement of the defect.
    """
    from sei_lmp.structures.defects import EQUIVALENT_FRACTION, _check_element, _place, voids

    _check_element(element, None)
    if mechanism not in MECHANISMS:
        raise ConfigurationError(f"mechanism '{mechanism}' is not one of {list(MECHANISMS)}")
    sites = voids(atoms)
    if sites.empty:
        raise ConfigurationError("no empty site found; is the structure periodic with atoms in it?")
    sites = sites[sites["radius"] >= sites["radius"].iloc[0] * (1 - EQUIVALENT_FRACTION)].reset_index(drop=True)
    if not 0 <= site < len(sites):
        raise ConfigurationError(f"site {site} is out of range: the structure has {len(sites)} largest voids")
    points = sites[["x", "y", "z"]].to_numpy(float)
    start = points[site]
    initial = _place(atoms, element, sites.iloc[site], sites, kind="interstitial")
    moved = len(initial) - 1
    final = initial.positions.copy()

    if mechanism == "direct":
        others = np.delete(points, site, axis=0)
        near = _shells(atoms, start, others, tolerance_A)
        if neighbour >= len(near):
            raise ConfigurationError(f"there are only {len(near)} other sites; neighbour={neighbour} is too far")
        target = _shortest(atoms, start, others[near[neighbour]])
        final[moved] = target
        movers, jumps = [moved], [target - start]
        report = {"target_A": target.tolist()}
    else:
        symbols = np.array(atoms.get_chemical_symbols())
        same = np.nonzero(symbols == element)[0]
        if not len(same):
            raise ConfigurationError(f"an interstitialcy hop pushes a lattice {element} atom; the structure has none")
        lattice = int(same[_shells(atoms, start, atoms.positions[same], tolerance_A)[0]])
        place = _shortest(atoms, start, atoms.positions[lattice])
        # the sites around L, nearest shell only, with the angle S-L-S' each makes
        shell = _shells(atoms, place, points, tolerance_A, first_shell=True)
        targets = np.array([_shortest(atoms, place, points[k]) for k in shell])
        back, out = start - place, targets - place
        cosines = out @ back / (np.linalg.norm(out, axis=1) * np.linalg.norm(back))
        angles = np.degrees(np.arccos(np.clip(cosines, -1.0, 1.0)))
        distinct = np.unique(np.round(angles, 1))[::-1]         # widest first
        rank = 0 if mechanism == "interstitialcy_collinear" else 1
        if rank >= len(distinct) or distinct[rank] < 1.0:
            raise ConfigurationError(f"the lattice {element} atom next to this site has no second kind of "
                                     "neighbouring site for a non-collinear interstitialcy")
        pick = int(np.nonzero(np.round(angles, 1) == distinct[rank])[0][0])
        target = targets[pick]
        final[moved] = place
        # L's final position continues from where L is in the cell, not from its image next to S
        final[lattice] = atoms.positions[lattice] + (target - place)
        movers, jumps = [moved, lattice], [place - start, target - place]
        report = {"lattice_A": place.tolist(), "target_A": target.tolist(), "angle_deg": float(angles[pick])}
    net = final[moved] - start if mechanism == "direct" else jumps[0] + jumps[1]
    return hop(initial, final, kind="interstitial", mechanism=mechanism, element=element, atom=moved,
               atoms=movers, jumps_A=[j.tolist() for j in jumps],
               lengths_A=[float(np.linalg.norm(j)) for j in jumps], site_A=start.tolist(), **report,
               defect_displacement_A=float(np.linalg.norm(net)))


def _shells(atoms, centre: np.ndarray, points: np.ndarray, tolerance_A: float, first_shell: bool = False) -> np.ndarray:
    """Indices of ``points`` by periodic distance from ``centre`` (points on ``centre`` left out); ties keep
    index order. ``first_shell``: only those within ``tolerance_A`` of the nearest."""
    from ase.geometry import find_mic

    _, distance = find_mic(points - centre, atoms.cell, atoms.pbc)
    keep = np.nonzero(distance > tolerance_A)[0]
    # equal distances up to the tolerance count as one shell, so a shell is ordered by index
    order = keep[np.lexsort((keep, np.round(distance[keep] / tolerance_A)))]
    if first_shell and len(order):
        order = order[distance[order] <= distance[order[0]] + tolerance_A]
    return order


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
