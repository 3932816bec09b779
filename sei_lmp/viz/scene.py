"""Build the OVITO pipeline a picture or a session shows: element colours, or colours per label with a
typed ``Phase`` property, so OVITO's colour legend lists the labels by name."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence

import numpy as np

from sei_lmp.errors import ConfigurationError

__all__ = ["LABEL_COLORS", "alone_in_scene", "labelled_pipeline", "species_pipeline"]

#: colours of product labels (RGB 0..1); unknown names get the next colour of a qualitative palette
LABEL_COLORS = {
    "Li": (0.80, 0.50, 1.00), "LiF": (0.30, 0.75, 0.30), "Li2O": (0.95, 0.30, 0.25), "Li2S": (0.95, 0.80, 0.10),
    "Li3P": (1.00, 0.50, 0.00), "LixP": (0.85, 0.40, 0.10), "Li2CO3": (0.35, 0.55, 0.95),
    "amorphous": (0.72, 0.72, 0.72),
}
_PALETTE = [(0.12, 0.47, 0.71), (0.17, 0.63, 0.17), (0.84, 0.15, 0.16), (0.58, 0.40, 0.74), (0.55, 0.34, 0.29),
            (0.89, 0.47, 0.76), (0.74, 0.74, 0.13), (0.09, 0.75, 0.81)]


@contextlib.contextmanager
def alone_in_scene(pipeline):
    """Show only ``pipeline`` while the block runs (a render or a save), then put back what was there."""
    from ovito import scene

    others = list(scene.pipelines)
    for other in others:
        other.remove_from_scene()
    pipeline.add_to_scene()
    try:
        yield
    finally:
        pipeline.remove_from_scene()
        for other in others:
            other.add_to_scene()


def _pipeline(source, elements: Sequence[str] | None):
    from sei_lmp.io.frames import make_pipeline

    return make_pipeline(source, elements)


def species_pipeline(source, elements: Sequence[str] | None = None):
    """Pipeline with particle types named and coloured by element."""
    return _pipeline(source, elements)


def labelled_pipeline(source, labels: Sequence[str], frame: int = -1, elements: Sequence[str] | None = None):
    """A static pipeline of one frame whose atoms carry a typed ``Phase`` property (one type per label,
    coloured from :data:`LABEL_COLORS`) and matching per-atom colours. Static, so a session file holds
    the labels without any Python in the pipeline."""
    from ovito.data import ParticleType
    from ovito.pipeline import Pipeline, StaticSource

    from sei_lmp.io.frames import frame_indices, num_frames

    pipeline = _pipeline(source, elements)
    (index,) = frame_indices(num_frames(pipeline), frame)
    data = pipeline.compute(index)
    labels = np.asarray(labels, dtype=str)
    if len(labels) != data.particles.count:
        raise ConfigurationError(f"{len(labels)} labels for {data.particles.count} atoms: give one label per atom "
                                 "(e.g. label_phases(...)['label'])")
    names = list(dict.fromkeys(labels.tolist()))
    prop = data.particles_.create_property("Phase", dtype=int, components=1)
    colors = {}
    extra = iter(_PALETTE * 4)
    for k, name in enumerate(names, start=1):
        colors[name] = LABEL_COLORS.get(name) or next(extra)
        prop.types.append(ParticleType(id=k, name=name, color=colors[name]))
    ids = {name: k for k, name in enumerate(names, start=1)}
    prop[...] = np.array([ids[x] for x in labels])
    data.particles_.create_property("Color", data=np.array([colors[x] for x in labels]))
    return Pipeline(source=StaticSource(data=data))
