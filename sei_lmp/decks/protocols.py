"""Protocols as plain frozen dataclasses; defaults follow common practice in MLIP papers (1 fs, Nose-Hoover
damping of 100 time steps, barostat damping of 1000 time steps).

A protocol class is the one place a protocol is registered: subclassing :class:`Protocol` with a ``name``
puts it into :data:`PROTOCOLS`, and its class attributes say everything the rest of the package asks about
it: the template it renders, the LAMMPS styles the template needs besides the pair style, the analysis of
one run, how a sweep groups runs for a fit, and the plot of collected results. Analyses and plots are
``"module:function"`` strings, imported only when used (:func:`resolve`), so the decks never import the
analysis. Adding a protocol = one template + one class + its analysis.

Field names carry their units (``temperature_K``, ``timestep_fs``, ``production_ps``); the names without
units that older decks and sweep files used are still accepted (:data:`LEGACY_NAMES`).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any, ClassVar, Literal

from sei_lmp.errors import ConfigurationError
from sei_lmp.potentials.grades import MAXVOL

#: setting names of earlier versions (and short spellings) -> the names with units
LEGACY_NAMES = {
    "temperature": "temperature_K", "t_start": "t_start_K", "t_melt": "t_melt_K", "t_final": "t_final_K",
    "quench_rate_k_per_ps": "quench_rate_K_per_ps", "frozen_bottom": "frozen_bottom_A",
    "md.neighbor_skin": "md.neighbor_skin_A", "guards.max_temperature": "guards.max_temperature_K",
    "guards.min_distance": "guards.min_distance_A", "seed": "md.seed", "timestep_fs": "md.timestep_fs",
}
#: styles the shared partials (watchdog, extrapolation guard, set-up) use in every deck
COMMON_STYLES: Mapping[str, tuple[str, ...]] = {"fix": ("halt",), "compute": ("coord/atom", "reduce")}


@dataclass(frozen=True)
class MDSettings:
    """Integration and output settings shared by every protocol."""

    timestep_fs: float = 1.0
    tdamp_steps: int = 100            # Nose-Hoover thermostat damping, in time steps
    pdamp_steps: int = 1000           # barostat damping, in time steps
    thermo_every: int = 100
    restart_every: int = 1000
    keep_restarts: int = 2            # restart files kept once the run is done (newest first); 0: all
    neighbor_skin_A: float = 2.0
    seed: int = 4928459

    @property
    def timestep_ps(self) -> float:
        return self.timestep_fs / 1000.0

    @property
    def tdamp_ps(self) -> float:
        return self.tdamp_steps * self.timestep_ps

    @property
    def pdamp_ps(self) -> float:
        return self.pdamp_steps * self.timestep_ps

    def steps(self, picoseconds: float) -> int:
        """Whole number of time steps in ``picoseconds``, rounded to the thermo interval."""
        n = round(picoseconds / self.timestep_ps)
        return max(self.thermo_every, self.thermo_every * round(n / self.thermo_every))

    def sample_steps(self, picoseconds: float) -> int:
        """Sampling interval (dumps, on-the-fly averages) in steps: a multiple of the thermo interval, or below it
        the largest divisor of it not above the request, so every restart step (a thermo multiple) is also a
        sampling step and a resumed run neither repeats nor skips a frame. 0.02 ps at 2 fs: 10 steps, not 100."""
        n = round(picoseconds / self.timestep_ps)
        if n >= self.thermo_every or n < 1:
            return self.steps(picoseconds)
        return max(d for d in range(1, n + 1) if self.thermo_every % d == 0)


@dataclass(frozen=True)
class Guards:
    """Extrapolation guard (potentials with gamma) and stability watchdog."""

    gamma: bool = True                # use the extrapolation grade when the potential has one
    gamma_every: int = 10
    # keep frames whose max gamma exceeds gamma_save, stop above gamma_break (sei_lmp.potentials.grades: the
    # active-learning selection reads the same numbers)
    gamma_save: float = MAXVOL.save
    gamma_break: float = MAXVOL.stop
    max_temperature_K: float = 10000.0
    min_distance_A: float = 0.6       # closer atoms mean the potential has collapsed
    # the cell may grow or shrink by this fraction of the structure's volume (a melt expands ~10-20 %; a
    # potential that lets the cell explode or collapse does far more); energy and pressure must stay finite
    max_volume_change: float = 0.5
    check_every: int = 100


def resolve(target: str, what: str = "analysis") -> Callable:
    """Import ``"package.module:function"`` (``what`` it is, for the message); a clear error if either is missing."""
    module_name, _, name = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as err:
        raise ConfigurationError(f"{what} module {module_name} is not available ({err}); install or update "
                                 f"sei_lmp, or fix the protocol entry '{target}'") from err
    function = getattr(module, name, None)
    if not callable(function):
        raise ConfigurationError(f"{module_name} has no function '{name}'; update sei_lmp or fix the protocol entry "
                                 f"'{target}'")
    return function


#: every protocol by name; filled by subclassing :class:`Protocol` (see the module docstring)
PROTOCOLS: dict[str, type[Protocol]] = {}


@dataclass(frozen=True)
class Protocol:
    """Base of every protocol. Subclasses set ``name`` and the class attributes below."""

    #: the protocol's name (``sei-lmp deck NAME``); a subclass with a name is registered in PROTOCOLS
    name: ClassVar[str] = ""
    #: fix / compute styles its template needs besides the pair style and :data:`COMMON_STYLES`
    styles: ClassVar[Mapping[str, tuple[str, ...]]] = {}
    #: ``"module:function"``: analysis of one finished run directory -> rows (DataFrame)
    analysis: ClassVar[str | None] = None
    #: ``"module:function"``: fit over the rows of one group of a sweep (e.g. Arrhenius over temperatures)
    group_fit: ClassVar[str | None] = None
    #: settings a group fit runs over (they vary inside a group); every other parameter splits groups
    fit_over: ClassVar[tuple[str, ...]] = ()
    #: result columns that split groups further (one fit per species)
    fit_by: ClassVar[tuple[str, ...]] = ()
    #: ``"module:function(results, fits, out) -> list[Path]"``: plots of a sweep's collected results
    plot: ClassVar[str | None] = None
    #: the setting of the last stage, which a finished run can lengthen and continue (sweep.extend); None: none
    extend_setting: ClassVar[str | None] = None

    md: MDSettings = field(default_factory=MDSettings)
    guards: Guards = field(default_factory=Guards)
    minimize: bool = True             # relax the structure before MD on a fresh start
    minimize_etol: float = 0.0
    minimize_ftol: float = 1e-3

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.name:
            PROTOCOLS[cls.name] = cls

    @classmethod
    def template(cls) -> str:
        """The Jinja template in ``lammps_inputs/`` this protocol renders."""
        return f"{cls.name}.lmp.j2"

    @classmethod
    def required_styles(cls) -> dict[str, tuple[str, ...]]:
        """Every fix / compute style a deck of this protocol uses besides the pair style."""
        return {cat: tuple(dict.fromkeys((*COMMON_STYLES.get(cat, ()), *cls.styles.get(cat, ()))))
                for cat in sorted({*COMMON_STYLES, *cls.styles})}

    @classmethod
    def summary(cls) -> str:
        """First line of the class docstring (CLI help)."""
        return (cls.__doc__ or cls.name).strip().splitlines()[0]

    @staticmethod
    def canonical(key: str) -> str:
        """The current name of a setting (``temperature`` -> ``temperature_K``, ``seed`` -> ``md.seed``)."""
        return LEGACY_NAMES.get(key, key)

    def stage_steps(self) -> dict[str, int]:
        """Cumulative end step of each stage, and 'total'."""
        raise NotImplementedError

    def partitions(self) -> int:
        """LAMMPS partitions (replicas) the deck runs on: ``-partition Nx1``; 1 for ordinary MD."""
        return 1

    def damped_minimizers(self) -> tuple[str, ...]:
        """min styles the deck's band or dynamics needs (beyond ``cg``, which every build has in every flavour)."""
        return ()

    def extra_files(self, structure, elements) -> dict[str, str]:
        """Files besides the data file that the deck reads, by name (``structure``: the ``ase.Atoms`` given to
        the renderer, None for a data file)."""
        return {}

    def template_context(self) -> dict[str, Any]:
        """What the template needs besides the protocol itself: dump and sampling intervals in steps."""
        return {"dump_every": self.md.sample_steps(getattr(self, "dump_every_ps", 0.0)),
                "sample_every": getattr(self, "sample_every", self.md.thermo_every)}

    def with_settings(self, settings: dict[str, Any]) -> Protocol:
        """Copy with overrides; keys like 'temperature_K', 'md.timestep_fs' or 'guards.gamma_break'
        (string values are converted to the field's type; the names of :data:`LEGACY_NAMES` are accepted)."""
        changes: dict[str, dict[str, Any]] = {"": {}, "md": {}, "guards": {}}
        for key, value in settings.items():
            key = self.canonical(key)
            prefix, _, name = key.rpartition(".")
            owner = self if prefix == "" else getattr(self, prefix, None) if prefix in changes else None
            known = {f.name for f in fields(owner)} - {"md", "guards"} if owner is not None else set()
            if name not in known:
                everything = ", ".join(self.setting_names())
                raise ConfigurationError(f"unknown setting '{key}' for {self.name}; known: {everything}"
                                         if owner is not None else
                                         f"unknown setting group in '{key}' (md., guards.); known: {everything}")
            changes[prefix][name] = _coerce(value, getattr(owner, name), key)
        return replace(self, md=replace(self.md, **changes["md"]), guards=replace(self.guards, **changes["guards"]),
                       **changes[""])

    def validate(self) -> None:
        """Refuse settings outside their range, each message naming the setting (see :func:`setting_problems`)."""
        problems = setting_problems(self)
        if problems:
            raise ConfigurationError(f"{self.name}: " + "; ".join(problems))

    def rounded_durations(self) -> list[str]:
        """Stage lengths that run other than asked (stages are whole thermo intervals), one sentence each."""
        out = []
        for name in _DURATIONS:
            asked = getattr(self, name, None)
            if asked is None:
                continue
            ran = self.md.steps(asked) * self.md.timestep_ps
            if abs(ran - asked) > 1e-6 * max(asked, 1e-9) and asked > 0:
                out.append(f"{name} = {asked:g} ps is rounded to {ran:g} ps (stages are whole thermo intervals: "
                           f"md.thermo_every x md.timestep_fs = {self.md.thermo_every * self.md.timestep_ps:g} ps)")
        return out

    def setting_names(self) -> list[str]:
        """Every setting this protocol takes, by the names ``--set`` and sweep files use."""
        top = sorted(f.name for f in fields(self) if f.name not in ("md", "guards"))
        return top + [f"{group}.{f.name}" for group in ("md", "guards") for f in fields(getattr(self, group))]

    def changed_settings(self) -> dict[str, Any]:
        """The settings that differ from the protocol's defaults, by the names ``--set`` and sweep files take
        (``md.seed``): a protocol object as the settings of a sweep point."""
        default = type(self)()
        changed = {}
        for f in fields(self):
            value, base = getattr(self, f.name), getattr(default, f.name)
            if f.name in ("md", "guards"):
                changed.update({f"{f.name}.{g.name}": getattr(value, g.name) for g in fields(value)
                                if getattr(value, g.name) != getattr(base, g.name)})
            elif value != base:
                changed[f.name] = value
        return changed

    def as_dict(self) -> dict[str, Any]:
        return {"protocol": self.name, **asdict(self)}


