"""Bad-input reliability campaign for sei_lmp (issue 19): what a tester sees on a fresh install when the input is
wrong, damaged or merely awkward.

Every case does one thing a user could do (a ``sei-lmp`` command line, run as a subprocess in a fresh temporary
directory with a timeout, or a few lines of Python in a subprocess), and says beforehand what a good outcome is.
The outcome is classified automatically into exactly one of

    clear error          failed early (non-zero exit / exception) with a message that names the problem and/or
                         what to do (the case's expected words are all there), no traceback
    correct              valid-but-awkward input handled right (the case's check passed)
    unclear error        failed, but the message lacks the expected words (or is garbled: glued to a progress bar,
                         a raw Python warning with file and line, a verdict that contradicts its own reason)
    traceback            a Python traceback for a user error
    hang                 no answer within the case's timeout (the process is killed)
    silent wrong result  exit 0 / no error where the input is wrong, a wrong number accepted, a promise of the
                         README not kept, or output silently cut ('...' in a table at 80 columns)
    data loss            a finished result overwritten or deleted

Expectations come from the README, the --help texts and common sense, never from what the code does today: a case
that fails is a finding to fix, not an expectation to loosen.

Categories (``--only N``): 1 species mapping, 2 structures in decks, 3 settings and sweep files, 4 NaN and
blow-ups, 5 safe decks, 6 analysis of awkward input, 7 melt-quench QA, 8 bookkeeping, 9 README outside the source
tree, 10 terminal output.

Run it with the project's interpreter (it tests the working tree: PYTHONPATH is set to the repository)::

    .venv/bin/python benchmarks/bad_input_campaign.py                 # all cases, ~5-15 min on 2 busy cores
    .venv/bin/python benchmarks/bad_input_campaign.py --only 3        # one category
    .venv/bin/python benchmarks/bad_input_campaign.py --case timestep-50fs --keep     # one case, its files kept
    .venv/bin/python benchmarks/bad_input_campaign.py --list          # the cases, nothing run

Environment: ``SEI_LMP_PYTHON`` the interpreter that runs sei-lmp (default: this one), ``SEI_LMP_REPO`` the
repository under test (default: the one holding this script). Every LAMMPS run is tiny (<= 100 atoms, a few
hundred steps; the kill/resume cases a few thousand) and runs one at a time. Output: a table (case, category,
outcome, seconds, message), counts per category x outcome and in total, and a CSV (``--out``, default
``bad_input_campaign.csv``) with the full detail of every case. The exit status is always 0: this is a report.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

OUTCOMES = ("clear error", "correct", "unclear error", "traceback", "hang", "silent wrong result", "data loss")
CATEGORIES = {
    1: "species mapping", 2: "structures in decks", 3: "settings", 4: "NaN and blow-ups", 5: "safe decks",
    6: "analysis", 7: "melt-quench QA", 8: "bookkeeping", 9: "README outside the tree", 10: "terminal output",
}

REPO = Path(os.environ.get("SEI_LMP_REPO") or Path(__file__).resolve().parents[1]).resolve()
PYTHON = os.environ.get("SEI_LMP_PYTHON") or sys.executable
POTENTIALS = REPO / "potentials"

#: seconds a command may take before it counts as a hang (the machine is shared and slow to import)
TIMEOUT = 240
#: for the runs that must stop by themselves (NaN, blow-ups): short
RUN_TIMEOUT = 150

LI_MTP = "shipped:Li_mtp_L10_mlearn.mtp"
LIF_MTP = "shipped:LiF_mtp_L8_chgnet.mtp"
LIF_ACE = "shipped:LiF_ace_chgnet.yace"
LIPS_ACE = "shipped:LiPS_ace_chgnet.yace"

#: a diffusion deck of a few hundred steps
TINY = ["--set", "equilibrate_ps=0.05", "--set", "production_ps=0.1", "--set", "md.thermo_every=10",
        "--set", "md.restart_every=50", "--set", "dump_every_ps=0.01"]
#: a melt-quench deck of ~300 steps (1500 K melt, 10^4 K/ps quench)
TINY_MQ = ["--set", "md.thermo_every=20", "--set", "md.restart_every=50", "--set", "md.tdamp_steps=10",
           "--set", "heat_ps=0.05", "--set", "hold_ps=0.05", "--set", "quench_rate_K_per_ps=10000",
           "--set", "anneal_ps=0.05", "--set", "equilibrate_ps=0.05", "--set", "t_melt_K=1500",
           "--set", "sample_every=20"]
#: a run long enough (a few seconds) to be killed after its first restart file
LONG = ["--set", "equilibrate_npt=false", "--set", "equilibrate_ps=0.1", "--set", "production_ps=8",
        "--set", "md.thermo_every=100", "--set", "md.restart_every=200", "--set", "dump_every_ps=0.5"]


# ============================================================================================ results and cases

@dataclass
class Result:
    """What one command did."""

    argv: list[str]
    rc: int | None
    stdout: str
    stderr: str
    seconds: float
    timed_out: bool = False
    timeout: float = 0.0

    @property
    def text(self) -> str:
        return self.stdout + "\n" + self.stderr


@dataclass
class Verdict:
    outcome: str
    message: str
    detail: str = ""


@dataclass
class Case:
    """One bad input: what is done, in a fresh temporary directory, and what a good outcome is.

    ``action(ctx, tmp)`` does it and returns the :class:`Result` to judge; ``judge(ctx, tmp, result)`` classifies
    it. ``protect`` lists files (relative to tmp, made by ``setup``) that must survive unchanged; with
    ``moved_ok`` an identical copy under a ``*.replaced-*`` directory counts as kept.
    """

    name: str
    category: int
    what: str
    good: str
    action: Callable[[Ctx, Path], Result]
    judge: Callable[[Ctx, Path, Result], Verdict]
    setup: Callable[[Ctx, Path], None] | None = None
    protect: tuple[str, ...] = ()
    moved_ok: bool = False


class SetupFailed(Exception):
    """A fixture or set-up step (valid input) failed: judged like the command that failed."""

    def __init__(self, what: str, result: Result):
        super().__init__(what)
        self.what, self.result = what, result


# ============================================================================================ the runner

class Ctx:
    """Interpreter, environment, a work directory and fixtures (finished tiny runs) built once and copied."""

    def __init__(self, work: Path):
        self.work = work
        self.fixtures = work / "fixtures"
        self.fixtures.mkdir(parents=True, exist_ok=True)
        home = work / "home"                       # a fresh install: no config file, no caches of a user
        (home / ".config").mkdir(parents=True, exist_ok=True)
        env = {k: v for k, v in os.environ.items() if k not in ("SEI_LMP_CONFIG", "PYTHONWARNINGS")}
        env.update(PYTHONPATH=str(REPO) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else ""),
                   HOME=str(home), MPLCONFIGDIR=str(home / ".mpl"), COLUMNS="80", OMP_NUM_THREADS="1")
        env.pop("LINES", None)
        self.env = env
        self._built: dict[str, Path] = {}
        self._failed: dict[str, SetupFailed] = {}

    # ---- commands

    def run(self, argv: Sequence[str], cwd: Path, timeout: float = TIMEOUT, env: dict | None = None,
            input: str | None = None) -> Result:
        """``subprocess.run`` with a timeout; on a timeout the partial output is kept and whatever the command
        left running in ``cwd`` (LAMMPS runs in a session of its own) is killed by its process id."""
        argv = [str(a) for a in argv]
        start = time.monotonic()
        try:
            done = subprocess.run(argv, cwd=cwd, env={**self.env, **(env or {})}, input=input, capture_output=True,
                                  text=True, timeout=timeout, start_new_session=True)
            return Result(argv, done.returncode, done.stdout, done.stderr, time.monotonic() - start, False, timeout)
        except subprocess.TimeoutExpired as exc:
            kill_leftovers(cwd)
            return Result(argv, None, _text(exc.stdout), _text(exc.stderr), time.monotonic() - start, True, timeout)

    def cli(self, args: Sequence[str], cwd: Path, timeout: float = TIMEOUT, env: dict | None = None) -> Result:
        return self.run([PYTHON, "-m", "sei_lmp.cli", *args], cwd, timeout, env)

    def py(self, code: str, cwd: Path, timeout: float = TIMEOUT) -> Result:
        return self.run([PYTHON, "-c", code], cwd, timeout)

    def popen(self, args: Sequence[str], cwd: Path) -> subprocess.Popen:
        """``sei-lmp ARGS`` in the background (its own session), output into files in cwd. SIGINT and SIGQUIT get
        their default action back, as in a terminal: a campaign started with '&' from a script ignores them, and
        its children would inherit that."""
        def terminal_signals():
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            signal.signal(signal.SIGQUIT, signal.SIG_DFL)

        with (cwd / ".bg.stdout").open("w") as out, (cwd / ".bg.stderr").open("w") as err:
            return subprocess.Popen([PYTHON, "-m", "sei_lmp.cli", *map(str, args)], cwd=cwd, env=self.env,
                                    stdout=out, stderr=err, start_new_session=True, text=True,
                                    preexec_fn=terminal_signals)

    # ---- fixtures: finished tiny runs, built once, copied into the cases that need them

    def fixture(self, name: str) -> Path:
        if name in self._failed:             # built once: a fixture that failed is not retried by every case
            raise self._failed[name]
        if name not in self._built:
            where = self.fixtures / name
            shutil.rmtree(where, ignore_errors=True)
            where.mkdir(parents=True)
            try:
                FIXTURES[name](self, where)
            except SetupFailed as failed:
                self._failed[name] = failed
                raise
            self._built[name] = where
        return self._built[name]

    def copy_fixture(self, name: str, tmp: Path, inner: str, dest: str | None = None) -> Path:
        """Copy ``inner`` (a directory or file of fixture ``name``) into tmp as ``dest``."""
        source = self.fixture(name) / inner
        target = tmp / (dest or Path(inner).name)
        if source.is_dir():
            shutil.copytree(source, target, symlinks=True)
        else:
            shutil.copy2(source, target)
        return target

    def must(self, what: str, result: Result) -> Result:
        if result.rc != 0 or result.timed_out:
            raise SetupFailed(what, result)
        return result


def _text(value) -> str:
    if value is None:
        return ""
    return value.decode(errors="replace") if isinstance(value, bytes) else value


def kill_leftovers(directory: Path) -> list[int]:
    """SIGKILL the processes (started by this campaign) whose working directory is inside ``directory``."""
    directory = directory.resolve()
    killed = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cwd = Path(os.readlink(entry / "cwd"))
        except OSError:
            continue
        if cwd == directory or directory in cwd.parents:
            try:
                os.kill(int(entry.name), signal.SIGKILL)
                killed.append(int(entry.name))
            except OSError:
                pass
    return killed


# ============================================================================================ inputs

MASSES = {"Li": 6.94, "F": 18.998403, "P": 30.973762, "S": 32.06}


def bcc(a: float, n: int, element: str = "Li") -> tuple[list[tuple[str, float, float, float]], float]:
    atoms = []
    for i in range(n):
        for j in range(n):
            for k in range(n):
                for dx in (0.0, 0.5):
                    atoms.append((element, (i + dx) * a, (j + dx) * a, (k + dx) * a))
    return atoms, n * a


def rocksalt(a: float, n: int) -> tuple[list[tuple[str, float, float, float]], float]:
    fcc = [(0, 0, 0), (0, 0.5, 0.5), (0.5, 0, 0.5), (0.5, 0.5, 0)]
    atoms = []
    for i in range(n):
        for j in range(n):
            for k in range(n):
                for (x, y, z) in fcc:
                    atoms.append(("Li", (i + x) * a, (j + y) * a, (k + z) * a))
                    atoms.append(("F", (i + x + 0.5) * a, (j + y) * a, (k + z) * a))
    return atoms, n * a


def data_text(atoms, box: float, elements: Sequence[str], masses: dict | None = None) -> str:
    masses = {**MASSES, **(masses or {})}
    lines = ["written by bad_input_campaign.py (atom_style atomic, units metal)", "", f"{len(atoms)} atoms",
             f"{len(elements)} atom types", ""]
    lines += [f"0.0 {box:.10f} {ax}lo {ax}hi" for ax in "xyz"]
    lines += ["", "Masses", ""] + [f"{t} {masses[e]}  # {e}" for t, e in enumerate(elements, 1)]
    lines += ["", "Atoms  # atomic", ""]
    lines += [f"{n} {elements.index(e) + 1} {x % box:.10f} {y % box:.10f} {z % box:.10f}"
              for n, (e, x, y, z) in enumerate(atoms, 1)]
    return "\n".join(lines) + "\n"


def li54(close: float | None = None) -> str:
    """bcc Li, 3x3x3 cells (54 atoms); ``close``: atom 2 moved to that distance (A) from atom 1."""
    atoms, box = bcc(3.44, 3)
    if close is not None:
        unit = 1 / 3 ** 0.5
        atoms[1] = ("Li", close * unit, close * unit, close * unit)
    return data_text(atoms, box, ["Li"])


def lif64(elements=("Li", "F")) -> str:
    atoms, box = rocksalt(4.03, 2)
    return data_text(atoms, box, list(elements))


def extxyz(atoms, box: float) -> str:
    head = f'Lattice="{box} 0 0 0 {box} 0 0 0 {box}" Properties=species:S:1:pos:R:3 pbc="T T T"'
    return "\n".join([str(len(atoms)), head] + [f"{e} {x:.8f} {y:.8f} {z:.8f}" for e, x, y, z in atoms]) + "\n"


STRUCTURES: dict[str, Callable[[], str]] = {
    "li54.data": li54,
    "li_close1.8.data": lambda: li54(close=1.8),
    "li_close1.5.data": lambda: li54(close=1.5),
    "lif64.data": lif64,
    "li2.data": lambda: data_text(*bcc(3.44, 1), ["Li"]),
    "li2.extxyz": lambda: extxyz(*bcc(3.44, 1)),
}


def put(tmp: Path, *names: str) -> None:
    for name in names:
        (tmp / name).write_text(STRUCTURES[name]())


def copy_potential(tmp: Path, source: str, name: str, card="none", edit: Callable[[str], str] | None = None) -> Path:
    """Copy a shipped potential to tmp/name, edited by ``edit``; ``card``: 'none', 'keep', a dict or raw text."""
    text = (POTENTIALS / source).read_text()
    path = tmp / name
    path.write_text(edit(text) if edit else text)
    card_path = tmp / (name + ".json")
    if card == "keep":
        shutil.copy2(POTENTIALS / (source + ".json"), card_path)
    elif isinstance(card, dict):
        card_path.write_text(json.dumps(card))
    elif isinstance(card, str) and card != "none":
        card_path.write_text(card)
    return path


def sweep_toml(settings: dict | None = None, grid: str = "temperature = [600]", extra: str = "",
               structure: str = 'source = "phase:Li"\nlattice = {a = 3.4426}\nsupercell = [3, 3, 3]',
               top: str = "") -> str:
    base = {"equilibrate_npt": "false", "equilibrate_ps": "0.05", "production_ps": "0.1", "dump_every_ps": "0.02",
            '"md.thermo_every"': "10", '"md.restart_every"': "50"}
    base.update(settings or {})
    lines = ['name = "tiny"', 'protocol = "diffusion_nvt"', 'backend = "plugin"', top, "", "[[structures]]",
             'name = "bcc"', structure, "", "[[potentials]]", 'name = "mtp"', f'path = "{LI_MTP}"', "", "[settings]"]
    lines += [f"{k} = {v}" for k, v in base.items()]
    lines += ["", "[grid]", grid, "", "[run]", "nprocs = 1", "", extra]
    return "\n".join(lines) + "\n"


# ============================================================================================ judging

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
RAW_WARNING = re.compile(r"\.py:\d+: \w*Warning|^\s*warnings\.warn\(", re.M)


def has_traceback(res: Result) -> bool:
    return "Traceback (most recent call last)" in res.text or "Traceback" in res.stderr


def traceback_line(res: Result) -> str:
    lines = [ln.strip(" │╭╰─") for ln in res.stderr.splitlines() if ln.strip(" │╭╰─")]
    errs = [ln for ln in lines if re.match(r"^[A-Za-z_.]*(Error|Exception|Interrupt|Exit)\b", ln)]
    return (errs[-1] if errs else lines[-1] if lines else "Traceback")


#: the runner's first line of a failed run, shortened so that LAMMPS' reason fits the table's 100 characters
RUN_STOPPED = re.compile(r"error: LAMMPS stopped \((.*?)\) in \S+?(?: at step (\d+))?:\s*\|\s*")


def first_message(res: Result, limit: int = 400) -> str:
    """The error message the user sees: from the first line that says error (stderr, else stdout)."""
    for stream in (res.stderr, res.stdout):
        lines = [ANSI.sub("", ln).strip(" │╭╰─") for ln in stream.splitlines()]
        lines = [ln for ln in lines if ln.strip()]
        for k, line in enumerate(lines):
            if re.search(r"error|invalid value|EXC:", line, re.I):
                text = " | ".join(lines[k:k + 4])
                text = RUN_STOPPED.sub(lambda m: f"LAMMPS stopped ({m.group(1)}"
                                       + (f", step {m.group(2)}" if m.group(2) else "") + "): ", text)
                return text[:limit]
        if lines:
            return " | ".join(lines[-3:])[:limit]
    return ""


def last_words(res: Result) -> str:
    """What a command said last (its 'wrote ...' / 'planned ...' line, unwrapped), for an accepted bad input."""
    lines = [ln.strip() for ln in res.stdout.splitlines() if ln.strip()]
    starts = [k for k, ln in enumerate(lines) if re.match(r"(wrote|planned|done|moved)\b", ln)]
    if starts:
        return " ".join(lines[starts[-1]:])
    lines += [ln.strip() for ln in res.stderr.splitlines() if ln.strip()]
    return lines[-1] if lines else ""


def summary(res: Result, limit: int = 300) -> str:
    lines = [ln.strip() for ln in (res.stdout + "\n" + res.stderr).splitlines() if ln.strip()]
    return " | ".join(lines[-3:])[:limit]


Words = Sequence[object]      # each: a str (must appear), a tuple of str (one must appear) or a compiled regex


def unmet(words: Words, text: str) -> list[str]:
    low = text.lower()
    missing = []
    for w in words:
        if isinstance(w, re.Pattern):
            if not w.search(text):
                missing.append(f"/{w.pattern}/")
        elif isinstance(w, tuple):
            if not any(x.lower() in low for x in w):
                missing.append(" or ".join(repr(x) for x in w))
        elif str(w).lower() not in low:
            missing.append(repr(w))
    return missing


def describe(words: Words) -> str:
    parts = []
    for w in words:
        parts.append(f"/{w.pattern}/" if isinstance(w, re.Pattern) else " or ".join(map(repr, w))
                     if isinstance(w, tuple) else repr(w))
    return " and ".join(parts)


def judge_error_result(res: Result, words: Words, context: str = "") -> Verdict:
    """A bad input: non-zero exit (or exception) with a message that has ``words``."""
    if res.timed_out:
        return Verdict("hang", f"{context}no answer after {res.timeout:g} s", summary(res))
    if has_traceback(res):
        return Verdict("traceback", f"{context}{traceback_line(res)}", res.stderr[-1500:])
    if res.rc == 0:
        return Verdict("silent wrong result", f"{context}accepted (exit 0): {last_words(res)}"[:300], res.text[-1500:])
    message = first_message(res)
    missing = unmet(words, res.stderr + "\n" + res.stdout)
    if missing:
        return Verdict("unclear error", f"{context}{message}", f"lacks {', '.join(missing)}; stderr: {res.stderr[-1200:]}")
    return Verdict("clear error", f"{context}{message}", res.stderr[-1200:])


def judge_ok_result(res: Result, check: Callable[[Result], tuple[bool, str]] | None,
                    error_words: Words | None = None, context: str = "") -> Verdict:
    """Valid-but-awkward input: exit 0 and ``check`` passes; a failure counts as a clear error only where the
    case allows one (``error_words``: a refusal that says why is acceptable)."""
    if res.timed_out:
        return Verdict("hang", f"{context}no answer after {res.timeout:g} s", summary(res))
    if has_traceback(res):
        return Verdict("traceback", f"{context}{traceback_line(res)}", res.stderr[-1500:])
    if res.rc != 0:
        message = first_message(res)
        if error_words is not None and not unmet(error_words, res.stderr + "\n" + res.stdout):
            return Verdict("clear error", f"{context}{message}", res.stderr[-1200:])
        return Verdict("unclear error", f"{context}failed on valid input: {message}", res.stderr[-1200:])
    ok, why = check(res) if check else (True, "exit 0")
    return Verdict("correct" if ok else "silent wrong result", f"{context}{why}", res.text[-1500:])


def snapshot(tmp: Path, paths: Sequence[str]) -> dict[str, str | None]:
    out = {}
    for rel in paths:
        p = tmp / rel
        out[rel] = hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else None
    return out


def lost_files(tmp: Path, before: dict[str, str | None], moved_ok: bool) -> list[str]:
    lost = []
    for rel, digest in before.items():
        if digest is None:
            continue
        p = tmp / rel
        if p.is_file() and hashlib.sha256(p.read_bytes()).hexdigest() == digest:
            continue
        if moved_ok:
            name = Path(rel).name
            copies = [q for q in tmp.rglob(name) if ".replaced-" in q.as_posix() and q.is_file()
                      and hashlib.sha256(q.read_bytes()).hexdigest() == digest]
            if copies:
                continue
        lost.append(rel + (" (changed)" if p.is_file() else " (gone)"))
    return lost


# ============================================================================================ case builders

def cli_error(name, category, args, words, *, what=None, setup=None, timeout=TIMEOUT, protect=(), env=None,
              good=None) -> Case:
    """``sei-lmp ARGS`` must fail with a message containing ``words``."""
    return Case(name, category, what or "sei-lmp " + " ".join(map(str, args)),
                good or f"non-zero exit, message with {describe(words)}",
                action=lambda ctx, tmp: ctx.cli(args, tmp, timeout, env),
                judge=lambda ctx, tmp, res: judge_error_result(res, words), setup=setup, protect=tuple(protect))


def cli_ok(name, category, args, check=None, *, what=None, good=None, setup=None, timeout=TIMEOUT, protect=(),
           moved_ok=False, error_words=None, env=None) -> Case:
    """``sei-lmp ARGS`` must succeed and ``check(tmp, result)`` hold."""
    return Case(name, category, what or "sei-lmp " + " ".join(map(str, args)), good or "exit 0",
                action=lambda ctx, tmp: ctx.cli(args, tmp, timeout, env),
                judge=lambda ctx, tmp, res: judge_ok_result(res, (lambda r: check(tmp, r)) if check else None,
                                                            error_words),
                setup=setup, protect=tuple(protect), moved_ok=moved_ok)


def steps_error(name, category, steps, words, *, what, good=None, setup=None, timeout=TIMEOUT, protect=()) -> Case:
    """Several ``sei-lmp`` commands in order; the first that fails is judged (all succeeding: silent wrong)."""
    def action(ctx, tmp):
        res = None
        for k, args in enumerate(steps):
            res = ctx.cli(args, tmp, timeout)
            res.argv.append(f"#step{k + 1}")
            if res.rc != 0 or res.timed_out:
                break
        return res

    def judge(ctx, tmp, res):
        step = res.argv[-1].lstrip("#")
        return judge_error_result(res, words, context=f"[{step}] ")
    return Case(name, category, what, good or f"one of the steps fails with {describe(words)}", action, judge,
                setup=setup, protect=tuple(protect))


LMP_SNIPPET = """
import sys
from sei_lmp.run.plugin import start_lammps
commands = {commands!r}
lmp = start_lammps()
try:
    for command in commands:
        lmp.command(command)
    print("OK pe=%r" % lmp.get_thermo("pe"))
