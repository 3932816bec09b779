"""Where sweep runs execute: ``local`` (a process pool on this machine) or ``slurm`` (job arrays).

Each executor is one module here exposing a class ``Executor`` (see :mod:`.base`); it is imported only
when asked for by name, so a third scheduler is one new file.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import TYPE_CHECKING

from sei_lmp.errors import ConfigurationError

if TYPE_CHECKING:
    from sei_lmp.run.profiles import Profile
    from sei_lmp.sweep.executors.base import Executor

__all__ = ["available_executors", "get_executor"]

#: modules here that are not executors
_NOT_EXECUTORS = ("base", "worker")


def available_executors() -> list[str]:
    """Names of the executor modules in this package."""
    return sorted(m.name for m in pkgutil.iter_modules(__path__) if m.name not in _NOT_EXECUTORS)


def get_executor(name: str, profile: Profile | None = None) -> Executor:
    """The executor ``name`` (module ``sei_lmp.sweep.executors.<name>``, class ``Executor``) for ``profile``."""
    from sei_lmp.sweep.executors.base import Executor

    known = available_executors()
    if name not in known:
        raise ConfigurationError(f"unknown executor '{name}'; choose {' or '.join(known)}")
    cls = getattr(importlib.import_module(f"{__name__}.{name}"), "Executor", None)
    if not (isinstance(cls, type) and issubclass(cls, Executor)):
        raise ConfigurationError(f"{__name__}.{name} has no class Executor (a subclass of "
                                 f"sei_lmp.sweep.executors.base.Executor)")
    return cls(profile)
