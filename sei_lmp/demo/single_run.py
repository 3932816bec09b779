"""What every demo does: one protocol run through the sweep machinery (so it is planned, checked, resumable and
timed like the main demo's runs; used by the extra demos of ``sei-lmp demo --all``), timing its steps, and
figures written without touching matplotlib's global backend (a notebook user keeps theirs)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from ase import Atoms


@contextmanager
def timed(timings: dict[str, float], name: str, log: Callable[[str], None] | None = None) -> Iterator[None]:
    """Time the block into ``timings[name]`` [s]; with ``log``, report it as ``"  <name>: <s> s"``."""
    start = time.perf_counter()
    yield
    timings[name] = time.perf_counter() - start
    if log is not None:
        log(f"  {name}: {timings[name]:.1f} s")


def new_figure(figsize: tuple[float, float] = (5.5, 3.8)):
    """A matplotlib ``Figure`` (not registered with pyplot) and its one ``Axes``."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize)
    return fig, fig.subplots()


def save_figure(fig, path: Path, dpi: int = 120) -> Path:
    """Tight layout, then ``fig`` as an image at ``path``; returns ``path``."""
    fig.tight_layout()
    fig.savefig(path, dpi=dpi)
    return Path(path)


def run_single(output: Path, name: str, protocol: str, atoms: Atoms, potential: Path, settings: dict, *,
               progress: bool = True) -> Path:
    """Write ``atoms``, plan a one-point sweep of ``protocol`` in ``output/name`` and run it locally
    (a finished run is kept, an interrupted one resumes). Returns the run directory."""
    from ase.io import write

    from sei_lmp.errors import RunFailed
    from sei_lmp.sweep import load_sweep, parse_sweep, plan_sweep, run_local, sweep_status

    base = Path(output) / name
    structure = (base / "structure.extxyz").resolve()
    structure.parent.mkdir(parents=True, exist_ok=True)
    if not structure.is_file():        # a resumed demo must see the same structure its restart files belong to
        write(structure, atoms, format="extxyz")
    spec = parse_sweep({"name": name, "protocol": protocol, "backend": "plugin",
                        "structures": [{"name": name, "source": str(structure)}],
                        "potentials": [{"name": potential.stem, "path": str(Path(potential).resolve())}],
                        "settings": settings, "run": {"nprocs": 1}},
                       base=base, source=f"demo {name}")
    runs = base / "sweep"
    plan_sweep(spec, runs, progress=False)
    outcome = run_local(runs, progress=progress)
    bad = outcome[outcome["outcome"].isin(["failed", "configuration error", "interrupted"])]
    if len(bad):
        raise RunFailed(f"demo run {name} did not finish: {bad[['run_id', 'outcome', 'reason']].to_dict('records')}; "
                        f"status:\n{sweep_status(runs).to_string()}\nre-run the demo to resume it")
    _, table = load_sweep(runs)
    return runs / table.iloc[0]["directory"]
