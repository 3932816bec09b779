"""PNG snapshots rendered by OVITO: a slab side view (looking along y, z up: the interface normal runs up
the picture) or a perspective view, atoms coloured by element or by label, with a colour legend and a title.

Rendering needs a working OpenGL/Vulkan stack even for Tachyon in OVITO 3.17 from PyPI (on Debian:
``libvulkan1 mesa-vulkan-drivers``). :func:`can_render` tries a tiny render once and says why not.
"""

from __future__ import annotations

import functools
import tempfile
from collections.abc import Sequence
from os import PathLike
from pathlib import Path

import numpy as np

from sei_lmp.errors import ConfigurationError

__all__ = ["RENDERERS", "VIEWS", "can_render", "render_snapshot"]

VIEWS = ("slab", "top", "perspective")
RENDERERS = ("tachyon", "opengl")


def _renderer(name: str):
    from ovito.vis import OpenGLRenderer, TachyonRenderer

    if name == "tachyon":
        return TachyonRenderer(ambient_occlusion=True, antialiasing=True)
    if name == "opengl":
        return OpenGLRenderer()
    raise ConfigurationError(f"unknown renderer '{name}'; use one of {', '.join(RENDERERS)}")


@functools.cache
def can_render(renderer: str = "tachyon") -> tuple[bool, str]:
    """(True, "") if a tiny test image renders here, else (False, the reason with what to install)."""
    from ase import Atoms
    from ovito.io.ase import ase_to_ovito
    from ovito.pipeline import Pipeline, StaticSource
    from ovito.vis import Viewport

    pipeline = Pipeline(source=StaticSource(data=ase_to_ovito(Atoms("H", cell=[2, 2, 2], pbc=True))))
    pipeline.add_to_scene()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            vp = Viewport(type=Viewport.Type.Front)
            vp.zoom_all()
            vp.render_image(size=(16, 16), filename=str(Path(tmp) / "probe.png"), renderer=_renderer(renderer))
        return True, ""
    except Exception as err:  # noqa: BLE001  (OVITO reports a missing GPU stack with various types)
        return False, (f"OVITO cannot render with '{renderer}' here ({str(err).strip()[:200]}); install a Vulkan "
                       "loader and driver (Debian: apt-get install libvulkan1 mesa-vulkan-drivers)")
    finally:
        pipeline.remove_from_scene()


def _viewport(view: str):
    from ovito.vis import Viewport

    if view == "slab":
        return Viewport(type=Viewport.Type.Front)          # looks along +y, z up
    if view == "top":
        return Viewport(type=Viewport.Type.Top)            # looks down -z
    if view == "perspective":
        return Viewport(type=Viewport.Type.Perspective, camera_dir=(-1.0, -1.6, -0.8))
    raise ConfigurationError(f"unknown view '{view}'; use one of {', '.join(VIEWS)}")


def _legend(color_by: str, pipeline=None):
    from ovito.qt_compat import QtCore
    from ovito.vis import ColorLegendOverlay

    prop = "particles/Phase" if color_by == "label" else "particles/Particle Type"
    return ColorLegendOverlay(property=prop, alignment=QtCore.Qt.AlignmentFlag.AlignRight
                              | QtCore.Qt.AlignmentFlag.AlignTop, legend_size=0.3, font_size=0.1,
                              title="phase" if color_by == "label" else "element",
                              # tied to our pipeline: the scene may hold others (e.g. a loaded session)
                              **({"pipeline": pipeline} if pipeline is not None else {}))


def _style(pipeline, radius: float) -> None:
    """Atoms wrapped into the cell, one radius for all elements (OVITO's element radii make Li hide F and O
    in ionic phases) and a thin cell outline, set on the source so every frame (and a session) has them."""
    from ovito.modifiers import WrapPeriodicImagesModifier
    from ovito.pipeline import StaticSource

    # atoms drawn inside the cell (unwrapped dumps and rattled crystals hang out of it otherwise)
    pipeline.modifiers.append(WrapPeriodicImagesModifier())
    static = isinstance(pipeline.source, StaticSource)
    # a static source's data may be shared: edit a copy and put it back; a file source's data is editable
    source_data = pipeline.source.data.clone() if static else pipeline.source.data
    if source_data.particles is not None:
        types = source_data.particles_.particle_types_
        for ptype in list(types.types):
            types.type_by_id_(ptype.id).radius = radius
    if source_data.cell is not None and source_data.cell.vis is not None:
        source_data.cell.vis.rendering_color = (0.3, 0.3, 0.3)
        source_data.cell.vis.line_width = 0.15
    if static:
        pipeline.source.data = source_data


