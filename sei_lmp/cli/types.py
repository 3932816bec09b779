"""Options shared by the ``sei-lmp`` commands: one spelling and one help text each.

Every command that takes a structure, a potential, species, a backend, temperatures, ``--set`` settings, an
output directory, MPI ranks or a LAMMPS executable declares it with the type from here, so ``deck -p`` and
``build -p`` cannot drift apart. Each type is ``Annotated[<python type>, typer.Option(...)]``; the default goes
in the command's signature. Comma-separated values stay strings on the command line and are split with
:func:`split_list`. Importing this module stays light (no numpy, pandas, ase) so ``sei-lmp --help`` is fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional, get_args

import typer

from sei_lmp.potentials.base import Backend

__all__ = ["AnalysisOutput", "BackendChoice", "DeckDir", "Elements", "Frames", "Jobs", "LmpPath", "NProcs",
           "OutputDir", "PotentialFile", "PotentialPath", "PotentialPaths", "Settings", "Species", "StructurePath",
           "Temperatures", "parse_pairs", "parse_settings", "parse_temperatures", "split_list"]

BACKENDS = get_args(Backend)


def split_list(text: Optional[str]) -> Optional[list[str]]:
    """``"Li, S"`` -> ``["Li", "S"]``; None or an empty string -> None."""
    return [t.strip() for t in text.split(",") if t.strip()] if text else None


def parse_temperatures(text: Optional[str]) -> Optional[list[float]]:
    """``"600, 700"`` -> ``[600.0, 700.0]`` (K); a value that is no positive number is refused by name."""
    values = []
    for item in split_list(text) or []:
        try:
            value = float(item)
        except ValueError:
            raise typer.BadParameter(f"--temperatures takes numbers in K separated by commas, got '{item}'") from None
        if not (value > 0 and value < float("inf")):
            raise typer.BadParameter(f"--temperatures must be positive and finite (K), got {item}")
        values.append(value)
    return values or None


def parse_pairs(text: Optional[str], what: str) -> dict[str, float]:
    """``"Li=1,P=5"`` -> ``{"Li": 1.0, "P": 5.0}``; ``what`` names the option in the message."""
    out = {}
    for item in split_list(text) or []:
        key, sep, value = item.partition("=")
        try:
            out[key.strip()] = float(value)
        except ValueError:
            sep = ""
        if not sep:
            raise typer.BadParameter(f"{what} expects KEY=NUMBER pairs separated by commas, got '{item}'")
    return out


def parse_settings(items: list[str]) -> dict[str, str]:
    """``--set`` values ``KEY=VALUE`` -> ``{KEY: VALUE}`` (values stay text; the protocol converts them)."""
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep:
            raise typer.BadParameter(f"--set expects KEY=VALUE, got '{item}'")
        out[key.strip()] = value.strip()
    return out


def _backend(value: str) -> str:
    if value not in BACKENDS:
        raise typer.BadParameter(f"'{value}' is not a backend; choose {', '.join(BACKENDS)}")
    return value


StructurePath = Annotated[Path, typer.Option(
    "--structure", "-s", help="structure: CIF/POSCAR/extxyz, or a LAMMPS data file; example:<file> for a shipped "
    "example (example:Li2S.cif, example:beta-Li3PS4.cif, example:Li_LiF.data)")]
PotentialPath = Annotated[Path, typer.Option(
    "--potential", "-p", help="potential file (.mtp, .almtp, .yace, .yaml, *.pt, .snapcoeff) or shipped:<file>")]
#: the same option where a command works without a potential
PotentialFile = Annotated[Optional[Path], typer.Option(
    "--potential", "-p", help="potential file (.mtp, .almtp, .yace, .yaml, *.pt, .snapcoeff) or shipped:<file>")]
#: the same option, repeatable
PotentialPaths = Annotated[list[Path], typer.Option(
    "--potential", "-p", help="potential file (.mtp, .almtp, .yace, .yaml, *.pt, .snapcoeff) or shipped:<file>; repeatable")]
Species = Annotated[Optional[str], typer.Option(
    "--species", help="element of each potential species in type order, comma-separated (MTP files lack them)")]
Elements = Annotated[Optional[str], typer.Option(
    "--elements", "-e", help="element of LAMMPS type 1, 2, ... comma-separated, for a LAMMPS data or dump file "
    "(default: the deck's manifest)")]
BackendChoice = Annotated[str, typer.Option(
    "--backend", "-b", parser=_backend, metavar="|".join(BACKENDS),
    help="plugin: the sei/* styles; lammps: upstream CPU styles; kokkos: upstream GPU styles")]
Temperatures = Annotated[Optional[str], typer.Option(
    "--temperatures", help="temperatures in K, comma-separated")]
Settings = Annotated[list[str], typer.Option(
    "--set", help="protocol setting KEY=VALUE, repeatable (e.g. temperature=600, md.timestep_fs=0.5)")]
OutputDir = Annotated[Path, typer.Option("--output", "-o", help="directory to write (created if missing)")]
#: analyses write next to what they read unless told otherwise
AnalysisOutput = Annotated[Optional[Path], typer.Option(
    "--output", "-o", help="directory for tables and figures (default: analysis/ next to the input)")]
Frames = Annotated[str, typer.Option(
    "--frames", help="frames to analyse: 'all', one index (-1 = last), or start:stop:step")]
DeckDir = Annotated[Path, typer.Argument(help="deck directory written by 'sei-lmp deck'")]
NProcs = Annotated[int, typer.Option("--np", min=1, help="MPI ranks (mpirun -np N)")]
Jobs = Annotated[Optional[int], typer.Option("--jobs", "-j", min=1, help="runs at a time (default: cores)")]
LmpPath = Annotated[Optional[str], typer.Option(
    "--lmp", help="LAMMPS executable, a command line such as 'lmp_kokkos' or 'srun -n 1 lmp'")]
