"""Run until the answer is known: lengthen the last stage of a run and continue it from its restart files.

A rare-event run (an interstitial that hops a few times in 80 ps) often ends before it has seen enough
events. :func:`extend_run` re-renders the deck in place with a longer last stage (the protocol class says
which setting that is: ``Protocol.extend_setting``); the earlier stages keep their steps, so the runner
resumes from the newest restart and the trajectory, MSD files and thermo continue where they stopped.
:func:`run_until` repeats run -> count -> extend until every run has ``min_count`` events (jumps, by a
counter you pass) or a time budget ends; each step is resumable like any run.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from os import PathLike
from pathlib import Path

from sei_lmp.errors import ConfigurationError

__all__ = ["RunUntilResult", "count_jumps", "extend_run", "run_until"]


def _flat_settings(settings, prefix: str = "") -> dict:
    flat = {}
    for key, value in settings.items():
        if key == "protocol" and not prefix:
            continue
        if isinstance(value, dict):
            flat.update(_flat_settings(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def extend_run(run_dir: str | PathLike, add_ps: float):
    """Lengthen the last stage of the deck in ``run_dir`` by ``add_ps`` ps; returns the new :class:`Manifest`.

    Refused while a runner holds the run, for protocols without an extendable stage (NEB), and for
    ``add_ps <= 0``. The potential, structure, backend and launch switches stay those of the deck.
    """
    from sei_lmp.decks.protocols import PROTOCOLS
    from sei_lmp.decks.render import render_deck
    from sei_lmp.potentials import load_potential
    from sei_lmp.run import layout
    from sei_lmp.run.directory import RunDirectory

    run = RunDirectory(run_dir)
    manifest = run.manifest
    cls = PROTOCOLS.get(manifest.protocol)
    if cls is None or cls.extend_setting is None:
        raise ConfigurationError(f"{run.path}: a {manifest.protocol} run has no stage to lengthen")
    if not add_ps > 0:
        raise ConfigurationError(f"add_ps must be positive, got {add_ps}")
    if run.is_locked():
        raise ConfigurationError(f"{run.path} is running; extend it after the runner stops")
    old = cls().with_settings(_flat_settings(dict(manifest.settings)))
    key = cls.extend_setting
    new = old.with_settings({key: getattr(old, key) + add_ps})
    before, after = old.stage_steps(), new.stage_steps()
    if any(after[s] != before[s] for s in before if s != "total") or after["total"] <= before["total"]:
        raise ConfigurationError(f"lengthening {key} of {run.path} would move an earlier stage "
                                 f"({before} -> {after}); render a new deck instead")
    potential = load_potential(manifest.potential["path"], species=manifest.potential.get("species"))
    deck = render_deck(new, run.data_file, potential, manifest.backend, type_elements=list(manifest.elements),
                       pair_style=(manifest.pair_style or "").split()[0] or None, workdir=run.path)
    extensions = [*manifest.extra.get("extensions", []),
                  {"time": datetime.now(timezone.utc).isoformat(timespec="seconds"), key: getattr(new, key),
                   "total_steps": after["total"]}]
    rendered = type(manifest).from_dict(deck.manifest)
    updated = rendered.replace(switches=manifest.switches, **{**manifest.extra, "extensions": extensions})
    # The restart a deck writes after its last stage holds no thermostat state (the stage's fixes are gone
    # by then): continuing from it would restart the Nose-Hoover chain. Set it aside (kept, not deleted) so the
    # run continues from the last periodic restart of the stage, written with its fixes, and recomputes the
    # steps after it exactly as a killed run does.
    final = run.path / layout.RESTART_GLOB.replace("*", str(before["total"]))
    if final.is_file():
        final.rename(final.with_name(final.name + ".end_of_run"))
    run.input.write_text(deck.input_text)
    manifest = run.write_manifest(updated)
    run.reopen()
    return manifest


@dataclass
class RunUntilResult:
    """What :func:`run_until` did: events per run after each round, and why it stopped."""

    counts: dict[str, list[int]] = field(default_factory=dict)
    rounds: int = 0
    reason: str = ""

    @property
    def enough(self) -> bool:
        return self.reason == "enough"


def run_until(run_dirs: Sequence[str | PathLike], count: Callable[[Path], int], *, min_count: int,
              add_ps: float, max_rounds: int = 10, budget_s: float | None = None,
              run: Callable[[Path], object] | None = None,
              run_many: Callable[[list[Path]], object] | None = None,
              log: Callable[[str], None] | None = None) -> RunUntilResult:
    """Run every deck, count its events, and lengthen the ones with fewer than ``min_count`` by ``add_ps`` ps,
    until all have enough, ``max_rounds`` rounds were made, or ``budget_s`` seconds of wall time are spent.

    ``count(run_dir)`` returns the events seen so far (e.g. jumps of the interstitial); ``run(run_dir)`` runs
    or resumes one deck (default :func:`sei_lmp.run.run_deck` without a progress bar); ``run_many(run_dirs)``,
    when given, runs a round's decks together instead (e.g. a sweep's local pool,
    :func:`sei_lmp.sweep.run_local` with ``runs=``).
    """
    from sei_lmp.run import run_deck

    run = run or (lambda d: run_deck(d, progress=False))
    dirs = [Path(d) for d in run_dirs]
    result = RunUntilResult(counts={str(d): [] for d in dirs})
    start = time.monotonic()
    pending = list(dirs)
    while True:
        if run_many is not None:
            run_many(list(pending))
        else:
            for d in pending:
                run(d)
        for d in dirs:
            result.counts[str(d)].append(int(count(d)))
        result.rounds += 1
        short = [d for d in dirs if result.counts[str(d)][-1] < min_count]
        if not short:
            result.reason = "enough"
            break
        if result.rounds >= max_rounds:
            result.reason = f"stopped after {max_rounds} rounds with {len(short)} run(s) below {min_count} events"
            break
        if budget_s is not None and time.monotonic() - start >= budget_s:
            result.reason = f"time budget of {budget_s:g} s spent with {len(short)} run(s) below {min_count} events"
            break
        for d in short:
            extend_run(d, add_ps)
            if log:
                log(f"{d.name}: {result.counts[str(d)][-1]} events < {min_count}; production + {add_ps:g} ps")
        pending = short
    return result


def count_jumps(run_dir: str | PathLike, species: str = "Li", min_residence_ps: float = 0.1) -> int:
    """Jumps (mechanism events) of ``species`` seen so far in a run's production dump, on sites from its
    clustered time-averaged positions: the counter of a sweep's ``[until]`` section. 0 before production."""
    from sei_lmp.analysis.transport import jump_analysis
    from sei_lmp.run.directory import RunDirectory

    dump = RunDirectory(run_dir).production_dump
    if not dump.is_file():
        return 0
    return len(jump_analysis(run_dir, species=species, min_residence_ps=min_residence_ps).mechanisms)
