"""Images and OVITO session files: :func:`render_snapshot` (PNG, coloured by element or by a per-atom label,
slab side view), :func:`save_session` / :func:`load_session` (``.ovito`` files the desktop program opens),
:func:`can_render` (whether this machine can render at all)."""

from sei_lmp.viz.render import can_render, render_snapshot
from sei_lmp.viz.session import load_session, save_session

__all__ = ["can_render", "load_session", "render_snapshot", "save_session"]
