"""Read the thermo output of LAMMPS (a ``log.lammps`` or captured screen output) into pandas.

A thermo block is what one ``run`` or ``minimize`` prints: a header line of thermo keywords
(usually ``Step ...``) right after ``Per MPI rank memory allocation``, one line of numbers per
thermo step, and ``Loop time of ...`` at the end. Real files are messier than that, and the reader
is built for the mess:

- warnings and other messages can appear between thermo lines; they are skipped;
- several attempts of one deck can be appended to one file (each starts with the ``LAMMPS (...)``
  banner); a block that an attempt left open (killed, no ``Loop time``) keeps the rows it has;
- a killed process can leave a half-written last line, or one glued to the next attempt's
  banner; such lines are never taken as data.

:class:`ThermoScanner` does the line-by-line work; the local runner feeds it the screen output as
it arrives, and :func:`read_log` feeds it a file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from sei_lmp.errors import ParseError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["BlockEnd", "Header", "Row", "ThermoScanner", "read_log", "read_thermo"]

#: the first line LAMMPS prints, e.g. ``LAMMPS (22 Jul 2025 - Update 4)``; searched anywhere in a
#: line because an appended attempt may start right after a line the previous one cut off
_BANNER = re.compile(r"LAMMPS \(\d{1,2} \w{3} \d{4}")
_MEMORY = "Per MPI rank memory allocation"
_LOOP = "Loop time of"
STEP = "Step"


@dataclass(frozen=True)
class Header:
    """A thermo block starts: its column names, and whether ``minimize`` prints it."""

    columns: tuple[str, ...]
    minimize: bool


@dataclass(frozen=True)
class Row:
    """One thermo line; ``values`` are ``int`` where LAMMPS printed an integer, else ``float``."""

    values: tuple[int | float, ...]


@dataclass(frozen=True)
class BlockEnd:
    """The open block ends: ``complete`` is False when the attempt stopped before ``Loop time``."""

    complete: bool


def _number(token: str) -> int | float | None:
    try:
        return int(token)
    except ValueError:
        pass
    try:
        return float(token)      # also takes LAMMPS's "nan", "-nan", "inf"
    except ValueError:
        return None


@dataclass
class ThermoScanner:
    """Line-by-line state machine over LAMMPS screen or log output.

    Feed every line, in order, to :meth:`feed`; it returns a :class:`Header`, :class:`Row` or
    :class:`BlockEnd` when the line means one, else None.

    Attributes
    ----------
    columns
        keywords of the open block, None outside a block.
    attempt
        how many ``LAMMPS (...)`` banners came before the current line, minus one (0 = first).
    unsupported
        the first line of a ``thermo_style multi`` or ``yaml`` block, which this reader cannot
        parse (None if none was seen).
    """

    columns: tuple[str, ...] | None = None
    attempt: int = -1
    unsupported: str | None = None
    _expect_header: bool = field(default=False, repr=False)
    _minimize: bool = field(default=False, repr=False)

    def feed(self, line: str) -> Header | Row | BlockEnd | None:
        if _BANNER.search(line):
            # a new attempt: whatever the previous one left open is cut off
            self.attempt += 1
            self._expect_header = self._minimize = False
            return self._close(complete=False)
        stripped = line.strip()
        if stripped.startswith(_MEMORY):
            event = self._close(complete=False)   # only in a log that lost its "Loop time" line
            self._expect_header = True
            return event
        if self.columns is not None:
            if stripped.startswith(_LOOP):
                return self._close(complete=True)
            return self._row(stripped)
        if stripped.startswith("minimize ") or (stripped.startswith("Setting up") and "minimization" in stripped):
            # the log echoes the command, the screen says "Setting up cg style minimization"
            self._minimize = True
            return None
        if self._expect_header:
            return self._header(stripped)
        tokens = stripped.split()
        # a header without the memory line before it (a log fragment, another LAMMPS version)
        if tokens and tokens[0] == STEP and all(_number(t) is None for t in tokens):
            return self._open(tuple(tokens))
        return None

    def _header(self, stripped: str) -> Header | None:
        if not stripped or stripped.startswith("WARNING"):
            return None
        self._expect_header = False
        tokens = stripped.split()
        if stripped.startswith("---") or stripped.startswith("keywords:"):
            # thermo_style multi prints "---- Step ..." lines, thermo_style yaml a YAML document
            self.unsupported = self.unsupported or stripped
            return None
        if any(_number(t) is not None for t in tokens):
            return None
        return self._open(tuple(tokens))

    def _open(self, columns: tuple[str, ...]) -> Header:
        self.columns = columns
        header = Header(columns, self._minimize)
        self._minimize = False
        return header

    def _row(self, stripped: str) -> Row | None:
        tokens = stripped.split()
        if len(tokens) != len(self.columns):
            return None
        values = tuple(_number(t) for t in tokens)
        if any(v is None for v in values):
            return None
        return Row(values)

    def _close(self, complete: bool) -> BlockEnd | None:
        if self.columns is None:
            return None
        self.columns = None
        return BlockEnd(complete)


def _read_lines(path: Path) -> list[str]:
    try:
        text = path.read_bytes().decode("utf-8", errors="replace")
    except OSError as exc:
        raise ParseError(
            f"cannot read the LAMMPS log {path}: {exc.strerror or exc}. Check the path (of a run directory: "
            "RunDirectory(d).log or .stdout)."
        ) from exc
    lines = text.split("\n")
    # the last element is "" after a final newline, or a line the writer did not finish
    lines.pop()
    return lines


def _frame(columns: tuple[str, ...], rows: list[tuple]) -> pd.DataFrame:
    import pandas as pd   # here, so importing sei_lmp.io (and the runner's scanner) does not load pandas

    data = {}
    for j, name in enumerate(columns):
        values = [row[j] for row in rows]
        integral = bool(values) and all(isinstance(v, int) for v in values)
        data[j] = np.array(values, dtype=np.int64 if integral else np.float64)
    frame = pd.DataFrame(data)
    frame.columns = list(columns)    # set afterwards: thermo keywords may repeat
    return frame


@dataclass
class _Block:
    columns: tuple[str, ...]
    attempt: int
    minimize: bool
    rows: list[tuple] = field(default_factory=list)
    complete: bool = False


def read_log(path: str | PathLike) -> list[pd.DataFrame]:
    """Thermo blocks of a LAMMPS log (or captured screen output), one DataFrame per block.

    Parameters
    ----------
    path
        ``log.lammps``, or a file holding what LAMMPS printed to the screen.

    Returns
    -------
    list of pandas.DataFrame
        one per ``run``/``minimize`` block, in file order, columns named by the thermo keywords,
        ``int64`` where every value is an integer (``Step``), else ``float64``. ``frame.attrs``
        holds ``attempt`` (0 for the first ``LAMMPS (...)`` banner of the file, 1 for the next
        appended attempt ...), ``complete`` (False if the block has no ``Loop time`` line, e.g. a
        killed run) and ``minimize``.

    Raises
    ------
    ParseError
        the file cannot be read, or it uses ``thermo_style multi``/``yaml``.
    """
    path = Path(path)
    scanner = ThermoScanner()
    blocks: list[_Block] = []
    for line in _read_lines(path):
        event = scanner.feed(line)
        if isinstance(event, Header):
            blocks.append(_Block(event.columns, max(scanner.attempt, 0), event.minimize))
        elif isinstance(event, Row):
            blocks[-1].rows.append(event.values)
        elif isinstance(event, BlockEnd):
            blocks[-1].complete = event.complete
        elif line.startswith("Minimization stats:") and blocks:
            # printed after a minimize block in log and screen alike, even when the command was not echoed
            blocks[-1].minimize = True
    if scanner.unsupported is not None:
        raise ParseError(
            f"{path} has thermo output in a format this reader does not parse "
            f"({scanner.unsupported[:60]!r}); use 'thermo_style custom ...' or 'one' with the "
            "default one-line format."
        )
    frames = []
    for block in blocks:
        frame = _frame(block.columns, block.rows)
        frame.attrs.update(attempt=block.attempt, complete=block.complete, minimize=block.minimize)
        frames.append(frame)
    return frames


def _drop_tail(pieces: list[pd.DataFrame], drop) -> None:
    """Remove trailing rows (across pieces, from the end) while ``drop(step)`` holds."""
    while pieces:
        steps = pieces[-1][STEP].to_numpy()
        kept = np.nonzero(~drop(steps))[0]
        if kept.size:
            pieces[-1] = pieces[-1].iloc[: kept[-1] + 1]
            return
        pieces.pop()


def read_thermo(path: str | PathLike) -> pd.DataFrame:
    """All thermo blocks of a log as one table, each printed step once.

    When an attempt resumes from a restart at step S, it prints steps from S on again; the rows of
    earlier attempts from S on are dropped, so the latest values win. Within one attempt, a run
    that starts where the previous one ended prints that step twice; the first copy is dropped.
    Steps that go back on purpose (``reset_timestep`` after a ``minimize``) are kept.

    Parameters
    ----------
    path
        ``log.lammps`` or captured screen output, see :func:`read_log`.

    Returns
    -------
    pandas.DataFrame
        the rows in the order they were simulated, with a fresh index; columns are the union of
        the blocks' keywords (NaN where a block lacks one). Empty if the file has no thermo rows.
        Without a ``Step`` column the blocks are only concatenated.
    """
    import pandas as pd

    pieces: list[pd.DataFrame] = []
    previous_attempt = None
    for frame in read_log(path):
        if frame.empty:
            continue
        if STEP in frame.columns and pieces and STEP in pieces[-1].columns:
            first = frame[STEP].iloc[0]
            if frame.attrs["attempt"] != previous_attempt:
                _drop_tail(pieces, lambda steps: steps >= first)
            else:
                _drop_tail(pieces, lambda steps: steps == first)
        previous_attempt = frame.attrs["attempt"]
        pieces.append(frame)
    if not pieces:
        return pd.DataFrame()
    return pd.concat(pieces, ignore_index=True)
