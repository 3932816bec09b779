"""The run directory: the one owner of its files, its manifest and its state.

A run directory is what :func:`sei_lmp.decks.render_deck` writes (``in.lmp``, ``manifest.json``, the data
files) and what :func:`sei_lmp.run.run_deck` runs in (stdout, logs, restarts, the attempt journal, the done
marker, the lock). Decks, runners, sweeps and analyses ask :class:`RunDirectory` for paths and facts, and
:class:`Manifest` is the only code that reads or writes ``manifest.json``.

States of a run (:meth:`RunDirectory.state`):

``done``
    the deck reached its final step (the done marker).
``running``
    a runner holds the run's lock (same machine), or the last attempt has no end record and ran on
    another host (a cluster node: it cannot be checked from here).
``interrupted``
    the last attempt was stopped (signal, Ctrl-C, time limit) or its runner died; running again resumes
    it from its newest restart.
``failed``
    LAMMPS stopped with an error; ``reason`` is the ERROR line of its output.
``pending``
    never started.

Only the standard library is imported at module level, so the deck renderer and the sweep status can
use this module without pandas.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import re
import shutil
import socket
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import cached_property
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sei_lmp.errors import ConfigurationError, RunLocked
from sei_lmp.run import layout

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["STATES", "Manifest", "RunDirectory", "RunState", "latest_restart", "read_attempts", "restart_step"]

STATES = ("done", "running", "interrupted", "failed", "pending")
#: the keys a runner cannot do without (analyses need fewer, see :meth:`Manifest.read`)
TO_RUN = ("protocol", "backend", "switches", "total_steps", "one_rank_only")
#: unit suffixes of setting names; a setting read by its new name falls back to the name without it
_UNIT_SUFFIXES = ("_K", "_fs", "_ps", "_ns", "_bar", "_A", "_eV")
#: a complete restart file ends with this string (read_restart checks it too)
_RESTART_MAGIC = b"LammpS RestartT"
#: exit statuses that mean "stopped from outside", not "LAMMPS found an error"
SIGNALLED_EXITS = {-9, -15, -2, 137, 143, 130}
_MISSING = object()


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


# ---------------------------------------------------------------- manifest

@dataclass(frozen=True)
class Manifest:
    """What the renderer knew about a deck: the contents of ``manifest.json``.

    Attributes
    ----------
    protocol, backend
        the protocol name (``diffusion_nvt``, ...) and the backend (``plugin``, ``lammps``, ``kokkos``).
    switches
        LAMMPS command-line switches the deck needs (Kokkos ``-k on g N -sf kk``, ...).
    total_steps
        the timestep the deck ends at; ``stages`` the step each stage ends at (and ``total``).
    one_rank_only
        the pair style runs on one MPI rank (per partition) only.
    restart_glob
        where the deck writes restart files, with one ``*`` for the timestep.
    pair_style, elements, potential, settings, extrapolation_guard, sei_lmp_version
        the pair style, the element of each LAMMPS type (type 1 first), the potential (path, family,
        species, provenance), the protocol's settings, whether the extrapolation guard is on, and the
        sei_lmp that rendered the deck.
    partitions
        replicas run side by side as LAMMPS partitions (``-partition Nx(nprocs/N)``); 1 for one replica.
    data_files
        the data files the deck reads (one per replica for multi-replica protocols).
    extra
        keys this version does not know; kept, so rewriting a newer manifest loses nothing.
    """

    protocol: str = ""
    backend: str = ""
    switches: tuple[str, ...] = ()
    total_steps: int = 0
    stages: Mapping[str, int] = field(default_factory=dict)
    one_rank_only: bool = False
    restart_glob: str = layout.RESTART_GLOB
    pair_style: str | None = None
    elements: tuple[str, ...] = ()
    potential: Mapping[str, Any] = field(default_factory=dict)
    settings: Mapping[str, Any] = field(default_factory=dict)
    extrapolation_guard: bool = False
    sei_lmp_version: str | None = None
    partitions: int = 1
    data_files: tuple[str, ...] = (layout.DATA_FILE,)
    extra: Mapping[str, Any] = field(default_factory=dict)

    # ---- reading and writing

    @classmethod
    def from_dict(cls, raw: Any, where: str = "the manifest", require: tuple[str, ...] = TO_RUN) -> Manifest:
        """Check and convert a manifest mapping; ``where`` names it in messages.

        Keys in ``require`` must be present; every key present must have the right type. A manifest
        written before ``partitions`` and ``data_files`` existed gets their defaults.
        """
        if not isinstance(raw, Mapping):
            raise ConfigurationError(f"{where} is not a JSON object; render the deck again")
        missing = [k for k in require if k not in raw]
        if missing:
            raise ConfigurationError(f"{where} lacks {', '.join(missing)}; render the deck again")
        switches = raw.get("switches", [])
        if not isinstance(switches, (list, tuple)) or not all(isinstance(s, str) for s in switches):
            raise ConfigurationError(f"{where}: 'switches' must be a list of strings, got {switches!r}")
        glob = raw.get("restart_glob", layout.RESTART_GLOB)
        if not isinstance(glob, str) or glob.count("*") != 1:
            raise ConfigurationError(
                f"{where}: restart_glob {glob!r} must contain exactly one '*' (LAMMPS puts the timestep there)"
            )
        total = raw.get("total_steps", 0)
        if isinstance(total, bool) or not isinstance(total, int) or total < 0:
            raise ConfigurationError(f"{where}: 'total_steps' must be a timestep (int >= 0), got {total!r}")
        partitions = raw.get("partitions", 1)
        if isinstance(partitions, bool) or not isinstance(partitions, int) or partitions < 1:
            raise ConfigurationError(f"{where}: 'partitions' must be a positive integer, got {partitions!r}")
        data_files = raw.get("data_files", [layout.DATA_FILE])
        if not isinstance(data_files, (list, tuple)) or not data_files or \
                not all(isinstance(d, str) and d for d in data_files):
            raise ConfigurationError(f"{where}: 'data_files' must be a non-empty list of file names, "
                                     f"got {data_files!r}")
        elements = raw.get("elements") or []
        if not isinstance(elements, (list, tuple)) or not all(isinstance(e, str) for e in elements):
            raise ConfigurationError(f"{where}: 'elements' must be a list of element symbols, got {elements!r}")
        for key in ("stages", "potential", "settings"):
            if not isinstance(raw.get(key, {}), Mapping):
                raise ConfigurationError(f"{where}: '{key}' must be a JSON object, got {raw[key]!r}")
        known = {f.name for f in dataclasses.fields(cls)} - {"extra"}
        return cls(
            protocol=str(raw.get("protocol", "")), backend=str(raw.get("backend", "")), switches=tuple(switches),
            total_steps=total, stages=dict(raw.get("stages", {})), one_rank_only=bool(raw.get("one_rank_only", False)),
            restart_glob=glob, pair_style=raw.get("pair_style"), elements=tuple(elements),
            potential=dict(raw.get("potential", {})), settings=dict(raw.get("settings", {})),
            extrapolation_guard=bool(raw.get("extrapolation_guard", False)),
            sei_lmp_version=raw.get("sei_lmp_version"), partitions=partitions, data_files=tuple(data_files),
            extra={k: v for k, v in raw.items() if k not in known},
        )

    @classmethod
    def read(cls, directory: str | PathLike, require: tuple[str, ...] = TO_RUN) -> Manifest:
        """Read ``directory/manifest.json``; :class:`ConfigurationError` if it is missing or wrong.

        ``require`` are the keys that must be there; the default is what the runner needs, an
        analysis passes the few it reads (``()`` for none).
        """
        path = Path(directory) / layout.MANIFEST
        try:
            raw = json.loads(path.read_text())
        except FileNotFoundError:
            raise ConfigurationError(
                f"{Path(directory)} is not a rendered deck: {layout.MANIFEST} is missing. Render the deck "
                f"first; run_deck needs {layout.INPUT} and {layout.MANIFEST}."
            ) from None
        except (OSError, ValueError) as exc:
            raise ConfigurationError(f"cannot read {path}: {exc}; render the deck again") from exc
        return cls.from_dict(raw, str(path), require)

    def to_dict(self) -> dict[str, Any]:
        """The JSON object of ``manifest.json``: the renderer's key order, then the new keys, then unknown ones."""
        out = {
            "protocol": self.protocol, "backend": self.backend, "switches": list(self.switches),
            "total_steps": self.total_steps, "stages": dict(self.stages), "one_rank_only": self.one_rank_only,
            "restart_glob": self.restart_glob, "pair_style": self.pair_style, "elements": list(self.elements),
            "potential": dict(self.potential), "settings": dict(self.settings),
            "extrapolation_guard": self.extrapolation_guard, "sei_lmp_version": self.sei_lmp_version,
            "partitions": self.partitions, "data_files": list(self.data_files),
        }
        return {**out, **{k: v for k, v in self.extra.items() if k not in out}}

    def write(self, directory: str | PathLike) -> Path:
        """Write ``directory/manifest.json``; returns its path."""
        path = Path(directory) / layout.MANIFEST
        path.write_text(json.dumps(self.to_dict(), indent=2) + "\n")
        return path

    def replace(self, **changes: Any) -> Manifest:
        """A copy with ``changes`` (checked like a manifest read from disk)."""
        return Manifest.from_dict({**self.to_dict(), **changes}, require=())

    # ---- typed accessors for analyses

    def setting(self, key: str, default: Any = _MISSING) -> Any:
        """A protocol setting by its dotted name (``"md.timestep_fs"``, ``"temperature_K"``).

        Setting names gained their units (``temperature`` -> ``temperature_K``); a manifest written
        before that has the old name, so a name with a unit suffix also finds the name without it,
        and a name without one finds the suffixed name. Without ``default``, a missing setting is a
        :class:`ConfigurationError` naming it.
        """
        *path, name = key.split(".")
        table: Any = self.settings
        for part in path:
            table = table.get(part, {}) if isinstance(table, Mapping) else {}
        if isinstance(table, Mapping):
            for candidate in _spellings(name):
                if candidate in table:
                    return table[candidate]
        if default is _MISSING:
            raise ConfigurationError(f"the manifest has no setting '{key}' (settings: "
                                     f"{', '.join(sorted(self.settings)) or 'none'}); render the deck again")
        return default

    @property
    def timestep_fs(self) -> float:
        """The MD time step in fs (``settings.md.timestep_fs``)."""
        return float(self.setting("md.timestep_fs"))

    @property
    def temperature_K(self) -> float:
        """The temperature of the protocol in K (``settings.temperature_K``, formerly ``temperature``)."""
        return float(self.setting("temperature_K"))