def _path_lines(paths, color, width):
    """A pipeline step that adds ``paths`` as wrapped polylines (an OVITO ``Lines`` object)."""
    polylines = [np.asarray(p, dtype=float).reshape(-1, 3) for p in paths]

    def add_paths(frame, data):
        from ovito.vis import LinesVis

        lines = data.lines.create("paths", vis=LinesVis(color=color, width=width, wrapped_lines=True,
                                                         rounded_caps=True))
        for line in polylines:
            if len(line) > 1:
                lines.create_line(line)

    return add_paths


def render_snapshot(source, path: str | PathLike, frame: int = -1, labels: Sequence[str] | None = None,
                    view: str = "slab", size: tuple[int, int] = (900, 700), renderer: str = "tachyon",
                    title: str | None = None, elements: Sequence[str] | None = None,
                    radius: float = 0.7, paths: Sequence | None = None,
                    path_color: tuple[float, float, float] = (0.85, 0.05, 0.05), path_width: float = 0.35) -> Path:
    """Render one frame of ``source`` to a PNG and return its path.

    Parameters
    ----------
    source
        ``ase.Atoms``, a list of them, a LAMMPS dump/data file or a deck directory.
    labels
        one label per atom (e.g. ``label_phases(...)["label"]``): colour by label instead of element.
    view
        ``slab`` (side view along y, z up, orthographic), ``top`` (along -z) or ``perspective``.
    radius
        atom radius in Angstrom, the same for every element, so small anions are not hidden behind Li.
    paths
        polylines to draw over the atoms, each an (n, 3) array of unwrapped positions in the frame's
        coordinates (e.g. a defect's path from :func:`sei_lmp.analysis.transport.jump_analysis`); they are
        wrapped into the cell where they cross its faces.
    """
    from ovito.qt_compat import QtCore
    from ovito.vis import TextLabelOverlay

    from sei_lmp.viz.scene import alone_in_scene, labelled_pipeline, species_pipeline

    ok, why = can_render(renderer)
    if not ok:
        raise ConfigurationError(why)
    vp = _viewport(view)                  # checks the view name before any work
    if labels is not None:
        pipeline = labelled_pipeline(source, labels, frame, elements)
        shown, color_by = 0, "label"
    else:
        from sei_lmp.io.frames import frame_indices, num_frames

        pipeline = species_pipeline(source, elements)
        (shown,) = frame_indices(num_frames(pipeline), frame)
        color_by = "species"
    data = pipeline.compute(shown)
    if hasattr(pipeline, "frame_pipeline"):        # a list of Atoms: render the chosen frame's own pipeline
        pipeline = pipeline.frame_pipeline(shown)
        shown = 0
    _style(pipeline, radius)
    if paths is not None and len(paths):
        pipeline.modifiers.append(_path_lines(paths, path_color, path_width))
    with alone_in_scene(pipeline):
        from ovito import scene

        scene.anim.current_frame = shown
        vp.overlays.append(_legend(color_by, pipeline))
        step = data.attributes.get("Timestep")
        text = title if title is not None else f"{data.particles.count} atoms" + (
            f", step {int(step)}" if step is not None else "")
        vp.overlays.append(TextLabelOverlay(text=text, font_size=0.045, text_color=(0.1, 0.1, 0.1),
                                            alignment=QtCore.Qt.AlignmentFlag.AlignLeft
                                            | QtCore.Qt.AlignmentFlag.AlignTop))
        vp.zoom_all(size=size)
        vp.fov *= 1.25                  # a margin, so no atom touches the image edge or the overlays
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        vp.render_image(size=size, filename=str(path), background=(1.0, 1.0, 1.0), renderer=_renderer(renderer))
    return path
