"""Order a partially occupied structure: the lowest-Ewald-energy arrangement found in bounded time.

pymatgen's ``OrderDisorderedStructureTransformation`` enumerates exhaustively and does not finish for
argyrodites (48 half-occupied Li sites); here every start is random and improved by greedy swaps, with
the Ewald energy as a quadratic form ``q . M . q`` of the site charges (``M`` computed once).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from sei_lmp.errors import ConfigurationError

#: a site whose total occupancy is at least 1 - this is taken as full (the usual refinement noise)
OCCUPANCY_TOLERANCE = 0.05
VACANCY = ""


@dataclass
class _Group:
    """Equivalent partial sites (one CIF label) and how many of each species they receive."""

    label: str
    sites: list[int]
    counts: dict[str, int]
    occupancy: dict[str, float]


def partial_sites(structure) -> list[str]:
    """'label (Li:0.7)' for each distinct partially occupied site of a pymatgen structure."""
    seen: dict[str, str] = {}
    for site in structure:
        if not site.is_ordered:
            label = getattr(site, "label", None) or site.species_string
            occ = ", ".join(f"{sp.symbol}:{x:g}" for sp, x in site.species.items())
            seen.setdefault(label, f"{label} ({occ})")
    return list(seen.values())


def _groups(structure, tolerance: float) -> tuple[list[_Group], list[tuple[int, str]], list[str]]:
    """Partial-site groups, fully occupied (site, element) pairs, and notes on what was rounded."""
    by_label: dict[str, list[int]] = {}
    full: list[tuple[int, str]] = []
    notes: list[str] = []
    for i, site in enumerate(structure):
        occ = {sp.symbol: float(x) for sp, x in site.species.items()}
        if len(occ) == 1 and sum(occ.values()) >= 1.0 - tolerance:
            (el, x), = occ.items()
            note = f"{getattr(site, 'label', el)} {el}:{x:g} -> 1"
            if x < 1.0 - 1e-6 and note not in notes:
                notes.append(note)
            full.append((i, el))
            continue
        key = (getattr(site, "label", None) or "") + "|" + repr(sorted(occ.items()))
        by_label.setdefault(key, []).append(i)
    groups = []
    for key, sites in by_label.items():
        occ = {sp.symbol: float(x) for sp, x in structure[sites[0]].species.items()}
        counts = {el: int(round(x * len(sites))) for el, x in occ.items()}
        if sum(counts.values()) > len(sites):        # rounding up both species of a mixed site
            worst = max(counts, key=lambda el: counts[el] - occ[el] * len(sites))
            counts[worst] -= 1
        label = key.split("|")[0] or structure[sites[0]].species_string
        exact = {el: x * len(sites) for el, x in occ.items()}
        if any(abs(counts[el] - exact[el]) > 1e-6 for el in occ):
            notes.append(f"{label}: {', '.join(f'{el} {exact[el]:g} -> {counts[el]}' for el in occ)} "
                         f"of {len(sites)} sites")
        groups.append(_Group(label, sites, counts, occ))
    return groups, full, notes


def _guess_oxidation_states(elements: dict[str, float]) -> dict[str, float]:
    from pymatgen.core import Composition

    guesses = Composition(elements).oxi_state_guesses(max_sites=-50)
    if not guesses:
        raise ConfigurationError(f"cannot guess oxidation states of {elements}; pass oxidation_states="
                                 "{'Li': 1, 'P': 5, 'S': -2, ...} (CLI: --oxidation Li=1,P=5,S=-2)")
    return dict(guesses[0])


def ewald_matrix(structure) -> np.ndarray:
    """Ewald interaction matrix (eV per unit charge squared) of every site of ``structure``."""
    from pymatgen.analysis.ewald import EwaldSummation
    from pymatgen.core import Lattice, Structure

    # unit charges on every site: the matrix is then the charge-free potential; a neutral charge
    # assignment q gives E = q . M . q (the background term vanishes for neutral cells)
    unit = Structure(Lattice(structure.lattice.matrix), ["H+"] * len(structure), structure.frac_coords)
    unit.add_oxidation_state_by_element({"H": 1})
    return np.asarray(EwaldSummation(unit).total_energy_matrix)


def order_structure(structure, *, oxidation_states: Mapping[str, float] | None = None,
                    tolerance: float = OCCUPANCY_TOLERANCE, trials: int = 20, sweeps: int = 30,
                    seed: int = 0):
    """Ordered copy of a pymatgen ``structure`` and a report; vacancies are removed.

    Partial sites sharing a CIF label receive round(occupancy x multiplicity) atoms of each species
    (the report lists every rounding; use a supercell first for finer fractions). ``trials`` random
    arrangements are each improved by greedy pair swaps; the lowest Ewald energy wins.
    """
    from pymatgen.core import Structure

    struct = structure.copy()
    struct.remove_oxidation_states()
    groups, full, notes = _groups(struct, tolerance)
    composition: dict[str, float] = {}
    for _, el in full:
        composition[el] = composition.get(el, 0) + 1
    for g in groups:
        for el, n in g.counts.items():
            composition[el] = composition.get(el, 0) + n
    composition = {el: n for el, n in composition.items() if n}
    ox = dict(oxidation_states) if oxidation_states else _guess_oxidation_states(composition)
    missing = set(composition) - set(ox)
    if missing:
        raise ConfigurationError(f"no oxidation state given for {sorted(missing)}; pass all of {sorted(composition)}")
    charge = sum(ox[el] * n for el, n in composition.items())
    if abs(charge) > 1e-6:
        raise ConfigurationError(f"the ordered cell {composition} with oxidation states {ox} has charge "
                                 f"{charge:+g}; give other oxidation_states or order a supercell")

    matrix = ewald_matrix(struct)
    q0 = np.zeros(len(struct))
    for i, el in full:
        q0[i] = ox[el]
    rng = np.random.default_rng(seed)
    best_energy, best_species = np.inf, None
    for _ in range(max(1, trials)):
        q = q0.copy()
        species: dict[int, str] = {}
        for g in groups:
            pool = [el for el, n in g.counts.items() for _ in range(n)]
            pool += [VACANCY] * (len(g.sites) - len(pool))
            for i, el in zip(g.sites, rng.permutation(pool)):
                species[i] = str(el)
                q[i] = ox[el] if el else 0.0
        mq = matrix @ q
        energy = float(q @ mq)
        for _ in range(sweeps):           # greedy descent: swap unlike occupants within a group
            improved = False
            for g in groups:
                for a_pos, a in enumerate(g.sites):
                    for b in g.sites[a_pos + 1:]:
                        if species[a] == species[b]:
                            continue
                        d = q[b] - q[a]           # the swap changes q by +d at a and -d at b
                        delta = 2 * d * (mq[a] - mq[b]) + d * d * (matrix[a, a] + matrix[b, b] - 2 * matrix[a, b])
                        if delta < -1e-10:
                            q[a], q[b] = q[b], q[a]
                            species[a], species[b] = species[b], species[a]
                            mq += d * (matrix[:, a] - matrix[:, b])
                            energy += delta
                            improved = True
            if not improved:
                break
        if energy < best_energy:
            best_energy, best_species = energy, dict(species)
    keep = [(i, el) for i, el in full] + [(i, el) for i, el in best_species.items() if el]
    keep.sort()
    ordered = Structure(struct.lattice, [el for _, el in keep], [struct[i].frac_coords for i, _ in keep])
    report = {"method": "ewald, random starts + greedy swaps", "ewald_energy_eV": float(best_energy),
              "oxidation_states": ox, "trials": trials, "seed": seed, "rounded": notes,
              "groups": {g.label: {"sites": len(g.sites), "counts": g.counts} for g in groups}}
    return ordered, report
