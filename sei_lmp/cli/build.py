"""``sei-lmp build ...``: structures and LAMMPS data files.

Every command writes ``OUTPUT`` (a LAMMPS data file, types in the potential's species order), an extxyz
next to it and a JSON report, and prints the report. Heavy modules are imported inside the commands so
``--help`` stays fast.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

app = typer.Typer(no_args_is_help=True, help="Build structures (crystals, defects, amorphous, interfaces) and data files.")

# options shared by every command (one spelling, one help text)
OutputOpt = typer.Option(..., "--output", "-o", help="LAMMPS data file to write (an .extxyz and a .json report go next to it)")
PotentialOpt = typer.Option(None, "--potential", "-p",
                            help="potential file: its species give the type order, its cutoff the supercell")
SpeciesOpt = typer.Option(None, help="elements in type order, comma-separated (or the species of an MTP file)")
CutoffOpt = typer.Option(None, help="potential cutoff (A) when no --potential is given")
SkinOpt = typer.Option(2.0, help="neighbour skin (A); supercell widths >= 2 x (cutoff + skin)")
TargetOpt = typer.Option(None, "--target-atoms", help="aim at about this many atoms (most cubic supercell)")
MaxAtomsOpt = typer.Option(100_000, "--max-atoms", help="refuse to build more atoms than this")


def _split(values: Optional[str]) -> Optional[list[str]]:
    return [v.strip() for v in values.split(",") if v.strip()] if values else None


def _pairs(values: Optional[str], what: str) -> dict[str, float]:
    """'Li=1,P=5' -> {'Li': 1.0, 'P': 5.0}."""
    out = {}
    for item in _split(values) or []:
        key, sep, value = item.partition("=")
        try:
            out[key.strip()] = float(value)
        except ValueError:
            sep = ""
        if not sep:
            raise typer.BadParameter(f"{what} expects KEY=NUMBER pairs separated by commas, got '{item}'")
    return out


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

    return load_potential(potential, species=_split(species))


def _structure(source: str, order: bool = False, oxidation: Optional[str] = None):
    """A built-in phase name or a structure file."""
    from sei_lmp.io.structure import read_structure
    from sei_lmp.structures import PHASES, phase

    if source in PHASES:
        return phase(source)
    return read_structure(source, order=order, oxidation_states=_pairs(oxidation, "--oxidation") or None)


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

    order = pot if pot is not None else _split(species)
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


def _run(body) -> None:
    from rich.console import Console

    from sei_lmp.errors import SeiLmpError

    try:
        body()
    except SeiLmpError as err:
        Console().print(f"[red]error:[/red] {err}")
        raise typer.Exit(2) from err


@app.command()
def phase(
    name: str = typer.Argument(..., help="built-in phase: Li, LiF, Li2O, Li2S, Li3P, Li2CO3"),
    a: Optional[float] = typer.Option(None, "--a", help="override the lattice parameter a (A)"),
    output: Path = OutputOpt, potential: Optional[Path] = PotentialOpt, species: Optional[str] = SpeciesOpt,
    cutoff: Optional[float] = CutoffOpt, skin: float = SkinOpt, target_atoms: Optional[int] = TargetOpt,
    max_atoms: int = MaxAtomsOpt,
) -> None:
    """A built-in SEI phase (from space group + literature cell), optionally as a supercell."""
    def body():
        from sei_lmp.structures import phase as make_phase

        pot = _potential(potential, species)
        atoms = make_phase(name, **({"a": a} if a else {}))
        _write(_maybe_supercell(atoms, pot, cutoff, skin, target_atoms, max_atoms), output, pot, species)
    _run(body)


@app.command()
def crystal(
    structure: str = typer.Argument(..., help="CIF / POSCAR / extxyz file, or a built-in phase name"),
    order: bool = typer.Option(False, "--order", help="order partial occupancies (lowest Ewald energy)"),
    oxidation: Optional[str] = typer.Option(None, help="oxidation states for --order, e.g. Li=1,P=5,S=-2"),
    output: Path = OutputOpt, potential: Optional[Path] = PotentialOpt, species: Optional[str] = SpeciesOpt,
    cutoff: Optional[float] = CutoffOpt, skin: float = SkinOpt, target_atoms: Optional[int] = TargetOpt,
    max_atoms: int = MaxAtomsOpt,
) -> None:
    """Read a crystal (ordering partial occupancies on request) and write it, as a supercell if asked."""
    def body():
        pot = _potential(potential, species)
        atoms = _structure(structure, order, oxidation)
        _write(_maybe_supercell(atoms, pot, cutoff, skin, target_atoms, max_atoms), output, pot, species)
    _run(body)


@app.command()
def supercell(
    structure: str = typer.Argument(..., help="CIF / POSCAR / extxyz file, or a built-in phase name"),
    order: bool = typer.Option(False, "--order", help="order partial occupancies (lowest Ewald energy)"),
    oxidation: Optional[str] = typer.Option(None, help="oxidation states for --order, e.g. Li=1,P=5,S=-2"),
    output: Path = OutputOpt, potential: Optional[Path] = PotentialOpt, species: Optional[str] = SpeciesOpt,
    cutoff: Optional[float] = CutoffOpt, skin: float = SkinOpt, target_atoms: Optional[int] = TargetOpt,
    max_atoms: int = MaxAtomsOpt,
) -> None:
    """Most cubic supercell with every perpendicular width >= 2 x (cutoff + skin)."""
    def body():
        pot = _potential(potential, species)
        if pot is None and cutoff is None and not target_atoms:
            raise typer.BadParameter("give --potential, --cutoff or --target-atoms")
        atoms = _structure(structure, order, oxidation)
        _write(_maybe_supercell(atoms, pot, cutoff, skin, target_atoms, max_atoms), output, pot, species)
    _run(body)


@app.command()
def defect(
    structure: str = typer.Argument(..., help="CIF / POSCAR / extxyz file, or a built-in phase name"),
    kind: str = typer.Option("interstitial", help="interstitial | vacancy | frenkel"),
    element: str = typer.Option("Li", help="element added or removed"),
    index: Optional[int] = typer.Option(None, help="atom to remove (0-based, after the supercell); default the first"),
    seed: Optional[int] = typer.Option(None, help="pick the removed atom at random with this seed"),
    output: Path = OutputOpt, potential: Optional[Path] = PotentialOpt, species: Optional[str] = SpeciesOpt,
    cutoff: Optional[float] = CutoffOpt, skin: float = SkinOpt, target_atoms: Optional[int] = TargetOpt,
    max_atoms: int = MaxAtomsOpt,
) -> None:
    """A point defect (largest-void interstitial, vacancy or Frenkel pair) in a (super)cell."""
    def body():
        from sei_lmp.structures.defects import add_frenkel_pair, add_interstitial, add_vacancy

        pot = _potential(potential, species)
        allowed = pot if pot is not None else _split(species)
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
    _run(body)


@app.command()
def amorphous(
    formula: str = typer.Argument(..., help="formula unit, e.g. LiPO2F2 or Li3PS4"),
    density: float = typer.Option(..., help="target density (g/cm3)"),
    units: int = typer.Option(..., "--units", "-n", help="number of formula units"),
    molecule: list[str] = typer.Option([], help="rigid anion kept intact: PS4, PO4, PO2F2, PF6, CO3 (repeatable)"),
    min_distance: Optional[str] = typer.Option(None, help="pair minimum distances (A), e.g. Li-F=1.7,Li-Li=2.2"),
    seed: int = typer.Option(0, help="random seed"),
    output: Path = OutputOpt, potential: Optional[Path] = PotentialOpt, species: Optional[str] = SpeciesOpt,
) -> None:
    """Random packing of a formula at a density with per-pair minimum distances."""
    def body():
        from sei_lmp.structures.amorphous import amorphous as pack

        pot = _potential(potential, species)
        atoms = pack(formula, density, units, molecules=molecule,
                     min_distances=_pairs(min_distance, "--min-distance") or None, seed=seed, progress=True)
        _write(atoms, output, pot, species)
    _run(body)


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
    output: Path = OutputOpt, potential: Optional[Path] = PotentialOpt, species: Optional[str] = SpeciesOpt,
    max_atoms: int = typer.Option(5000, "--max-atoms", help="refuse interfaces with more atoms than this"),
) -> None:
    """Slab A | slab B along z with in-plane lattice matching; strain reported per side."""
    def body():
        from sei_lmp.structures.interfaces import build_interface

        pot = _potential(potential, species)
        atoms = build_interface(_structure(a), _miller(miller_a), _structure(b), _miller(miller_b),
                                thickness_a=thickness_a, thickness_b=thickness_b, gap=gap, vacuum=vacuum,
                                max_strain=max_strain, strain_on=strain_on, max_area=max_area, max_atoms=max_atoms)
        _write(atoms, output, pot, species)
    _run(body)