def _spellings(name: str) -> list[str]:
    for suffix in _UNIT_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return [name, name[: -len(suffix)]]
    return [name, *(name + suffix for suffix in _UNIT_SUFFIXES)]


# ---------------------------------------------------------------- state

@dataclass(frozen=True)
class RunState:
    """Where one run stands (see the module docstring for the states).

    Attributes
    ----------
    state
        one of :data:`STATES`.
    reason
        why it is failed, interrupted or running elsewhere; empty otherwise.
    attempts
        attempts recorded in the journal.
    last_step
        the furthest timestep known (newest restart or last thermo line); None before any.
    restart
        the newest complete restart file, relative to the run directory; None if there is none.
    """

    state: str
    reason: str = ""
    attempts: int = 0
    last_step: int | None = None
    restart: str | None = None


def _alive(pid: int) -> bool:
    """Whether process ``pid`` runs; a zombie (an orphan not reaped yet) does not count."""
    if Path("/proc/self/stat").is_file():
        try:
            return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0] != "Z"
        except OSError:
            return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# ---------------------------------------------------------------- restarts

def _step_pattern(glob: str) -> re.Pattern:
    head, tail = glob.split("*")
    return re.compile(re.escape(head) + r"(\d+)" + re.escape(tail) + r"\Z")


