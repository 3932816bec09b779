"""``sei-lmp analyze`` commands for structure and interphase analysis and images; a thin layer over
:mod:`sei_lmp.analysis.structure`, :mod:`sei_lmp.analysis.interphase` and :mod:`sei_lmp.viz`.

Every command reads a deck directory (elements from its manifest) or a structure/dump file (give
``--elements``), writes CSV tables and PNG figures into ``--output`` (default: ``analysis/`` next to the
input) and prints a summary.
"""

from __future__ import annotations

from pathlib import Path

import typer

from sei_lmp.run.layout import MANIFEST, TRAJECTORY

ElementsOpt = typer.Option(None, "--elements", "-e",
                           help="element of LAMMPS type 1, 2, ... comma-separated (default: the deck's manifest)")
OutputOpt = typer.Option(None, "--output", "-o", help="directory for tables and figures (default: analysis/ next "
                         "to the input)")
FramesOpt = typer.Option("-1", "--frames", help="frames to analyse: 'all', one index (-1 = last), or start:stop:step")


def _split(text: str | None) -> list[str] | None:
    return [t.strip() for t in text.split(",") if t.strip()] if text else None


def _frames(text: str):
    from sei_lmp.errors import ConfigurationError

    text = text.strip()
    if text == "all":
        return None
    try:
        if ":" in text:
            parts = [int(p) if p else None for p in text.split(":")]
            return slice(*parts)
        return int(text)
    except ValueError as err:
        raise ConfigurationError(f"--frames {text!r}: use 'all', an index like -1, or start:stop:step") from err


def _output(path: Path, output: Path | None) -> Path:
    out = output or ((path if path.is_dir() else path.parent) / "analysis")
    out.mkdir(parents=True, exist_ok=True)
    return out


def _run(body) -> None:
    from rich.console import Console

    from sei_lmp.errors import SeiLmpError

    try:
        body()
    except SeiLmpError as err:
        Console().print(f"[red]error:[/red] {err}")
        raise typer.Exit(2) from err


