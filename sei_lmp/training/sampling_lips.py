"""Li-P-S configurations to label: Li metal, Li2S, Li3P, thiophosphate glasses and Li | Li2S interfaces.

What the Li-P-S demo runs decide what is sampled: a melt-quench of Li3PS4 glass (random packings of rigid PS4
anions, then MD at 600-1200 K) and an NPT/NVT run of a Li | Li2S interface near 600 K. So next to the
crystals (strained, rattled, with Li vacancies/interstitials) come the packings those runs start from,
Li4P2S7 packings for the corner-sharing P2S7 units of Li7P3S11, small interface cells, hot-rattled and
compressed cells (short contacts keep a fit repulsive) and the start cells of short teacher MD runs.

Builders come from :mod:`sei_lmp.structures`; every frame is a fresh ``ase.Atoms`` with a flat
``info`` (``config_type`` plus numbers) so it round-trips through extxyz, and all randomness comes from
seeded generators, one per named group, so changing one group's count (``scale``) leaves the others unchanged.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Mapping

import numpy as np
from ase import Atoms

from sei_lmp.errors import ConfigurationError
from sei_lmp.training.sampling import strained_rattled

#: species order of the Li-P-S potentials (pair_coeff ... Li P S)
SPECIES = ("Li", "P", "S")
#: P-S bond lengths [A] of the P2S7 template: bridging S longer than terminal (as in Li7P3S11 crystals)
P2S7_BRIDGE, P2S7_TERMINAL, P2S7_ANGLE = 2.10, 2.03, 110.0
#: the P2S6 template [A, degrees]: P-P and P-S bonds and the P-P-S angle of the staggered (D3d) anion of Li4P2S6,
#: the P(IV) product whose P-P bond is what PS4 reduced at a Li contact makes
P2S6_PP, P2S6_PS, P2S6_ANGLE = 2.21, 2.03, 103.5


def _clean(atoms: Atoms, config_type: str, **info) -> Atoms:
    """Only numbers, positions, cell and pbc, and a flat info: the builders' nested reports (phase source,
    interface, packing) do not survive extxyz and are not training data."""
    out = Atoms(atoms.numbers, positions=atoms.positions, cell=atoms.cell, pbc=True)
    out.info = {"config_type": config_type, **info}
    return out


def li_bcc(a: float, repeat: int = 3) -> Atoms:
    """bcc Li, conventional cell repeated (3 -> 54 atoms)."""
    from sei_lmp.structures import phase

    return _clean(phase("Li", a=a).repeat(repeat), "Li_bcc", a=a)


def li2s(a: float, repeat: int = 2) -> Atoms:
    """Antifluorite Li2S, conventional cell repeated (2 -> 96 atoms)."""
    from sei_lmp.structures import phase

    return _clean(phase("Li2S", a=a).repeat(repeat), "Li2S", a=a)


def li3p(scale: float = 1.0, repeat=(2, 2, 2)) -> Atoms:
    """Hexagonal Li3P (P6_3/mmc), the library cell scaled isotropically by ``scale`` (2x2x2 -> 64 atoms)."""
    from sei_lmp.structures import PHASES, phase

    a, b, c = PHASES["Li3P"].cellpar[:3]
    # b too: phase() overrides only the edges it is given, also for hexagonal cells
    return _clean(phase("Li3P", a=a * scale, b=b * scale, c=c * scale).repeat(repeat), "Li3P", scale=scale)


def li_slab(a: float, repeat=(3, 3, 4), vacuum: float = 8.0) -> Atoms:
    """Free bcc Li (100) slab: the conventional cell repeated, ``vacuum`` [A] added along z."""
    atoms = li_bcc(a, 1).repeat(repeat)
    atoms.cell[2, 2] += vacuum
    atoms.positions[:, 2] += 0.5 * vacuum
    return _clean(atoms, "Li_slab", a=a)


def p2s7() -> Atoms:
    """Pyro-thiophosphate anion P2S7 (two PS4 tetrahedra sharing one S), ideal geometry: a rigid unit for the
    amorphous packer. The second tetrahedron is turned about its P-S(bridge) bond to the angle that keeps the
    terminal S atoms of the two halves farthest apart."""
    half = np.radians(P2S7_ANGLE / 2)
    bridge = np.zeros(3)
    ideal = np.array([(1, 1, 1), (1, -1, -1), (-1, 1, -1), (-1, -1, 1)], float) / np.sqrt(3)

    def terminals(sign, angle):
        p = P2S7_BRIDGE * np.array([sign * np.sin(half), 0.0, -np.cos(half)])
        u = (bridge - p) / np.linalg.norm(bridge - p)
        turn = _axis_rotation(u, angle) @ _rotation_onto(ideal[0], u)
        return p, [p + P2S7_TERMINAL * (turn @ v) for v in ideal[1:]]

    p1, s1 = terminals(-1.0, 0.0)
    angles = np.radians(np.arange(0, 120, 2))  # the three terminals repeat every 120 degrees

    def closest(angle):
        return min(np.linalg.norm(a - b) for a in s1 for b in terminals(1.0, angle)[1])

    p2, s2 = terminals(1.0, max(angles, key=closest))
    atoms = Atoms(["S", "P", "S", "S", "S", "P", "S", "S", "S"], positions=[bridge, p1, *s1, p2, *s2])
    atoms.info["name"] = "P2S7"
    return atoms


def p2s6() -> Atoms:
    """Hypothiodiphosphate anion P2S6 (two PS3 halves joined by a P-P bond, staggered), ideal geometry: a rigid
    unit for the amorphous packer (Li4P2S6 glass: the P-P environments of a reduced Li | Li3PS4 contact)."""
    theta = np.radians(P2S6_ANGLE)
    positions, symbols = [], []
    for sign, turn in ((1.0, 0.0), (-1.0, 60.0)):          # the lower half turned 60 degrees: staggered
        p = np.array([0.0, 0.0, sign * P2S6_PP / 2])
        positions.append(p)
        symbols.append("P")
        for k in range(3):
            phi = np.radians(turn + 120.0 * k)
            # the bond leans away from the other P by the P-P-S angle
            direction = np.array([np.sin(theta) * np.cos(phi), np.sin(theta) * np.sin(phi), -sign * np.cos(theta)])
            positions.append(p + P2S6_PS * direction)
            symbols.append("S")
    atoms = Atoms(symbols, positions=positions)
    atoms.info["name"] = "P2S6"
    return atoms


def _axis_rotation(axis: np.ndarray, angle: float) -> np.ndarray:
    k = np.array([[0, -axis[2], axis[1]], [axis[2], 0, -axis[0]], [-axis[1], axis[0], 0]])
    return np.eye(3) + np.sin(angle) * k + (1 - np.cos(angle)) * k @ k


def _rotation_onto(v: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Rotation taking unit vector ``v`` onto unit vector ``u`` (Rodrigues)."""
    axis = np.cross(v, u)
    s, c = np.linalg.norm(axis), float(np.dot(v, u))
    if s < 1e-12:
        return np.eye(3) if c > 0 else -np.eye(3)
    return _axis_rotation(axis / s, np.arctan2(s, c))


