"""Sweep file -> one deck directory per point, and the table ``sweep.csv``/``sweep.parquet`` of them all.

Layout of a sweep directory::

    sweep.json             the validated sweep file (what run/status/collect read)
    sweep.csv, .parquet    one row per run: every parameter and the provenance
    runs/<run_id>/         a run directory (sei_lmp.run.RunDirectory): the deck, its manifest, its data
                           file and the point's parameters (+ outputs once run)

Planning again is safe: a run whose parameters are unchanged is kept as it is (finished outputs are
never touched); a run that has not started is rendered again; a started run whose parameters
changed is refused.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime, timezone
from os import PathLike
from pathlib import Path
from typing import Any

import pandas as pd

from sei_lmp.errors import ConfigurationError
from sei_lmp.run.directory import RunDirectory
from sei_lmp.sweep.provenance import probe, sha256
from sei_lmp.sweep.spec import SELECTORS, PotentialSpec, StructureSpec, SweepSpec

SWEEP_JSON = "sweep.json"
TABLE = "sweep"
RUNS_DIR = "runs"
DATA_SUFFIXES = (".data", ".lmp", ".lammps-data", ".lammps")
#: short names of common settings in run directory names
SHORT = {"temperature_K": "T", "md.seed": "seed", "md.timestep_fs": "dt", "pressure_bar": "P"}


def resolve_structure(spec: StructureSpec):
    """The structure of ``spec``: an ``ase.Atoms``, or the path of a LAMMPS data file."""
    if spec.source.startswith("phase:"):
        # the phase library belongs to sei_lmp.structures; imported only when a sweep names a phase
        from sei_lmp.structures import phase

        atoms = phase(spec.source.split(":", 1)[1], **spec.lattice)
    elif spec.source.endswith(DATA_SUFFIXES):
        if spec.supercell != (1, 1, 1):
            raise ConfigurationError(f"structure '{spec.name}': supercell applies to phases and CIF/POSCAR/extxyz "
                                     "files, not to LAMMPS data files; replicate the data file instead")
        return Path(spec.source)
    else:
        from sei_lmp.io.structure import read_structure

        try:
            atoms = read_structure(spec.source)
        except ConfigurationError as err:   # the same refusals as 'sei-lmp build' (partial occupancies, ...)
            raise ConfigurationError(f"structure '{spec.name}': {err}") from err
    return atoms.repeat(spec.supercell) if spec.supercell != (1, 1, 1) else atoms


def resolve_potential(spec: PotentialSpec):
    from sei_lmp.potentials import load_potential

    path = spec.path
    if path.startswith("shipped:"):
        from sei_lmp.data import shipped_potential

        path = shipped_potential(path.split(":", 1)[1])
    return load_potential(path, species=list(spec.species) if spec.species else None)


def _format(value: Any) -> str:
    text = f"{value:g}" if isinstance(value, float) else str(value)
    return "".join(c if c.isalnum() or c in "-." else "-" for c in text)


def run_id(point: Mapping[str, Any]) -> str:
    """Directory name of a point, readable and fixed by its parameters (``bcc__mtp__T600__seed1``)."""
    parts = [point["structure"], point["potential"]]
    parts += [f"{SHORT.get(k, k.replace('.', '-') + '=')}{_format(v)}" for k, v in point.items() if k not in SELECTORS]
    return "__".join(parts)


def check_until_species(until: Mapping[str, Any], elements: Mapping[str, Any], what: str = "structure") -> None:
    """Refuse an [until] species that one of ``elements`` (name -> its elements) lacks: every extension round
    would be wasted."""
    wanted = until["species"]
    for name, present in elements.items():
        if wanted not in present:
            raise ConfigurationError(f"until.species = '{wanted}', but {what} '{name}' has no {wanted} "
                                     f"(elements {sorted(present)}); set until.species to the species whose "
                                     "jumps decide when a run is long enough")


def _structure_elements(spec: SweepSpec, structures: dict) -> dict[str, set[str]]:
    """The elements of each structure that names them (data files whose types are matched by mass later
    are left out; the runner checks their runs)."""
    from sei_lmp.io.datafile import data_file_elements

    out = {}
    for sspec in spec.structures:
        structure = structures[sspec.name]
        if hasattr(structure, "get_chemical_symbols"):
            out[sspec.name] = set(structure.get_chemical_symbols())
        elif named := (sspec.elements or data_file_elements(structure)):
            out[sspec.name] = set(named)
    return out


def plan_sweep(spec: SweepSpec, output: str | PathLike, *, progress: bool = True) -> pd.DataFrame:
    """Render every point of ``spec`` into ``output/runs/<run_id>`` and write the sweep table.

    Returns the table (one row per run). Raises :class:`ConfigurationError` before writing anything
    the sweep would refuse (bad structure, potential, or a deck the target LAMMPS cannot run).
    """
    from rich.progress import track

    from sei_lmp import __version__
    from sei_lmp.decks import PROTOCOLS, render_deck
    from sei_lmp.potentials import kokkos_switches_for

    output = Path(output).resolve()
    lammps_version, capabilities = probe(spec.run.lmp)
    potentials = {p.name: (p, resolve_potential(p)) for p in spec.potentials}
    checksums = {name: sha256(pot.path) for name, (_, pot) in potentials.items()}
    structures = {s.name: resolve_structure(s) for s in spec.structures}
    if spec.until:
        check_until_species(spec.until, _structure_elements(spec, structures))
    ids = [run_id(p) for p in spec.points]
    if len(set(ids)) != len(ids):
        raise ConfigurationError("two sweep points give the same run directory; the grid repeats a value")

    (output / RUNS_DIR).mkdir(parents=True, exist_ok=True)
    planned = datetime.now(timezone.utc).isoformat(timespec="seconds")
    rows = []
    for point, rid in track(list(zip(spec.points, ids)), description="planning", disable=not progress):
        settings = {**spec.settings, **{k: v for k, v in point.items() if k not in SELECTORS}}
        protocol = PROTOCOLS[spec.protocol]().with_settings(settings)
        pspec, potential = potentials[point["potential"]]
        sspec = spec.structure(point["structure"])
        structure = structures[sspec.name]
        directory = output / RUNS_DIR / rid
        run = RunDirectory(directory)
        metadata = {
            "run_id": rid, "sweep": spec.name, "point": point, "settings": settings, "protocol": spec.protocol,
            "backend": spec.backend,
            "structure": {"name": sspec.name, "source": sspec.source, "supercell": list(sspec.supercell),
                          "lattice": sspec.lattice},
            "potential": {"name": pspec.name, "path": str(potential.path), "sha256": checksums[pspec.name],
                          "species": list(potential.species)},
        }
        if not _needs_render(run, metadata):
            rows.append(_row(json.loads(run.sweep_point.read_text()), directory, output))
            continue
        directory.mkdir(parents=True, exist_ok=True)
        deck = render_deck(protocol, structure, potential, spec.backend,
                           type_elements=sspec.elements, capabilities=capabilities,
                           pair_style=pspec.pair_style, workdir=directory)
        deck.write(directory)
        manifest = run.read_manifest()
        if spec.backend == "kokkos":   # one GPU per rank unless the sweep says otherwise; CPU threads without a GPU
            switches = kokkos_switches_for(capabilities, gpus=spec.run.gpus or spec.run.nprocs,
                                           threads=spec.run.threads)
            manifest = run.write_manifest(manifest.replace(switches=list(switches)))
        natoms, formula = _composition(structure, list(manifest.elements), run)
        metadata.update({
            "structure": {**metadata["structure"], "natoms": natoms, "formula": formula},
            "pair_style": manifest.pair_style, "total_steps": manifest.total_steps,
            "switches": list(manifest.switches), "sei_lmp_version": __version__,
            "lammps_version": lammps_version, "planned": planned,
        })
        run.sweep_point.write_text(json.dumps(metadata, indent=2) + "\n")
        rows.append(_row(metadata, directory, output))

    table = pd.DataFrame(rows)
    (output / SWEEP_JSON).write_text(json.dumps(spec.to_dict(), indent=2) + "\n")
    write_table(table, output)
    return table


def _composition(structure, elements: list[str], run: RunDirectory) -> tuple[int, str]:
    """Atom count and formula, also for a LAMMPS data file (read back from the deck's copy)."""
    if isinstance(structure, Path):
        from sei_lmp.io.datafile import read_lammps_data

        structure = read_lammps_data(run.data_file, elements)
    return len(structure), structure.get_chemical_formula()


def _needs_render(run: RunDirectory, metadata: dict[str, Any]) -> bool:
    marker = run.sweep_point
    if not marker.is_file():
        return True
    old = json.loads(marker.read_text())
    spec_keys = ("name", "source", "supercell", "lattice")
    same = all(old.get(k) == metadata[k] for k in ("point", "settings", "protocol", "backend", "potential")) and \
        all(old.get("structure", {}).get(k) == metadata["structure"][k] for k in spec_keys)
    if same:
        return False
    if run.has_started():
        raise ConfigurationError(f"{run.path} has run already with other parameters (the sweep file changed); "
                                 "remove that directory or write the sweep to another output")
    return True


def _row(meta: dict[str, Any], directory: Path, output: Path) -> dict[str, Any]:
    structure, potential = meta["structure"], meta["potential"]
    return {
        "run_id": meta["run_id"], "directory": directory.relative_to(output).as_posix(),
        "protocol": meta["protocol"], "backend": meta["backend"],
        "structure": structure["name"], "structure_source": structure["source"], "natoms": structure.get("natoms"),
        "formula": structure.get("formula"), "potential": potential["name"], "potential_path": potential["path"],
        "potential_sha256": potential["sha256"], "pair_style": meta.get("pair_style"),
        "total_steps": meta.get("total_steps"),
        **meta["settings"],
        "sei_lmp_version": meta.get("sei_lmp_version"), "lammps_version": meta.get("lammps_version"),
        "planned": meta.get("planned"),
    }


def write_table(table: pd.DataFrame, output: Path) -> None:
    table.to_csv(output / f"{TABLE}.csv", index=False)
    table.to_parquet(output / f"{TABLE}.parquet", index=False)


def load_sweep(directory: str | PathLike) -> tuple[SweepSpec, pd.DataFrame]:
    """The spec and run table of a planned sweep directory."""
    directory = Path(directory)
    if not (directory / SWEEP_JSON).is_file():
        raise ConfigurationError(f"{directory} is not a planned sweep ({SWEEP_JSON} missing); "
                                 "run 'sei-lmp sweep plan SWEEP_FILE -o DIR' first")
    spec = SweepSpec.from_dict(json.loads((directory / SWEEP_JSON).read_text()))
    table = pd.read_parquet(directory / f"{TABLE}.parquet") if (directory / f"{TABLE}.parquet").is_file() \
        else pd.read_csv(directory / f"{TABLE}.csv")
    return spec, table