except Exception as err:
    if type(err) is Exception and "ERROR" in str(err):     # how the lammps module reports an input error
        print("EXC: " + str(err).replace("\\n", " | "), file=sys.stderr)
        sys.exit(3)
    raise
finally:
    lmp.close()
"""


def lammps_error(name, category, commands, words, *, what, setup=None) -> Case:
    """LAMMPS driven from Python (start_lammps): a bad pair_coeff must raise with ``words``."""
    def action(ctx, tmp):
        cmds = [c.format(tmp=tmp, pot=POTENTIALS) for c in commands]
        return ctx.py(LMP_SNIPPET.format(commands=cmds), tmp)
    return Case(name, category, what, f"LAMMPS raises at that command, message with {describe(words)}", action,
                lambda ctx, tmp, res: judge_error_result(res, words), setup=setup)


def lmp_setup(data: str) -> list[str]:
    return ["units metal", "atom_style atomic", f"read_data {{tmp}}/{data}"]


def exists(*rels: str) -> Callable[[Path, Result], tuple[bool, str]]:
    def check(tmp, res):
        missing = [r for r in rels if not (tmp / r).exists()]
        return (not missing, "wrote " + ", ".join(rels) if not missing else f"exit 0 but missing {missing}")
    return check


def with_setup(*fns: Callable[[Ctx, Path], None]) -> Callable[[Ctx, Path], None]:
    def setup(ctx, tmp):
        for fn in fns:
            fn(ctx, tmp)
    return setup


def files(*names: str) -> Callable[[Ctx, Path], None]:
    return lambda ctx, tmp: put(tmp, *names)


def fixture_copy(name: str, inner: str, dest: str | None = None) -> Callable[[Ctx, Path], None]:
    return lambda ctx, tmp: ctx.copy_fixture(name, tmp, inner, dest)


# ============================================================================================ fixtures

def _deck_fixture(label: str, protocol: str, potential: str, settings: list[str], run: bool) -> Callable:
    """A fixture: a deck of ``protocol`` for the 54-atom Li cell in ``run/``, run to its end when ``run``."""
    def fixture(ctx: Ctx, where: Path) -> None:
        put(where, "li54.data")
        ctx.must(f"deck ({label})", ctx.cli(["deck", protocol, "-s", "li54.data", "-p", potential, *settings,
                                             "-o", "run"], where))
        if run:
            ctx.must(f"run ({label})", ctx.cli(["run", "run"], where))
    return fixture


_fx_li_run = _deck_fixture("li_run", "diffusion_nvt", LI_MTP, TINY, run=True)
_fx_li_deck = _deck_fixture("li_deck", "diffusion_nvt", LI_MTP, TINY, run=False)
_fx_long_deck = _deck_fixture("long_deck", "diffusion_nvt", LI_MTP, LONG, run=False)
#: pure Li run with the Li-F potential: the potential has an element the dump lacks
_fx_lif_pot_li_run = _deck_fixture("lif_pot_li_run", "diffusion_nvt", LIF_MTP, TINY, run=True)
_fx_mq_run = _deck_fixture("mq_run", "melt_quench", LI_MTP, TINY_MQ, run=True)
_fx_mq_deck = _deck_fixture("mq_deck", "melt_quench", LI_MTP, TINY_MQ, run=False)


def _fx_sweep_done(ctx: Ctx, where: Path) -> None:
    (where / "sweep.toml").write_text(sweep_toml())
    ctx.must("sweep plan (sweep_done)", ctx.cli(["sweep", "plan", "sweep.toml", "-o", "sw"], where))
    ctx.must("sweep run (sweep_done)", ctx.cli(["sweep", "run", "sw"], where))


def _fx_failed_run(ctx: Ctx, where: Path) -> None:
    """A run stopped by the watchdog (bcc Li squeezed at 10 GPa shrinks past a 2 % volume bound)."""
    put(where, "li54.data")
    ctx.must("deck (failed_run)", ctx.cli(["deck", "diffusion_nvt", "-s", "li54.data", "-p", LI_MTP, *TINY,
                                           "--set", "equilibrate_npt=true", "--set", "pressure_bar=100000",
                                           "--set", "equilibrate_ps=1.0", "--set", "guards.max_volume_change=0.02",
                                           "--set", "guards.check_every=10", "-o", "run"], where))
    res = ctx.cli(["run", "run"], where)
    if res.rc == 0 or res.timed_out:
        raise SetupFailed("run (failed_run) was expected to stop at the watchdog", res)


FIXTURES: dict[str, Callable[[Ctx, Path], None]] = {
    "li_run": _fx_li_run, "li_deck": _fx_li_deck, "long_deck": _fx_long_deck, "lif_pot_li_run": _fx_lif_pot_li_run,
    "mq_run": _fx_mq_run, "mq_deck": _fx_mq_deck, "sweep_done": _fx_sweep_done, "failed_run": _fx_failed_run,
}


# ============================================================================================ 1 species mapping

def cases_species() -> list[Case]:
    c = 1
    lif = files("lif64.data")
    li = files("li54.data")

    def nocard(ctx, tmp):
        copy_potential(tmp, "LiF_mtp_L8_chgnet.mtp", "lif.mtp")

    def card(content):
        return lambda ctx, tmp: copy_potential(tmp, "LiF_mtp_L8_chgnet.mtp", "lif.mtp", card=content)

    def ace_card(content):
        return lambda ctx, tmp: copy_potential(tmp, "LiF_ace_chgnet.yace", "lif.yace", card=content)

    def mtp_nocard_swapped(ctx, tmp, res):
        if res.rc != 0 or res.timed_out or has_traceback(res):
            return judge_error_result(res, [("card", "species", "order")])
        noted = unmet([("card", "unverified", "cannot check", "not checked", "on trust", "trust")], res.text) == []
        return Verdict("correct" if noted else "silent wrong result",
                       "deck written, with a note that the species order is unchecked" if noted else
                       "deck written with pair_coeff '1 0' (F as species 0) and no word that the order is unchecked",
                       res.text[-800:])

    lammps_lif = lmp_setup("lif64.data")
    return [
        cli_error("deck-elements-order-vs-masses", c,
                  ["deck", "diffusion_nvt", "-s", "lif64.data", "-p", LIF_ACE, "-e", "F,Li", *TINY, "-o", "d"],
                  ["mass", ("order", "Masses")], setup=lif,
                  what="deck -e F,Li for a data file whose Masses say type 1 = Li (6.94), type 2 = F"),
        cli_error("deck-species-contradict-mtp-card", c,
                  ["deck", "diffusion_nvt", "-s", "lif64.data", "-p", LIF_MTP, "--species", "F,Li", *TINY, "-o", "d"],
                  ["card", ("contradict", "order")], setup=lif,
                  what="deck --species F,Li with the shipped LiF MTP whose card says Li,F"),
        cli_error("deck-species-contradict-ace-file", c,
                  ["deck", "diffusion_nvt", "-s", "lif64.data", "-p", LIF_ACE, "--species", "Li,F", *TINY, "-o", "d"],
                  [("card", "file"), ("order", "contradict")], setup=lif,
                  what="deck --species Li,F with the LiF ACE whose file and card say F,Li"),
        cli_error("deck-species-count-vs-card", c,
                  ["deck", "diffusion_nvt", "-s", "li54.data", "-p", LIF_MTP, "--species", "Li", *TINY, "-o", "d"],
                  ["card", "species"], setup=li, what="deck --species Li (one name) for the two-species LiF MTP"),
        cli_error("deck-structure-element-potential-lacks", c,
                  ["deck", "diffusion_nvt", "-s", "lif64.data", "-p", LI_MTP, *TINY, "-o", "d"],
                  [re.compile(r"\bF\b"), ("does not", "lacks", "not have", "not describe", "missing", "not in")],
                  setup=lif, what="deck of a Li-F data file with the Li-only MTP (masses decide the elements)"),
        cli_error("deck-elements-potential-lacks", c,
                  ["deck", "diffusion_nvt", "-s", "lif64.data", "-p", LI_MTP, "-e", "Li,F", *TINY, "-o", "d"],
                  [re.compile(r"\bF\b"), ("does not", "lacks", "not have", "not describe", "missing", "not in")],
                  setup=lif, what="deck -e Li,F with the Li-only MTP"),
        cli_error("deck-cif-element-potential-lacks", c,
                  ["deck", "diffusion_nvt", "-s", "example:Li2S.cif", "-p", LIF_ACE, *TINY, "-o", "d"],
                  [re.compile(r"\bS\b"), ("does not", "lacks", "not have", "not describe")],
                  what="deck of Li2S.cif with the Li-F ACE"),
        cli_error("mtp-without-card-no-species", c,
                  ["deck", "diffusion_nvt", "-s", "lif64.data", "-p", "lif.mtp", *TINY, "-o", "d"],
                  ["--species"], setup=with_setup(lif, nocard),
                  what="deck with an MTP copied without its card and no --species (the fix is --species Li,F)"),
        cli_error("mtp-without-card-elements-only", c,
                  ["deck", "diffusion_nvt", "-s", "lif64.data", "-p", "lif.mtp", "-e", "Li,F", *TINY, "-o", "d"],
                  ["--species"], setup=with_setup(lif, nocard),
                  what="deck -e Li,F with an MTP without card (the potential's species still have no names)"),
        Case("mtp-without-card-species-swapped", c,
             "deck --species F,Li with the LiF MTP copied without its card (fitted as Li,F)",
             "refused, or written with a note that the species order cannot be checked without a card",
             action=lambda ctx, tmp: ctx.cli(["deck", "diffusion_nvt", "-s", "lif64.data", "-p", "lif.mtp",
                                              "--species", "F,Li", *TINY, "-o", "d"], tmp),
             judge=mtp_nocard_swapped, setup=with_setup(lif, nocard)),
        cli_error("card-fewer-species-than-file", c,
                  ["deck", "diffusion_nvt", "-s", "lif64.data", "-p", "lif.mtp", *TINY, "-o", "d"],
                  ["card", ("2 species", "two species", "species")], setup=with_setup(lif, card({"species": ["Li"]})),
                  what="a card {species: [Li]} beside the two-species LiF MTP"),
        cli_error("card-of-another-potential", c,
                  ["deck", "diffusion_nvt", "-s", "lif64.data", "-p", "lif.mtp", *TINY, "-o", "d"],
                  ["card", ("sha256", "checksum", "another", "belongs")],
                  setup=with_setup(lif, card((POTENTIALS / "LiPS_mtp_L10_chgnet.mtp.json").read_text())),
                  what="the LiF MTP with the LiPS MTP's card beside it"),
        cli_error("card-species-disagree-with-yace", c,
                  ["deck", "diffusion_nvt", "-s", "lif64.data", "-p", "lif.yace", *TINY, "-o", "d"],
                  ["card", ("F, Li", "order")], setup=with_setup(lif, ace_card({"species": ["Li", "S"]})),
                  what="a card {species: [Li, S]} beside the F,Li ACE file"),
        cli_error("card-cutoff-disagree", c,
                  ["deck", "diffusion_nvt", "-s", "lif64.data", "-p", "lif.mtp", *TINY, "-o", "d"],
                  ["card", "cutoff"], setup=with_setup(lif, card({"species": ["Li", "F"], "cutoff": 6.5})),
                  what="a card whose cutoff (6.5 A) is not the file's (5 A)"),
        cli_error("card-family-disagree", c,
                  ["deck", "diffusion_nvt", "-s", "lif64.data", "-p", "lif.mtp", *TINY, "-o", "d"],
                  ["card", "family"], setup=with_setup(lif, card({"species": ["Li", "F"], "family": "ace"})),
                  what="a card that says family 'ace' beside an .mtp"),
        cli_error("card-invalid-json", c,
                  ["deck", "diffusion_nvt", "-s", "lif64.data", "-p", "lif.mtp", *TINY, "-o", "d"],
                  ["card", "lif.mtp.json"], setup=with_setup(lif, card('{"species": ["Li", "F"],}')),
                  what="a card with a trailing comma (invalid JSON)"),
        lammps_error("lammps-ace-elements-swapped", c,
                     lammps_lif + ["pair_style sei/ace", "pair_coeff * * {pot}/LiF_ace_chgnet.yace F Li", "run 0"],
                     ["mass", "order"], setup=lif,
                     what="pair_coeff * * LiF.yace F Li on a data file with Masses 1 = Li, 2 = F"),
        lammps_error("lammps-mtp-indices-swapped", c,
                     lammps_lif + ["pair_style sei/mtp", "pair_coeff * * {pot}/LiF_mtp_L8_chgnet.mtp 1 0", "run 0"],
                     ["mass", ("order", "maps")], setup=lif,
                     what="pair_coeff * * LiF.mtp 1 0 (indices swapped) on Masses 1 = Li, 2 = F"),
        lammps_error("lammps-element-potential-lacks", c,
                     lammps_lif + ["pair_style sei/mtp", "pair_coeff * * {pot}/Li_mtp_L10_mlearn.mtp Li F", "run 0"],
                     ["'F'", "does not have"], setup=lif, what="pair_coeff * * Li.mtp Li F"),
        lammps_error("lammps-mtp-index-out-of-range", c,
                     lammps_lif + ["pair_style sei/mtp", "pair_coeff * * {pot}/LiF_mtp_L8_chgnet.mtp 0 2", "run 0"],
                     ["species 2", ("0-based", "2 species")], setup=lif, what="pair_coeff * * LiF.mtp 0 2"),
        lammps_error("lammps-wrong-number-of-species", c,
                     lammps_lif + ["pair_style sei/mtp", "pair_coeff * * {pot}/LiF_mtp_L8_chgnet.mtp 0", "run 0"],
                     [("one species per atom type", "2 entries")], setup=lif,
                     what="pair_coeff * * LiF.mtp 0 (one entry for two types)"),
        lammps_error("lammps-null-type-without-hybrid", c,
                     lammps_lif + ["pair_style sei/ace", "pair_coeff * * {pot}/LiF_ace_chgnet.yace Li NULL", "run 0"],
                     [("NULL", "type 2")], setup=lif,
                     what="pair_coeff ... Li NULL without pair_style hybrid (type 2 gets no interaction)"),
        lammps_error("lammps-card-species-count", c,
                     lammps_lif + ["pair_style sei/mtp", "pair_coeff * * {tmp}/lif.mtp Li F", "run 0"],
                     ["card", ("1 species", "lists 1")], setup=with_setup(lif, card({"species": ["Li"]})),
                     what="pair_coeff by element names with a card listing one species for a two-species MTP"),
    ]


# ============================================================================================ 2 structures

def cases_structures() -> list[Case]:
    c = 2

    def write(name, text):
        def setup(ctx, tmp):
            (tmp / name).write_text(text() if callable(text) else text)
        return setup

    def repeated(tmp, res):
        path = tmp / "d" / "structure.data"
        if not path.is_file():
            return False, "no structure.data written"
        text = path.read_text()
        n = int(re.search(r"^\s*(\d+)\s+atoms", text, re.M).group(1))
        widths = [float(b) - float(a) for a, b in re.findall(r"^\s*(\S+)\s+(\S+)\s+[xyz]lo", text, re.M)]
        ok = n > 2 and min(widths) >= 2 * (5.0 + 2.0) - 1e-6
        return ok, f"2 atoms -> {n} atoms, widths >= {min(widths):.2f} A (2 x (cutoff + skin) = 14 A)"

    def small_data(tmp, res):
        warned = unmet([("SMALLER", "sees its own images", "too small", "repeat")], res.text) == []
        return warned, ("written with a warning that the 3.44 A cell is smaller than 2 x (cutoff + skin)" if warned
                        else "a 2-atom cell narrower than the cutoff was accepted without a word")

    def duplicate_atom():
        atoms, box = bcc(3.44, 3)
        atoms.append(atoms[5])
        return data_text(atoms, box, ["Li"])

    def close_extxyz():
        atoms, box = bcc(3.44, 3)
        e, x, y, z = atoms[0]
        atoms.append(("Li", x + 0.3, y, z))
        return extxyz(atoms, box)

    def truncated():
        return "\n".join(li54().splitlines()[:40]) + "\n"

    def nan_coordinate():
        lines = li54().splitlines()
        k = next(i for i, ln in enumerate(lines) if ln.startswith("3 1 "))
        lines[k] = "3 1 nan 0.0 3.44"
        return "\n".join(lines) + "\n"

    def unknown_mass():
        atoms, box = bcc(3.44, 3)
        return data_text(atoms, box, ["Li"], masses={"Li": 50.0})

    def more_types():
        atoms, box = rocksalt(4.03, 2)
        return data_text(atoms, box, ["Li", "F"])

    base = ["deck", "diffusion_nvt", "-p", LI_MTP, *TINY, "-o", "d", "-s"]
    return [
        cli_error("partial-occupancy-cif", c,
                  ["deck", "diffusion_nvt", "-s", "example:beta-Li3PS4.cif", "-p", LIPS_ACE, *TINY, "-o", "d"],
                  [("partial", "occupan"), "order"], what="deck -s example:beta-Li3PS4.cif (partial Li occupancies)"),
        cli_ok("small-cell-structure-file-repeated", c, [*base, "li2.extxyz"], repeated, setup=files("li2.extxyz"),
               what="deck -s a 2-atom bcc Li extxyz (3.44 A cell, cutoff 5 A)",
               good="exit 0 and structure.data repeated until every width holds 2 x (cutoff + skin), as README says"),
        cli_ok("small-cell-data-file", c, [*base, "li2.data"], small_data, setup=files("li2.data"),
               error_words=[("width", "cutoff", "small")],
               what="deck -s a 2-atom bcc Li LAMMPS data file (3.44 A, narrower than the 5 A cutoff)",
               good="refused naming the width/cutoff, or written with a warning that the cell is too small"),
        cli_error("missing-structure-file", c, [*base, "nothere.cif"], ["nothere.cif", ("not exist", "not found",
                                                                                         "no such")]),
        cli_error("unreadable-structure-binary", c, [*base, "junk.cif"], ["junk.cif", ("cannot read", "could not",
                                                                                      "invalid", "not a")],
                  setup=write("junk.cif", lambda: "".join(chr(33 + (i * 7919) % 90) for i in range(3000))),
                  what="deck -s junk.cif (random characters)"),
        cli_error("empty-structure-file", c, [*base, "empty.cif"], ["empty.cif", ("empty", "cannot read",
                                                                                 "no structure", "invalid")],
                  setup=write("empty.cif", ""), what="deck -s an empty .cif"),
        cli_error("garbage-data-file", c, [*base, "junk.data"], ["junk.data", ("atom", "Masses", "cannot read")],
                  setup=write("junk.data", "hello world\n"), what="deck -s a .data file holding 'hello world'"),
        cli_error("truncated-data-file", c, [*base, "cut.data"], ["cut.data", ("54", "truncated", "missing",
                                                                               "expected", "incomplete", "only")],
                  setup=write("cut.data", truncated), what="deck -s a data file that declares 54 atoms and lists 27"),
        cli_error("structure-is-a-directory", c, [*base, "adir"], ["adir", ("directory", "not a file")],
                  setup=lambda ctx, tmp: (tmp / "adir").mkdir(), what="deck -s a directory"),
        cli_error("duplicate-atom-data-file", c, [*base, "dup.data"], [("overlap", "duplicate"), "atoms"],
                  setup=write("dup.data", duplicate_atom), what="deck -s a data file with one atom listed twice"),
        cli_error("overlapping-atoms-extxyz", c, [*base, "close.extxyz"], [("overlap", "duplicate", "apart")],
                  setup=write("close.extxyz", close_extxyz), what="deck -s an extxyz with two Li 0.3 A apart"),
        cli_error("nan-coordinate-data-file", c, [*base, "nan.data"], [("nan", "finite", "not a number")],
                  setup=write("nan.data", nan_coordinate), what="deck -s a data file with x = nan for atom 3"),
        cli_error("unknown-mass-data-file", c, [*base, "heavy.data"], ["mass", ("element", "type 1")],
                  setup=write("heavy.data", unknown_mass), what="deck -s a data file whose only mass is 50 (no element)"),
        cli_error("data-file-more-types-than-potential", c,
                  ["deck", "diffusion_nvt", "-p", LI_MTP, "-e", "Li", *TINY, "-o", "d", "-s", "lif.data"],
                  [("2 atom types", "types"), ("elements", "given")], setup=write("lif.data", more_types),
                  what="deck -e Li for a data file with 2 atom types"),
        cli_error("structure-without-cell", c, [*base, "nocell.xyz"], [("cell", "periodic")],
                  setup=write("nocell.xyz", "2\n\nLi 0 0 0\nLi 1.72 1.72 1.72\n"),
                  what="deck -s a plain .xyz without a cell"),
        cli_error("unknown-example-structure", c, [*base, "example:nothing.cif"], ["nothing.cif", "example:Li2S.cif"],
                  what="deck -s example:nothing.cif", good="non-zero exit, message lists the shipped examples"),
        cli_error("neb-from-data-file", c, ["deck", "neb", "-s", "li54.data", "-p", LI_MTP, "-o", "d"],
                  ["hop"], setup=files("li54.data"), what="deck neb -s a plain data file (no final state)"),
        cli_error("build-negative-lattice", c, ["build", "phase", "Li", "--a", "-3.44", "--cutoff", "5", "-o",
                                                "x.data"], [("--a", "lattice"), ("positive", "> 0", "negative")],
                  what="build phase Li --a -3.44"),
        cli_error("build-collapsed-lattice", c, ["build", "phase", "Li", "--a", "1.0", "--cutoff", "2", "-o",
                                                 "x.data"], [("overlap", "apart", "close", "distance")],
                  what="build phase Li --a 1.0 (neighbours 0.87 A apart)"),
    ]


# ============================================================================================ 3 settings

def cases_settings() -> list[Case]:
    c = 3
    li = files("li54.data")
    deck = ["deck", "diffusion_nvt", "-s", "li54.data", "-p", LI_MTP, "-o", "d"]
    mq = ["deck", "melt_quench", "-s", "li54.data", "-p", LI_MTP, "-o", "d"]
    iface = ["deck", "interface_npt", "-s", "li54.data", "-p", LI_MTP, "-o", "d"]

    def s(name, sets, words, *, base=deck, what=None):
        args = list(base)
        for item in sets:
            args += ["--set", item]
        return cli_error(name, c, args, words, setup=li, what=what or "deck --set " + " --set ".join(sets))

    def dump_interval(tmp, res):
        text = (tmp / "d" / "in.lmp").read_text() if (tmp / "d" / "in.lmp").is_file() else ""
        m = re.search(r"^dump\s+\S+\s+\S+\s+\S+\s+(\d+)", text, re.M)
        every = int(m.group(1)) if m else None
        ok = every is not None and every <= 2
        return ok, (f"dump every {every} steps for dump_every_ps=0.0001 (one 1 fs step would be the nearest)"
                    if not ok else f"dump every {every} step(s)")

    def production_length(tmp, res):
        manifest = tmp / "d" / "manifest.json"
        if not manifest.is_file():
            return False, "no manifest written"
        stages = json.loads(manifest.read_text()).get("stages", {})
        production = stages.get("total", 0) - stages.get("equilibrate", 0)
        noted = unmet([("round",)], res.text) == []
        ok = abs(production - 150) <= 15 or noted
        return ok, (f"production_ps=0.15 (150 steps) became {production} steps"
                    + (" with a note" if noted else " without a word"))

    def until(text):
        return lambda ctx, tmp: (tmp / "s.toml").write_text(text)

    def plan(name, text, words, what):
        return cli_error(name, c, ["sweep", "plan", "s.toml", "-o", "sw"], words, setup=until(text), what=what)

    def accepted_is_wrong(name, args, words, what, good):
        """A value the deck must refuse: exit 0 is a silent wrong result (judge_error_result)."""
        return cli_error(name, c, args, words, setup=li, what=what, good=good)

    return [
        s("production-negative", ["production_ps=-5"], ["production_ps", ("> 0", "positive")]),
        s("production-zero", ["production_ps=0"], ["production_ps", ("> 0", "positive")]),
        s("equilibrate-zero", ["equilibrate_ps=0"], ["equilibrate_ps", ("> 0", "positive")]),
        s("equilibrate-negative", ["equilibrate_ps=-1"], ["equilibrate_ps", ("> 0", "positive")]),
        s("dump-interval-zero", ["dump_every_ps=0"], ["dump_every_ps", ("> 0", "positive")]),
        s("dump-interval-longer-than-run", ["dump_every_ps=500"], ["dump_every_ps", ("longer", "production_ps")]),
        s("temperature-negative", ["temperature_K=-300"], ["temperature_K", ("> 0", "positive")]),
        s("temperature-zero-legacy-name", ["temperature=0"], ["temperature", ("> 0", "positive")]),
        s("pressure-negative", ["pressure_bar=-1"], ["pressure_bar", (">= 0", "negative")]),
        s("thermo-every-zero", ["md.thermo_every=0"], ["md.thermo_every", ">= 1"]),
        s("thermo-every-fraction", ["md.thermo_every=1.5"], ["md.thermo_every", ("whole", "integer", "int")]),
        s("restart-every-zero", ["md.restart_every=0"], ["md.restart_every", ">= 1"]),
        s("unknown-key", ["temprature=600"], ["temprature", "temperature_K"]),
        s("unknown-group", ["thermostat.tdamp=1"], ["thermostat.tdamp", "md.tdamp_steps"]),
        s("timestep-50fs", ["md.timestep_fs=50"], ["md.timestep_fs", "5"]),
        s("timestep-non-numeric", ["md.timestep_fs=abc"], ["md.timestep_fs", ("abc", "number", "float")]),
        s("production-non-numeric", ["production_ps=ten"], ["production_ps", ("ten", "number", "float")]),
        s("temperature-nan", ["temperature_K=nan"], ["temperature_K", "finite"]),
        s("max-temperature-inf", ["guards.max_temperature_K=inf"], ["guards.max_temperature_K", "finite"]),
        s("seed-zero", ["md.seed=0"], ["md.seed"]),
        s("bool-setting-maybe", ["equilibrate_npt=maybe"], ["equilibrate_npt", ("true", "bool")]),
        s("gamma-break-below-save", ["guards.gamma_break=1", "guards.gamma_save=5"],
          ["guards.gamma_break", "guards.gamma_save"]),
        cli_error("set-without-equals", c, [*deck, "--set", "production_ps"], ["KEY=VALUE", "production_ps"],
                  setup=li),
        cli_error("temperatures-list-negative", c, [*deck, "--temperatures", "600,-100"],
                  ["temperature", "-100"], setup=li, what="deck --temperatures 600,-100"),
        cli_error("temperatures-list-non-numeric", c, [*deck, "--temperatures", "abc"],
                  [("temperature",), "abc"], setup=li, what="deck --temperatures abc"),
        cli_error("melt-barostat-unknown", c, [*mq, "--set", "barostat=xyz"], ["barostat", "iso"], setup=li),
        cli_error("melt-quench-rate-zero", c, [*mq, "--set", "quench_rate_K_per_ps=0"],
                  ["quench_rate_K_per_ps", ("> 0", "positive")], setup=li),
        cli_error("interface-run-negative", c, [*iface, "--set", "run_ps=-1"], ["run_ps", ("> 0", "positive")],
                  setup=li),
        accepted_is_wrong("melt-temperature-below-final", [*mq, "--set", "t_melt_K=200"], ["t_melt_K"],
                          "deck melt_quench --set t_melt_K=200 (below t_start_K = t_final_K = 300 K: nothing melts)",
                          "refused, naming t_melt_K (a melt below the final temperature is no melt-quench)"),
        accepted_is_wrong("watchdog-ceiling-below-run-temperature", [*deck, "--set", "guards.max_temperature_K=400"],
                          ["max_temperature_K", "temperature_K"],
                          "deck --set guards.max_temperature_K=400 for a 600 K run",
                          "refused at deck time (the run would stop at its first check)"),
        cli_ok("dump-interval-below-one-step", c, [*deck, "--set", "dump_every_ps=0.0001"], dump_interval, setup=li,
               error_words=["dump_every_ps"],
               what="deck --set dump_every_ps=0.0001 (a tenth of the 1 fs time step)",
               good="refused naming dump_every_ps, or a dump every step; not a silent 100-step interval"),
        cli_ok("production-rounded-to-thermo", c,
               [*deck, "--set", "production_ps=0.15", "--set", "equilibrate_ps=0.1"], production_length, setup=li,
               error_words=["production_ps", "md.thermo_every"],
               what="deck --set production_ps=0.15 with md.thermo_every=100 (not a multiple of the thermo interval)",
               good="150 production steps, or a refusal / note that it is rounded (README: nothing clamped silently)"),
        plan("sweep-unknown-top-key", sweep_toml(top="grids = 1"), ["grids"], "sweep plan with a key 'grids'"),
        plan("sweep-grid-unknown-setting", sweep_toml(grid="temprature = [600]"), ["temprature"],
             "sweep plan with [grid] temprature = [600]"),
        plan("sweep-grid-scalar", sweep_toml(grid="temperature = 600"), ["grid.temperature", "list"],
             "sweep plan with [grid] temperature = 600 (not a list)"),
        plan("sweep-settings-timestep-50fs", sweep_toml(settings={'"md.timestep_fs"': "50"}), ["md.timestep_fs"],
             "sweep plan with [settings] md.timestep_fs = 50"),
        plan("sweep-missing-structure-file", sweep_toml(structure='source = "missing.cif"'),
             ["missing.cif"], "sweep plan whose structure source is missing.cif"),
        plan("sweep-toml-syntax-error", 'name = "x"\nprotocol = \n', [("toml",), "line 2"],
             "sweep plan of a file with a TOML syntax error"),
        plan("sweep-until-min-jumps-zero", sweep_toml(extra="[until]\nmin_jumps = 0\nadd_ps = 5"),
             ["until.min_jumps"], "[until] min_jumps = 0"),
        plan("sweep-until-no-add-ps", sweep_toml(extra="[until]\nmin_jumps = 10"), ["until.add_ps"],
             "[until] without add_ps"),
        plan("sweep-until-add-ps-negative", sweep_toml(extra="[until]\nmin_jumps = 5\nadd_ps = -1"),
             ["until.add_ps"], "[until] add_ps = -1"),
        plan("sweep-until-unknown-key", sweep_toml(extra="[until]\nmin_jumps = 5\nadd_ps = 5\njumps = 3"),
             ["jumps", "until"], "[until] with an unknown key 'jumps'"),
        plan("sweep-until-max-rounds-zero", sweep_toml(extra="[until]\nmin_jumps = 5\nadd_ps = 1\nmax_rounds = 0"),
             ["until.max_rounds"], "[until] max_rounds = 0"),
        plan("sweep-until-species-not-element", sweep_toml(extra='[until]\nmin_jumps = 5\nadd_ps = 1\nspecies = "Xx"'),
             ["until.species", "Xx"], "[until] species = 'Xx' (no such element)"),
        plan("sweep-until-species-absent", sweep_toml(extra='[until]\nmin_jumps = 5\nadd_ps = 1\nspecies = "F"'),
             ["until.species", ("F",)],
             "[until] species = 'F' in a pure-Li sweep (no F atom can ever jump: every round is wasted)"),
    ]


# ============================================================================================ 4 NaN and blow-ups

def _nan_mtp(text: str) -> str:
    return re.sub(r"^species_coeffs = \{[^}]*\}", "species_coeffs = {nan}", text, count=1, flags=re.M)


def _huge_mtp(text: str) -> str:
    return re.sub(r"^species_coeffs = \{[^}]*\}", "species_coeffs = {1e308}", text, count=1, flags=re.M)


def _inf_yace(text: str) -> str:
    start = text.index("ctildes: [") + len("ctildes: [")
    end = start + min(text[start:].index(","), text[start:].index("]"))
    return text[:start] + "inf" + text[end:]


def cases_blowups() -> list[Case]:
    c = 4
    fast = ["--set", "equilibrate_ps=0.1", "--set", "production_ps=0.2", "--set", "md.thermo_every=10",
            "--set", "md.restart_every=50", "--set", "dump_every_ps=0.05", "--set", "guards.check_every=10"]
    nomin = ["--set", "minimize=false", "--set", "equilibrate_npt=false"]

    def pot(source, name, edit):
        return lambda ctx, tmp: copy_potential(tmp, source, name, edit=edit)

    def deck_run(name, structure, potential, extra, words, what, good=None, setup=None, species=()):
        steps = [["deck", "diffusion_nvt", "-s", structure, "-p", potential, *species, *fast, *extra, "-o", "d"],
                 ["run", "d"]]
        return steps_error(name, c, steps, words, what=what, good=good, setup=setup, timeout=RUN_TIMEOUT)

    return [
        deck_run("nan-coefficient-mtp", "li54.data", "nan.mtp", [], [("non-finite", "nan"), "species_coeffs"],
                 "deck + run with an MTP whose species_coeffs is nan (no card)", species=["--species", "Li"],
                 setup=with_setup(files("li54.data"), pot("Li_mtp_L10_mlearn.mtp", "nan.mtp", _nan_mtp))),
        lammps_error("inf-coefficient-yace", c,
                     lmp_setup("lif64.data") + ["pair_style sei/ace", "pair_coeff * * {tmp}/inf.yace Li F"],
                     [("non-finite", "inf"), "inf.yace"],
                     setup=with_setup(files("lif64.data"), pot("LiF_ace_chgnet.yace", "inf.yace", _inf_yace)),
                     what="pair_coeff with a .yace whose first ctilde is inf"),
        deck_run("inf-energy-run-stops", "li54.data", "huge.mtp", nomin, ["non-finite", ("inf", "nan")],
                 "deck + run with species_coeffs = 1e308 (the energy overflows to inf at step 0)",
                 good=f"the runner stops LAMMPS at the first non-finite thermo row (no hang: {RUN_TIMEOUT} s)",
                 species=["--species", "Li"],
                 setup=with_setup(files("li54.data"), pot("Li_mtp_L10_mlearn.mtp", "huge.mtp", _huge_mtp))),
        deck_run("inf-energy-minimiser-stops", "li54.data", "huge.mtp", [], ["non-finite", ("inf", "nan")],
                 "the same potential with the minimiser and NPT equilibration on (a minimiser fed inf used to search "
                 "without end)", good=f"stopped with the reason within {RUN_TIMEOUT} s", species=["--species", "Li"],
                 setup=with_setup(files("li54.data"), pot("Li_mtp_L10_mlearn.mtp", "huge.mtp", _huge_mtp))),
        deck_run("watchdog-temperature", "li_close1.8.data", LI_MTP,
                 [*nomin, "--set", "guards.max_temperature_K=3000"], ["temperature"],
                 "two Li 1.8 A apart, no minimisation, temperature ceiling 3000 K: the run heats up",
                 setup=files("li_close1.8.data")),
        deck_run("watchdog-contact", "li_close1.8.data", LI_MTP, [*nomin, "--set", "guards.min_distance_A=1.7"],
                 [("contact", "min_distance", "distance")],
                 "two Li 1.8 A apart, contact distance 1.7 A: they collide", setup=files("li_close1.8.data")),
        deck_run("watchdog-cell-volume", "li54.data", LI_MTP,
                 ["--set", "pressure_bar=50000", "--set", "guards.max_volume_change=0.01"],
                 [("volume", "shrink", "expand")],
                 "NPT equilibration at 50 kbar with guards.max_volume_change = 0.01: the cell shrinks",
                 setup=files("li54.data")),
        deck_run("blow-up-default-guards", "li_close1.5.data", LI_MTP, nomin,
                 [("temperature", "lost atoms", "contact", "blow", "watchdog", "non-finite")],
                 "two Li 1.5 A apart with the default guards and no minimisation (the structure explodes)",
                 setup=files("li_close1.5.data")),
    ]


# ============================================================================================ 5 safe decks

def cases_safe_decks() -> list[Case]:
    c = 5
    run_files = ("run/production.dump", "run/log.lammps", "run/final.data", "run/runs.jsonl", "run/stdout.txt",
                 "run/manifest.json", "run/in.lmp")
    finished = with_setup(files("li54.data"), fixture_copy("li_run", "run"))
    redeck = ["deck", "diffusion_nvt", "-s", "li54.data", "-p", LI_MTP, *TINY, "--set", "temperature_K=900",
              "-o", "run"]

    def edit_run(fn):
        return lambda ctx, tmp: fn(tmp / "run")

    def interrupted(run):
        (run / "done").unlink()
        for restart in sorted((run / "restarts").iterdir())[1:]:
            restart.unlink()

    def corrupt_manifest(run):
        (run / "manifest.json").write_text("{garbage")

    def results_only(run):
        for name in ("runs.jsonl", "stdout.txt", "done"):
            (run / name).unlink()
        shutil.rmtree(run / "restarts")

    def cut_all_restarts(run):
        (run / "done").unlink()
        for restart in (run / "restarts").iterdir():
            restart.write_bytes(restart.read_bytes()[:100])

    def cut_newest_restart(run):
        (run / "done").unlink()
        newest = sorted((run / "restarts").iterdir(), key=lambda p: int(p.name.split(".")[-1]))[-1]
        newest.write_bytes(newest.read_bytes()[:100])

    def scramble_restart(run):
        """Only the older restart kept, its middle third overwritten (a damaged disk block, not a cut-off file)."""
        (run / "done").unlink()
        restarts = sorted((run / "restarts").iterdir(), key=lambda p: int(p.name.split(".")[-1]))
        for extra in restarts[1:]:
            extra.unlink()
        data = bytearray(restarts[0].read_bytes())
        n = len(data)
        data[n // 3: 2 * n // 3] = b"\xff" * (2 * n // 3 - n // 3)
        restarts[0].write_bytes(bytes(data))

    def forced(tmp, res):
        moved = [p for p in tmp.iterdir() if p.name.startswith("run.replaced-")]
        fresh = (tmp / "run" / "manifest.json").is_file() and not (tmp / "run" / "done").exists()
        return (len(moved) == 1 and fresh, f"old run moved to {moved[0].name if moved else '(nowhere)'}; new deck "
                                           f"{'written' if fresh else 'missing'}")

    def user_files_kept(tmp, res):
        kept = (tmp / "run" / "my_notes.txt").is_file() and (tmp / "run" / "in.lmp").is_file()
        return kept, "deck written beside the user's file" if kept else "user's file gone or no deck"

    def deck_then_run(tmp_steps):
        def action(ctx, tmp):
            res = ctx.cli(tmp_steps[0], tmp)
            if res.rc == 0:
                res = ctx.cli(tmp_steps[1], tmp)
                res.argv.append("#after run")
            return res
        return action

    def judge_refuse_or_keep(ctx, tmp, res):
        # the data-loss check runs after this; here: a refusal is the good outcome, a run on top is not
        if res.argv[-1] == "#after run":
            return Verdict("silent wrong result", "deck accepted over the old results and the run started over",
                           res.text[-800:])
        return judge_error_result(res, [("holds", "finished", "results", "--force")])

    temps = ["deck", "diffusion_nvt", "-s", "li54.data", "-p", LI_MTP, *TINY, "--temperatures", "600", "-o", "T"]

    return [
        cli_error("deck-over-finished-run", c, redeck, ["--force", ("done", "finished")], setup=finished,
                  protect=run_files, what="deck -o DIR where DIR holds a finished run, without --force"),
        cli_error("deck-over-interrupted-run", c, redeck, ["--force"], protect=run_files,
                  setup=with_setup(finished, edit_run(interrupted)),
                  what="deck -o DIR where DIR holds an interrupted run (no done marker, one restart)"),
        cli_ok("deck-force-moves-run-aside", c, [*redeck, "--force"], forced, setup=finished, protect=run_files,
               moved_ok=True, what="deck -o DIR --force over a finished run",
               good="exit 0, the old run whole in DIR.replaced-<time>, a fresh deck in DIR"),
        cli_error("deck-over-run-with-corrupt-manifest", c, redeck, [("holds", "--force", "manifest")],
                  setup=with_setup(finished, edit_run(corrupt_manifest)), protect=run_files,
                  what="deck -o DIR over a finished run whose manifest.json is not JSON"),
        Case("deck-over-results-only-run", c,
             "deck -o DIR then run DIR, where DIR holds a finished run's results only (production.dump, log, "
             "final.data; journal, stdout and restarts cleaned away)",
             "deck refused (DIR holds results) or the old production.dump kept",
             action=deck_then_run([redeck, ["run", "run"]]), judge=judge_refuse_or_keep,
             setup=with_setup(finished, edit_run(results_only)),
             protect=("run/production.dump", "run/final.data")),
        cli_error("deck-temperatures-over-finished", c, temps, ["--force"],
                  setup=with_setup(files("li54.data"), fixture_copy("li_run", "run", "T/T600K")),
                  protect=tuple(f.replace("run/", "T/T600K/") for f in run_files),
                  what="deck --temperatures 600 -o T where T/T600K holds a finished run"),
        cli_ok("deck-into-dir-with-user-files", c, redeck, user_files_kept,
               setup=with_setup(files("li54.data"), lambda ctx, tmp: ((tmp / "run").mkdir(),
                                                                       (tmp / "run" / "my_notes.txt").write_text("x"))),
               protect=("run/my_notes.txt",), what="deck -o DIR where DIR holds only an unrelated file of the user"),
        cli_error("deck-output-is-a-file", c, [*redeck[:-1], "out.txt"], ["out.txt", ("file", "directory", "exists")],
                  setup=with_setup(files("li54.data"), lambda ctx, tmp: (tmp / "out.txt").write_text("keep me")),
                  protect=("out.txt",), what="deck -o out.txt where out.txt is a regular file"),
        cli_error("restarts-all-cut-off", c, ["run", "run"], [("incomplete", "cut", "damaged", "corrupt")],
                  setup=with_setup(finished, edit_run(cut_all_restarts)),
                  protect=("run/production.dump",), what="run DIR whose every restart file is cut to 100 bytes"),
        cli_ok("newest-restart-cut-off", c, ["run", "run"],
               lambda tmp, res: (("resumed from" in res.stdout and "restart.100" in res.text),
                                 "resumed from the older restart" if "resumed from" in res.stdout else
                                 "did not say it resumed from the older restart"),
               setup=with_setup(finished, edit_run(cut_newest_restart)),
               what="run DIR whose newest restart file is cut off",
               good="exit 0, resumed from the older restart with a note"),
        cli_error("restart-damaged-in-the-middle", c, ["run", "run"],
                  ["restart", ("corrupt", "damaged", "unreadable", "cannot read", "invalid", "incomplete")],
                  setup=with_setup(finished, edit_run(scramble_restart)), protect=("run/production.dump",),
                  what="run DIR whose only restart file has its middle third overwritten with 0xff"),
    ]


# ============================================================================================ 6 analysis

def _csv_rows(path: Path) -> list[dict]:
    import csv

    with path.open() as handle:
        return list(csv.DictReader(handle))


def cases_analysis() -> list[Case]:
    c = 6
    run = fixture_copy("li_run", "run")
    lif_pot = fixture_copy("lif_pot_li_run", "run")

    def diffusion_rows(tmp, res, species="Li"):
        path = tmp / "tr" / "diffusion.csv"
        if not path.is_file():
            return False, "no diffusion.csv"
        rows = [r for r in _csv_rows(path) if r.get("species") == species]
        return bool(rows), f"{len(rows)} {species} row(s) in diffusion.csv"

    def d_is_nan(tmp, res):
        path = tmp / "tr" / "diffusion.csv"
        if not path.is_file():
            return False, "no diffusion.csv"
        row = _csv_rows(path)[0]
        value = row.get("D_cm2_s", "")
        nan = value.strip().lower() in ("", "nan")
        return nan, (f"D = NaN ({row.get('D_status')})" if nan else
                     f"D = {value} cm2/s reported for a 0.1 ps run with effective_hops = {row.get('effective_hops')} "
                     f"(status {row.get('D_status')}); README: fewer than 10 effective hops -> D = NaN")

    def rdf_written(tmp, res):
        return exists("st/rdf.csv")(tmp, res)

    def cut_last_frame(ctx, tmp):
        dump = tmp / "run" / "production.dump"
        text = dump.read_text()
        last = text.rindex("ITEM: TIMESTEP")
        dump.write_text(text[: last + int(0.6 * (len(text) - last))])

    def cut_dump_frames(tmp, res):
        path = tmp / "tr" / "diffusion.csv"
        if not path.is_file():
            return False, "no diffusion.csv"
        row = _csv_rows(path)[0]
        noted = unmet([("incomplete", "truncated", "cut", "partial", "last frame", "skipped")], res.text) == []
        return True, f"analysed {row.get('n_frames')} frames" + (" with a note on the cut frame" if noted else "")

    def no_manifest(ctx, tmp):
        (tmp / "run" / "manifest.json").unlink()

    def collect_ok(tmp, res):
        path = tmp / "sw" / "collect" / "results.csv"
        return path.is_file(), "collect/results.csv written" if path.is_file() else "no collect/results.csv"

    return [
        cli_ok("potential-element-absent-from-dump", c, ["analyze", "diffusion", "run", "-o", "tr"],
               diffusion_rows, setup=lif_pot,
               what="analyze diffusion of a pure-Li run made with the Li-F MTP (F in the potential, not in the dump)",
               good="exit 0, a Li row"),
        cli_error("species-absent-from-dump", c, ["analyze", "diffusion", "run", "--species", "F", "-o", "tr"],
                  [re.compile(r"\bF\b"), ("no F", "not in", "has no", "absent")], setup=lif_pot,
                  what="analyze diffusion --species F of that pure-Li run"),
        cli_ok("structure-one-element-run", c, ["analyze", "structure", "run", "-o", "st"], rdf_written, setup=lif_pot,
               what="analyze structure of the pure-Li run made with the Li-F potential", good="exit 0, rdf.csv"),
        cli_ok("diffusion-one-element-run", c, ["analyze", "diffusion", "run", "-o", "tr"], diffusion_rows,
               setup=run, what="analyze diffusion of a one-element (Li) run, default species and framework",
               good="exit 0, a Li row"),
        cli_ok("too-short-run-D-is-nan", c, ["analyze", "diffusion", "run", "--species", "Li", "-o", "tr"], d_is_nan,
               setup=run, what="analyze diffusion of a 0.1 ps run (MSD 0.2 A^2, ~4 effective hops)",
               good="D = NaN with D_status and the reason (README), not a number"),
        cli_ok("truncated-dump-last-frame", c, ["analyze", "diffusion", "run", "--species", "Li", "-o", "tr"],
               cut_dump_frames, setup=with_setup(run, cut_last_frame),
               error_words=["production.dump", ("incomplete", "truncated", "cut", "frame")],
               what="analyze diffusion of a run whose production.dump ends in the middle of its last frame",
               good="exit 0 from the complete frames (the cut one dropped), or a refusal naming the cut frame"),
        cli_ok("truncated-dump-structure", c, ["analyze", "structure", "run", "--frames", "-1", "-o", "st"],
               rdf_written, setup=with_setup(run, cut_last_frame),
               error_words=["production.dump", ("incomplete", "truncated", "cut", "frame")],
               what="analyze structure --frames -1 (the last frame) of that cut dump",
               good="exit 0 from the last complete frame, or a refusal naming the cut frame"),
        cli_error("empty-run-directory", c, ["analyze", "diffusion", "empty", "-o", "tr"], ["manifest.json"],
                  setup=lambda ctx, tmp: (tmp / "empty").mkdir(), what="analyze diffusion of an empty directory"),
        cli_error("missing-manifest", c, ["analyze", "diffusion", "run", "-o", "tr"], ["manifest.json"],
                  setup=with_setup(run, no_manifest), what="analyze diffusion of a finished run without manifest.json"),
        cli_ok("missing-manifest-with-elements", c, ["analyze", "structure", "run", "-e", "Li", "-o", "st"],
               rdf_written, setup=with_setup(run, no_manifest),
               what="analyze structure -e Li of a finished run without manifest.json (--help: -e for a dump file)",
               good="exit 0: the elements were given"),
        cli_error("diffusion-deck-never-run", c, ["analyze", "diffusion", "run", "-o", "tr"],
                  [("not run", "no dump", "production.dump", "has not", "run it", "not finished")],
                  setup=fixture_copy("li_deck", "run"), what="analyze diffusion of a deck that never ran"),
        cli_error("failed-run", c, ["analyze", "run", "run"],
                  [("failed", "did not finish", "not finished", "not done", "stopped")],
                  setup=fixture_copy("failed_run", "run"),
                  what="analyze run of a run the watchdog stopped at step 10"),
        cli_error("fit-window-reversed", c, ["analyze", "diffusion", "run", "--window", "5:1", "-o", "tr"],
                  ["window"], setup=run, what="analyze diffusion --window 5:1"),
        cli_error("frames-out-of-range", c, ["analyze", "structure", "run", "--frames", "999", "-o", "st"],
                  ["frame", ("999", "range", "has")], setup=run, what="analyze structure --frames 999 (11 frames)"),
        cli_error("interphase-of-bulk-run", c, ["analyze", "interphase", "run", "-o", "ip"],
                  [("marker", "same in both", "interface", "one phase")], setup=run,
                  what="analyze interphase of a bulk one-element diffusion run"),
        cli_ok("sweep-collect-short-runs", c, ["sweep", "collect", "sw"], collect_ok,
               setup=fixture_copy("sweep_done", "sw"), error_words=["bcc__mtp__T600"],
               what="sweep collect of a finished sweep whose one run is too short for a D",
               good="exit 0 with the run listed (D NaN, 'dropped' in fits.csv: README), or an error naming the run"),
    ]


# ============================================================================================ 7 melt-quench QA

VERDICTS = ("PASS", "FAIL", "INCONCLUSIVE")


def mq_verdict(res: Result) -> str | None:
    for line in res.stdout.splitlines():
        if line.strip() in VERDICTS:
            return line.strip()
    return None


def judge_inconclusive(error_words: Words | None):
    """INCONCLUSIVE is right; a clear refusal (error_words) too; PASS is silent wrong; FAIL mislabels."""
    def judge(ctx, tmp, res):
        if res.timed_out:
            return Verdict("hang", f"no answer after {res.timeout:g} s", summary(res))
        if has_traceback(res):
            return Verdict("traceback", traceback_line(res), res.stderr[-1500:])
        verdict = mq_verdict(res)
        reasons = " | ".join(ln.strip() for ln in res.stdout.splitlines() if ln.strip().startswith(("- ", "not checked")))
        if verdict == "INCONCLUSIVE":
            return Verdict("correct", f"INCONCLUSIVE: {reasons}"[:300], res.stdout[-1500:])
        if verdict == "PASS":
            return Verdict("silent wrong result", f"PASS on incomplete input: {reasons}"[:300], res.stdout[-1500:])
        if verdict == "FAIL":
            return Verdict("unclear error", f"FAIL where the input is incomplete (expected INCONCLUSIVE): {reasons}"[:300],
                           res.stdout[-1500:])
        if res.rc != 0:
            if error_words is not None and not unmet(error_words, res.text):
                return Verdict("clear error", first_message(res), res.stderr[-1200:])
            return Verdict("unclear error", first_message(res), res.stderr[-1200:])
        return Verdict("silent wrong result", f"exit 0 without a verdict: {summary(res)}", res.text[-1500:])
    return judge


def mq_error(name, args, words, what, setup) -> Case:
    """A bad option of analyze meltquench: refused with ``words``; accepted, the verdict it gave is reported."""
    def judge(ctx, tmp, res):
        verdict = judge_error_result(res, words)
        if verdict.outcome == "silent wrong result":
            verdict.message = f"accepted (exit 0), verdict {mq_verdict(res)}"
        return verdict
    return Case(name, 7, what, f"non-zero exit, message with {describe(words)}",
                lambda ctx, tmp: ctx.cli(["analyze", "meltquench", "run", *args], tmp), judge, setup=setup)


def cases_meltquench() -> list[Case]:
    c = 7
    done = fixture_copy("mq_run", "run")

    def rm(*names):
        def setup(ctx, tmp):
            for name in names:
                p = tmp / "run" / name
                shutil.rmtree(p) if p.is_dir() else p.unlink()
        return setup

    def header_only(ctx, tmp):
        p = tmp / "run" / "density_energy_vs_T.dat"
        p.write_text("".join(ln for ln in p.read_text().splitlines(True) if ln.startswith("#")))

    def killed_midway(ctx, tmp):
        """As after a kill in the quench: no done marker, no final.data, the averages cut in half."""
        run = tmp / "run"
        for name in ("done", "final.data"):
            (run / name).unlink()
        p = run / "density_energy_vs_T.dat"
        lines = p.read_text().splitlines(True)
        p.write_text("".join(lines[: max(2, len(lines) // 2)]))

    def garbage_final(ctx, tmp):
        (tmp / "run" / "final.data").write_text("not a data file\n")

    def mq(name, setup, what, args=(), error_words=None, good=None):
        return Case(name, c, what, good or "verdict INCONCLUSIVE (or a refusal naming what is missing), never PASS",
                    action=lambda ctx, tmp: ctx.cli(["analyze", "meltquench", "run", *args], tmp),
                    judge=judge_inconclusive(error_words), setup=setup)

    def strict_exit(tmp, res):
        return res.rc == 1, f"exit {res.rc} with verdict {mq_verdict(res)}"

    return [
        mq("mq-deck-never-run", fixture_copy("mq_deck", "run"), "analyze meltquench of a melt-quench deck that never ran",
           error_words=[("not run", "final.data", "did not")]),
        mq("complete-run-no-references", done,
           "analyze meltquench of a finished tiny run, no --reference and no --density-window"),
        mq("self-reference-and-window", done,
           "analyze meltquench --reference run/final.data --density-window 0.5,0.6 (every check given; 7 quench "
           "points are too few for a Tg fit)",
           args=["--reference", "run/final.data", "--density-window", "0.5,0.6"]),
        mq("averages-file-missing", with_setup(done, rm("density_energy_vs_T.dat")),
           "analyze meltquench of a finished run whose density_energy_vs_T.dat is gone",
           error_words=["density_energy_vs_T.dat"]),
        mq("averages-header-only", with_setup(done, header_only),
           "analyze meltquench of a finished run whose density_energy_vs_T.dat has its header only",
           error_words=["density_energy_vs_T.dat"]),
        mq("killed-in-the-quench", with_setup(done, killed_midway),
           "analyze meltquench of a run killed in the quench (no done, no final.data, half the averages)",
           error_words=[("not finish", "final.data", "interrupted")]),
        mq("final-data-garbage", with_setup(done, garbage_final),
           "analyze meltquench of a finished run whose final.data is not a data file",
           error_words=["final.data"]),
        Case("strict-on-inconclusive", c, "analyze meltquench --strict of the complete tiny run (INCONCLUSIVE)",
             "exit status 1 (--strict: anything but PASS)",
             action=lambda ctx, tmp: ctx.cli(["analyze", "meltquench", "run", "--strict"], tmp),
             judge=lambda ctx, tmp, res: judge_ok_result(res, lambda r: strict_exit(tmp, r))
             if res.rc == 0 else (Verdict("correct", f"exit 1 with verdict {mq_verdict(res)}", res.stdout[-800:])
                                  if res.rc == 1 and mq_verdict(res) else judge_error_result(res, ["strict"])),
             setup=done),
        mq_error("reference-missing", ["--reference", "nothere.data"], ["nothere.data"],
                 "analyze meltquench --reference nothere.data", done),
        mq_error("density-window-not-numbers", ["--density-window", "abc"], ["density", "abc"],
                 "analyze meltquench --density-window abc", done),
        mq_error("density-window-one-number", ["--density-window", "2.0"], ["density", ("two", "lo", "range", ",")],
                 "analyze meltquench --density-window 2.0 (one number, not lo,hi)", done),
        mq_error("density-window-reversed", ["--density-window", "2.2,1.9"], ["density", ("2.2", "low", "order")],
                 "analyze meltquench --density-window 2.2,1.9 (high before low)", done),
        mq_error("max-crystalline-above-one", ["--max-crystalline", "5"], ["max-crystalline", ("0", "1", "fraction")],
                 "analyze meltquench --max-crystalline 5 (a fraction above 1 lets any crystal pass)", done),
        cli_error("meltquench-of-diffusion-run", c, ["analyze", "meltquench", "run"], ["melt"],
                  setup=fixture_copy("li_run", "run"), what="analyze meltquench of a diffusion_nvt run"),
    ]


# ============================================================================================ 8 bookkeeping

LOCK_HOLDER = """
import fcntl, sys, time
handle = open(sys.argv[1], "w")
fcntl.flock(handle, fcntl.LOCK_EX)
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
"""

STATE_SNIPPET = """
import json, sys
from sei_lmp.run.directory import RunDirectory
state = RunDirectory(sys.argv[1]).state()
print("STATE " + json.dumps({"state": state.state, "reason": state.reason, "last_step": state.last_step}))
"""


def _with_lock(ctx: Ctx, tmp: Path, lock: Path, fn: Callable[[], Result]) -> Result:
    holder = subprocess.Popen([PYTHON, "-c", LOCK_HOLDER, str(lock), "120"], cwd=tmp, stdout=subprocess.PIPE,
                              text=True, env=ctx.env)
    try:
        holder.stdout.readline()
        return fn()
    finally:
        holder.kill()
        holder.wait()


def _wait_for(predicate: Callable[[], bool], timeout: float, proc: subprocess.Popen | None = None) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        if proc is not None and proc.poll() is not None:
            return predicate()
        time.sleep(0.05)
    return False


def _lammps_pid(run: Path) -> int | None:
    journal = run / "runs.jsonl"
    if not journal.is_file():
        return None
    starts = [json.loads(ln) for ln in journal.read_text().splitlines() if '"start"' in ln]
    return starts[-1].get("pid") if starts else None


def _kill9(proc: subprocess.Popen, run: Path) -> None:
    """kill -9 the runner (its whole session) and LAMMPS (its own session), by process id."""
    pid = _lammps_pid(run)
    for group in (proc.pid, pid):
        if group:
            try:
                os.killpg(group, signal.SIGKILL)
            except OSError:
                pass
    proc.wait(timeout=60)


def _restart_written(run: Path) -> Callable[[], bool]:
    return lambda: (run / "restarts").is_dir() and any((run / "restarts").iterdir()) and _lammps_pid(run) is not None


def _alive(pid: int | None) -> bool:
    """Whether process ``pid`` runs (a zombie does not)."""
    if not pid:
        return False
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def _bg_result(proc_argv: list[str], tmp: Path, rc, seconds: float) -> Result:
    out = (tmp / ".bg.stdout").read_text() if (tmp / ".bg.stdout").is_file() else ""
    err = (tmp / ".bg.stderr").read_text() if (tmp / ".bg.stderr").is_file() else ""
    return Result(proc_argv, rc, out, err, seconds)


def cases_bookkeeping() -> list[Case]:
    c = 8
    deck = fixture_copy("li_deck", "run")

    def locked_run(ctx, tmp):
        return _with_lock(ctx, tmp, tmp / "run" / ".run.lock", lambda: ctx.cli(["run", "run"], tmp))

    def locked_status(ctx, tmp):
        run = next((tmp / "sw" / "runs").iterdir())
        (run / "done").unlink()
        return _with_lock(ctx, tmp, run / ".run.lock", lambda: ctx.cli(["sweep", "status", "sw"], tmp))

    def unchanged_sweep(tmp, res):
        said = "already done" in res.text or "done" in res.text
        return said, "nothing rerun" + ("" if said else " (but nothing said)")

    def kill9_state(ctx, tmp):
        """sei-lmp run, kill -9 of runner and LAMMPS after the first restart file, then the run's state."""
        run = tmp / "run"
        start = time.monotonic()
        proc = ctx.popen(["run", "run"], tmp)
        if not _wait_for(_restart_written(run), 120, proc):
            proc.kill()
            return _bg_result(["run", "run"], tmp, proc.wait(), time.monotonic() - start)
        _kill9(proc, run)
        res = ctx.py(STATE_SNIPPET.replace("sys.argv[1]", repr(str(run))), tmp)
        res.seconds = time.monotonic() - start
        return res

    def judge_state(ctx, tmp, res):
        m = re.search(r"^STATE (.*)$", res.stdout, re.M)
        if not m:
            return judge_ok_result(res, lambda r: (False, "no state printed (the run finished before the kill?)"))
        state = json.loads(m.group(1))
        ok = state["state"] == "interrupted"
        return Verdict("correct" if ok else "silent wrong result",
                       f"state after kill -9: {state['state']} ({state['reason']})"[:200], res.stdout[-600:])

    def kill9_resume(ctx, tmp):
        run = tmp / "run"
        proc = ctx.popen(["run", "run"], tmp)
        if not _wait_for(_restart_written(run), 120, proc):
            proc.kill()
            return _bg_result(["run", "run"], tmp, proc.wait(), 0.0)
        _kill9(proc, run)
        return ctx.cli(["run", "run"], tmp, timeout=RUN_TIMEOUT)

    def resumed(tmp, res):
        ok = "resumed from" in res.stdout and (tmp / "run" / "done").is_file()
        return ok, ("resumed from the restart and finished" if ok else "not resumed / not done: " + summary(res, 150))

    def sweep_kill9(ctx, tmp):
        """sweep run killed with -9 (runner and LAMMPS), then sweep status."""
        (tmp / "sweep.toml").write_text(sweep_toml(settings={"production_ps": "8", "equilibrate_ps": "0.2", '"md.thermo_every"': "100",
                                                             '"md.restart_every"': "200", "dump_every_ps": "0.5"}))
        ctx.must("sweep plan", ctx.cli(["sweep", "plan", "sweep.toml", "-o", "sw"], tmp))
        run = next((tmp / "sw" / "runs").iterdir())
        proc = ctx.popen(["sweep", "run", "sw"], tmp)
        if not _wait_for(_restart_written(run), 150, proc):
            proc.kill()
            return _bg_result(["sweep", "run"], tmp, proc.wait(), 0.0)
        _kill9(proc, run)
        status = ctx.cli(["sweep", "status", "sw"], tmp)
        status.argv.append("#status")
        if "interrupted" not in status.stdout:
            return status
        again = ctx.cli(["sweep", "run", "sw"], tmp, timeout=RUN_TIMEOUT)
        again.argv.append("#resumed")
        return again

    def judge_sweep_kill(ctx, tmp, res):
        if res.argv[-1] == "#status":
            line = next((ln for ln in res.stdout.splitlines() if "bcc__mtp" in ln), summary(res))
            return judge_ok_result(res, lambda r: (False, f"status after kill -9 is not 'interrupted': {line.strip()}"))
        run = next((tmp / "sw" / "runs").iterdir(), None)
        return judge_ok_result(res, lambda r: ((run / "done").is_file(),
                                               "status said interrupted; sweep run resumed and finished"
                                               if (run / "done").is_file() else "resumed sweep run did not finish"))

    def delete_potential(ctx, tmp):
        (tmp / "pot").mkdir()
        copy_potential(tmp / "pot", "Li_mtp_L10_mlearn.mtp", "li.mtp")
        put(tmp, "li54.data")
        ctx.must("deck", ctx.cli(["deck", "diffusion_nvt", "-s", "li54.data", "-p", "pot/li.mtp", "--species", "Li",
                                  *TINY, "-o", "run"], tmp))
        shutil.rmtree(tmp / "pot")

    def bad_journal(ctx, tmp):
        run = next((tmp / "sw" / "runs").iterdir())
        with (run / "runs.jsonl").open("a") as handle:
            handle.write('{"event": "start", "attempt": 2, "ti\n')

    def stale_lock(ctx, tmp):
        (tmp / "run" / ".run.lock").write_text("")

    def config(text):
        return lambda ctx, tmp: (tmp / "config.toml").write_text(text)

    finished_protect = ("run/production.dump", "run/runs.jsonl", "run/log.lammps")
    return [
        Case("run-locked-by-another-runner", c, "sei-lmp run DIR while another process holds DIR/.run.lock",
             "refused: another runner is running there", locked_run,
             lambda ctx, tmp, res: judge_error_result(res, ["another", "running"]), setup=deck),
        Case("sweep-status-of-locked-run", c, "sweep status while a runner holds a run's lock",
             "exit 0, the run shown as running", locked_status,
             lambda ctx, tmp, res: judge_ok_result(res, lambda r: ("running" in r.stdout,
                                                                   "shown as running" if "running" in r.stdout else
                                                                   "not shown as running")),
             setup=fixture_copy("sweep_done", "sw")),
        cli_ok("sweep-run-on-finished-sweep", c, ["sweep", "run", "sw"], unchanged_sweep,
               setup=fixture_copy("sweep_done", "sw"),
               protect=tuple(f"sw/runs/bcc__mtp__T600/{n}" for n in ("production.dump", "runs.jsonl", "log.lammps")),
               what="sweep run of a sweep whose runs are all done", good="exit 0, nothing rerun, files unchanged"),
        cli_ok("run-on-finished-run", c, ["run", "run"],
               lambda tmp, res: ("done" in res.stdout, "said done, nothing rerun"),
               setup=fixture_copy("li_run", "run"), protect=finished_protect,
               what="sei-lmp run of a finished run", good="exit 0, nothing rerun, files unchanged"),
        Case("kill9-then-state", c, "sei-lmp run, kill -9 (runner and LAMMPS) after the first restart, then the state",
             "state 'interrupted' (the runner died)", kill9_state, judge_state, setup=fixture_copy("long_deck", "run")),
        Case("kill9-then-resume", c, "sei-lmp run again after a kill -9", "exit 0, resumed from the restart, done",
             kill9_resume, lambda ctx, tmp, res: judge_ok_result(res, lambda r: resumed(tmp, r)),
             setup=fixture_copy("long_deck", "run")),
        Case("sweep-kill9-status-resume", c, "sweep run killed with -9, sweep status, sweep run again",
             "status 'interrupted', then resumed to done", sweep_kill9, judge_sweep_kill),
        cli_error("potential-deleted-after-deck", c, ["run", "run"], ["li.mtp", ("cannot find", "not found",
                                                                                "does not exist", "no such")],
                  setup=delete_potential, what="run a deck whose potential file was deleted after the deck was written"),
        cli_error("input-deleted", c, ["run", "run"], ["in.lmp"],
                  setup=with_setup(deck, lambda ctx, tmp: (tmp / "run" / "in.lmp").unlink()),
                  what="run a deck whose in.lmp was deleted"),
        cli_error("np-zero", c, ["run", "run", "--np", "0"], [("np", "ranks", "nprocs")], setup=deck,
                  what="sei-lmp run --np 0"),
        cli_error("unknown-profile", c, ["run", "run", "--profile", "nosuch"], ["nosuch", "profile"], setup=deck),
        cli_error("config-file-missing", c, ["run", "run"], ["config", "nothere.toml"], setup=deck,
                  env={"SEI_LMP_CONFIG": "nothere.toml"}, what="SEI_LMP_CONFIG=nothere.toml sei-lmp run DIR"),
        cli_error("config-file-bad-toml", c, ["run", "run", "--profile", "x"], ["config.toml", ("toml", "line")],
                  setup=with_setup(deck, config("[profiles.x]\nnprocs = \n")), env={"SEI_LMP_CONFIG": "config.toml"},
                  what="a config file with a TOML syntax error"),
        cli_ok("journal-line-cut", c, ["sweep", "status", "sw"],
               lambda tmp, res: ("bcc__mtp" in res.stdout, "status shown despite the cut journal line"),
               setup=with_setup(fixture_copy("sweep_done", "sw"), bad_journal),
               error_words=["runs.jsonl"],
               what="sweep status when a run's runs.jsonl ends in a cut line (a kill while writing it)",
               good="exit 0 (the cut line ignored or reported), or an error naming runs.jsonl"),
        cli_error("status-of-non-sweep", c, ["sweep", "status", "run"], [("sweep.json", "not a planned sweep")],
                  setup=deck, what="sweep status of a plain deck directory"),
        cli_ok("stale-lock-file", c, ["run", "run"], lambda tmp, res: ((tmp / "run" / "done").is_file(), "ran to done"),
               setup=with_setup(deck, stale_lock), what="run a deck with a leftover .run.lock nobody holds",
               good="exit 0, the run finishes"),
    ]


