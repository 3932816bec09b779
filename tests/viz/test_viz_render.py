"""Renders and session files: images are written with the expected size and are not blank, label colours
reach the pixels, session files reload with their pipeline. Rendering tests skip where OVITO cannot render."""

from __future__ import annotations

import numpy as np
import pytest
from ase.build import stack

from sei_lmp.errors import ConfigurationError
from sei_lmp.structures import phase
from sei_lmp.viz import can_render, load_session, render_snapshot, save_session
from sei_lmp.viz.scene import LABEL_COLORS


def _needs_renderer():
    ok, why = can_render("tachyon")
    if not ok:
        pytest.skip(why)


@pytest.fixture(scope="module")
def slab():
    lif = phase("LiF") * (2, 2, 2)
    li = phase("Li", a=4.0173 / 2) * (4, 4, 3)     # strained to the LiF cell: a picture, not physics
    return stack(lif, li, maxstrain=None, distance=2.0)


def _png(path):
    import matplotlib.image as mpimg

    return mpimg.imread(path)[..., :3]


def test_species_slab_render(slab, tmp_path):
    _needs_renderer()
    path = render_snapshot(slab, tmp_path / "slab.png", size=(400, 300), title="LiF | Li")
    image = _png(path)
    assert image.shape == (300, 400, 3)
    background = np.all(image > 0.97, axis=2)
    assert 0.05 < 1 - background.mean() < 0.9                      # atoms drawn, not all of the frame
    # no atom is clipped: the outermost 3 pixel rows/columns are background
    edge = np.concatenate([background[:3].ravel(), background[-3:].ravel(), background[:, -3:].ravel()])
    assert edge.mean() > 0.99


def test_label_colours_reach_the_image(slab, tmp_path):
    _needs_renderer()
    labels = np.where(np.array(slab.get_chemical_symbols()) == "F", "LiF", "amorphous")
    labels[: len(labels) // 2] = "Li2S"
    image = _png(render_snapshot(slab, tmp_path / "labels.png", labels=labels, size=(400, 300)))
    for name in ("Li2S", "amorphous"):
        colour = np.array(LABEL_COLORS[name])
        close = np.all(np.abs(image - colour) < 0.12, axis=2)
        assert close.mean() > 0.002, name
    with pytest.raises(ConfigurationError, match=f"3 labels for {len(slab)} atoms: give one label per atom"):
        render_snapshot(slab, tmp_path / "x.png", labels=["a", "b", "c"])


def test_views_and_errors(slab, tmp_path):
    _needs_renderer()
    for view in ("top", "perspective"):
        assert render_snapshot(slab, tmp_path / f"{view}.png", view=view, size=(200, 150)).stat().st_size > 1000
    with pytest.raises(ConfigurationError, match="unknown view 'side'; use one of slab, top, perspective"):
        render_snapshot(slab, tmp_path / "x.png", view="side")
    with pytest.raises(ConfigurationError, match="unknown renderer 'povray'; use one of tachyon, opengl"):
        render_snapshot(slab, tmp_path / "x.png", renderer="povray")


def test_session_round_trip(slab, tmp_path):
    path = save_session(slab, tmp_path / "slab.ovito")
    assert path.stat().st_size > 1000
    (pipeline,) = load_session(path)
    data = pipeline.compute()
    assert data.particles.count == len(slab)
    assert sorted(t.name for t in data.particles.particle_types.types) == ["F", "Li"]
    labels = ["LiF" if s == "F" else "amorphous" for s in slab.get_chemical_symbols()]
    (pipeline,) = load_session(save_session(slab, tmp_path / "labels.ovito", labels=labels))
    phase_types = pipeline.compute().particles["Phase"].types
    assert [t.name for t in phase_types] == list(dict.fromkeys(labels))
    with pytest.raises(ConfigurationError, match="must end in .ovito"):
        save_session(slab, tmp_path / "slab.session")


def test_session_keeps_a_trajectory_file(tmp_path):
    dump = tmp_path / "t.dump"
    frames = []
    for step in (0, 10, 20):
        frames += ["ITEM: TIMESTEP", str(step), "ITEM: NUMBER OF ATOMS", "2", "ITEM: BOX BOUNDS pp pp pp",
                   "0 5", "0 5", "0 5", "ITEM: ATOMS id type x y z", "1 1 1 1 1", "2 2 3 3 3"]
    dump.write_text("\n".join(frames) + "\n")
    (pipeline,) = load_session(save_session(dump, tmp_path / "t.ovito", elements=["Li", "F"]))
    assert pipeline.source.num_frames == 3
    assert [t.name for t in pipeline.compute(2).particles.particle_types.types] == ["Li", "F"]


def test_render_command(slab, tmp_path):
    from ase.io import write
    from typer.testing import CliRunner

    from sei_lmp.cli import app

    _needs_renderer()
    write(tmp_path / "slab.extxyz", slab)
    result = CliRunner().invoke(app, ["analyze", "render", str(tmp_path / "slab.extxyz"), "-i",
                                      str(tmp_path / "s.png"), "--label-phases", "LiF,Li", "--session",
                                      str(tmp_path / "s.ovito"), "--width", "300", "--height", "200"])
    assert result.exit_code == 0, result.output
    assert _png(tmp_path / "s.png").shape == (200, 300, 3)
    (pipeline,) = load_session(tmp_path / "s.ovito")
    assert "LiF" in [t.name for t in pipeline.compute().particles["Phase"].types]


def test_render_shows_only_its_own_structure(slab, tmp_path):
    """A session loaded earlier in the process stays in the scene but is not drawn into a new picture."""
    _needs_renderer()
    load_session(save_session(phase("Li") * (8, 8, 8), tmp_path / "big.ovito"))
    alone = _png(render_snapshot(slab, tmp_path / "a.png", size=(300, 200)))
    from ovito import scene

    for pipeline in list(scene.pipelines):
        pipeline.remove_from_scene()
    clean = _png(render_snapshot(slab, tmp_path / "b.png", size=(300, 200)))
    assert np.abs(alone - clean).max() < 0.05


def test_paths_are_drawn_wrapped_in_their_colour(tmp_path):
    """A path (e.g. a defect's) crossing the cell face is drawn in its colour, wrapped back into the cell."""
    _needs_renderer()
    crystal = phase("LiF") * (2, 2, 2)
    a = crystal.cell.lengths()[0]
    path = np.array([[0.5 * a, 0.5 * a, 0.5 * a], [1.3 * a, 0.5 * a, 0.5 * a]])   # leaves through x = a
    plain = _png(render_snapshot(crystal, tmp_path / "plain.png", size=(400, 300), view="top", radius=0.3))
    drawn = _png(render_snapshot(crystal, tmp_path / "path.png", size=(400, 300), view="top", radius=0.3,
                                 paths=[path], path_color=(0.0, 0.8, 0.0)))

    def green(image):
        return int(np.sum((image[..., 1] > 0.6) & (image[..., 0] < 0.3) & (image[..., 2] < 0.3)))

    assert green(plain) == 0 and green(drawn) > 200
