"""Built-in library of the SEI phases users need most, generated from space group + Wyckoff positions.

Each entry records its literature source so examples need no downloads. Lattice parameters can be
overridden (``phase("Li", a=3.4268)`` for the PBE cell) when a potential's equilibrium differs.
"""

from __future__ import annotations

from dataclasses import dataclass

from sei_lmp.errors import ConfigurationError


@dataclass(frozen=True)
class PhaseSpec:
    """One crystal: space group, conventional cell (a, b, c, alpha, beta, gamma), asymmetric unit."""

    spacegroup: int
    cellpar: tuple[float, float, float, float, float, float]
    symbols: tuple[str, ...]
    basis: tuple[tuple[float, float, float], ...]
    reference: str
    note: str = ""


def _cubic(a: float) -> tuple[float, float, float, float, float, float]:
    return (a, a, a, 90.0, 90.0, 90.0)


# Experimental room-temperature structures; "[verify]" marks a citation detail not re-checked against the paper.
PHASES: dict[str, PhaseSpec] = {
    "Li": PhaseSpec(229, _cubic(3.5093), ("Li",), ((0.0, 0.0, 0.0),),
                    "R. W. G. Wyckoff, Crystal Structures vol. 1 (Wiley, 1963): bcc Li at room temperature",
                    "PBE relaxes to a = 3.427 A (about 7 % denser); pass a=... to match a potential"),
    "LiF": PhaseSpec(225, _cubic(4.0173), ("Li", "F"), ((0.0, 0.0, 0.0), (0.5, 0.5, 0.5)),
                     "R. W. G. Wyckoff, Crystal Structures vol. 1 (1963), via COD 9008667: rocksalt LiF"),
    "Li2O": PhaseSpec(225, _cubic(4.6114), ("O", "Li"), ((0.0, 0.0, 0.0), (0.25, 0.25, 0.25)),
                      "antifluorite Li2O, a = 4.611 A at 293 K (Hull et al., J. Nucl. Mater. 160, 125 (1988)) [verify]"),
    "Li2S": PhaseSpec(225, _cubic(5.72), ("S", "Li"), ((0.0, 0.0, 0.0), (0.25, 0.25, 0.25)),
                      "antifluorite Li2S, a = 5.72 A (ICSD 60432, as exported in mogroupumd/Topological_Analysis "
                      "examples/60432.cif) [primary reference to verify]"),
    "Li3P": PhaseSpec(194, (4.273, 4.273, 7.594, 90.0, 90.0, 120.0), ("P", "Li", "Li"),
                      ((1 / 3, 2 / 3, 0.25), (0.0, 0.0, 0.25), (1 / 3, 2 / 3, 0.5863)),
                      "Na3As-type Li3P, P6_3/mmc, a = 4.273, c = 7.594 A, Li(4f) z = 0.5863: experimental cell of "
                      "the OBELiX entry 11b (NRC-Mila/OBELiX, CC-BY-4.0) [primary reference to verify]"),
    "Li2CO3": PhaseSpec(15, (8.359, 4.973, 6.194, 90.0, 114.79, 90.0), ("Li", "C", "O", "O"),
                        ((0.1965, 0.4484, 0.8345), (0.0, 0.0657, 0.25), (0.0, 0.3213, 0.25), (0.1459, -0.0635, 0.3127)),
                        "zabuyelite Li2CO3, C2/c (Effenberger & Zemann, Z. Kristallogr. 150, 133 (1979)) [verify]"),
}

_CELL_KEYS = ("a", "b", "c", "alpha", "beta", "gamma")


def phases() -> list[str]:
    """Names of the built-in phases (formula names, case-sensitive)."""
    return list(PHASES)


def phase(name: str, *, primitive: bool = False, **cell) -> "ase.Atoms":  # noqa: F821
    """Conventional cell of a built-in phase as ``ase.Atoms``.

    ``cell`` overrides lattice parameters (``a``, ``b``, ``c``, ``alpha``, ``beta``, ``gamma``; for cubic
    phases ``a`` alone scales all three edges). ``primitive=True`` returns the primitive cell (ase.spacegroup).
    ``atoms.info["source"]`` holds the reference and the cell used.
    """
    from ase.spacegroup import crystal

    if name not in PHASES:
        raise ConfigurationError(f"unknown phase '{name}'; known phases: {', '.join(PHASES)} "
                                 "(formula names, case-sensitive), or read a CIF with sei_lmp.io.read_structure")
    unknown = set(cell) - set(_CELL_KEYS)
    if unknown:
        raise ConfigurationError(f"unknown lattice parameter(s) {sorted(unknown)} for phase '{name}'; "
                                 f"use {', '.join(_CELL_KEYS)}")
    spec = PHASES[name]
    par = dict(zip(_CELL_KEYS, spec.cellpar))
    cubic = spec.spacegroup >= 195
    if cubic and ("b" in cell or "c" in cell or any(k in cell for k in ("alpha", "beta", "gamma"))):
        raise ConfigurationError(f"phase '{name}' is cubic: override only 'a'")
    # tetragonal, trigonal and hexagonal groups tie b to a: scaling a alone must not distort the cell
    a_equals_b = 75 <= spec.spacegroup < 195
    if a_equals_b and "b" in cell and float(cell["b"]) != float(cell.get("a", par["a"])):
        raise ConfigurationError(f"phase '{name}' (space group {spec.spacegroup}) has a = b by symmetry; "
                                 "give 'a' only (b follows)")
    par.update({k: float(v) for k, v in cell.items()})
    if cubic:
        par["b"] = par["c"] = par["a"]
    elif a_equals_b:
        par["b"] = par["a"]
    cellpar = [par[k] for k in _CELL_KEYS]
    atoms = crystal(list(spec.symbols), [list(p) for p in spec.basis], spacegroup=spec.spacegroup,
                    cellpar=cellpar, primitive_cell=primitive)
    # ase's bookkeeping (a Spacegroup object, Wyckoff kinds) is not part of our structure type
    atoms.info.clear()
    atoms.arrays.pop("spacegroup_kinds", None)
    atoms.info["source"] = {"name": name, "reference": spec.reference, "spacegroup": spec.spacegroup,
                            "a": par["a"], "b": par["b"], "c": par["c"],
                            "alpha": par["alpha"], "beta": par["beta"], "gamma": par["gamma"],
                            "note": spec.note, "overridden": sorted(cell)}
    return atoms