# ============================================================================================ 9 README outside the tree

def cases_readme() -> list[Case]:
    c = 9
    launcher = "#!/bin/sh\necho 'launcher: error: no job allocation (SLURM_JOB_ID unset)' >&2\nexit 7\n"

    def make_launcher(ctx, tmp):
        p = tmp / "launch.sh"
        p.write_text(launcher)
        p.chmod(0o755)

    missing_launcher = re.compile(r"nonexistent-launcher'?:?\W*(not found|no such file|command not found|"
                                  r"does not exist)", re.I)

    def info_ok(tmp, res):
        names = [p.name for p in POTENTIALS.glob("*") if (POTENTIALS / (p.name + ".json")).is_file()]
        missing = [n for n in names if n.split(".")[0][:12] not in res.stdout]
        return not missing, "every shipped potential listed" if not missing else f"missing {missing}"

    def li2s_decks(tmp, res):
        dirs = [tmp / "runs" / "li2s" / f"T{t}K" / "in.lmp" for t in (600, 700, 800)]
        ok = all(d.is_file() for d in dirs)
        return ok, "three decks written" if ok else "decks missing"

    def thermo_table(tmp, res):
        ok = "thermo" in res.stdout and "Step" in res.stdout and "Temp" in res.stdout and "done:" in res.stdout
        return ok, "thermo table printed" if ok else "no thermo table in stdout"

    def api(code):
        return lambda ctx, tmp: ctx.py(code, tmp)

    api_code = ("import sei_lmp\nfrom sei_lmp.potentials import load_potential\n"
                "pot = load_potential('shipped:Li_mtp_L10_mlearn.mtp')\nlmp = sei_lmp.lammps()\n"
                "print('API-OK', pot.species, lmp.version())\nlmp.close()\n")

    return [
        cli_ok("info", c, ["info"], info_ok, what="sei-lmp info from an empty directory",
               good="exit 0, every shipped potential listed"),
        cli_ok("readme-deck-li2s", c, ["deck", "diffusion_nvt", "-s", "example:Li2S.cif", "-p", LIPS_ACE,
                                       "--temperatures", "600,700,800", "--set", "production_ps=500",
                                       "-o", "runs/li2s"], li2s_decks,
               good="exit 0, runs/li2s/T600K, T700K, T800K"),
        cli_ok("readme-deck-interface", c, ["deck", "interface_npt", "-s", "example:Li_LiF.data", "-p", LIF_ACE,
                                            "-o", "runs/iface"], exists("runs/iface/in.lmp")),
        cli_ok("readme-build-phase", c, ["build", "phase", "Li", "-p", LI_MTP, "-o", "li.data"], exists("li.data")),
        cli_ok("readme-build-crystal-order", c,
               ["build", "crystal", "example:beta-Li3PS4.cif", "--order", "--oxidation", "Li=1,P=5,S=-2",
                "--species", "Li,P,S", "--cutoff", "5", "-o", "lps.data"], exists("lps.data")),
        Case("readme-python-api", c, "README's Python: load_potential('shipped:...') and sei_lmp.lammps() from an "
             "empty directory", "prints API-OK", api(api_code),
             lambda ctx, tmp, res: judge_ok_result(res, lambda r: ("API-OK" in r.stdout, "works outside the tree"))),
        cli_ok("run-prints-thermo-table", c, ["run", "run"], thermo_table,
               setup=lambda ctx, tmp: (put(tmp, "li54.data"),
                                       ctx.must("deck", ctx.cli(["deck", "diffusion_nvt", "-s", "li54.data", "-p",
                                                                 LI_MTP, *TINY, "-o", "run"], tmp))),
               what="sei-lmp deck then sei-lmp run in an empty directory", good="exit 0 and a thermo table"),
        cli_error("run-lmp-nonexistent-launcher", c, ["run", "run", "--lmp", "nonexistent-launcher lmp"],
                  [missing_launcher], setup=fixture_copy("li_deck", "run"),
                  what="sei-lmp run DIR --lmp 'nonexistent-launcher lmp'",
                  good="non-zero exit, message says the launcher 'nonexistent-launcher' was not found"),
        cli_error("deck-lmp-nonexistent-launcher", c, ["deck", "diffusion_nvt", "-s", "li54.data", "-p", LI_MTP,
                                                       "--lmp", "nonexistent-launcher lmp", "-o", "d"],
                  [missing_launcher], setup=files("li54.data"),
                  good="non-zero exit, message says the launcher 'nonexistent-launcher' was not found"),
        cli_error("info-lmp-nonexistent-launcher", c, ["info", "--lmp", "nonexistent-launcher lmp"],
                  [missing_launcher], good="non-zero exit, message says 'nonexistent-launcher' was not found"),
        cli_error("run-lmp-failing-launcher", c, ["run", "run", "--lmp", "./launch.sh lmp"],
                  ["no job allocation"], setup=with_setup(fixture_copy("li_deck", "run"), make_launcher),
                  what="sei-lmp run DIR --lmp './launch.sh lmp' (a launcher that exists and fails with its message)",
                  good="non-zero exit showing the launcher's own message"),
        cli_error("deck-lmp-failing-launcher", c, ["deck", "diffusion_nvt", "-s", "li54.data", "-p", LI_MTP,
                                                   "--lmp", "./launch.sh lmp", "-o", "d"],
                  ["no job allocation"], setup=with_setup(files("li54.data"), make_launcher),
                  good="non-zero exit showing the launcher's own message"),
        cli_error("readme-sweep-file-outside-tree", c, ["sweep", "plan", "examples/sweeps/li_diffusion.toml",
                                                        "-o", "runs/li"], ["li_diffusion.toml"],
                  what="README's 'sweep plan examples/sweeps/li_diffusion.toml' from an empty directory",
                  good="non-zero exit naming the file (it lives in the source tree)"),
        cli_error("unknown-shipped-potential", c, ["deck", "diffusion_nvt", "-s", "example:Li2S.cif", "-p",
                                                   "shipped:Nope.mtp", "-o", "d"], ["Nope.mtp", ("sei-lmp info", "potentials", "shipped")],
                  good="non-zero exit naming the pattern and what is shipped or where to look"),
    ]


