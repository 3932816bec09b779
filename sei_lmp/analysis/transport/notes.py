"""The warning category of transport analysis (too-short runs, poor fits, phase changes in a window)."""

from __future__ import annotations

import warnings

__all__ = ["TransportWarning", "warn_all"]


class TransportWarning(UserWarning):
    """A transport result is computed but should not be trusted as is; the message says why."""


def warn_all(prefix: str, notes: list[str]) -> None:
    for note in notes:
        warnings.warn(f"{prefix}: {note}", TransportWarning, stacklevel=3)
