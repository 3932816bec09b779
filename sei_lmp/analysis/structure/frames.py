"""Turn what users have (``ase.Atoms``, a list of them, a LAMMPS dump or data file, a run directory) into
OVITO pipelines whose particle types carry element names, and walk chosen frames of them.

LAMMPS files only number their atom types; the element of each type comes from the run's
``manifest.json`` (``elements``, written by :mod:`sei_lmp.decks`) or from ``elements=[...]``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np

from sei_lmp.errors import ConfigurationError, ParseError
from sei_lmp.run.directory import RunDirectory

__all__ = ["Source", "frame_indices", "iter_frames", "make_pipeline", "manifest_elements", "num_frames",
           "type_names"]

#: what the analysis functions accept as input
Source = Any   # ase.Atoms | Sequence[ase.Atoms] | str | PathLike

_ASE_SUFFIXES = (".cif", ".xyz", ".extxyz", ".vasp", ".traj")


def manifest_elements(run_dir: str | PathLike) -> list[str]:
    """Element per LAMMPS type (type 1 first) from a deck directory's ``manifest.json``."""
    run = RunDirectory(run_dir)
    path = run.manifest_path
    if not run.has_manifest():
        raise ConfigurationError(f"{path} not found: pass a deck directory written by 'sei-lmp deck', "
                                 "or give the elements per type explicitly (elements=[...])")
    elements = run.manifest.elements
    if not elements:
        raise ParseError(f"{path} has no 'elements' list; give the elements per type explicitly (elements=[...])")
    return list(elements)


def _name_types(pipeline, elements: Sequence[str]) -> None:
    """Name LAMMPS types 1..n after ``elements`` on the pipeline's source, so every frame (and a session file
    opened in the desktop program) sees element names, colours and radii."""
    types = pipeline.source.data.particles_.particle_types_
    for t, element in enumerate(elements, start=1):
        if types.type_by_id(t) is not None:
            ptype = types.type_by_id_(t)
            ptype.name = element
            ptype.load_defaults()


def make_pipeline(source: Source, elements: Sequence[str] | None = None):
    """An OVITO ``Pipeline`` over ``source`` whose particle types are named by element.

    ``source`` is an ``ase.Atoms``, a list of them (one frame each), a LAMMPS dump/data file, or a deck
    directory (its ``trajectory.dump``/``production.dump``, else ``final.data``; elements from its
    manifest). For a file, ``elements`` gives the element of LAMMPS types 1, 2, ...
    """
    from ase import Atoms
    from ovito.io import import_file
    from ovito.io.ase import ase_to_ovito
    from ovito.pipeline import Pipeline, StaticSource

    if isinstance(source, Atoms):
        return Pipeline(source=StaticSource(data=ase_to_ovito(source)))
    if isinstance(source, (list, tuple)) and source and all(isinstance(a, Atoms) for a in source):
        return _ListPipeline(list(source))
    path = Path(source) if isinstance(source, (str, PathLike)) else None
    if path is None:
        raise ConfigurationError(f"cannot analyse a {type(source).__name__}: pass ase.Atoms, a list of ase.Atoms, "
                                 "a LAMMPS dump/data file or a deck directory")
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
    if not path.is_file():
        raise ConfigurationError(f"{path} does not exist; pass a LAMMPS dump/data file or a deck directory")
    if path.suffix.lower() in _ASE_SUFFIXES or path.name.startswith(("POSCAR", "CONTCAR", "XDATCAR")):
        # formats OVITO reads less completely than ASE (CIF symmetry, VASP): read them with ASE
        from ase.io import read

        try:
            frames = read(path, index=":")
        except Exception as err:
            raise ParseError(f"ASE cannot read {path}: {err}") from err
        return _ListPipeline(frames) if len(frames) > 1 else Pipeline(source=StaticSource(data=ase_to_ovito(frames[0])))
    try:
        if path.suffix == ".data" or path.name.endswith(".lammps-data"):
            pipeline = import_file(str(path), input_format="lammps/data", atom_style="atomic")
        else:
            # explicit: after a render in the same process OVITO no longer scans a dump for frames by itself
            pipeline = import_file(str(path), multiple_frames=True)
    except Exception as err:   # OVITO raises RuntimeError with its own message
        raise ParseError(f"OVITO cannot read {path}: {err}") from err
    if elements is None and RunDirectory(path.parent).has_manifest():
        elements = manifest_elements(path.parent)
    if elements is not None:
        _name_types(pipeline, list(elements))
    return pipeline


class _ListPipeline:
    """A list of ``ase.Atoms`` behaving like a multi-frame pipeline (one static pipeline per frame)."""

    def __init__(self, frames):
        from ovito.io.ase import ase_to_ovito
        from ovito.pipeline import Pipeline, StaticSource

        self._pipelines = [Pipeline(source=StaticSource(data=ase_to_ovito(a))) for a in frames]
        self.modifiers = _FanOut(self._pipelines)
        self.num_frames = len(frames)

    def frame_pipeline(self, frame: int):
        """The single-frame OVITO pipeline of one frame (to render or save it)."""
        return self._pipelines[frame]

    def compute(self, frame: int = 0):
        data = self._pipelines[frame].compute()
        data.attributes["SourceFrame"] = frame
        return data


class _FanOut:
    def __init__(self, pipelines):
        self._pipelines = pipelines

    def append(self, modifier):
        for p in self._pipelines:
            p.modifiers.append(modifier)


def num_frames(pipeline) -> int:
    n = getattr(pipeline, "num_frames", None)
    if n is None:
        n = pipeline.source.num_frames
    return int(n)


def frame_indices(n: int, frames: int | slice | Sequence[int] | None) -> list[int]:
    """Frames to analyse: None = all, an int = that frame (negative counts from the end), a slice or list."""
    if frames is None:
        return list(range(n))
    if isinstance(frames, slice):
        return list(range(n))[frames]
    chosen = [frames] if isinstance(frames, (int, np.integer)) else list(frames)
    out = []
    for f in chosen:
        g = int(f) + n if f < 0 else int(f)
        if not 0 <= g < n:
            raise ConfigurationError(f"frame {f} does not exist: the trajectory has {n} frame(s) (0..{n - 1})")
        out.append(g)
    if not out:
        raise ConfigurationError("no frames selected; pass frames=None for all frames")
    return out


def iter_frames(pipeline, frames=None, progress: bool = False, label: str = "frames") -> Iterator[tuple[int, Any]]:
    """Yield ``(frame, DataCollection)`` for the chosen frames of ``pipeline``, computed with its modifiers."""
    indices = frame_indices(num_frames(pipeline), frames)
    if progress and len(indices) > 1:
        from tqdm import tqdm
        indices = tqdm(indices, desc=label, unit="frame")
    for i in indices:
        yield i, pipeline.compute(i)


def type_names(data) -> dict[int, str]:
    """Particle type id -> name (element) of a computed frame."""
    types = data.particles.particle_types
    return {t.id: (t.name or str(t.id)) for t in types.types}


def timestep(data, frame: int) -> int:
    """The LAMMPS step of a frame (its index when the source has none)."""
    return int(data.attributes.get("Timestep", frame))
