"""The sweep file: structures x potentials x protocol settings, with how to run them.

A sweep file is TOML or YAML with these keys (everything but ``protocol``, ``structures`` and
``potentials`` is optional)::

    name = "li_diffusion"
    protocol = "diffusion_nvt"          # any name in sei_lmp.decks.PROTOCOLS
    backend = "plugin"                  # plugin | lammps | kokkos

    [[structures]]                      # a path (CIF/POSCAR/extxyz/LAMMPS data) or "phase:<name>"
    name = "bcc"
    source = "phase:Li"
    lattice = {a = 3.44}                # phase lattice overrides
    supercell = [3, 3, 3]
    elements = ["Li"]                   # element per atom type, for LAMMPS data files

    [[potentials]]                      # a path, or "shipped:<glob>" for a potential shipped with sei_lmp
    name = "mtp"
    path = "shipped:Li_mtp_*.mtp"
    species = ["Li"]

    [settings]                          # protocol settings shared by every point
    production_ps = 50

    [grid]                              # cartesian product; "structure"/"potential" pick by name
    temperature_K = [600, 700, 800]
    seed = [1, 2]                       # alias of md.seed (older names are accepted: protocols.LEGACY_NAMES)

    # or an explicit list instead of [grid]:  [[points]]  temperature_K = 600  seed = 1

    [run]                               # how every run is launched
    nprocs = 1                          # MPI ranks per run
    lmp = "lmp"                         # executable checked at plan time and used to run
    mpirun = "mpirun"

    [slurm]                             # job-array options, see sei_lmp.sweep.executors.slurm
    partition = "gpu"

    [until]                             # rare events: lengthen production until every run has seen enough
    min_jumps = 20                      # jumps of `species` (sites from clustered time-averaged positions)
    species = "Li"
    add_ps = 50                         # production added per round ...
    max_rounds = 5                      # ... at most this many rounds ...
    budget_s = 36000                    # ... or until this much wall time is spent (local runs)

Relative paths are relative to the sweep file.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from os import PathLike
from pathlib import Path
from typing import Any

import tomllib

from sei_lmp.errors import ConfigurationError

TOP_KEYS = {"name", "protocol", "backend", "structures", "potentials", "settings", "grid", "points", "run", "slurm",
            "pair_style", "until"}
UNTIL_KEYS = {"min_jumps", "species", "add_ps", "max_rounds", "budget_s", "min_residence_ps"}
STRUCTURE_KEYS = {"name", "source", "lattice", "supercell", "elements"}
POTENTIAL_KEYS = {"name", "path", "species", "pair_style"}
RUN_KEYS = {"nprocs", "lmp", "mpirun", "gpus", "threads", "jobs"}
SLURM_KEYS = {"partition", "account", "time", "qos", "cpus_per_task", "mem", "gpus", "launcher", "srun_args",
              "mpirun", "modules", "venv", "setup", "sbatch", "max_parallel", "python", "job_name"}
#: grid keys that choose among the listed structures / potentials rather than set the protocol
SELECTORS = ("structure", "potential")


@dataclass(frozen=True)
class StructureSpec:
    name: str
    source: str                      # "phase:<name>" or an absolute path
    lattice: dict[str, float] = field(default_factory=dict)
    supercell: tuple[int, int, int] = (1, 1, 1)
    elements: tuple[str, ...] | None = None


@dataclass(frozen=True)
class PotentialSpec:
    name: str
    path: str                        # "shipped:<glob>" or an absolute path
    species: tuple[str, ...] | None = None
    pair_style: str | None = None


@dataclass(frozen=True)
class RunOptions:
    nprocs: int = 1
    lmp: str | None = None
    mpirun: str | None = None
    gpus: int | None = None          # Kokkos GPUs per run (default: one per rank)
    threads: int | None = None       # Kokkos CPU threads per rank, for a Kokkos built without a GPU (default 1)
    jobs: int | None = None          # local runs at a time (default: cores // nprocs)


@dataclass(frozen=True)
class SweepSpec:
    """A validated sweep file."""

    name: str
    protocol: str
    backend: str
    structures: tuple[StructureSpec, ...]
    potentials: tuple[PotentialSpec, ...]
    settings: dict[str, Any]
    points: tuple[dict[str, Any], ...]   # each: {"structure": name, "potential": name, setting: value, ...}
    run: RunOptions = field(default_factory=RunOptions)
    slurm: dict[str, Any] = field(default_factory=dict)
    source: str = ""
    until: dict[str, Any] = field(default_factory=dict)     # [until]: run until enough jumps (empty: off)

    def structure(self, name: str) -> StructureSpec:
        return next(s for s in self.structures if s.name == name)

    def potential(self, name: str) -> PotentialSpec:
        return next(p for p in self.potentials if p.name == name)

    @property
    def parameters(self) -> list[str]:
        """Protocol settings that vary between points, in the order they first appear."""
        keys: dict[str, None] = {}
        for point in self.points:
            keys.update({k: None for k in point if k not in SELECTORS})
        return list(keys)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SweepSpec:
        """Inverse of :meth:`to_dict` (a sweep directory's ``sweep.json``)."""
        return cls(name=data["name"], protocol=data["protocol"], backend=data["backend"],
                   structures=tuple(StructureSpec(**{**s, "supercell": tuple(s["supercell"]),
                                                     "elements": tuple(s["elements"]) if s["elements"] else None})
                                    for s in data["structures"]),
                   potentials=tuple(PotentialSpec(**{**p, "species": tuple(p["species"]) if p["species"] else None})
                                    for p in data["potentials"]),
                   settings=dict(data["settings"]), points=tuple(dict(p) for p in data["points"]),
                   run=RunOptions(**data["run"]), slurm=dict(data["slurm"]), source=data.get("source", ""),
                   until=dict(data.get("until", {})))


# ------------------------------------------------------------------------------------------------ reading

def read_sweep(path: str | PathLike) -> SweepSpec:
    """Read and validate a sweep file (``.toml``, ``.yaml`` or ``.yml``)."""
    path = Path(path)
    if not path.is_file():
        raise ConfigurationError(f"sweep file {path} does not exist")
    text = path.read_text()
    if path.suffix == ".toml":
        try:
            raw = tomllib.loads(text)
        except tomllib.TOMLDecodeError as err:
            raise ConfigurationError(f"{path} is not valid TOML: {err}") from err
    elif path.suffix in (".yaml", ".yml"):
        import yaml

        try:
            raw = yaml.safe_load(text)
        except yaml.YAMLError as err:
            raise ConfigurationError(f"{path} is not valid YAML: {err}") from err
    else:
        raise ConfigurationError(f"sweep file {path.name}: use a .toml, .yaml or .yml file")
    return parse_sweep(raw, base=path.resolve().parent, source=str(path.resolve()))


def parse_sweep(raw: Any, base: Path | None = None, source: str = "") -> SweepSpec:
    """Validate the contents of a sweep file; every error names the offending key."""
    from sei_lmp.decks.protocols import PROTOCOLS
    from sei_lmp.potentials.base import BACKENDS

    base = base or Path.cwd()
    if not isinstance(raw, Mapping):
        raise ConfigurationError("a sweep file must be a table/mapping at the top level")
    _unknown(raw, TOP_KEYS, "the sweep file")
    protocol = raw.get("protocol")
    if protocol not in PROTOCOLS:
        raise ConfigurationError(f"'protocol' must be one of {', '.join(sorted(PROTOCOLS))}, got {protocol!r}")
    backend = raw.get("backend", "plugin")
    if backend not in BACKENDS:
        raise ConfigurationError(f"'backend' must be one of {', '.join(BACKENDS)}, got {backend!r}")
    structures = tuple(_structure(s, k, base) for k, s in enumerate(_list(raw, "structures")))
    potentials = tuple(_potential(p, k, base, raw.get("pair_style")) for k, p in enumerate(_list(raw, "potentials")))
    for what, items in (("structures", structures), ("potentials", potentials)):
        names = [i.name for i in items]
        if len(set(names)) != len(names):
            raise ConfigurationError(f"'{what}' has duplicate names {names}; give each a distinct 'name'")

    default = PROTOCOLS[protocol]()
    settings = _settings(raw.get("settings", {}), "settings", default)
    if "grid" in raw and "points" in raw:
        raise ConfigurationError("give either [grid] (a cartesian product) or [[points]] (an explicit list), not both")
    selectors = {"structure": [s.name for s in structures], "potential": [p.name for p in potentials]}
    if "points" in raw:
        points = [_point(p, f"points[{k}]", default, selectors) for k, p in enumerate(_list(raw, "points"))]
    else:
        grid = raw.get("grid", {})
        if not isinstance(grid, Mapping):
            raise ConfigurationError("'grid' must be a table of setting = [values]")
        axes: dict[str, list[Any]] = {}
        for key, values in grid.items():
            if not isinstance(values, list) or not values:
                raise ConfigurationError(f"grid.{key} must be a non-empty list of values, got {values!r}")
            axes[default.canonical(key)] = values
        points = [_point(dict(zip(axes, combo)), "grid", default, selectors) for combo in itertools.product(*axes.values())]
    # a point that names no structure/potential runs on each of them
    expanded = []
    for point in points:
        for s in [point["structure"]] if "structure" in point else selectors["structure"]:
            for p in [point["potential"]] if "potential" in point else selectors["potential"]:
                expanded.append({"structure": s, "potential": p, **{k: v for k, v in point.items() if k not in SELECTORS}})
    for point in expanded:    # every point must make a valid protocol, before anything is written
        try:
            default.with_settings({**settings, **_without_selectors(point)}).validate()
        except ConfigurationError as err:
            raise ConfigurationError(f"sweep point {point}: {err}") from None
    return SweepSpec(name=str(raw.get("name", Path(source).stem if source else "sweep")), protocol=protocol,
                     backend=backend, structures=structures, potentials=potentials, settings=settings,
                     points=tuple(expanded), run=_run(raw.get("run", {})), slurm=_slurm(raw.get("slurm", {})),
                     source=source, until=_until(raw.get("until", {}), protocol))


def _without_selectors(point: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in point.items() if k not in SELECTORS}


def _unknown(table: Mapping, known: set[str], where: str) -> None:
    extra = sorted(set(table) - known)
    if extra:
        raise ConfigurationError(f"unknown key(s) {', '.join(map(repr, extra))} in {where}; known: {', '.join(sorted(known))}")


def _list(raw: Mapping, key: str) -> list:
    value = raw.get(key)
    if value is None:
        raise ConfigurationError(f"the sweep file needs '{key}' (a list of tables)")
    if isinstance(value, Mapping):
        value = [value]
    if not isinstance(value, list) or not value or not all(isinstance(v, Mapping) for v in value):
        raise ConfigurationError(f"'{key}' must be a non-empty list of tables, got {value!r}")
    return value


def _path(value: str, base: Path, where: str) -> str:
    path = Path(value).expanduser()
    path = path if path.is_absolute() else base / path
    if not path.is_file():
        raise ConfigurationError(f"{where}: file {path} does not exist")
    return str(path.resolve())


def _structure(raw: Mapping, k: int, base: Path) -> StructureSpec:
    where = f"structures[{k}]"
    _unknown(raw, STRUCTURE_KEYS, where)
    source = raw.get("source")
    if not isinstance(source, str) or not source:
        raise ConfigurationError(f"{where}.source must be a file path or 'phase:<name>'")
    if not source.startswith("phase:"):
        source = _path(source, base, f"{where}.source")
    supercell = raw.get("supercell", [1, 1, 1])
    if isinstance(supercell, int):
        supercell = [supercell] * 3
    if not (isinstance(supercell, list) and len(supercell) == 3 and all(isinstance(n, int) and n > 0 for n in supercell)):
        raise ConfigurationError(f"{where}.supercell must be three positive integers, got {supercell!r}")
    lattice = raw.get("lattice", {})
    if not isinstance(lattice, Mapping) or not all(isinstance(v, (int, float)) for v in lattice.values()):
        raise ConfigurationError(f"{where}.lattice must be a table like {{a = 3.44}}, got {lattice!r}")
    if lattice and not source.startswith("phase:"):
        raise ConfigurationError(f"{where}.lattice applies to 'phase:' structures only")
    elements = raw.get("elements")
    if elements is not None and not (isinstance(elements, list) and all(isinstance(e, str) for e in elements)):
        raise ConfigurationError(f"{where}.elements must be a list of element symbols, got {elements!r}")
    name = raw.get("name") or (source.split(":", 1)[1] if source.startswith("phase:") else Path(source).stem)
    return StructureSpec(_slug(str(name), f"{where}.name"), source, {k: float(v) for k, v in lattice.items()},
                         tuple(supercell), tuple(elements) if elements else None)


def _potential(raw: Mapping, k: int, base: Path, pair_style: str | None) -> PotentialSpec:
    where = f"potentials[{k}]"
    _unknown(raw, POTENTIAL_KEYS, where)
    path = raw.get("path")
    if not isinstance(path, str) or not path:
        raise ConfigurationError(f"{where}.path must be a potential file or 'shipped:<glob>'")
    if path.startswith("shipped:"):
        from sei_lmp.data import shipped_potential

        shipped_potential(path.split(":", 1)[1])     # fails now, naming the pattern, if nothing matches
    else:
        path = _path(path, base, f"{where}.path")
    species = raw.get("species")
    if species is not None and not (isinstance(species, list) and all(isinstance(e, str) for e in species)):
        raise ConfigurationError(f"{where}.species must be a list of element symbols, got {species!r}")
    name = raw.get("name") or Path(path.split(":", 1)[-1]).stem.replace("*", "")
    return PotentialSpec(_slug(str(name), f"{where}.name"), path, tuple(species) if species else None,
                         raw.get("pair_style", pair_style))


def _slug(name: str, where: str) -> str:
    if not name or not all(c.isalnum() or c in "-_." for c in name):
        raise ConfigurationError(f"{where} = {name!r}: use letters, digits, '-', '_' or '.' (it names directories)")
    return name


def _settings(raw: Any, where: str, default) -> dict[str, Any]:
    if not isinstance(raw, Mapping):
        raise ConfigurationError(f"'{where}' must be a table of setting = value")
    settings = {default.canonical(k): v for k, v in raw.items()}
    for key, value in settings.items():
        _check_setting(key, value, where, default)
    return settings


def _check_setting(key: str, value: Any, where: str, default) -> None:
    if isinstance(value, (list, dict)):
        raise ConfigurationError(f"{where}.{key} must be a single value, got {value!r}")
    try:
        default.with_settings({key: value})
    except ConfigurationError as err:
        raise ConfigurationError(f"{where}.{key}: {err}") from None


def _point(raw: Any, where: str, default, selectors: dict[str, list[str]]) -> dict[str, Any]:
    if not isinstance(raw, Mapping):
        raise ConfigurationError(f"{where} must be a table of setting = value")
    point = {default.canonical(k): v for k, v in raw.items()}
    for key, value in point.items():
        if key in SELECTORS:
            if value not in selectors[key]:
                raise ConfigurationError(f"{where}.{key} = {value!r} names no entry of '{key}s' "
                                         f"(known: {', '.join(selectors[key])})")
        else:
            _check_setting(key, value, where, default)
    return point


def _run(raw: Any) -> RunOptions:
    if not isinstance(raw, Mapping):
        raise ConfigurationError("'run' must be a table")
    _unknown(raw, RUN_KEYS, "[run]")
    for key in ("nprocs", "gpus", "threads", "jobs"):
        value = raw.get(key)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 1):
            raise ConfigurationError(f"run.{key} must be a positive integer, got {value!r}")
    for key in ("lmp", "mpirun"):
        if raw.get(key) is not None and not isinstance(raw[key], str):
            raise ConfigurationError(f"run.{key} must be a string (a command), got {raw[key]!r}")
    return RunOptions(**raw)


