"""What the main demo produces: its settings and its result (numbers, figures, timings), shared by the run
(:mod:`sei_lmp.demo.lif_diffusion`) and the report (:mod:`sei_lmp.demo.report`) so that data flows one way,
run -> result -> report."""

from __future__ import annotations

import math

from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import pandas as pd

#: what MLIP studies report for interstitial Li in LiF (issue 11 / seed 002); compared in the report
LITERATURE_EA_EV = (0.20, 0.24)


@dataclass(frozen=True)
class DemoSettings:
    """Size of the demo. The defaults fit in about 10 minutes on 2 cores; :meth:`quick` is the CI mode."""

    # the distilled demo MTP lets atoms collide within 20 ps at 1100 K (measured), so the window stops at 1000 K;
    # at 600 K the interstitial hopped less than once in 150 ps (measured), a point that only adds noise. With
    # 4-7 hops per temperature Ea is still noisy: 0.19-0.54 eV over cell sizes, time steps and windows (measured)
    temperatures: tuple[float, ...] = (700.0, 775.0, 850.0, 925.0, 1000.0)
    cells: int = 3                      # conventional LiF cells per edge (8 atoms each) + 1 interstitial
    equilibrate_ps: float = 4.0
    # NVT at the potential's own 0 K cell: the distilled demo MTP is not stable under an NPT barostat at
    # 1000 K (it was fitted near CHGNet's equilibrium volume); thermal expansion is neglected
    equilibrate_npt: bool = False
    production_ps: float = 80.0
    dump_every_ps: float = 0.1
    # 2 fs: NVE of this cell at ~1100 K with the shipped MTP holds the energy to 0.03 meV/atom (std over 5 ps,
    # drift 0.008 meV/atom/ps; 1 fs: 0.009); twice the hops per CPU second, which set the error of Ea
    timestep_fs: float = 2.0
    jobs: int | None = None             # runs at a time (default: cores)
    seed: int = 20261122
    potential: Path | None = None       # default: the shipped LiF MTP
    render: bool = True
    # `demo --all`: also a Li3PS4 melt-quench and a Li | Li2S interface run with the shipped Li-P-S ACE
    extras: bool = False
    lips_potential: Path | None = None  # default: the shipped Li-P-S ACE

    @classmethod
    def quick(cls, **changes) -> DemoSettings:
        """A minute-scale version for tests and CI: two temperatures, 217 atoms, short runs."""
        return replace(cls(temperatures=(800.0, 1000.0), cells=3, equilibrate_ps=1.0, production_ps=3.0,
                           dump_every_ps=0.02), **changes)


@dataclass
class DemoResult:
    """Everything the report shows."""

    output: Path
    settings: DemoSettings
    potential: Path
    structure_report: dict
    diffusion: pd.DataFrame                  # one row per temperature (species Li)
    arrhenius: pd.DataFrame                  # D Arrhenius fit (Ea, D0, D at 300 K with its interval)
    conductivity: pd.DataFrame               # sigma T Arrhenius fit (sigma at 300 K with its interval)
    timings_s: dict[str, float] = field(default_factory=dict)
    figures: dict[str, Path] = field(default_factory=dict)
    report: Path | None = None
    glass: object | None = None              # demo.glass.GlassResult with --all
    interface: object | None = None          # demo.interface.InterfaceResult with --all

    @property
    def unsupported(self) -> str:
        """Why the Arrhenius Ea is no result ("" when it is one): see
        :func:`sei_lmp.analysis.transport.arrhenius.unsupported_reason`; a sigma(300 K) interval wider than
        :data:`MAX_DECADES` decades is no result either."""
        from sei_lmp.analysis.transport.arrhenius import unsupported_reason

        reason = unsupported_reason(self.arrhenius.iloc[0])
        head = self.headline
        low, high = head["sigma_300K_low_mS_cm"], head["sigma_300K_high_mS_cm"]
        if not reason and low > 0 and high / low > 10 ** MAX_DECADES:
            reason = (f"not supported: the 95 % interval of sigma(300 K) spans {math.log10(high / low):.0f} decades; "
                      "run longer (more jumps per temperature) or over a wider temperature range")
        return reason

    @property
    def headline(self) -> dict[str, float]:
        fit = self.arrhenius.iloc[0]
        sigma = self.conductivity.iloc[0] if len(self.conductivity) else {}
        return {"Ea_eV": float(fit["Ea_eV"]), "Ea_err_eV": float(fit["Ea_err_eV"]),
                "D_300K_cm2_s": float(fit["D_300K_cm2_s"]),
                "sigma_300K_mS_cm": float(sigma.get("sigma_300K_mS_cm", float("nan"))),
                "sigma_300K_low_mS_cm": float(sigma.get("sigma_300K_low_mS_cm", float("nan"))),
                "sigma_300K_high_mS_cm": float(sigma.get("sigma_300K_high_mS_cm", float("nan")))}


#: an extrapolated sigma(300 K) whose 95 % interval is wider than this many decades is not headlined
MAX_DECADES = 2


def settings_dict(settings: DemoSettings) -> dict:
    """The settings as JSON-ready values (paths as text)."""
    return {k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(settings).items()}