# ============================================================================================ 10 terminal output

def _no_ellipsis(tmp, res):
    lines = [ln.strip() for ln in res.text.splitlines() if "\u2026" in ln]
    return (not lines, "nothing cut at 80 columns" if not lines else f"cut with '\u2026' at 80 columns: {lines[0]}")


def judge_format(check: Callable[[Result], tuple[str | None, str]], good: str | None = None):
    """A terminal-format case: ``check`` returns (bad outcome or None, explanation); when it passes the outcome is
    ``good``, else 'clear error' for a failing command and 'correct' for one that succeeded."""
    def judge(ctx, tmp, res):
        if res.timed_out:
            return Verdict("hang", f"no answer after {res.timeout:g} s", summary(res))
        if has_traceback(res):
            return Verdict("traceback", traceback_line(res), res.stderr[-1500:])
        bad, why = check(res)
        if bad:
            return Verdict(bad, why, res.text[-1500:])
        return Verdict(good or ("clear error" if res.rc not in (0, None) else "correct"), why, res.text[-800:])
    return judge


def raw_warnings(res: Result) -> tuple[str | None, str]:
    m = RAW_WARNING.search(res.stderr)
    if m:
        line = res.stderr[res.stderr.rfind("\n", 0, m.start()) + 1: res.stderr.find("\n", m.end())]
        return "unclear error", f"raw Python warning on stderr: {line.strip()}"
    return None, "no raw Python warning on stderr"


