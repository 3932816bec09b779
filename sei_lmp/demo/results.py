"""What the main demo produces: its settings and its result (barriers, jump counts, the count Arrhenius fit,
D from jumps and from the MSD, figures, timings), shared by the run (:mod:`sei_lmp.demo.lif_diffusion`) and
the report (:mod:`sei_lmp.demo.report`) so that data flows one way, run -> result -> report."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import pandas as pd

#: what MLIP molecular dynamics reports for interstitial Li in LiF (MACE-MPA-0 / DeePMD, arXiv 2510.05020)
LITERATURE_EA_EV = (0.20, 0.24)
LITERATURE_SOURCE = "MACE-MPA-0 and DeePMD (arXiv 2510.05020)"
#: the main job aims at a 95 % interval of Ea no wider than +- this (issue 18)
TARGET_HALF_WIDTH_EV = 0.05
#: interstitial mechanisms the demo's NEB measures (sei_lmp.structures.migration.MECHANISMS)
MECHANISMS = ("interstitialcy_collinear", "direct", "interstitialcy_noncollinear")


@dataclass(frozen=True)
class DemoSettings:
    """Size of the demo. The defaults fit in about 10 minutes on 2 cores with the shipped LiF ACE;
    :meth:`quick` is the CI mode."""

    # The shipped ACE's lowest barrier is 0.11 eV (collinear interstitialcy), so the interstitial hops ~0.2 /ps
    # at 450 K and ~1 /ps at 900 K (measured). 450-900 K spans 1/T by a factor 2, which with ~10-40 jumps per
    # temperature bounds Ea to about +-0.04 eV (Poisson likelihood); above ~950 K the ACE makes Frenkel pairs.
    temperatures: tuple[float, ...] = (450.0, 550.0, 700.0, 900.0)
    cells: int = 3                      # conventional LiF cells per edge (8 atoms each) + 1 interstitial
    equilibrate_ps: float = 2.0
    production_ps: float = 40.0         # first production length; extended while a temperature has too few jumps
    # 50 fs frames: a jump needs 0.2 ps (4 frames) of residence on its new site, so rattles are no jumps
    dump_every_ps: float = 0.05
    # 2 fs: NVE of this cell at ~1000 K with the shipped ACE holds the energy to 0.03 meV/atom over 5 ps with
    # no drift (1 fs: the same), at the same cost per step
    timestep_fs: float = 2.0
    min_jumps: int = 10                 # run until every temperature has seen this many interstitial jumps ...
    add_ps: float = 25.0                # ... lengthening production by this much at a time ...
    md_budget_s: float = 600.0          # ... or until this much MD wall time is spent (then: say so)
    max_rounds: int = 4
    # A jump counts once the atom has stayed 0.1 ps (one period of LiF's Li-F optical mode, ~10 THz) on its new
    # site. The count, and so Ea, depends on this at the hot end, where quick successive moves and transits
    # through the collinear path's metastable state are frequent (measured, 50 ps runs: Ea 0.117 / 0.099 / 0.062
    # eV at 0.05 / 0.1 / 0.2 ps); the report shows that table.
    min_residence_ps: float = 0.1
    mechanisms: tuple[str, ...] = MECHANISMS
    neb_images: int = 7                 # 7: resolves the non-collinear path's intermediate state (5 does not)
    neb_ftol_eV_A: float = 0.01
    jobs: int | None = None             # runs at a time (default: cores)
    seed: int = 20261205
    potential: Path | None = None       # default: the shipped LiF ACE
    render: bool = True
    # `demo --all`: also a Li3PS4 melt-quench and a Li | Li2S interface run with the shipped Li-P-S ACE
    extras: bool = False
    lips_potential: Path | None = None  # default: the shipped Li-P-S ACE

    @classmethod
    def quick(cls, **changes) -> DemoSettings:
        """A minute-scale version for tests and CI: two temperatures, short runs, one NEB mechanism."""
        return replace(cls(temperatures=(700.0, 900.0), equilibrate_ps=0.5, production_ps=4.0, min_jumps=0,
                           mechanisms=("interstitialcy_collinear",), neb_images=5, md_budget_s=120.0), **changes)

    @property
    def is_quick(self) -> bool:
        return self.production_ps <= DemoSettings.quick().production_ps


@dataclass
class DemoResult:
    """Everything the report shows."""

    output: Path
    settings: DemoSettings
    potential: Path
    structure_report: dict
    barriers: pd.DataFrame                   # one row per mechanism: NEB of the potential, and the teacher's
    jumps: pd.DataFrame                      # one row per temperature: interstitial jumps, exposure, rate, D
    jump_types: pd.DataFrame                 # one row per jump type: events per temperature and in all
    fit: object                              # analysis.transport.CountArrheniusFit of the jump counts
    diffusion: pd.DataFrame                  # D(T) of Li from the MSD (sweep collect, rare-event rules)
    sensitivity: pd.DataFrame = field(default_factory=pd.DataFrame)   # Ea against the minimum residence time
    run_until: dict = field(default_factory=dict)   # rounds, reason, production per temperature
    timings_s: dict[str, float] = field(default_factory=dict)
    figures: dict[str, Path] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    report: Path | None = None
    glass: object | None = None              # demo.glass.GlassResult with --all
    interface: object | None = None          # demo.interface.InterfaceResult with --all

    @property
    def unsupported(self) -> str:
        """Why the Arrhenius Ea is no result ("" when it is one)."""
        return self.fit.reason

    @property
    def headline(self) -> dict[str, float]:
        s = self.fit.summary()
        return {"Ea_eV": s["Ea_eV"], "Ea_low_eV": s["Ea_low_eV"], "Ea_high_eV": s["Ea_high_eV"],
                "Ea_half_width_eV": (s["Ea_high_eV"] - s["Ea_low_eV"]) / 2,
                "jumps": s["jumps"],
                **{k: s.get(k, math.nan) for k in ("D_300K_cm2_s", "D_300K_low_cm2_s", "D_300K_high_cm2_s",
                                                   "sigma_300K_mS_cm", "sigma_300K_low_mS_cm",
                                                   "sigma_300K_high_mS_cm")}}

    @property
    def lowest_barrier(self) -> pd.Series | None:
        """The NEB row with the lowest converged barrier of the potential (None when none converged)."""
        ok = self.barriers.dropna(subset=["barrier_eV"])
        return None if ok.empty else ok.loc[ok["barrier_eV"].idxmin()]

    def agreement(self) -> str:
        """How the MD Ea compares with the lowest NEB barrier, with the jump-type table as the evidence."""
        low = self.lowest_barrier
        if low is None:
            return "No NEB barrier converged, so the MD Ea has no static barrier to compare with."
        if self.unsupported:
            return (f"The MD gives no Ea to compare with the lowest NEB barrier ({low['barrier_eV']:.3f} eV, "
                    f"{low['mechanism'].replace('_', ' ')}).")
        h = self.headline
        types = self.jump_types.set_index("type")["events"] if len(self.jump_types) else pd.Series(dtype=float)
        share = types / types.sum() if types.sum() else types
        dominant = share.idxmax() if len(share) else "none"
        evidence = (f" The jump-type table shows {dominant} as the commonest jump "
                    f"({100 * share.max():.0f} % of {int(types.sum())})." if len(share) else "")
        if h["Ea_low_eV"] <= low["barrier_eV"] <= h["Ea_high_eV"]:
            return (f"The MD Ea ({h['Ea_eV']:.3f} eV, 95 % interval {h['Ea_low_eV']:.3f}-{h['Ea_high_eV']:.3f}) "
                    f"agrees with the potential's lowest NEB barrier, {low['barrier_eV']:.3f} eV "
                    f"({low['mechanism'].replace('_', ' ')}).{evidence}")
        higher = self.barriers.dropna(subset=["barrier_eV"])
        higher = higher[higher["barrier_eV"] > low["barrier_eV"]]
        why = ("Above it, mechanisms with higher barriers "
               f"({', '.join(f'{m.replace(chr(95), chr(32))} {b:.2f} eV' for m, b in zip(higher['mechanism'], higher['barrier_eV']))}) "
               "add to the rate as the temperature rises, which raises the apparent Ea"
               if h["Ea_low_eV"] > low["barrier_eV"] else
               "Below it: the counts at the hot end depend on what counts as a jump (the table of Ea against the "
               "minimum residence time shows how much), and anharmonic and entropic effects at temperature lower "
               "the apparent Ea from the 0 K barrier")
        return (f"The MD Ea ({h['Ea_eV']:.3f} eV, 95 % interval {h['Ea_low_eV']:.3f}-{h['Ea_high_eV']:.3f}) does not "
                f"contain the lowest NEB barrier, {low['barrier_eV']:.3f} eV ({low['mechanism'].replace('_', ' ')}). "
                f"{why}.{evidence}")


def settings_dict(settings: DemoSettings) -> dict:
    """The settings as JSON-ready values (paths as text)."""
    return {k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(settings).items()}