#: minimum distances [A] between units of a "loose" packing: no foreign S within bonding range of a P, anions
#: apart as in the crystals; the packer's defaults (P-S 1.8, S-S 1.8 A) are what a melt-quench deck starts from
#: (the rigid P2S7 units did not pack at 1.9 g/cm3 even with 2.4 A, so Li4P2S7 always uses the defaults)
LOOSE_DISTANCES = {"Li3PS4": {"P-S": 2.7, "S-S": 2.7, "P-P": 3.6, "Li-S": 2.1, "Li-P": 2.4, "Li-Li": 2.1}}
LOOSE_DISTANCES["Li4P2S6"] = LOOSE_DISTANCES["Li3PS4"]   # between anions only: the P-P bond is inside one


def glass_packing(formula: str, density: float, formula_units: int, seed: int, loose: bool = True) -> Atoms:
    """Random packing with rigid anions: ``Li3PS4`` with PS4, ``Li4P2S7`` with P2S7 (Li7P3S11's two anions
    are PS4 and P2S7, so the two packings together hold its local environments), ``Li4P2S6`` with P2S6 (the
    P-P bonded product of PS4 reduced at Li metal). ``loose``: minimum distances
    :data:`LOOSE_DISTANCES` between units where there are some for ``formula``, else the packer's defaults."""
    from sei_lmp.structures import amorphous

    anions = {"Li3PS4": ["PS4"], "Li4P2S7": [p2s7()], "Li4P2S6": [p2s6()]}
    if formula not in anions:
        raise ConfigurationError(f"no anion recipe for '{formula}'; use one of {sorted(anions)}")
    atoms = amorphous(formula, density, formula_units, molecules=anions[formula], seed=seed,
                      min_distances=LOOSE_DISTANCES.get(formula) if loose else None)
    return _clean(atoms, f"{formula}_packing", density_g_cm3=density, seed=seed,
                  loose=bool(loose and formula in LOOSE_DISTANCES))