def error_line_alone(res: Result) -> tuple[str | None, str]:
    if res.rc == 0:
        return "silent wrong result", "exit 0"
    lines = [ANSI.sub("", ln) for ln in res.stderr.splitlines()]
    hits = [ln for ln in lines if "error:" in ln]
    if not hits:
        return "unclear error", f"no 'error:' line: {first_message(res)}"
    if not hits[0].startswith("error: "):
        return "unclear error", f"error line does not start the line: {hits[0].strip()[:200]}"
    return None, hits[0]


def no_ansi(res: Result) -> tuple[str | None, str]:
    if "\x1b[" in res.text:
        return "unclear error", "ANSI escape codes in output that goes to a pipe"
    return None, "no escape codes in piped output"


def cases_terminal() -> list[Case]:
    c = 10

    def at80(name, args, what=None, setup=None):
        return cli_ok(name, c, args, _no_ellipsis, setup=setup, what=what or f"COLUMNS=80 sei-lmp {' '.join(args)}",
                      good="nothing cut with '\u2026'")

    def fmt(name, args, check, what, good, setup=None, timeout=TIMEOUT):
        return Case(name, c, what, good, action=lambda ctx, tmp: ctx.cli(args, tmp, timeout),
                    judge=judge_format(check), setup=setup)

    def long_sweep(ctx, tmp):
        (tmp / "sweep.toml").write_text(sweep_toml(
            structure='source = "phase:Li"\nlattice = {a = 3.4426}\nsupercell = [3, 3, 3]',
            grid="temperature = [600, 650]\nseed = [1234567, 7654321]").replace(
            'name = "bcc"', 'name = "bcc_lithium_with_a_rather_long_descriptive_name"'))
        ctx.must("sweep plan", ctx.cli(["sweep", "plan", "sweep.toml", "-o", "sw"], tmp))

    def sigint(ctx, tmp):
        run = tmp / "run"
        start = time.monotonic()
        proc = ctx.popen(["run", "run"], tmp)
        if _wait_for(_restart_written(run), 120, proc):
            proc.send_signal(signal.SIGINT)
        try:
            rc = proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            kill_leftovers(tmp)
            rc = None
        time.sleep(1.0)
        lammps = _lammps_pid(run)
        res = _bg_result(["run", "run", "(SIGINT)"], tmp, rc, time.monotonic() - start)
        res.timed_out = rc is None
        res.timeout = 60
        res.stdout += f"\n#lammps-alive={_alive(lammps)}"
        return res

    def sigint_check(res):
        if "#lammps-alive=True" in res.stdout:
            return "silent wrong result", "LAMMPS still running after Ctrl-C of sei-lmp run"
        if res.rc == 0:
            return "silent wrong result", "exit 0 after Ctrl-C"
        said = re.search(r"interrupt|stopped|aborted|resume", res.stderr, re.I)
        return None, (f"exit {res.rc}, LAMMPS stopped, no traceback"
                      + ("" if said else " (nothing printed about the interruption or how to resume)"))

    return [
        at80("info-80-columns", ["info"]),
        at80("help-deck-80-columns", ["deck", "--help"]),
        at80("help-run-80-columns", ["run", "--help"]),
        at80("help-build-crystal-80-columns", ["build", "crystal", "--help"]),
        at80("help-build-phase-80-columns", ["build", "phase", "--help"]),
        at80("help-build-amorphous-80-columns", ["build", "amorphous", "--help"]),
        at80("help-demo-80-columns", ["demo", "--help"]),
        at80("help-analyze-diffusion-80-columns", ["analyze", "diffusion", "--help"]),
        at80("help-sweep-plan-80-columns", ["sweep", "plan", "--help"]),
        at80("sweep-status-long-names-80-columns", ["sweep", "status", "sw"], setup=long_sweep,
             what="COLUMNS=80 sweep status of a sweep with long run names"),
        at80("analyze-diffusion-table-80-columns", ["analyze", "diffusion", "run", "-o", "tr"],
             setup=fixture_copy("li_run", "run")),
        fmt("no-raw-warnings-analyze-diffusion", ["analyze", "diffusion", "run", "-o", "tr"], raw_warnings,
            "analyze diffusion of a too-short run (the analysis warns)", "warnings as one-line notes, no file:line",
            setup=fixture_copy("li_run", "run")),
        fmt("no-raw-warnings-analyze-structure", ["analyze", "structure", "run", "-o", "st"], raw_warnings,
            "analyze structure of a tiny run", "no raw Python warnings", setup=fixture_copy("li_run", "run")),
        fmt("no-raw-warnings-analyze-defects", ["analyze", "defects", "run", "-o", "df"], raw_warnings,
            "analyze defects of a tiny run", "no raw Python warnings", setup=fixture_copy("li_run", "run")),
        fmt("no-raw-warnings-meltquench", ["analyze", "meltquench", "run"], raw_warnings,
            "analyze meltquench of a tiny run", "no raw Python warnings", setup=fixture_copy("mq_run", "run")),
        fmt("no-raw-warnings-nan-structure", ["deck", "diffusion_nvt", "-s", "nan.data", "-p", LI_MTP, "-o", "d"],
            lambda r: raw_warnings(r) if raw_warnings(r)[0] else
            (("unclear error", "numpy's 'invalid value encountered' reaches the user as a note")
             if "invalid value encountered" in r.stderr else (None, "no numpy warning")),
            "deck -s a data file with a nan coordinate", "no numpy RuntimeWarning text on the terminal",
            setup=lambda ctx, tmp: (tmp / "nan.data").write_text(
                li54().replace("\n3 1 0.0000000000 0.0000000000 3.4400000000", "\n3 1 nan 0.0 3.44"))),
        fmt("error-line-not-glued-to-progress-bar", ["analyze", "diffusion", "run", "--species", "F", "-o", "tr"],
            error_line_alone, "analyze diffusion --species F (an error after the dump-reading progress bar)",
            "the 'error:' message starts its own line", setup=fixture_copy("li_run", "run")),
        fmt("error-line-one-line-long-message", ["deck", "diffusion_nvt", "-s", "lif64.data", "-p", LIF_MTP,
                                                 "--species", "F,Li", "-o", "d"], error_line_alone,
            "a long error message at 80 columns", "one 'error:' line, not wrapped", setup=files("lif64.data")),
        cli_error("no-traceback-run-missing-dir", c, ["run", "nothere"], ["nothere"]),
        cli_error("no-traceback-analyze-missing-dir", c, ["analyze", "diffusion", "nothere", "-o", "tr"], ["nothere"]),
        cli_error("no-traceback-build-unknown-phase", c, ["build", "phase", "Unobtainium", "-o", "x.data"],
                  ["Unobtainium"]),
        cli_error("no-traceback-sweep-plan-missing", c, ["sweep", "plan", "nothere.toml", "-o", "sw"],
                  ["nothere.toml"]),
        cli_error("no-traceback-build-lattice-text", c, ["build", "phase", "Li", "--a", "two", "-o", "x.data"],
                  ["--a", ("number", "float", "two")]),
        fmt("no-ansi-when-piped", ["deck", "diffusion_nvt", "-s", "li54.data", "-p", LI_MTP, "--set",
                                   "temperature_K=-5", "-o", "d"], no_ansi,
            "an error and a summary piped (not a terminal)", "no escape codes", setup=files("li54.data")),
        Case("ctrl-c-during-run", c, "SIGINT to sei-lmp run after the first restart file",
             "non-zero exit, no traceback, LAMMPS stopped too", sigint,
             judge_format(sigint_check, good="correct"), setup=fixture_copy("long_deck", "run")),
    ]


