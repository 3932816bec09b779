"""The three protocols as plain frozen dataclasses; defaults follow common practice in MLIP papers
(1 fs, Nose-Hoover damping of 100 time steps, barostat damping of 1000 time steps)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any, ClassVar, Literal

from sei_lmp.errors import ConfigurationError


@dataclass(frozen=True)
class MDSettings:
    """Integration and output settings shared by every protocol."""

    timestep_fs: float = 1.0
    tdamp_steps: int = 100            # Nose-Hoover thermostat damping, in time steps
    pdamp_steps: int = 1000           # barostat damping, in time steps
    thermo_every: int = 100
    restart_every: int = 1000
    neighbor_skin: float = 2.0        # Angstrom
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
    gamma_save: float = 2.0           # keep frames whose max gamma exceeds this
    gamma_break: float = 10.0         # stop the run above this
    max_temperature: float = 10000.0  # K
    min_distance: float = 0.6         # Angstrom: closer atoms mean the potential has collapsed
    check_every: int = 100


@dataclass(frozen=True)
class Protocol:
    name: ClassVar[str] = ""
    md: MDSettings = field(default_factory=MDSettings)
    guards: Guards = field(default_factory=Guards)
    minimize: bool = True             # relax the structure before MD on a fresh start
    minimize_etol: float = 0.0
    minimize_ftol: float = 1e-3

    def stage_steps(self) -> dict[str, int]:
        """Cumulative end step of each stage, and 'total'."""
        raise NotImplementedError

    def with_settings(self, settings: dict[str, Any]) -> Protocol:
        """Copy with overrides; keys like 'temperature', 'md.timestep_fs' or 'guards.gamma_break'
        (string values are converted to the field's type)."""
        changes: dict[str, dict[str, Any]] = {"": {}, "md": {}, "guards": {}}
        for key, value in settings.items():
            prefix, _, name = key.rpartition(".")
            owner = self if prefix == "" else getattr(self, prefix, None) if prefix in changes else None
            known = {f.name for f in fields(owner)} - {"md", "guards"} if owner is not None else set()
            if name not in known:
                raise ConfigurationError(f"unknown setting '{key}' for {self.name}; known: {', '.join(sorted(known))}"
                                         if owner is not None else f"unknown setting group in '{key}' (md., guards.)")
            changes[prefix][name] = _coerce(value, getattr(owner, name), key)
        return replace(self, md=replace(self.md, **changes["md"]), guards=replace(self.guards, **changes["guards"]),
                       **changes[""])

    def validate(self) -> None:
        g, md = self.guards, self.md
        if md.thermo_every % g.gamma_every:
            raise ConfigurationError(f"md.thermo_every ({md.thermo_every}) must be a multiple of guards.gamma_every "
                                     f"({g.gamma_every}) so thermo can print the extrapolation grade")
        if md.timestep_fs <= 0 or md.timestep_fs > 5:
            raise ConfigurationError(f"md.timestep_fs = {md.timestep_fs} is outside (0, 5] fs")

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


@dataclass(frozen=True)
class MeltQuench(Protocol):
    """Minimise, heat to t_melt, hold, quench at quench_rate to t_final, anneal, NPT equilibrate."""

    name: ClassVar[str] = "melt_quench"
    t_start: float = 300.0
    t_melt: float = 2000.0
    t_final: float = 300.0
    heat_ps: float = 10.0
    hold_ps: float = 20.0
    quench_rate_k_per_ps: float = 10.0
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
        quench = hold + s(abs(self.t_melt - self.t_final) / self.quench_rate_k_per_ps)
        anneal = quench + s(self.anneal_ps)
        return {"heat": heat, "hold": hold, "quench": quench, "anneal": anneal, "total": anneal + s(self.equilibrate_ps)}


@dataclass(frozen=True)
class InterfaceNPT(Protocol):
    """NPT interface reaction run with sparse dumps; barostat on the normal (z) only or anisotropic."""

    name: ClassVar[str] = "interface_npt"
    temperature: float = 300.0
    pressure_bar: float = 1.0
    barostat: Literal["z", "aniso", "iso"] = "z"
    frozen_bottom: float = 0.0        # Angstrom of bottom layers held fixed
    run_ps: float = 1000.0
    dump_every_ps: float = 1.0
    unwrapped: bool = False

    def stage_steps(self) -> dict[str, int]:
        return {"total": self.md.steps(self.run_ps)}


@dataclass(frozen=True)
class DiffusionNVT(Protocol):
    """NPT (or fixed-density NVT) equilibration at one temperature, then NVT production."""

    name: ClassVar[str] = "diffusion_nvt"
    temperature: float = 600.0
    pressure_bar: float = 1.0
    equilibrate_npt: bool = True
    equilibrate_ps: float = 20.0
    production_ps: float = 200.0
    dump_every_ps: float = 0.1

    def stage_steps(self) -> dict[str, int]:
        eq = self.md.steps(self.equilibrate_ps)
        return {"equilibrate": eq, "total": eq + self.md.steps(self.production_ps)}


PROTOCOLS: dict[str, type[Protocol]] = {p.name: p for p in (MeltQuench, InterfaceNPT, DiffusionNVT)}