def li_li2s_interface(a_li: float | None = None, a_li2s: float | None = None, thickness: float = 6.0,
                      max_atoms: int = 140) -> Atoms:
    """Li(100) | Li2S(100), periodic along z (two interfaces), from :func:`sei_lmp.structures.build_interface`.

    Default cells are the library's (experimental) ones, as an interface run built from the library gets:
    they match with 1.5 % strain in a 68-atom cell, while CHGNet's own cells need 140 atoms for 6 %."""
    from sei_lmp.structures import build_interface, phase

    li = phase("Li") if a_li is None else phase("Li", a=a_li)
    sulfide = phase("Li2S") if a_li2s is None else phase("Li2S", a=a_li2s)
    atoms = build_interface(li, (1, 0, 0), sulfide, (1, 0, 0),
                            thickness_a=thickness, thickness_b=thickness, max_atoms=max_atoms, max_strain=0.06)
    return _clean(atoms, "Li_Li2S_interface", max_strain=float(max(atoms.info["interface"]["max_strain_a"],
                                                                    atoms.info["interface"]["max_strain_b"])))


def li_vacancy(atoms: Atoms, seed: int) -> Atoms:
    from sei_lmp.structures import add_vacancy

    return _clean(add_vacancy(atoms, "Li", seed=seed), f"{atoms.info['config_type']}_Li_vacancy")


def li_interstitial(atoms: Atoms) -> Atoms:
    from sei_lmp.structures import add_interstitial

    return _clean(add_interstitial(atoms, "Li"), f"{atoms.info['config_type']}_Li_interstitial")


def _scaled(atoms: Atoms, s: float) -> Atoms:
    out = atoms.copy()
    out.set_cell(atoms.cell.array * (1 + s), scale_atoms=True)
    return out


def bulk_cells(lattice: Mapping[str, float]) -> dict[str, Atoms]:
    """The crystal and interface cells at the teacher's lattice parameters (``lattice``: ``Li`` and ``Li2S``
    cubic a [A], ``Li3P`` isotropic scale of the library cell)."""
    missing = {"Li", "Li2S", "Li3P"} - set(lattice)
    if missing:
        raise ConfigurationError(f"lattice parameters missing for {sorted(missing)}; give Li, Li2S (a in A) and "
                                 "Li3P (scale of the library cell)")
    return {"Li_bcc": li_bcc(lattice["Li"]), "Li2S": li2s(lattice["Li2S"]), "Li3P": li3p(lattice["Li3P"]),
            "Li_slab": li_slab(lattice["Li"]),
            "Li_Li2S_interface": li_li2s_interface()}


def static_configurations(lattice: Mapping[str, float], seed: int, scale: float = 1.0) -> list[Atoms]:
    """Strained/rattled crystals, Li point defects, glass packings, interface cells, hot-rattled and
    compressed cells (see the module docstring); ``scale`` multiplies every count."""
    def rng(tag: str, k: int = 0) -> np.random.Generator:
        # one stream per named group (and member k): a count changed by scale leaves the other groups alone
        return np.random.default_rng([seed, zlib.crc32(tag.encode()), k])

    def n(k):
        return max(1, round(k * scale))

    cells = bulk_cells(lattice)
    out: list[Atoms] = []

    def add(base, k, max_strain, rattle, config_type=None):
        tag = f"{base.info['config_type']}/{config_type}/{rattle}"
        out.extend(strained_rattled(base, n(k), rng(tag), max_strain=max_strain, rattle=rattle,
                                    config_type=config_type))

    # crystals: E(V) points (lattice constant, bulk modulus), strained + rattled, hot, compressed, Li defects
    for name in ("Li_bcc", "Li2S", "Li3P"):
        base = cells[name]
        g = rng(f"eos_{name}")
        for s in np.linspace(-0.05, 0.05, 7):
            out += strained_rattled(_scaled(base, s), 1, g, max_strain=0.0, rattle=0.01, config_type=f"eos_{name}")
        add(base, 10, 0.04, 0.05)
        add(base, 10, 0.04, 0.10)
        add(base, 6, 0.03, 0.20, f"hot_rattle_{name}")
        g = rng(f"compressed_{name}")
        for s in np.linspace(-0.14, -0.08, n(3)):  # short contacts: the fit must stay repulsive
            out += strained_rattled(_scaled(base, s), 1, g, max_strain=0.0, rattle=0.06, config_type="compressed")
        add(li_vacancy(base, seed), 8, 0.03, 0.08)
        if name != "Li_bcc":
            add(li_interstitial(base), 8, 0.03, 0.08)
    add(cells["Li_slab"], 6, 0.02, 0.08)
    # glass packings: the melt-quench starts from these (Li3PS4 at 1.8-2.0 g/cm3) and passes through them
    def packing_seed(tag, k):
        return int(rng(tag, k).integers(1 << 31))

    for k in range(n(15)):
        packing = glass_packing("Li3PS4", (1.8, 1.9, 2.0)[k % 3], 8, seed=packing_seed("Li3PS4_8", k),
                                loose=k % 2 == 0)
        out += strained_rattled(packing, 1, rng("Li3PS4_8/rattle", k), max_strain=0.02, rattle=0.05)
        if k % 3 == 0:
            out += strained_rattled(packing, 1, rng("Li3PS4_8/hot", k), max_strain=0.02, rattle=0.15,
                                    config_type="hot_rattle_Li3PS4")
    for k in range(n(2)):
        out.append(glass_packing("Li3PS4", 1.9, 16, seed=packing_seed("Li3PS4_16", k)))
    for k in range(n(6)):
        packing = glass_packing("Li4P2S7", (1.8, 1.9)[k % 2], 6, seed=packing_seed("Li4P2S7_6", k))
        out += strained_rattled(packing, 1, rng("Li4P2S7_6/rattle", k), max_strain=0.02, rattle=0.05)
    # Li | Li2S interface: rattled, hot, and with the slabs pushed together / pulled apart along z
    iface = cells["Li_Li2S_interface"]
    add(iface, 8, 0.02, 0.05)
    add(iface, 8, 0.02, 0.10)
    add(iface, 4, 0.02, 0.18, "hot_rattle_interface")
    g = rng("interface_zstrain")
    for s in np.linspace(-0.06, 0.06, n(4)):
        atoms = iface.copy()
        atoms.set_cell(atoms.cell.array @ np.diag([1.0, 1.0, 1 + s]), scale_atoms=True)
        out += strained_rattled(atoms, 1, g, max_strain=0.0, rattle=0.05, config_type="Li_Li2S_interface_zstrain")
    return out