GROUPS: list[Callable[[], list[Case]]] = [cases_species, cases_structures, cases_settings, cases_blowups,
                                          cases_safe_decks, cases_analysis, cases_meltquench, cases_bookkeeping,
                                          cases_readme, cases_terminal]


# ============================================================================================ running and report

def neutral(res: Result, tmp: Path) -> Result:
    """The case's directory replaced by <tmp> in the output: its path must not supply expected words."""
    for path in {str(tmp), str(tmp.resolve())}:
        res.stdout, res.stderr = res.stdout.replace(path, "<tmp>"), res.stderr.replace(path, "<tmp>")
    return res


def run_case(ctx: Ctx, case: Case, keep: bool, number: int) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix=f"case{number:03d}_", dir=ctx.work / "cases"))
    start = time.monotonic()
    res: Result | None = None
    try:
        if case.setup:
            case.setup(ctx, tmp)
        before = snapshot(tmp, case.protect)
        res = neutral(case.action(ctx, tmp), tmp)
        verdict = case.judge(ctx, tmp, res)
        lost = lost_files(tmp, before, case.moved_ok)
        if lost:
            verdict = Verdict("data loss", f"lost {', '.join(lost)}; {verdict.message}", verdict.detail)
    except SetupFailed as failed:
        res = neutral(failed.result, tmp)
        if res.rc == 0 and not res.timed_out:      # a set-up step that should have failed did not
            verdict = Verdict("unclear error", f"set-up assumption broken: {failed.what}", res.text[-1500:])
        else:
            verdict = judge_ok_result(res, None, context=f"set-up '{failed.what}': ")
    except Exception as err:       # noqa: BLE001 - a bug of the campaign, not of sei_lmp: say so in the detail
        verdict = Verdict("unclear error", f"campaign error: {type(err).__name__}: {err}", traceback.format_exc())
    seconds = time.monotonic() - start
    leftovers = kill_leftovers(tmp)
    if not keep:
        shutil.rmtree(tmp, ignore_errors=True)
    return {"case": case.name, "category": case.category, "category_name": CATEGORIES[case.category],
            "outcome": verdict.outcome, "seconds": round(seconds, 1),
            "message": " ".join(verdict.message.split())[:100], "what": case.what, "good": case.good,
            "full_message": " ".join(verdict.message.split())[:600],
            "command": " ".join(res.argv) if res is not None else "",
            "exit": res.rc if res is not None else None,
            "detail": (verdict.detail or "")[-2000:] + (f" [killed leftover pids {leftovers}]" if leftovers else ""),
            "workdir": str(tmp) if keep else ""}


