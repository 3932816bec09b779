"""Deck directories as analysis input: the trajectory (or final structure) a deck directory holds and the
element of each LAMMPS type, from the run's manifest (``elements``, written by :mod:`sei_lmp.decks`) or from
``elements=[...]``. Reading the frames themselves is :mod:`sei_lmp.io.frames`' job; what a run directory
holds is :class:`sei_lmp.run.directory.RunDirectory`'s.
"""

from __future__ import annotations

from collections.abc import Sequence
from os import PathLike
from pathlib import Path

from sei_lmp.errors import ConfigurationError, ParseError
from sei_lmp.io.frames import Source, carries_elements, load_pipeline
from sei_lmp.run.directory import RunDirectory

__all__ = ["make_pipeline", "manifest_elements", "resolve_source"]


def manifest_elements(run_dir: str | PathLike) -> list[str]:
    """Element per LAMMPS type (type 1 first) from a deck directory's manifest."""
    run = RunDirectory(run_dir)
    path = run.manifest_path
    if not run.has_manifest():
        raise ConfigurationError(f"{path} not found: pass a deck directory written by 'sei-lmp deck', "
                                 "or give the elements per type explicitly (elements=[...])")
    elements = run.manifest.elements
    if not elements:
        raise ParseError(f"{path} has no 'elements' list; give the elements per type explicitly (elements=[...])")
    return list(elements)


def resolve_source(source: Source, elements: Sequence[str] | None = None) -> tuple[Source, Sequence[str] | None]:
    """(what to read, element of each LAMMPS type) for ``source``.

    A deck directory becomes its trajectory (``trajectory.dump``/``production.dump``), else its final data
    file, with the elements of its manifest; a file inside a deck directory gets the manifest's elements
    too. Anything else is returned as it is.
    """
    path = Path(source) if isinstance(source, (str, PathLike)) else None
    if path is None:
        return source, elements
    if path.is_dir():
        if elements is None:
            elements = manifest_elements(path)
        run = RunDirectory(path)
        candidates = [run.trajectory, run.production_dump, run.final_data]
        found = [c for c in candidates if c.is_file()]
        if not found:
            raise ConfigurationError(f"{path} holds none of {', '.join(c.name for c in candidates)}; run the deck "
                                     "first ('sei-lmp run DIR') or pass a file")
        path = found[0]
    elif elements is None and path.is_file() and not carries_elements(path) \
            and RunDirectory(path.parent).has_manifest():
        elements = manifest_elements(path.parent)
    return path, elements


def make_pipeline(source: Source, elements: Sequence[str] | None = None):
    """An OVITO ``Pipeline`` over ``source`` whose particle types are named by element.

    ``source`` is an ``ase.Atoms``, a list of them (one frame each), a LAMMPS dump/data file, or a deck
    directory (its ``trajectory.dump``/``production.dump``, else ``final.data``; elements from its
    manifest). For a file, ``elements`` gives the element of LAMMPS types 1, 2, ...
    """
    return load_pipeline(*resolve_source(source, elements))