#: teacher MD: (start cell, temperature K, equilibration steps, production steps, snapshot interval); 2 fs steps
MD_RUNS = (
    ("Li3PS4_glass_1.8", 1200.0, 20, 60, 4),
    ("Li3PS4_glass_1.9", 900.0, 20, 60, 4),
    ("Li3PS4_glass_2.0", 600.0, 20, 60, 4),
    ("Li4P2S7_glass", 900.0, 20, 60, 4),
    ("Li_Li2S_interface", 600.0, 20, 60, 4),
    ("Li_Li2S_interface", 900.0, 20, 60, 4),
    ("Li_bcc", 600.0, 20, 60, 4),
)


def md_start_cells(lattice: Mapping[str, float], seed: int) -> dict[str, Atoms]:
    """Start cell of every run in :data:`MD_RUNS` (glasses as fresh packings of 64/78 atoms)."""
    cells = bulk_cells(lattice)
    g = np.random.default_rng([seed, 7777])
    out = {f"Li3PS4_glass_{d}": glass_packing("Li3PS4", d, 8, seed=int(g.integers(1 << 31))) for d in (1.8, 1.9, 2.0)}
    out["Li4P2S7_glass"] = glass_packing("Li4P2S7", 1.9, 6, seed=int(g.integers(1 << 31)))
    out["Li_Li2S_interface"] = cells["Li_Li2S_interface"]
    out["Li_bcc"] = cells["Li_bcc"]
    for name, atoms in out.items():
        atoms.info["config_type"] = name.rsplit("_", 1)[0] if name.startswith("Li3PS4_glass") else name
    return out


def teacher_lattice(calc, progress: Callable[[int], None] | None = None) -> dict[str, float]:
    """The teacher's equilibrium cells from Birch-Murnaghan fits of small cells: bcc Li a, Li2S a [A], and the
    isotropic scale of the Li3P library cell (c/a kept); ``progress(1)`` after each energy."""
    from ase.eos import EquationOfState

    def v0(make, values):
        volumes, energies = [], []
        for x in values:
            atoms = make(x)
            atoms.calc = calc
            volumes.append(atoms.get_volume())
            energies.append(atoms.get_potential_energy())
            if progress:
                progress(1)
        return float(EquationOfState(volumes, energies, eos="birchmurnaghan").fit()[0])

    # one conventional cell each: volume a^3 for the cubic ones, scale^3 x the library volume for Li3P
    a_li = v0(lambda a: li_bcc(a, 1), np.linspace(3.30, 3.55, 9)) ** (1 / 3)
    a_li2s = v0(lambda a: li2s(a, 1), np.linspace(5.55, 5.90, 9)) ** (1 / 3)
    s_li3p = (v0(lambda s: li3p(s, 1), np.linspace(0.95, 1.05, 9)) / li3p(1.0, 1).get_volume()) ** (1 / 3)
    return {"Li": a_li, "Li2S": a_li2s, "Li3P": s_li3p}
