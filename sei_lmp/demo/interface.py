"""Extra demo 2: a short NPT run of a Li(110) | Li2S interface with the shipped Li-P-S ACE, and its profiles.

lattice-matched Li | Li2S slab pair (periodic: two interfaces) -> interface_npt deck -> composition
profiles along z for every frame, interface positions, 10-90 % interphase thickness vs time and the
growth-law ranking -> profile and thickness figures and an OVITO side view.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from sei_lmp.decks.protocols import InterfaceNPT
from sei_lmp.demo.glass import lips_potential
from sei_lmp.run import layout
from sei_lmp.errors import ConfigurationError

MARKER = "S"
PURE_FRACTIONS = (1.0 / 3.0, 0.0)     # fraction of S in Li2S and in Li


@dataclass(frozen=True)
class InterfaceSettings:
    thickness_li: float = 10.0         # Angstrom of bcc Li (110): 5 layers, 160 atoms
    thickness_li2s: float = 12.0       # Angstrom of Li2S (111): 4 S planes, 240 atoms (3 planes disorder at 500 K)
    seed: int = 20261122
    # 500 K: mobile enough to roughen the interface within picoseconds
    interface_npt: InterfaceNPT = InterfaceNPT(temperature_K=500.0, run_ps=10.0, dump_every_ps=0.5)
    bin_width: float = 0.5             # Angstrom: profile slabs, finer than the S-plane spacing (3.3 A)...
    smooth_width: float = 1.0          # ...so the counts are smoothed (Gaussian sigma, A) before fractions are taken

    @classmethod
    def quick(cls) -> InterfaceSettings:
        return cls(interface_npt=replace(cls().interface_npt, run_ps=2.0, dump_every_ps=0.2))


@dataclass
class InterfaceResult:
    run_dir: Path
    potential: Path
    settings: InterfaceSettings
    atoms: int
    strain: dict
    interfaces: pd.DataFrame                  # one row per frame and interface
    thickness: pd.DataFrame                   # time_ps, thickness, thickness_err
    growth: pd.DataFrame                      # growth-law fits ranked by AICc (empty when too few frames)
    figures: dict[str, Path] = field(default_factory=dict)
    timings_s: dict[str, float] = field(default_factory=dict)


def build_li_li2s(settings: InterfaceSettings):
    from sei_lmp.structures import build_interface, phase

    return build_interface(phase("Li"), (1, 1, 0), phase("Li2S"), (1, 1, 1), thickness_a=settings.thickness_li,
                           thickness_b=settings.thickness_li2s, max_strain=0.03)


def run_interface_demo(output: Path, settings: InterfaceSettings | None = None, potential: Path | None = None, *,
                       progress: bool = True, log=print, render: bool = True) -> InterfaceResult:
    from sei_lmp.analysis.interphase import (analyze_interface_run, growth_table, plot_profiles, plot_thickness,
                                             thickness_vs_time)
    from sei_lmp.demo.single_run import new_figure, run_single, save_figure, timed

    settings, potential, timings = settings or InterfaceSettings(), lips_potential(potential), {}
    with timed(timings, "interface: build"):
        atoms = build_li_li2s(settings)

    md = {**settings.interface_npt.changed_settings(), "md.seed": settings.seed}
    with timed(timings, "interface: NPT MD", log):
        run_dir = run_single(Path(output), "li_li2s_interface", "interface_npt", atoms, potential, md,
                             progress=progress)

    start = time.perf_counter()
    # the pure phases' S fractions from their formulas (Li2S 1/3, Li 0): the extremes of a layered profile are not
    table = analyze_interface_run(run_dir, element=MARKER, pure=PURE_FRACTIONS, bin_width=settings.bin_width,
                                  smooth_width=settings.smooth_width)
    thickness = thickness_vs_time(table)
    try:
        growth = growth_table(table)
    except ConfigurationError as err:  # too few frames for a fit is a note, not a failure of the demo
        growth = pd.DataFrame({"note": [f"no growth fit: {err}"]})
    figures = {}
    marker = table.attrs.get("marker") or MARKER
    fig, ax = new_figure()
    plot_profiles(table.attrs["profiles"], marker, ax=ax)
    figures["interface_profiles"] = save_figure(fig, Path(output) / "interface_profiles.png")
    fig, ax = new_figure()
    try:
        plot_thickness(table, ax=ax)
    except ConfigurationError:        # the fits need enough frames; the data points alone still show the trend
        ax.errorbar(thickness["time_ps"], thickness["thickness"], yerr=thickness["thickness_err"], fmt="o")
        ax.set_xlabel("t (ps)")
        ax.set_ylabel("interphase thickness (A)")
    figures["interface_thickness"] = save_figure(fig, Path(output) / "interface_thickness.png")
    table.to_csv(Path(output) / "interface_positions.csv", index=False)
    thickness.to_csv(Path(output) / "interface_thickness.csv", index=False)
    if render:
        from sei_lmp.viz import can_render, render_snapshot

        ok, reason = can_render()
        if ok:
            figures["interface_snapshot"] = render_snapshot(
                run_dir / layout.TRAJECTORY, Path(output) / "interface_snapshot.png", view="slab",
                title=f"Li | Li2S at {settings.interface_npt.temperature_K:.0f} K, last frame")
        else:
            log(f"  no OVITO image: {reason}")
    timings["interface: analysis"] = time.perf_counter() - start
    return InterfaceResult(run_dir, potential, settings, len(atoms), dict(atoms.info.get("interface", {})), table,
                           thickness, growth, figures, timings)
