"""``sei-lmp analyze`` commands for structure and interphase analysis and images; a thin layer over
:mod:`sei_lmp.analysis.structure`, :mod:`sei_lmp.analysis.interphase` and :mod:`sei_lmp.viz`.

Every command reads a deck directory (elements from its manifest) or a structure/dump file (give
``--elements``), has its result write its CSV tables and PNG figures into ``--output`` (default:
``analysis/`` next to the input) and prints a summary.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from sei_lmp.cli.types import AnalysisOutput, Elements, Frames, split_list


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


def _density_window(text: Optional[str]) -> Optional[tuple[float, float]]:
    """``--density-window LOW,HIGH`` (g/cm3) -> (low, high); a clear error for anything else."""
    import math

    from sei_lmp.errors import ConfigurationError

    if text is None:
        return None
    usage = "--density-window takes two numbers LOW,HIGH in g/cm3, low below high (e.g. 1.9,2.2)"
    parts = [p.strip() for p in text.split(",")]
    values = []
    for part in parts:
        try:
            values.append(float(part))
        except ValueError:
            raise ConfigurationError(f"{usage}; got {text!r}: {part!r} is not a number") from None
        if not math.isfinite(values[-1]):
            raise ConfigurationError(f"{usage}; got {text!r}: {part!r} is not a finite number")
    if len(values) != 2:
        raise ConfigurationError(f"{usage}; got {text!r}: {len(values)} number{'s' if len(values) != 1 else ''}")
    low, high = values
    if low >= high:
        raise ConfigurationError(f"{usage}; got low {low:g} >= high {high:g}: give the low density first")
    if low <= 0:
        raise ConfigurationError(f"{usage}; got low {low:g}: a density is positive")
    return low, high


def _fraction(value: float, option: str) -> float:
    import math

    from sei_lmp.errors import ConfigurationError

    if not (math.isfinite(value) and 0.0 <= value <= 1.0):
        raise ConfigurationError(f"{option} {value:g} is not a fraction: give a value between 0 and 1 "
                                 "(e.g. 0.05 for at most 5 % crystalline atoms)")
    return value


def _output(path: Path, output: Optional[Path]) -> Path:
    return output or ((path if path.is_dir() else path.parent) / "analysis")


def _names(paths: list[Path]) -> str:
    return ", ".join(p.name for p in paths)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the ``analyze`` group."""

    @app.command()
    def structure(
        path: Path = typer.Argument(..., help="deck directory, LAMMPS dump/data file, or any file ASE/OVITO reads"),
        elements: Elements = None,
        frames: Frames = "-1",
        cutoff: float = typer.Option(6.0, help="RDF cutoff (A)"),
        bins: int = typer.Option(200, help="RDF bins"),
        output: AnalysisOutput = None,
    ) -> None:
        """Partial RDFs, coordination numbers, PTM/CNA fractions and density (averaged over --frames)."""
        from rich.console import Console

        from sei_lmp.analysis.structure import StructureResult

        result = StructureResult.compute(path, cutoff=cutoff, bins=bins, frames=_frames(frames),
                                         elements=split_list(elements), progress=True)
        out = _output(path, output)
        written = result.write(out)
        console = Console()
        console.print(result.coordination.round(3).to_string(index=False))
        console.print(f"density {result.density['density'].mean():.4f} g/cm^3; crystalline (PTM) "
                      f"{result.ptm['crystalline'].mean():.1%}, (CNA) {result.cna['crystalline'].mean():.1%}")
        console.print(f"wrote {_names(written)} to {out}")

    @app.command()
    def meltquench(
        run_dir: Path = typer.Argument(..., help="melt-quench deck directory (after 'sei-lmp run')"),
        reference: Optional[Path] = typer.Option(None, help="reference for the RDF comparison: another run "
                                                 "directory, a structure file, or an RDF CSV"),
        require_tg: bool = typer.Option(False, help="fail the run when no kink is seen in density vs T"),
        max_crystalline: float = typer.Option(0.05, help="largest allowed PTM crystalline fraction (0 to 1)"),
        density_window: Optional[str] = typer.Option(None, help="allowed density range LOW,HIGH, e.g. 1.9,2.2 "
                                                     "(g/cm^3)"),
        strict: bool = typer.Option(False, help="exit with status 1 unless the verdict is PASS (FAIL or "
                                    "INCONCLUSIVE)"),
        output: AnalysisOutput = None,
    ) -> None:
        """Melt-quench QA: Tg from density/energy vs T, crystallinity, density, RDF vs reference; PASS, FAIL
        (with reasons) or INCONCLUSIVE (with the checks that could not be made)."""
        from rich.console import Console

        from sei_lmp.analysis.structure import QACriteria, check_melt_quench

        window = _density_window(density_window)
        criteria = QACriteria(max_crystalline=_fraction(max_crystalline, "--max-crystalline"), require_tg=require_tg,
                              density_window=window)
        qa = check_melt_quench(run_dir, reference=reference, criteria=criteria)
        out = _output(run_dir, output)
        written = qa.write(out, run_dir=str(run_dir))
        console = Console()
        for key, value in qa.metrics.items():
            console.print(f"  {key:22s} {value:.4g}")
        colour = {"PASS": "green", "FAIL": "red", "INCONCLUSIVE": "yellow"}[qa.verdict]
        console.print(f"[{colour}]{qa.verdict}[/{colour}]")
        for reason in qa.reasons:
            console.print(f"  - {reason}")
        for check in qa.missing:
            console.print(f"  not checked: {check}")
        for note in qa.notes:
            console.print(f"  note: {note}")
        console.print(f"wrote {_names(written)} to {out}")
        if strict and not qa.passed:
            raise typer.Exit(1)

    @app.command()
    def interphase(
        run_dir: Path = typer.Argument(..., help="interface deck directory (written by 'sei-lmp deck interface_npt', then run)"),
        element: Optional[str] = typer.Option(None, help="marker element (default: the one that varies most)"),
        pure: Optional[str] = typer.Option(None, help="marker fraction in the two phases, e.g. 0.5,0 for F in LiF|Li"),
        bin_width: float = typer.Option(2.0, help="slab width along z (A)"),
        smooth_width: float = typer.Option(0.0, help="Gaussian smoothing of the counts (sigma, A); about half the "
                                                     "plane spacing of a layered phase (1.0 for Li2S (111))"),
        frames: Frames = "all",
        output: AnalysisOutput = None,
    ) -> None:
        """Composition profiles vs time, interface positions, interphase thickness and growth-law fits."""
        from rich.console import Console

        from sei_lmp.analysis.interphase import InterphaseResult, analyze_interface_run

        fractions = tuple(float(v) for v in split_list(pure)) if pure else None
        result = InterphaseResult(analyze_interface_run(run_dir, element=element, pure=fractions,
                                                        bin_width=bin_width, smooth_width=smooth_width,
                                                        frames=_frames(frames), progress=True))
        out = _output(run_dir, output)
        written = result.write(out)
        console = Console()
        if result.growth is not None:
            console.print(result.growth.round(4).to_string(index=False))
        console.print(result.thickness.round(3).tail(5).to_string(index=False))
        console.print(f"marker {result.marker}; wrote {_names(written)} to {out}")

    @app.command()
    def defects(
        path: Path = typer.Argument(..., help="deck directory or dump file"),
        reference: Optional[Path] = typer.Option(None, help="perfect lattice (structure file); default: frame 0"),
        elements: Elements = None,
        frames: Frames = "all",
        output: AnalysisOutput = None,
    ) -> None:
        """Wigner-Seitz vacancies, interstitials and Frenkel pairs vs time."""
        from rich.console import Console

        from sei_lmp.analysis.structure import DefectsResult, wigner_seitz

        result = DefectsResult(wigner_seitz(path, reference, frames=_frames(frames), elements=split_list(elements),
                                            per_type=True, progress=True))
        out = _output(path, output)
        written = result.write(out)
        Console().print(result.table.tail(10).to_string(index=False))
        Console().print(f"wrote {_names(written)} to {out}")

    @app.command()
    def speciation(
        path: Path = typer.Argument(..., help="deck directory, dump or structure file"),
        phases: str = typer.Option("Li,LiF,Li2O,Li2S,Li3P,Li2CO3", help="reference phases (sei_lmp.structures)"),
        elements: Elements = None,
        frames: Frames = "-1",
        bins: int = typer.Option(20, help="slabs along z for the profile"),
        output: AnalysisOutput = None,
    ) -> None:
        """Label atoms by the reference phase their local environment matches; fractions vs time and z."""
        from rich.console import Console

        from sei_lmp.analysis.structure import SpeciationResult, phase_fractions, phase_profile
        from sei_lmp.structures import phase

        references = {name: phase(name) for name in split_list(phases)}
        chosen, els = _frames(frames), split_list(elements)
        result = SpeciationResult(
            fractions=phase_fractions(path, references, frames=chosen, elements=els, progress=True),
            profile=phase_profile(path, references, bins=bins, frames=chosen, elements=els))
        out = _output(path, output)
        written = result.write(out)
        Console().print(result.fractions.round(3).to_string(index=False))
        Console().print(f"wrote {_names(written)} to {out}")

    @app.command()
    def render(
        path: Path = typer.Argument(..., help="deck directory, dump or structure file"),
        image: Path = typer.Option(..., "--image", "-i", help="PNG to write"),
        view: str = typer.Option("slab", help="slab (side view, z up) | top | perspective"),
        frame: int = typer.Option(-1, help="frame to show"),
        label_phases: Optional[str] = typer.Option(None, help="colour by phase label against these reference "
                                                   "phases, e.g. Li,Li2S,Li3P (default: colour by element)"),
        session: Optional[Path] = typer.Option(None, help="also write an OVITO session file (.ovito)"),
        elements: Elements = None,
        renderer: str = typer.Option("tachyon", help="tachyon | opengl"),
        width: int = typer.Option(900),
        height: int = typer.Option(700),
    ) -> None:
        """OVITO picture of one frame (and optionally a session file with the same pipeline)."""
        from rich.console import Console

        from sei_lmp.viz import render_snapshot, save_session

        labels = None
        if label_phases:
            from sei_lmp.analysis.structure import label_phases as label
            from sei_lmp.structures import phase

            refs = {name: phase(name) for name in split_list(label_phases)}
            labels = label(path, refs, frame=frame, elements=split_list(elements))["label"].to_numpy()
        written = [str(render_snapshot(path, image, frame=frame, labels=labels, view=view, size=(width, height),
                                       renderer=renderer, elements=split_list(elements)))]
        if session is not None:
            written.append(str(save_session(path, session, labels=labels, frame=frame,
                                            elements=split_list(elements), view=view)))
        Console().print(f"wrote {', '.join(written)}")
