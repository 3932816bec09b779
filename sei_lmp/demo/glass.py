"""Extra demo 1: a short melt-quench of Li3PS4 glass with the shipped Li-P-S ACE, and its quality checks.

random packing of Li + rigid PS4 anions -> melt_quench deck (heat, hold, quench, anneal, NPT) -> QA
(residual crystallinity, steady density, Tg from the kink of density/energy vs T) -> quench-curve and
partial-RDF figures.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from sei_lmp.decks.protocols import MeltQuench

# the ACE, not the MTP: the shipped Li-P-S MTP breaks PS4 anions at 1000 K (measured; its card warns)
SHIPPED_LIPS = "LiPS_ace_chgnet.yace"


@dataclass(frozen=True)
class GlassSettings:
    """Li3PS4 glass; the defaults take a few minutes on 2 cores, :meth:`quick` well under one."""

    formula_units: int = 12            # x Li3PS4 = 96 atoms
    density_g_cm3: float = 1.9         # packing density; the NPT stages then find the potential's own
    seed: int = 20261122               # of the packing and of the MD
    melt_quench: MeltQuench = MeltQuench(t_melt_K=1200.0, heat_ps=5.0, hold_ps=10.0, quench_rate_K_per_ps=50.0,
                                         anneal_ps=5.0, equilibrate_ps=10.0)

    @classmethod
    def quick(cls) -> GlassSettings:
        return cls(formula_units=8, melt_quench=replace(cls().melt_quench, heat_ps=1.0, hold_ps=2.0,
                                                        quench_rate_K_per_ps=300.0, anneal_ps=1.0, equilibrate_ps=2.0))


@dataclass
class GlassResult:
    run_dir: Path
    potential: Path
    settings: GlassSettings
    atoms: int
    qa: object                                 # analysis.structure.MeltQuenchQA
    table: pd.DataFrame                        # one row: the QA metrics and verdict
    figures: dict[str, Path] = field(default_factory=dict)
    timings_s: dict[str, float] = field(default_factory=dict)


def lips_potential(potential: Path | None = None) -> Path:
    """``potential``, or the shipped Li-P-S ACE (the potential of both extra demos)."""
    from sei_lmp.data import shipped_potential

    return Path(potential) if potential else shipped_potential(SHIPPED_LIPS)


def build_glass(settings: GlassSettings):
    from sei_lmp.structures import amorphous, molecule

    return amorphous("Li3PS4", settings.density_g_cm3, settings.formula_units, molecules=[molecule("PS4")],
                     seed=settings.seed)


def run_glass_demo(output: Path, settings: GlassSettings | None = None, potential: Path | None = None, *,
                   progress: bool = True, log=print) -> GlassResult:
    from sei_lmp.analysis.structure import check_melt_quench, plot_quench_curve
    from sei_lmp.demo.single_run import new_figure, run_single, save_figure, timed

    settings, potential, timings = settings or GlassSettings(), lips_potential(potential), {}
    with timed(timings, "glass: packing"):
        atoms = build_glass(settings)

    md = {**settings.melt_quench.changed_settings(), "md.seed": settings.seed}
    with timed(timings, "glass: melt-quench MD", log):
        run_dir = run_single(Path(output), "li3ps4_glass", "melt_quench", atoms, potential, md, progress=progress)

    with timed(timings, "glass: analysis"):
        qa = check_melt_quench(run_dir)
        table = qa.to_frame(run_dir=str(run_dir))
        figures = {}
        fig, ax = new_figure()
        plot_quench_curve(qa, ax=ax)
        figures["glass_quench"] = save_figure(fig, Path(output) / "glass_quench.png")
        fig, ax = new_figure()
        rdf = qa.rdf
        for pair in ("P-S", "Li-S", "Li-P", "S-S"):
            column = pair if pair in rdf else "-".join(reversed(pair.split("-")))
            if column in rdf:
                ax.plot(rdf["r"], rdf[column], label=pair)
        ax.set_xlabel("r (A)")
        ax.set_ylabel("g(r)")
        ax.set_title("Li3PS4 glass: partial RDFs of the final structure")
        ax.legend()
        figures["glass_rdf"] = save_figure(fig, Path(output) / "glass_rdf.png")
        table.to_csv(Path(output) / "glass_qa.csv", index=False)
    return GlassResult(run_dir, potential, settings, len(atoms), qa, table, figures, timings)