def all_cases() -> list[Case]:
    cases = [case for group in GROUPS for case in group()]
    names = [c.name for c in cases]
    dup = {n for n in names if names.count(n) > 1}
    if dup:
        raise SystemExit(f"duplicate case names: {sorted(dup)}")
    return cases


def report(rows: list[dict], out: Path) -> None:
    import pandas as pd

    table = pd.DataFrame(rows)
    table.to_csv(out, index=False)
    pd.set_option("display.width", 250)
    pd.set_option("display.max_colwidth", 100)
    pd.set_option("display.max_rows", None)
    pd.set_option("display.max_columns", None)
    print()
    left = {col: (lambda width: (lambda v: f"{v:<{width}}"))(int(table[col].str.len().max()))
            for col in ("case", "outcome", "message")}
    print(table[["case", "category", "outcome", "seconds", "message"]].to_string(index=False, formatters=left,
                                                                                 justify="left"))
    print("\ncounts per category x outcome")
    counts = pd.crosstab(table["category"].map(lambda c: f"{c:2d} {CATEGORIES[c]}"),
                         pd.Categorical(table["outcome"], categories=OUTCOMES), margins=True, margins_name="total",
                         dropna=False, rownames=["category"], colnames=["outcome"])
    print(counts.to_string())
    print("\ntotal counts")
    print(table["outcome"].value_counts().reindex(OUTCOMES, fill_value=0).to_string())
    bad = table[~table["outcome"].isin(["clear error", "correct"])]
    print(f"\n{len(table)} cases, {len(bad)} not 'clear error' / 'correct'; table: {out}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", type=int, action="append", choices=sorted(CATEGORIES),
                        help="run only this category (repeatable)")
    parser.add_argument("--case", action="append", help="run only the case of this name (repeatable)")
    parser.add_argument("--out", type=Path, default=Path("bad_input_campaign.csv"), help="CSV to write")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (path printed)")
    parser.add_argument("--list", action="store_true", help="list the cases and exit")
    args = parser.parse_args(argv)

    cases = all_cases()
    if args.only or args.case:                     # --only and --case add up
        cases = [c for c in cases if c.category in (args.only or ()) or c.name in (args.case or ())]
    if args.list:
        for case in cases:
            print(f"{case.category:2d} {case.name:45s} {case.what}\n   {'':45s} good: {case.good}")
        print(f"{len(cases)} cases")
        return 0

    work = Path(tempfile.mkdtemp(prefix="sei_lmp_campaign_"))
    (work / "cases").mkdir()
    ctx = Ctx(work)
    print(f"sei_lmp bad-input campaign: {len(cases)} cases, repository {REPO}, python {PYTHON}, work {work}",
          file=sys.stderr)
    rows = []
    try:
        for k, case in enumerate(cases, 1):
            print(f"[{k:3d}/{len(cases)}] {case.category:2d} {case.name} ...", end="", file=sys.stderr, flush=True)
            row = run_case(ctx, case, args.keep, k)
            rows.append(row)
            print(f" {row['outcome']} ({row['seconds']:.1f} s)", file=sys.stderr, flush=True)
    except KeyboardInterrupt:
        print("\ninterrupted: reporting the cases that ran", file=sys.stderr)
    finally:
        kill_leftovers(work)
        if rows:
            report(rows, args.out)
        if args.keep:
            print(f"work directory kept: {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    try:
        main()
    except SystemExit as exc:                      # argparse or a campaign set-up problem: say it, still exit 0
        if exc.code not in (None, 0):
            print(exc.code, file=sys.stderr)
    except Exception:                              # noqa: BLE001 - the report's exit status is always 0
        traceback.print_exc()
    sys.exit(0)