def _coerce(value: Any, current: Any, key: str) -> Any:
    if not isinstance(value, str):
        return value
    try:
        if isinstance(current, bool):
            if value.lower() not in ("true", "false", "yes", "no", "1", "0"):
                raise ValueError(value)
            return value.lower() in ("true", "yes", "1")
        return type(current)(value) if current is not None else value
    except ValueError as err:
        raise ConfigurationError(f"setting {key}={value!r}: expected {type(current).__name__}") from err


#: stage lengths: each must hold at least one thermo interval (shorter ones used to be rounded up silently)
_DURATIONS = ("heat_ps", "hold_ps", "anneal_ps", "equilibrate_ps", "production_ps", "run_ps")
#: settings whose range their unit does not tell
_EXPLICIT_RANGES = {"seed": (1, 2**31 - 1), "climb_steps": (0, None), "keep_restarts": (0, None), "gamma_save": (0, None),
                    "minimize_etol": (0, None), "minimize_ftol": (0, None), "etol": (0, None),
                    "frozen_bottom_A": (0, None), "max_volume_change": (0.01, 10.0)}


def _allowed(name: str) -> tuple[float | None, float | None, bool]:
    """(low, high, low is exclusive) of a numeric setting, from its name: names carry their units."""
    if name in _EXPLICIT_RANGES:
        low, high = _EXPLICIT_RANGES[name]
        return low, high, False
    if name.endswith("_fs"):
        return 0, 5, True                         # time step: above 5 fs no MLIP MD stays stable
    if name.endswith(("_every", "_steps")):
        return 1, None, False                     # intervals and damping in steps
    if name.endswith(("_K", "_ps", "_per_ps", "_A", "_eV_A", "_eV_A2")) or name.startswith("gamma_"):
        return 0, None, True                      # temperatures, times, rates, lengths, forces, grades: positive
    if name.endswith("_bar"):
        return 0, None, False                     # pressures: tensile states are not a deck's business
    return None, None, False


