"""OVITO session files (``.ovito``): the pipeline set up (element names, colours and radii; or per-atom
label colours with a legend), so a user opens the file in the desktop program and sees the structure.

A file source (dump, data file) is stored by absolute path, so the session opens the user's trajectory
with all its frames; ``ase.Atoms`` and labelled frames are stored inside the session. No Python code is
put in the pipeline, so OVITO Basic (without Python) opens it too.
"""

from __future__ import annotations

from collections.abc import Sequence
from os import PathLike
from pathlib import Path

from sei_lmp.errors import ConfigurationError, ParseError

__all__ = ["load_session", "save_session"]


def _clear_scene() -> None:
    from ovito import scene

    for pipeline in list(scene.pipelines):
        pipeline.remove_from_scene()


def save_session(source, path: str | PathLike, labels: Sequence[str] | None = None, frame: int = -1,
                 elements: Sequence[str] | None = None, view: str = "slab", radius: float = 0.7) -> Path:
    """Write an ``.ovito`` session showing ``source`` (coloured by element, or by ``labels`` of ``frame``)."""
    from sei_lmp.viz.render import _legend, _style
    from sei_lmp.viz.scene import alone_in_scene, labelled_pipeline, species_pipeline

    path = Path(path)
    if path.suffix != ".ovito":
        raise ConfigurationError(f"a session file must end in .ovito (got {path.name})")
    if isinstance(source, (str, PathLike)):
        source = Path(source).resolve()          # the session must find the file from anywhere
    if labels is not None:
        pipeline = labelled_pipeline(source, labels, frame, elements)
    else:
        pipeline = species_pipeline(source, elements)
        if hasattr(pipeline, "frame_pipeline"):  # a list of Atoms: keep the chosen frame
            from sei_lmp.io.frames import frame_indices

            (k,) = frame_indices(pipeline.num_frames, frame)
            pipeline = pipeline.frame_pipeline(k)
    _style(pipeline, radius)
    legend = _legend("label" if labels is not None else "species", pipeline)
    with alone_in_scene(pipeline):
        _save_with_layout(pipeline, path, view, legend)
    return path


def _save_with_layout(pipeline, path: Path, view: str, legend) -> None:
    from ovito import scene

    from sei_lmp.viz.render import _viewport

    active = None
    try:
        vp = _viewport(view)
        vp.zoom_all()
        # the active viewport of the saved layout gets the same camera and legend as our PNGs
        layout = getattr(scene, "viewport_config", None)
        active = getattr(layout, "active_vp", None)
        if active is not None:
            active.type, active.camera_dir, active.camera_pos, active.fov = vp.type, vp.camera_dir, vp.camera_pos, vp.fov
            active.overlays.append(legend)
        path.parent.mkdir(parents=True, exist_ok=True)
        scene.save(str(path))
    finally:
        # the layout lives on in this process: leave it as we found it
        if active is not None and legend in list(active.overlays):
            active.overlays.remove(legend)


def load_session(path: str | PathLike) -> list:
    """Load a session into this process's scene and return its pipelines (the check that a file we wrote
    reopens; the desktop program opens it with File > Load Session State)."""
    from ovito import scene

    path = Path(path)
    if not path.is_file():
        raise ConfigurationError(f"session file {path} does not exist")
    _clear_scene()
    try:
        scene.load(str(path))
    except Exception as err:
        raise ParseError(f"OVITO cannot load the session {path}: {err}") from err
    return list(scene.pipelines)
