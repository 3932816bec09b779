"""OVITO pipelines over what users have (``ase.Atoms``, a list of them, a LAMMPS dump or data file, a
CIF/POSCAR/extxyz file), with particle types named by element, and the frames they compute.

LAMMPS files only number their atom types; the element of each type is given as ``elements=[...]``
(type 1 first), or comes from a run's manifest: :func:`make_pipeline` takes a deck directory too, asks
:class:`sei_lmp.run.directory.RunDirectory` for its trajectory and elements (:func:`resolve_source`) and hands
the file to :func:`load_pipeline`.

For the unwrapped positions the transport analysis needs, see :mod:`sei_lmp.io.trajectory`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from os import PathLike
from pathlib import Path
from typing import Any

from sei_lmp.errors import ConfigurationError, ParseError

__all__ = ["Source", "carries_elements", "make_pipeline", "manifest_elements", "resolve_source", "frame_indices", "iter_data_collections", "load_pipeline", "name_types", "num_frames",
           "timestep", "type_names"]

#: what the analysis functions accept as input
Source = Any   # ase.Atoms | Sequence[ase.Atoms] | str | PathLike

_ASE_SUFFIXES = (".cif", ".xyz", ".extxyz", ".vasp", ".traj")
_ASE_PREFIXES = ("POSCAR", "CONTCAR", "XDATCAR")


def carries_elements(path: str | PathLike) -> bool:
    """Whether a file names its elements (CIF, POSCAR, extxyz, ...: read through ASE) rather than numbering
    LAMMPS atom types (dumps and data files, which need ``elements``)."""
    path = Path(path)
    return path.suffix.lower() in _ASE_SUFFIXES or path.name.startswith(_ASE_PREFIXES)


def name_types(pipeline, elements: Sequence[str]) -> None:
    """Name LAMMPS types 1..n after ``elements`` on the pipeline's source, so every frame (and a session file
    opened in the desktop program) sees element names, colours and radii."""
    particles = pipeline.source.data.particles_
    types = particles.particle_types_
    present = {ptype.id for ptype in types.types}
    for t, element in enumerate(elements, start=1):
        # a type the file does not use (an element of the potential absent from this structure) is defined
        # too: OVITO raises KeyError for an unknown type id, and a later frame may bring it in
        ptype = types.type_by_id_(t) if t in present else types.add_type_id(t, particles)
        ptype.name = element
        ptype.load_defaults()


def load_pipeline(source: Source, elements: Sequence[str] | None = None):
    """An OVITO ``Pipeline`` over ``source`` whose particle types are named by element.

    ``source`` is an ``ase.Atoms``, a list of them (one frame each), a LAMMPS dump/data file, or a
    structure file ASE reads (CIF, POSCAR, extxyz, ...). For a LAMMPS file, ``elements`` gives the element of
    LAMMPS types 1, 2, ... (without it the types keep their numbers).
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
    if not path.is_file():
        raise ConfigurationError(f"{path} does not exist; pass a LAMMPS dump/data file or a deck directory")
    if carries_elements(path):
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
            from sei_lmp.io.trajectory import warn_if_cut_off

            warn_if_cut_off(path)
            # explicit: after a render in the same process OVITO no longer scans a dump for frames by itself
            pipeline = import_file(str(path), multiple_frames=True)
    except Exception as err:   # OVITO raises RuntimeError with its own message
        raise ParseError(f"OVITO cannot read {path}: {err}") from err
    if elements is not None:
        name_types(pipeline, list(elements))
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
    """Number of frames of a pipeline from :func:`load_pipeline`."""
    n = getattr(pipeline, "num_frames", None)
    if n is None:
        n = pipeline.source.num_frames
    return int(n)


def frame_indices(n: int, frames: int | slice | Sequence[int] | None) -> list[int]:
    """Frames to analyse: None = all, an int = that frame (negative counts from the end), a slice or list."""
    import numpy as np

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


def iter_data_collections(pipeline, frames=None, progress: bool = False,
                          label: str = "frames") -> Iterator[tuple[int, Any]]:
    """Yield ``(frame index, DataCollection)`` for the chosen frames of ``pipeline``, computed with its modifiers.

    For snapshots of raw positions (no OVITO modifiers) see :func:`sei_lmp.io.trajectory.iter_position_frames`.
    """
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


# ---- deck directories as input: which file to read and the element of each LAMMPS type (from the manifest)

def manifest_elements(run_dir: str | PathLike) -> list[str]:
    """Element per LAMMPS type (type 1 first) from a deck directory's manifest."""
    from sei_lmp.run.directory import RunDirectory

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
    from sei_lmp.run.directory import RunDirectory

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