def setting_problems(protocol: Protocol) -> list[str]:
    """Every setting of ``protocol`` outside its range, as messages that name the setting and what it takes."""
    import math
    import typing

    problems = []
    for group, owner in (("", protocol), ("md.", protocol.md), ("guards.", protocol.guards)):
        hints = typing.get_type_hints(type(owner))
        for f in fields(owner):
            if f.name in ("md", "guards"):
                continue
            key, value, kind = f"{group}{f.name}", getattr(owner, f.name), hints.get(f.name)
            if typing.get_origin(kind) is Literal:
                if value not in typing.get_args(kind):
                    problems.append(f"{key} = {value!r} is not one of {', '.join(map(str, typing.get_args(kind)))}")
                continue
            if kind is bool:
                if not isinstance(value, bool):
                    problems.append(f"{key} = {value!r}: expected true or false")
                continue
            if kind in (int, float):
                if isinstance(value, bool) or not isinstance(value, (int, float)) or \
                        (kind is int and not float(value).is_integer()):
                    problems.append(f"{key} = {value!r}: expected {'a whole number' if kind is int else 'a number'}")
                    continue
                if not math.isfinite(value):
                    problems.append(f"{key} = {value!r}: expected a finite number")
                    continue
                low, high, exclusive = _allowed(f.name)
                below = low is not None and (value <= low if exclusive else value < low)
                if low is not None and high is not None and (below or value > high):
                    unit = f" {f.name.rpartition('_')[2]}" if f.name.endswith(("_fs", "_K", "_ps")) else ""
                    problems.append(f"{key} = {value!r} is outside {'(' if exclusive else '['}{low}, {high}]{unit}")
                elif below:
                    problems.append(f"{key} = {value!r} must be {'>' if exclusive else '>='} {low}")
                elif high is not None and value > high:
                    problems.append(f"{key} = {value!r} must be <= {high}")
    if problems:
        return problems                           # the checks below divide by these
    md, g = protocol.md, protocol.guards
    if md.thermo_every % g.gamma_every:
        problems.append(f"md.thermo_every ({md.thermo_every}) must be a multiple of guards.gamma_every "
                        f"({g.gamma_every}) so thermo can print the extrapolation grade")
    if g.gamma_break <= g.gamma_save:
        problems.append(f"guards.gamma_break ({g.gamma_break:g}) must be above guards.gamma_save ({g.gamma_save:g})")
    interval_ps = md.thermo_every * md.timestep_ps
    for name in _DURATIONS:
        value = getattr(protocol, name, None)
        if value is not None and value < interval_ps * (1 - 1e-9):
            problems.append(f"{name} = {value:g} ps is shorter than one thermo interval ({interval_ps:g} ps = "
                            "md.thermo_every x md.timestep_fs); make it longer or md.thermo_every smaller")
    last = next((n for n in ("production_ps", "run_ps") if hasattr(protocol, n)), None)
    dump = getattr(protocol, "dump_every_ps", None)
    if last and dump is not None and dump > getattr(protocol, last):
        problems.append(f"dump_every_ps = {dump:g} ps is longer than {last} = {getattr(protocol, last):g} ps: the run "
                        "would write no frame")
    if dump is not None and dump < md.timestep_ps * (1 - 1e-9):
        problems.append(f"dump_every_ps = {dump:g} ps is shorter than one time step ({md.timestep_ps:g} ps): "
                        "frames come at most once per step; give a multiple of md.timestep_fs")
    targets = {n: getattr(protocol, n) for n in ("temperature_K", "t_start_K", "t_melt_K", "t_final_K")
               if hasattr(protocol, n)}
    if targets and g.max_temperature_K <= max(targets.values()):
        hottest = max(targets, key=targets.get)
        problems.append(f"guards.max_temperature_K = {g.max_temperature_K:g} is not above {hottest} = "
                        f"{targets[hottest]:g}: the watchdog would stop the run as soon as it reaches its own "
                        "target; raise the ceiling (it catches blow-ups, default 10000 K)")
    if "t_melt_K" in targets and targets["t_melt_K"] <= max(targets.get("t_start_K", 0), targets.get("t_final_K", 0)):
        problems.append(f"t_melt_K = {targets['t_melt_K']:g} is not above t_start_K / t_final_K "
                        f"({targets.get('t_start_K', 0):g} / {targets.get('t_final_K', 0):g}): a melt-quench heats "
                        "to the melt and quenches down from it")
    return problems