def _is_complete_restart(path: Path) -> bool:
    """A restart file LAMMPS finished writing: not empty, and it ends with the magic string."""
    try:
        size = path.stat().st_size
        if size < len(_RESTART_MAGIC):
            return False
        with path.open("rb") as f:
            f.seek(max(0, size - 64))
            return f.read().rstrip(b"\0").endswith(_RESTART_MAGIC)
    except OSError:
        return False


def restart_step(path: str | PathLike, restart_glob: str = layout.RESTART_GLOB) -> int:
    """Timestep of a restart file, from its name (``restarts/restart.1500`` -> 1500)."""
    path = Path(path)
    suffix = restart_glob.split("*")[1]
    name = path.name[: len(path.name) - len(suffix)] if suffix else path.name
    digits = re.search(r"(\d+)\Z", name)
    if digits is None:
        raise ConfigurationError(f"cannot read a timestep from the restart file name {path}")
    return int(digits.group(1))


# ---------------------------------------------------------------- the directory

class RunDirectory:
    """One run directory: its paths, manifest, attempt journal, restarts, lock and state.

    Parameters
    ----------
    path
        the directory (it need not exist yet: :meth:`write_deck` creates it).
    """

    def __init__(self, path: str | PathLike):
        self.path = Path(path)

    def __repr__(self) -> str:
        return f"RunDirectory({str(self.path)!r})"

    def __fspath__(self) -> str:
        return str(self.path)

    # ---- paths

    @property
    def input(self) -> Path:
        return self.path / layout.INPUT

    @property
    def manifest_path(self) -> Path:
        return self.path / layout.MANIFEST

    @property
    def stdout(self) -> Path:
        return self.path / layout.STDOUT

    @property
    def log(self) -> Path:
        return self.path / layout.LOG

    @property
    def current_log(self) -> Path:
        return self.path / layout.CURRENT_LOG

    @property
    def attempts_path(self) -> Path:
        return self.path / layout.ATTEMPTS

    @property
    def done_path(self) -> Path:
        return self.path / layout.DONE

    @property
    def lock_path(self) -> Path:
        return self.path / layout.LOCK

    @property
    def sweep_point(self) -> Path:
        return self.path / layout.SWEEP_POINT

    @property
    def worker_log(self) -> Path:
        return self.path / layout.WORKER_LOG

    @property
    def srun_wrapper(self) -> Path:
        return self.path / layout.SRUN_WRAPPER

    @property
    def trajectory(self) -> Path:
        return self.path / layout.TRAJECTORY

    @property
    def production_dump(self) -> Path:
        return self.path / layout.PRODUCTION_DUMP

    @property
    def frames_file(self) -> Path | None:
        """The run's whole-cell frames: the production dump where the deck writes one, else the trajectory;
        None when neither exists (the run has not written a frame yet)."""
        return next((p for p in (self.production_dump, self.trajectory) if p.is_file()), None)

    @property
    def extrapolative_dump(self) -> Path:
        return self.path / layout.EXTRAPOLATIVE_DUMP

    @property
    def final_data(self) -> Path:
        return self.path / layout.FINAL_DATA

    @property
    def data_file(self) -> Path:
        """The (first) data file the deck reads."""
        return self.data_files[0]

    @property
    def data_files(self) -> list[Path]:
        """The data files the deck reads: the manifest's ``data_files``, else the default one."""
        names: tuple[str, ...] = (layout.DATA_FILE,)
        if self.manifest_path.is_file():
            with contextlib.suppress(ConfigurationError):
                names = self.manifest.data_files
        return [self.path / name for name in names]

    def thermo_file(self, prefer_log: bool = False) -> Path | None:
        """Where the thermo output is: ``stdout.txt`` (complete after a kill), else ``log.lammps``.

        ``prefer_log`` looks at the log first. None if neither exists.
        """
        order = (self.log, self.stdout) if prefer_log else (self.stdout, self.log)
        return next((p for p in order if p.is_file()), None)

    # ---- manifest

    def has_manifest(self) -> bool:
        return self.manifest_path.is_file()

    @cached_property
    def manifest(self) -> Manifest:
        """The manifest, read once and checked for types only (see :meth:`read_manifest`)."""
        return Manifest.read(self.path, require=())

    def read_manifest(self, require: tuple[str, ...] = TO_RUN) -> Manifest:
        """Read the manifest again, requiring the keys in ``require`` (default: what a runner needs)."""
        manifest = Manifest.read(self.path, require)
        self.__dict__["manifest"] = manifest
        return manifest

    def write_manifest(self, manifest: Manifest | Mapping[str, Any]) -> Manifest:
        """Write ``manifest.json`` (a :class:`Manifest`, or a mapping checked like one)."""
        if not isinstance(manifest, Manifest):
            manifest = Manifest.from_dict(manifest, f"the manifest for {self.path}")
        self.path.mkdir(parents=True, exist_ok=True)
        manifest.write(self.path)
        self.__dict__["manifest"] = manifest
        return manifest

    def write_deck(self, input_text: str, manifest: Manifest | Mapping[str, Any],
                   files: Mapping[str, str | PathLike] | None = None, *, force: bool = False) -> Path:
        """Write a rendered deck: ``in.lmp``, ``manifest.json`` and ``files``.

        ``files`` maps a file name in the directory to its contents: a :class:`str` is written as
        text, a path is copied (unless it is that file already). A directory that holds a started or
        finished run is refused (a new deck would resume the old restarts and append to the old dumps);
        with ``force`` that run is moved aside first (:meth:`set_aside`), so nothing is lost.
        """
        if self.path.exists() and not self.path.is_dir():
            raise ConfigurationError(f"{self.path} is a file, not a directory: give the deck another output "
                                     "directory (-o)")
        if self.path.is_dir() and self.started():
            if not force:
                what = (f"a {self.state().state} run ({len(self.attempts())} attempt(s))" if self.attempts() else
                        "results of an earlier run (" + ", ".join(sorted(
                            p.name for pattern in layout.RESULTS for p in self.path.glob(pattern))[:4]) + ")")
                raise ConfigurationError(
                    f"{self.path} holds {what}; a new deck there would resume its restarts and append to or "
                    "overwrite its output. Write the deck into another directory, or force it "
                    "(sei-lmp deck --force) to move the old run aside first")
            self.set_aside()
        self.path.mkdir(parents=True, exist_ok=True)
        self.input.write_text(input_text)
        self.write_manifest(manifest)
        for name, content in (files or {}).items():
            target = self.path / name
            if isinstance(content, str):
                target.write_text(content)
            elif Path(content).resolve() != target.resolve():
                shutil.copyfile(content, target)
        return self.path

    def set_aside(self) -> Path:
        """Move the whole run directory to a sibling ``<name>.replaced-<UTC time>``; returns where it went."""
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
        target = self.path.with_name(f"{self.path.name}.replaced-{stamp}")
        n = 1
        while target.exists():
            target = self.path.with_name(f"{self.path.name}.replaced-{stamp}-{n}")
            n += 1
        self.path.rename(target)
        self.__dict__.pop("manifest", None)
        return target

    # ---- restarts

    def _restart_glob(self, restart_glob: str | None) -> str:
        if restart_glob is not None:
            return restart_glob
        return self.manifest.restart_glob if self.has_manifest() else layout.RESTART_GLOB

    def restarts(self, restart_glob: str | None = None) -> list[tuple[int, Path]]:
        """Every restart file (complete or not) as (timestep, path), oldest first."""
        glob = self._restart_glob(restart_glob)
        pattern = _step_pattern(glob)
        found = []
        for path in self.path.glob(glob):
            match = pattern.match(path.relative_to(self.path).as_posix())
            if match and path.is_file():
                found.append((int(match.group(1)), path))
        return sorted(found)

    def latest_restart(self, restart_glob: str | None = None) -> Path | None:
        """The complete restart file with the highest timestep, or None.

        ``restart_glob`` defaults to the manifest's (``restarts/restart.*`` without a manifest). Files
        that are empty or cut off (LAMMPS was killed while writing them) are skipped.
        """
        for _, path in reversed(self.restarts(restart_glob)):
            if _is_complete_restart(path):
                return path
        return None

    def incomplete_restarts(self, restart_glob: str | None = None) -> list[Path]:
        """Restart files newer than the newest complete one: cut off or empty (LAMMPS was killed writing them)."""
        latest = self.latest_restart(restart_glob)
        newest = self.restart_step(latest, restart_glob) if latest is not None else -1
        return [path for step, path in self.restarts(restart_glob) if step > newest]

    def prune_restarts(self, keep: int) -> list[Path]:
        """Delete all but the ``keep`` newest restart files of a finished run (0 keeps all); returns the deleted.

        Only once the run is done: an unfinished run resumes from them."""
        if keep <= 0 or not self.is_done():
            return []
        old = [path for _, path in self.restarts()][:-keep]
        for path in old:
            path.unlink()
        return old

    def started(self) -> bool:
        """Whether a run has begun here (an attempt, LAMMPS output or results, a restart or the done marker):
        results without a journal (copied in, or from another tool) count too."""
        return (bool(self.attempts()) or self.is_done() or bool(self.restarts())
                or any(next(self.path.glob(pattern), None) is not None for pattern in layout.RESULTS))

    def restart_step(self, path: str | PathLike, restart_glob: str | None = None) -> int:
        """Timestep of one of this run's restart files, from its name."""
        return restart_step(path, self._restart_glob(restart_glob))

    # ---- attempt journal and logs

    def attempts(self) -> list[dict]:
        """Attempts recorded in ``runs.jsonl``, oldest first.

        Returns
        -------
        list of dict
            one per attempt: the ``start`` record (``attempt``, ``started``, ``command``,
            ``restart``, ``nprocs``, ``pid``, ``host``) merged with its ``end`` record (``ended``,
            ``returncode``, ``status``, ``last_step``, ``errors``); an attempt whose runner died has
            no ``end`` keys.
        """
        if not self.attempts_path.is_file():
            return []
        attempts: dict[int, dict] = {}
        for line in self.attempts_path.read_text().splitlines():
            try:
                record = json.loads(line)
            except ValueError:
                continue    # a line cut off when the machine went down
            event = record.pop("event", None)
            time = record.pop("time", None)
            entry = attempts.setdefault(record["attempt"], {})
            entry.update(record)
            entry["started" if event == "start" else "ended"] = time
        return [attempts[k] for k in sorted(attempts)]

    def has_started(self) -> bool:
        """Whether any attempt was recorded."""
        return self.attempts_path.is_file()

    def append_attempt(self, event: str, attempt: int, **record: Any) -> None:
        """Append a ``start`` or ``end`` record of attempt number ``attempt`` to the journal."""
        with self.attempts_path.open("a") as f:
            f.write(json.dumps({"event": event, "attempt": attempt, "time": _now(), **record}) + "\n")
            f.flush()
            os.fsync(f.fileno())    # the record must survive the node going down with the run

    def collect_log(self) -> None:
        """Append the log LAMMPS wrote during the last attempt to ``log.lammps``; with partitions (``-partition``,
        one log per replica with the replica's index appended) each to ``log.lammps.<index>``."""
        pairs = [(self.current_log, self.log)]
        pairs += [(part, self.path / f"{self.log.name}{part.name[len(self.current_log.name):]}")
                  for part in sorted(self.path.glob(f"{self.current_log.name}.*"))]
        for current, kept in pairs:
            if current.is_file():
                with kept.open("ab") as log:
                    log.write(current.read_bytes())
                current.unlink()

    def thermo(self) -> pd.DataFrame:
        """Every thermo step of all attempts once (see :func:`sei_lmp.io.read_thermo`); empty before a run."""
        from sei_lmp.io.lammps_log import read_thermo

        source = self.thermo_file()
        if source is None:
            import pandas as pd

            return pd.DataFrame()
        return read_thermo(source)

    # ---- lock

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Refuse a second runner on the same directory: both would write the same restart files."""
        try:
            import fcntl
        except ImportError:     # not POSIX: run without the guard
            yield
            return
        with self.lock_path.open("w") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                raise RunLocked(
                    f"another run_deck is running in {self.path}; wait for it to finish or stop it"
                ) from None
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def is_locked(self) -> bool:
        """Whether a runner holds the lock right now."""
        if not self.lock_path.is_file():
            return False
        try:
            import fcntl
        except ImportError:
            return False
        with self.lock_path.open("a") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                return True
            fcntl.flock(handle, fcntl.LOCK_UN)
        return False

    # ---- done

    def is_done(self) -> bool:
        """Whether the done marker is there."""
        return self.done_path.is_file()

    def reopen(self) -> None:
        """Take the done marker away: the deck was lengthened, so the run has steps left (the executors skip
        a run with the marker)."""
        self.done_path.unlink(missing_ok=True)

    def mark_done(self, last_step: int | None, source: str | None = None) -> None:
        """Write the done marker: the deck reached ``last_step`` (seen in ``source``, a restart file)."""
        record = {"time": _now(), "last_step": last_step, **({"from": source} if source else {})}
        self.done_path.write_text(json.dumps(record) + "\n")

    def reached_end(self, manifest: Manifest | None = None) -> bool:
        """Whether the deck reached ``total_steps``, marking it done if a restart file shows it.

        A done marker from before ``total_steps`` grew (the deck was rendered longer) is removed, so
        the run goes on from its latest restart.
        """
        manifest = manifest or self.manifest
        if self.is_done():
            try:
                reached = json.loads(self.done_path.read_text()).get("last_step")
            except (ValueError, AttributeError):
                reached = None
            if reached is None or reached >= manifest.total_steps:
                return True
            self.done_path.unlink()
        latest = self.latest_restart(manifest.restart_glob)
        if latest is not None and (step := restart_step(latest, manifest.restart_glob)) >= manifest.total_steps:
            self.mark_done(step, latest.name)
            return True
        return False

    # ---- state

    def failure_reason(self) -> str:
        """The last LAMMPS ERROR line of the output, else the end of the last attempt's record."""
        for path in (self.stdout, self.log):
            if path.is_file():
                with path.open(errors="replace") as f:
                    errors = [line.strip() for line in f if line.lstrip().startswith("ERROR")]
                if errors:
                    return errors[-1]      # the last attempt's error
        attempts = self.attempts()
        if attempts and attempts[-1].get("errors"):
            return " | ".join(attempts[-1]["errors"][-3:])
        if self.worker_log.is_file():
            lines = [ln for ln in self.worker_log.read_text(errors="replace").splitlines() if ln.strip()]
            if lines:
                return lines[-1]
        return f"unknown (no ERROR line in {layout.STDOUT} or {layout.LOG})"

    def state(self) -> RunState:
        """Where the run stands, read from the directory alone (works while it runs elsewhere)."""
        attempts = self.attempts()
        last_step, restart = None, None
        with contextlib.suppress(Exception):     # a broken manifest is reported by the runner, not here
            if (latest := self.latest_restart()) is not None:
                restart = latest.relative_to(self.path).as_posix()
                last_step = restart_step(latest)
        if attempts and attempts[-1].get("last_step") is not None:
            last_step = max(last_step or 0, attempts[-1]["last_step"])
        facts = {"attempts": len(attempts), "last_step": last_step, "restart": restart}
        if self.is_done():
            return RunState("done", **facts)
        if self.is_locked():
            return RunState("running", **facts)
        if attempts:
            last = attempts[-1]
            if "ended" not in last:
                # no end record: running on another host (cannot be checked from here), or its runner died
                if last.get("host") != socket.gethostname():
                    return RunState("running", f"started {last.get('started')} on {last.get('host')}", **facts)
                if int(last.get("pid") or 0) > 0 and _alive(int(last["pid"])):
                    return RunState("running", f"LAMMPS (pid {last.get('pid')}) runs without its runner", **facts)
                return RunState("interrupted", "the runner died during the attempt", **facts)
            if last.get("stopped_by") == "sei_lmp":       # the runner stopped a run gone wrong (NaN): a failure
                return RunState("failed", " | ".join(last.get("errors") or []) or self.failure_reason(), **facts)
            if last.get("status") == "interrupted" or last.get("returncode") in SIGNALLED_EXITS:
                return RunState("interrupted", f"stopped from outside (exit status {last.get('returncode')})",
                                **facts)
            return RunState("failed", self.failure_reason(), **facts)
        if self.worker_log.is_file() and self.worker_log.read_text().strip():
            return RunState("failed", self.failure_reason(), **facts)
        return RunState("pending", **facts)


# ---------------------------------------------------------------- functions of the public API

def latest_restart(directory: str | PathLike, restart_glob: str | None = None) -> Path | None:
    """The complete restart file with the highest timestep in ``directory``, or None.

    Parameters
    ----------
    directory
        the deck directory.
    restart_glob
        pattern relative to ``directory`` with one ``*`` for the timestep; default: the
        manifest's ``restart_glob`` if there is a manifest, else ``restarts/restart.*``.

    Returns
    -------
    pathlib.Path or None
        Files that are empty or cut off (LAMMPS was killed while writing them; they lack the
        closing magic string) are skipped, so an older complete one is returned instead.
    """
    return RunDirectory(directory).latest_restart(restart_glob)


def read_attempts(directory: str | PathLike) -> list[dict]:
    """Attempts recorded in ``runs.jsonl`` of ``directory``, oldest first (see :meth:`RunDirectory.attempts`)."""
    return RunDirectory(directory).attempts()
