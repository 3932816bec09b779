"""``sei-lmp build ...``: structures and LAMMPS data files.

Every command writes ``OUTPUT`` (a LAMMPS data file, types in the potential's species order), an extxyz
next to it and a JSON report, and prints the report. Heavy modules are imported inside the commands so
``--help`` stays fast.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer

from sei_lmp.cli.types import PotentialFile, Species, parse_pairs, split_list

app = typer.Typer(no_args_is_help=True, help="Build structures (crystals, defects, amorphous, interfaces) and data "
                  "files. A --potential gives the type order (its species) and the supercell size (its cutoff).")

# options of the build commands (the potential and species ones are shared with the other commands)
DataFile = Annotated[Path, typer.Option(
    "--output", "-o", help="LAMMPS data file to write (an .extxyz and a .json report go next to it); types in "
    "the order of the potential's species or --species")]
Cutoff = Annotated[Optional[float], typer.Option(help="potential cutoff (A) when no --potential is given")]
Skin = Annotated[float, typer.Option(help="neighbour skin (A); supercell widths >= 2 x (cutoff + skin)")]
TargetAtoms = Annotated[Optional[int], typer.Option(
    "--target-atoms", help="aim at about this many atoms (most cubic supercell)")]
MaxAtoms = Annotated[int, typer.Option("--max-atoms", help="refuse to build more atoms than this")]
Source = Annotated[str, typer.Argument(help="CIF / POSCAR / extxyz file, or a built-in phase name")]
Order = Annotated[bool, typer.Option("--order", help="order partial occupancies (lowest Ewald energy)")]
Oxidation = Annotated[Optional[str], typer.Option(help="oxidation states for --order, e.g. Li=1,P=5,S=-2")]


def _miller(text: str) -> tuple[int, int, int]:
    parts = text.replace(",", " ").split() if ("," in text or " " in text) else list(text)
    try:
        values = tuple(int(p) for p in parts)
    except ValueError as err:
        raise typer.BadParameter(f"Miller indices look like 100 or 1,1,0; got '{text}'") from err
    if len(values) != 3:
        raise typer.BadParameter(f"Miller indices need three numbers, got '{text}'")
    return values


def _potential(potential: Optional[Path], species: Optional[str]):
    if potential is None:
        return None
    from sei_lmp.potentials import load_potential

    return load_potential(potential, species=split_list(species))


def _structure(source: str, order: bool = False, oxidation: Optional[str] = None):
    """A built-in phase name or a structure file."""
    from sei_lmp.io.structure import read_structure
    from sei_lmp.structures import PHASES, phase

    if source in PHASES:
        return phase(source)
    return read_structure(source, order=order, oxidation_states=parse_pairs(oxidation, "--oxidation") or None)


def _maybe_supercell(atoms, pot, cutoff, skin, target_atoms, max_atoms):
    from sei_lmp.structures import supercell

    rc = pot if pot is not None else cutoff
    if rc is None and not target_atoms:
        return atoms
    return supercell(atoms, cutoff=rc, skin=skin, target_atoms=target_atoms, max_atoms=max_atoms)


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if hasattr(value, "tolist"):
        return value.tolist()
    return value


def _write(atoms, output: Path, pot, species: Optional[str]) -> None:
    """Data file + extxyz + JSON report, then print the report."""
    from ase.io import write
    from rich.console import Console

    from sei_lmp.structures import write_lammps_data
    from sei_lmp.units import density_g_cm3

    from sei_lmp.decks.render import check_min_distance
    from sei_lmp.decks.protocols import Guards

    order = pot if pot is not None else split_list(species)
    # what a deck would refuse is not written: a lattice parameter far too small packs atoms into each other
    check_min_distance(atoms, Guards().min_distance_A)
    output.parent.mkdir(parents=True, exist_ok=True)
    write_lammps_data(atoms, output, order)
    # extxyz holds flat key=value info only; the nested reports go to the JSON file
    flat = atoms.copy()
    flat.info = {k: v for k, v in atoms.info.items() if isinstance(v, (str, int, float, bool))}
    write(output.with_suffix(".extxyz"), flat, format="extxyz")
    report = _jsonable({"natoms": len(atoms), "formula": atoms.get_chemical_formula(),
                        "density_g_cm3": float(density_g_cm3(atoms.get_masses().sum(), atoms.get_volume())),
                        "cell": atoms.cell.cellpar().round(6).tolist(), **atoms.info})
    output.with_suffix(".json").write_text(json.dumps(report, indent=2, default=str) + "\n")
    console = Console()
    console.print_json(json.dumps(report, default=str))
    console.print(f"wrote {output} ({len(atoms)} atoms), {output.with_suffix('.extxyz')}, {output.with_suffix('.json')}")


@app.command()
def phase(
    name: str = typer.Argument(..., help="built-in phase: Li, LiF, Li2O, Li2S, Li3P, Li2CO3"),
    a: Optional[float] = typer.Option(None, "--a", help="override the lattice parameter a (A)"),
    output: DataFile = ..., potential: PotentialFile = None, species: Species = None,
    cutoff: Cutoff = None, skin: Skin = 2.0, target_atoms: TargetAtoms = None, max_atoms: MaxAtoms = 100_000,
) -> None:
    """A built-in SEI phase (from space group + literature cell), optionally as a supercell."""
    from sei_lmp.structures import phase as make_phase

    if a is not None and not (0 < a < float("inf")):
        raise typer.BadParameter(f"--a is a lattice parameter in A and must be positive, got {a:g}")
    pot = _potential(potential, species)
    atoms = make_phase(name, **({"a": a} if a else {}))
    _write(_maybe_supercell(atoms, pot, cutoff, skin, target_atoms, max_atoms), output, pot, species)


@app.command()
def crystal(
    structure: Source,
    order: Order = False,
    oxidation: Oxidation = None,
    output: DataFile = ..., potential: PotentialFile = None, species: Species = None,
    cutoff: Cutoff = None, skin: Skin = 2.0, target_atoms: TargetAtoms = None, max_atoms: MaxAtoms = 100_000,
) -> None:
    """Read a crystal (ordering partial occupancies on request) and write it, as a supercell if asked."""
    pot = _potential(potential, species)
    atoms = _structure(structure, order, oxidation)
    _write(_maybe_supercell(atoms, pot, cutoff, skin, target_atoms, max_atoms), output, pot, species)


@app.command()
def supercell(
    structure: Source,
    order: Order = False,
    oxidation: Oxidation = None,
    output: DataFile = ..., potential: PotentialFile = None, species: Species = None,
    cutoff: Cutoff = None, skin: Skin = 2.0, target_atoms: TargetAtoms = None, max_atoms: MaxAtoms = 100_000,
) -> None:
    """Most cubic supercell with every perpendicular width >= 2 x (cutoff + skin)."""
    pot = _potential(potential, species)
    if pot is None and cutoff is None and not target_atoms:
        raise typer.BadParameter("give --potential, --cutoff or --target-atoms")
    atoms = _structure(structure, order, oxidation)
    _write(_maybe_supercell(atoms, pot, cutoff, skin, target_atoms, max_atoms), output, pot, species)


@app.command()
def defect(
    structure: Source,
    kind: str = typer.Option("interstitial", help="interstitial | vacancy | frenkel"),
    element: str = typer.Option("Li", help="element added or removed"),
    index: Optional[int] = typer.Option(None, help="atom to remove (0-based, after the supercell); default the first"),
    seed: Optional[int] = typer.Option(None, help="pick the removed atom at random with this seed"),
    output: DataFile = ..., potential: PotentialFile = None, species: Species = None,
    cutoff: Cutoff = None, skin: Skin = 2.0, target_atoms: TargetAtoms = None, max_atoms: MaxAtoms = 100_000,
) -> None:
    """A point defect (largest-void interstitial, vacancy or Frenkel pair) in a (super)cell."""
    from sei_lmp.structures.defects import add_frenkel_pair, add_interstitial, add_vacancy

    pot = _potential(potential, species)
    allowed = pot if pot is not None else split_list(species)
    atoms = _maybe_supercell(_structure(structure), pot, cutoff, skin, target_atoms, max_atoms)
    if kind == "interstitial":
        out = add_interstitial(atoms, element, species=allowed)
    elif kind == "vacancy":
        out = add_vacancy(atoms, element, index=index, seed=seed, species=allowed)
    elif kind == "frenkel":
        out = add_frenkel_pair(atoms, element, index=index, seed=seed, species=allowed)
    else:
        raise typer.BadParameter(f"--kind must be interstitial, vacancy or frenkel, got '{kind}'")
    _write(out, output, pot, species)


@app.command()
def amorphous(
    formula: str = typer.Argument(..., help="formula unit, e.g. LiPO2F2 or Li3PS4"),
    density: float = typer.Option(..., help="target density (g/cm3)"),
    units: int = typer.Option(..., "--units", "-n", help="number of formula units"),
    molecule: list[str] = typer.Option([], help="rigid anion kept intact: PS4, PO4, PO2F2, PF6, CO3 (repeatable)"),
    min_distance: Optional[str] = typer.Option(None, help="pair minimum distances (A), e.g. Li-F=1.7,Li-Li=2.2"),
    seed: int = typer.Option(0, help="random seed"),
    output: DataFile = ..., potential: PotentialFile = None, species: Species = None,
) -> None:
    """Random packing of a formula at a density with per-pair minimum distances."""
    from sei_lmp.structures.amorphous import amorphous as pack

    pot = _potential(potential, species)
    atoms = pack(formula, density, units, molecules=molecule,
                 min_distances=parse_pairs(min_distance, "--min-distance") or None, seed=seed, progress=True)
    _write(atoms, output, pot, species)


@app.command()
def interface(
    a: str = typer.Argument(..., help="bottom slab: phase name or structure file (conventional cell)"),
    b: str = typer.Argument(..., help="top slab: phase name or structure file (conventional cell)"),
    miller_a: str = typer.Option("100", help="Miller indices of A, e.g. 100 or 1,1,0"),
    miller_b: str = typer.Option("100", help="Miller indices of B"),
    thickness_a: float = typer.Option(10.0, help="minimum thickness of A (A)"),
    thickness_b: float = typer.Option(10.0, help="minimum thickness of B (A)"),
    gap: Optional[float] = typer.Option(None, help="distance between the facing planes (A); "
                                        "default the mean layer spacing"),
    vacuum: float = typer.Option(0.0, help="vacuum above B (A); 0 = fully periodic"),
    max_strain: float = typer.Option(0.03, help="largest principal strain allowed on either side (0.03 = 3 %)"),
    strain_on: str = typer.Option("both", help="both | a | b: which slab takes the mismatch"),
    max_area: float = typer.Option(400.0, help="largest interface area searched (A^2)"),
    output: DataFile = ..., potential: PotentialFile = None, species: Species = None,
    max_atoms: MaxAtoms = 5000,
) -> None:
    """Slab A | slab B along z with in-plane lattice matching; strain reported per side."""
    from sei_lmp.structures.interfaces import build_interface

    pot = _potential(potential, species)
    atoms = build_interface(_structure(a), _miller(miller_a), _structure(b), _miller(miller_b),
                            thickness_a=thickness_a, thickness_b=thickness_b, gap=gap, vacuum=vacuum,
                            max_strain=max_strain, strain_on=strain_on, max_area=max_area, max_atoms=max_atoms)
    _write(atoms, output, pot, species)