@dataclass(frozen=True)
class MeltQuench(Protocol):
    """Minimise, heat to t_melt_K, hold, quench at quench_rate_K_per_ps to t_final_K, anneal, NPT equilibrate."""

    name: ClassVar[str] = "melt_quench"
    styles: ClassVar[Mapping[str, tuple[str, ...]]] = {"fix": ("nvt", "npt", "ave/time")}
    analysis: ClassVar[str | None] = "sei_lmp.analysis.structure:analyze_melt_quench"
    extend_setting: ClassVar[str | None] = "equilibrate_ps"
    t_start_K: float = 300.0
    t_melt_K: float = 2000.0
    t_final_K: float = 300.0
    heat_ps: float = 10.0
    hold_ps: float = 20.0
    quench_rate_K_per_ps: float = 10.0
    anneal_ps: float = 10.0
    equilibrate_ps: float = 20.0
    pressure_bar: float = 1.0
    barostat: Literal["iso", "aniso", "tri"] = "iso"
    melt_npt: bool = False            # NVT melt keeps the liquid from expanding without bound
    sample_every: int = 100

    def stage_steps(self) -> dict[str, int]:
        s = self.md.steps
        heat = s(self.heat_ps)
        hold = heat + s(self.hold_ps)
        quench = hold + s(abs(self.t_melt_K - self.t_final_K) / self.quench_rate_K_per_ps)
        anneal = quench + s(self.anneal_ps)
        return {"heat": heat, "hold": hold, "quench": quench, "anneal": anneal, "total": anneal + s(self.equilibrate_ps)}