def _until(raw: Any, protocol: str) -> dict[str, Any]:
    """The [until] table: checked, with its defaults filled in (empty when absent)."""
    from sei_lmp.decks.protocols import PROTOCOLS

    if not isinstance(raw, Mapping):
        raise ConfigurationError("'until' must be a table")
    if not raw:
        return {}
    _unknown(raw, UNTIL_KEYS, "[until]")
    if PROTOCOLS[protocol].extend_setting is None:
        raise ConfigurationError(f"[until] lengthens production, and a {protocol} run has no stage to lengthen; "
                                 "remove [until]")
    out = {"min_jumps": raw.get("min_jumps"), "species": raw.get("species", "Li"), "add_ps": raw.get("add_ps"),
           "max_rounds": raw.get("max_rounds", 5), "budget_s": raw.get("budget_s"),
           "min_residence_ps": raw.get("min_residence_ps", 0.1)}
    for key in ("min_jumps", "max_rounds"):
        value = out[key]
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ConfigurationError(f"until.{key} must be a positive integer, got {value!r}")
    for key in ("add_ps", "budget_s", "min_residence_ps"):
        value = out[key]
        if key == "budget_s" and value is None:
            continue
        if not isinstance(value, (int, float)) or isinstance(value, bool) or not value > 0:
            raise ConfigurationError(f"until.{key} must be a positive number, got {value!r}"
                                     + (" (the production added per round, in ps)" if key == "add_ps" else ""))
    from ase.data import chemical_symbols

    if not isinstance(out["species"], str) or out["species"] not in chemical_symbols[1:]:
        raise ConfigurationError(f"until.species must be an element symbol (the species whose jumps are counted), "
                                 f"got {out['species']!r}")
    return out


def _slurm(raw: Any) -> dict[str, Any]:
    if not isinstance(raw, Mapping):
        raise ConfigurationError("'slurm' must be a table")
    _unknown(raw, SLURM_KEYS, "[slurm]")
    for key in ("modules", "setup", "sbatch", "srun_args"):
        if key in raw and not (isinstance(raw[key], list) and all(isinstance(v, str) for v in raw[key])):
            raise ConfigurationError(f"slurm.{key} must be a list of strings, got {raw[key]!r}")
    if raw.get("launcher", "srun") not in ("srun", "mpirun", "none"):
        raise ConfigurationError(f"slurm.launcher must be 'srun', 'mpirun' or 'none', got {raw['launcher']!r}")
    return json.loads(json.dumps(dict(raw)))     # plain JSON types, so it round-trips through sweep.json