def _save(fig_ax, path: Path) -> None:
    fig_ax.figure.tight_layout()
    fig_ax.figure.savefig(path, dpi=150)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the ``analyze`` group."""

    @app.command()
    def structure(
        path: Path = typer.Argument(..., help="deck directory, LAMMPS dump/data file, or any file ASE/OVITO reads"),
        elements: str | None = ElementsOpt,
        frames: str = FramesOpt,
        cutoff: float = typer.Option(6.0, help="RDF cutoff (A)"),
        bins: int = typer.Option(200, help="RDF bins"),
        output: Path | None = OutputOpt,
    ) -> None:
        """Partial RDFs, coordination numbers, PTM/CNA fractions and density (averaged over --frames)."""
        def body():
            import matplotlib
            matplotlib.use("Agg")
            import matplotlib.pyplot as plt
            from rich.console import Console

            from sei_lmp.analysis.structure import (
                coordination_numbers,
                density,
                partial_rdf,
                structure_fractions,
            )

            out = _output(path, output)
            chosen, els = _frames(frames), _split(elements)
            rdf = partial_rdf(path, cutoff=cutoff, bins=bins, frames=chosen, elements=els, progress=True)
            cn = coordination_numbers(rdf)
            ptm = structure_fractions(path, "ptm", frames=chosen, elements=els)
            cna = structure_fractions(path, "cna", frames=chosen, elements=els)
            rho = density(path, frames=chosen, elements=els)
            rdf.to_csv(out / "rdf.csv", index=False)
            cn.to_csv(out / "coordination.csv", index=False)
            ptm.to_csv(out / "ptm.csv", index=False)
            cna.to_csv(out / "cna.csv", index=False)
            rho.to_csv(out / "density.csv", index=False)
            _, ax = plt.subplots(figsize=(5, 3.5))
            for pair in (c for c in rdf.columns if c != "r"):
                ax.plot(rdf["r"], rdf[pair], label=pair)
            ax.set_xlabel("r (A)")
            ax.set_ylabel("g(r)")
            ax.legend(fontsize=8)
            _save(ax, out / "rdf.png")
            console = Console()
            console.print(cn.round(3).to_string(index=False))
            console.print(f"density {rho['density'].mean():.4f} g/cm^3; crystalline (PTM) "
                          f"{ptm['crystalline'].mean():.1%}, (CNA) {cna['crystalline'].mean():.1%}")
            console.print(f"wrote rdf.csv, coordination.csv, ptm.csv, cna.csv, density.csv, rdf.png to {out}")
        _run(body)

    @app.command()
    def meltquench(
        run_dir: Path = typer.Argument(..., help="melt-quench deck directory (after 'sei-lmp run')"),
        reference: Path | None = typer.Option(None, help="reference for the RDF comparison: another run "
                                                 "directory, a structure file, or an RDF CSV"),
        require_tg: bool = typer.Option(False, help="fail the run when no kink is seen in density vs T"),
        max_crystalline: float = typer.Option(0.05, help="largest allowed PTM crystalline fraction"),
        density_window: str | None = typer.Option(None, help="allowed density range, e.g. 1.9,2.2 (g/cm^3)"),
        strict: bool = typer.Option(False, help="exit with status 1 when the verdict is FAIL"),
        output: Path | None = OutputOpt,
    ) -> None:
        """Melt-quench QA: Tg from density/energy vs T, crystallinity, RDF vs reference; PASS/FAIL with reasons."""
        def body():
            import matplotlib
            matplotlib.use("Agg")
            from rich.console import Console

            from sei_lmp.analysis.structure import (
                QACriteria,
                check_melt_quench,
                plot_quench_curve,
            )

            window = tuple(float(v) for v in _split(density_window)) if density_window else None
            criteria = QACriteria(max_crystalline=max_crystalline, require_tg=require_tg, density_window=window)
            qa = check_melt_quench(run_dir, reference=reference, criteria=criteria)
            out = _output(run_dir, output)
            qa.to_frame(run_dir=str(run_dir)).to_csv(out / "meltquench_qa.csv", index=False)
            written = ["meltquench_qa.csv"]
            if qa.curve is not None:
                qa.curve.to_csv(out / "quench_curve.csv", index=False)
                _save(plot_quench_curve(qa), out / "quench_curve.png")
                written += ["quench_curve.csv", "quench_curve.png"]
            if qa.rdf is not None:
                qa.rdf.to_csv(out / "final_rdf.csv", index=False)
                written.append("final_rdf.csv")
            console = Console()
            for key, value in qa.metrics.items():
                console.print(f"  {key:22s} {value:.4g}")
            console.print("[green]PASS[/green]" if qa.passed else "[red]FAIL[/red]")
            for reason in qa.reasons:
                console.print(f"  - {reason}")
            for note in qa.notes:
                console.print(f"  note: {note}")
            console.print(f"wrote {', '.join(written)} to {out}")
            if strict and not qa.passed:
                raise typer.Exit(1)
        _run(body)

    @app.command()
    def interphase(
        run_dir: Path = typer.Argument(..., help=f"interface deck directory ({TRAJECTORY} + {MANIFEST})"),
        element: str | None = typer.Option(None, help="marker element (default: the one that varies most)"),
        pure: str | None = typer.Option(None, help="marker fraction in the two phases, e.g. 0.5,0 for F in LiF|Li"),
        bin_width: float = typer.Option(2.0, help="slab width along z (A)"),
        smooth_width: float = typer.Option(0.0, help="Gaussian smoothing of the counts (sigma, A); about half the "
                                                     "plane spacing of a layered phase (1.0 for Li2S (111))"),
        frames: str = typer.Option("all", "--frames", help="'all', an index, or start:stop:step"),
        output: Path | None = OutputOpt,
    ) -> None:
        """Composition profiles vs time, interface positions, interphase thickness and growth-law fits."""
        def body():
            import matplotlib
            matplotlib.use("Agg")
            from rich.console import Console

            from sei_lmp.analysis.interphase import (
                analyze_interface_run,
                growth_table,
                plot_profiles,
                plot_thickness,
                thickness_vs_time,
            )

            fractions = tuple(float(v) for v in _split(pure)) if pure else None
            table = analyze_interface_run(run_dir, element=element, pure=fractions, bin_width=bin_width,
                                          smooth_width=smooth_width,
                                          frames=_frames(frames), progress=True)
            out = _output(run_dir, output)
            table.to_csv(out / "interfaces.csv", index=False)
            table.attrs["profiles"].to_csv(out / "profiles.csv", index=False)
            series = thickness_vs_time(table)
            series.to_csv(out / "thickness.csv", index=False)
            _save(plot_profiles(table.attrs["profiles"], table.attrs["marker"]), out / "profiles.png")
            written = ["interfaces.csv", "profiles.csv", "thickness.csv", "profiles.png"]
            console = Console()
            if series["time_ps"].nunique() >= 4:
                growth = growth_table(table)
                growth.to_csv(out / "growth.csv", index=False)
                _save(plot_thickness(table), out / "thickness.png")
                written += ["growth.csv", "thickness.png"]
                console.print(growth.round(4).to_string(index=False))
            console.print(series.round(3).tail(5).to_string(index=False))
            console.print(f"marker {table.attrs['marker']}; wrote {', '.join(written)} to {out}")
        _run(body)

    @app.command()
    def defects(
        path: Path = typer.Argument(..., help="deck directory or dump file"),
        reference: Path | None = typer.Option(None, help="perfect lattice (structure file); default: frame 0"),
        elements: str | None = ElementsOpt,
        frames: str = typer.Option("all", "--frames", help="'all', an index, or start:stop:step"),
        output: Path | None = OutputOpt,
    ) -> None:
        """Wigner-Seitz vacancies, interstitials and Frenkel pairs vs time."""
        def body():
            from rich.console import Console

            from sei_lmp.analysis.structure import wigner_seitz

            table = wigner_seitz(path, reference, frames=_frames(frames), elements=_split(elements), per_type=True,
                                 progress=True)
            out = _output(path, output)
            table.to_csv(out / "defects.csv", index=False)
            Console().print(table.tail(10).to_string(index=False))
            Console().print(f"wrote defects.csv to {out}")
        _run(body)

    @app.command()
    def speciation(
        path: Path = typer.Argument(..., help="deck directory, dump or structure file"),
        phases: str = typer.Option("Li,LiF,Li2O,Li2S,Li3P,Li2CO3", help="reference phases (sei_lmp.structures)"),
        elements: str | None = ElementsOpt,
        frames: str = FramesOpt,
        bins: int = typer.Option(20, help="slabs along z for the profile"),
        output: Path | None = OutputOpt,
    ) -> None:
        """Label atoms by the reference phase their local environment matches; fractions vs time and z."""
        def body():
            from rich.console import Console

            from sei_lmp.analysis.structure import phase_fractions, phase_profile
            from sei_lmp.structures import phase

            references = {name: phase(name) for name in _split(phases)}
            chosen, els = _frames(frames), _split(elements)
            fractions = phase_fractions(path, references, frames=chosen, elements=els, progress=True)
            profile = phase_profile(path, references, bins=bins, frames=chosen, elements=els)
            out = _output(path, output)
            fractions.to_csv(out / "phase_fractions.csv", index=False)
            profile.to_csv(out / "phase_profile.csv", index=False)
            Console().print(fractions.round(3).to_string(index=False))
            Console().print(f"wrote phase_fractions.csv, phase_profile.csv to {out}")
        _run(body)

    @app.command()
    def render(
        path: Path = typer.Argument(..., help="deck directory, dump or structure file"),
        image: Path = typer.Option(..., "--image", "-i", help="PNG to write"),
        view: str = typer.Option("slab", help="slab (side view, z up) | top | perspective"),
        frame: int = typer.Option(-1, help="frame to show"),
        label_phases: str | None = typer.Option(None, help="colour by phase label against these reference "
                                                   "phases, e.g. Li,Li2S,Li3P (default: colour by element)"),
        session: Path | None = typer.Option(None, help="also write an OVITO session file (.ovito)"),
        elements: str | None = ElementsOpt,
        renderer: str = typer.Option("tachyon", help="tachyon | opengl"),
        width: int = typer.Option(900),
        height: int = typer.Option(700),
    ) -> None:
        """OVITO picture of one frame (and optionally a session file with the same pipeline)."""
        def body():
            from rich.console import Console

            from sei_lmp.viz import render_snapshot, save_session

            labels = None
            if label_phases:
                from sei_lmp.analysis.structure import label_phases as label
                from sei_lmp.structures import phase

                refs = {name: phase(name) for name in _split(label_phases)}
                labels = label(path, refs, frame=frame, elements=_split(elements))["label"].to_numpy()
            written = [str(render_snapshot(path, image, frame=frame, labels=labels, view=view, size=(width, height),
                                           renderer=renderer, elements=_split(elements)))]
            if session is not None:
                written.append(str(save_session(path, session, labels=labels, frame=frame, elements=_split(elements),
                                                view=view)))
            Console().print(f"wrote {', '.join(written)}")
        _run(body)