@dataclass(frozen=True)
class InterfaceNPT(Protocol):
    """NPT interface reaction run with sparse dumps; barostat on the normal (z) only or anisotropic."""

    name: ClassVar[str] = "interface_npt"
    styles: ClassVar[Mapping[str, tuple[str, ...]]] = {"fix": ("npt", "setforce")}
    analysis: ClassVar[str | None] = "sei_lmp.analysis.interphase:analyze_interface_run"
    extend_setting: ClassVar[str | None] = "run_ps"
    temperature_K: float = 300.0
    pressure_bar: float = 1.0
    barostat: Literal["z", "aniso", "iso"] = "z"
    frozen_bottom_A: float = 0.0      # bottom layers held fixed
    run_ps: float = 1000.0
    dump_every_ps: float = 1.0
    unwrapped: bool = False

    def stage_steps(self) -> dict[str, int]:
        return {"total": self.md.steps(self.run_ps)}


@dataclass(frozen=True)
class DiffusionNVT(Protocol):
    """NPT (or fixed-density NVT) equilibration at one temperature, then NVT production."""

    name: ClassVar[str] = "diffusion_nvt"
    styles: ClassVar[Mapping[str, tuple[str, ...]]] = {"fix": ("nvt", "npt", "ave/time"), "compute": ("msd",)}
    analysis: ClassVar[str | None] = "sei_lmp.analysis.transport:analyze_run"
    group_fit: ClassVar[str | None] = "sei_lmp.analysis.transport:arrhenius"
    fit_over: ClassVar[tuple[str, ...]] = ("temperature_K", "md.seed")
    fit_by: ClassVar[tuple[str, ...]] = ("species",)
    plot: ClassVar[str | None] = "sei_lmp.sweep.plots:arrhenius_plot"
    extend_setting: ClassVar[str | None] = "production_ps"
    temperature_K: float = 600.0
    pressure_bar: float = 1.0
    equilibrate_npt: bool = True
    equilibrate_ps: float = 20.0
    production_ps: float = 200.0
    dump_every_ps: float = 0.1

    def stage_steps(self) -> dict[str, int]:
        eq = self.md.steps(self.equilibrate_ps)
        return {"equilibrate": eq, "total": eq + self.md.steps(self.production_ps)}



@dataclass(frozen=True)
class NEB(Protocol):
    """Nudged elastic band between relaxed end points (a hop built by sei_lmp.structures), climbing image."""

    name: ClassVar[str] = "neb"
    styles: ClassVar[Mapping[str, tuple[str, ...]]] = {"fix": ("neb",)}
    analysis: ClassVar[str | None] = "sei_lmp.analysis.neb:analyze_neb"
    images: int = 7                   # replicas, end points included: one LAMMPS partition each
    spring_eV_A2: float = 1.0         # inter-replica spring
    etol: float = 0.0                 # energy tolerance (0: converge on forces only)
    ftol_eV_A: float = 0.01           # largest force on any replica at convergence
    steps: int = 3000                 # plain NEB steps at most
    climb_steps: int = 3000           # climbing-image steps at most (0: no climbing image)
    print_every: int = 50
    min_style: Literal["fire", "quickmin"] = "fire"
    # spring along the band from the neighbours' distances (Henkelman): with 'ideal' a 7-replica band of the
    # collinear interstitialcy in LiF (shipped MTP) let replicas slide into minima and climbed a metastable state
    parallel: Literal["ideal", "neigh", "equal"] = "neigh"
    minimize: bool = False            # the end points arrive relaxed; the band itself is the minimisation

    def stage_steps(self) -> dict[str, int]:
        # a minimisation, not MD: it ends when the band converges, so no step count marks it finished
        return {"neb": self.steps, "climb": self.steps + self.climb_steps, "total": 0}

    def partitions(self) -> int:
        return self.images

    def damped_minimizers(self) -> tuple[str, ...]:
        return (self.min_style,)

    def validate(self) -> None:
        super().validate()
        if self.images < 3:
            raise ConfigurationError(f"images = {self.images}: an elastic band needs at least 3 (two end points and "
                                     "one between)")

    def extra_files(self, structure, elements) -> dict[str, str]:
        """The final coordinates of the hop (``structure.arrays['neb_final']``) in LAMMPS' NEB 'final' format,
        in the frame of the data file (the writer may rotate a skewed cell)."""
        import tempfile
        from pathlib import Path

        from sei_lmp.io.datafile import read_lammps_data
        from sei_lmp.structures.datafile import write_lammps_data
        from sei_lmp.structures.migration import final_state

        if structure is None or not hasattr(structure, "arrays"):
            raise ConfigurationError("the neb protocol needs a hop (an ase.Atoms with the final positions in "
                                     "arrays['neb_final'], from sei_lmp.structures.vacancy_hop / hop, or an extxyz "
                                     "file of one), not a LAMMPS data file")
        final = final_state(structure)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "hop_final_state.lmp"
            write_lammps_data(final, path, list(elements))
            positions = read_lammps_data(path, list(elements)).positions
        lines = [str(len(positions))] + [f"{i} {x!r} {y!r} {z!r}" for i, (x, y, z) in
                                         enumerate(positions.tolist(), start=1)]
        from sei_lmp.run import layout

        return {layout.NEB_FINAL: "\n".join(lines) + "\n"}
