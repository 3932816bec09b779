"""DFT labels for configurations a cheap teacher should not label: inputs, a Slurm job array, results read back.

One labelling job is one directory::

    settings = DFTSettings(code="vasp", command="srun vasp_std", parameters={"encut": 520, "ediff": 1e-6},
                           slurm={"partition": "cpu", "time": "02:00:00", "ntasks": 64})
    prepare(frames, "runs/learn-cu/dft-g3", settings)   # then: cd runs/learn-cu/dft-g3 && sbatch submit.sh
    ...
    labelled, problems = collect("runs/learn-cu/dft-g3")
    status("runs/learn-cu/dft-g3")                      # {"done": 12, "pending": 3, "failed": 1}

The directory holds ``dft.json`` (code, settings, the task list), ``frames.extxyz`` (the frames, in task order,
without labels), ``submit.sh`` and one task directory per distinct configuration: ``task_<config_id>`` when the
frame carries ``info["config_id"]``, else ``task_0000``, ``task_0001``, ... by its place in ``frames``.

* VASP: INCAR, POSCAR, POTCAR (from ``$VASP_PP_PATH``), ``ase-sort.dat`` (and KPOINTS for a frame not
  periodic in every direction) written by ASE's VASP input generator; NSW = 0, xc PBE unless the parameters
  say otherwise, POTCARs from ASE's "recommended" setups unless ``parameters["setups"]`` or
  ``settings.pseudopotentials`` name them (element -> POTCAR folder, e.g. ``{"Li": "Li_sv"}``). Results are
  read from ``vasprun.xml``.
* Quantum ESPRESSO: ``espresso.pwi`` written by ``ase.io.write(format="espresso-in")`` with calculation =
  'scf', tprnfor and tstress on; the command's standard output goes to ``espresso.pwo``, which is read back.

Both codes get the same k-point mesh from ``kspacing`` (1/A, VASP's convention with the 2 pi:
n_i = max(1, ceil(2 pi |b_i| / kspacing)), Gamma-centred), with one k-point along directions the frame does not
treat as periodic (``atoms.pbc`` False: a cluster in a box gets the Gamma point only). VASP gets KSPACING for a
fully periodic frame and an explicit Gamma-centred KPOINTS otherwise; pw.x gets ``K_POINTS automatic``, or
``K_POINTS gamma`` (its Gamma-only tricks) when the mesh is 1x1x1.

The energy stored is the force-consistent one: VASP's free energy (e_fr_energy), pw.x's "!" total energy (which
is the free energy under smearing). Forces are in the frame's atom order (VASP's species sorting is undone).
:func:`collect` returns frames carrying ``info["config_id"]`` and ``info["labelled_by"] = "dft:<code>"`` with a
SinglePointCalculator, the convention of :mod:`sei_lmp.training.teacher`, so they can be appended to a label file.

A task has finished when its output is complete (vasprun.xml closed, "JOB DONE" in espresso.pwo); ``submit.sh``
skips finished tasks, so resubmitting the whole array reruns only the others, and :func:`prepare` run again
leaves every task directory holding outputs untouched.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
from ase import Atoms

from sei_lmp.errors import ConfigurationError

CODES = ("vasp", "espresso")
#: files of a labelling directory written by prepare()
RECORD_FILE = "dft.json"
INDEX_FILE = "frames.extxyz"
SUBMIT_FILE = "submit.sh"
#: files of a task directory: its record (written by prepare) and what the job script leaves
TASK_RECORD = "task.json"
EXIT_FILE = ".sei_exit"
STARTED_FILE = ".sei_started"
STDERR_FILE = "stderr.txt"

#: per code: the output read back, where the command's standard output goes, the text that marks a finished
#: run, and the input files prepare() writes (a task directory holding anything else has started)
_CODE = {
    "vasp": {"output": "vasprun.xml", "stdout": "vasp.out", "finished": "</modeling>",
             "inputs": frozenset({"INCAR", "POSCAR", "POTCAR", "KPOINTS", "ase-sort.dat", "vdw_kernel.bindat"})},
    "espresso": {"output": "espresso.pwo", "stdout": "espresso.pwo", "finished": "JOB DONE",
                 "inputs": frozenset({"espresso.pwi"})},
}
_QE_INPUT = "espresso.pwi"
#: settings that choose the k-points: DFTSettings.kspacing does
_KPOINT_KEYS = {"kpts", "kspacing", "koffset", "gamma"}
#: largest deviation (A) between a frame and the positions in its output before the output is refused
_POSITION_TOLERANCE = 1e-3


@dataclass(frozen=True)
class DFTSettings:
    """How to label with DFT: the code, its launch line, its keywords, pseudopotentials, k-point density, Slurm.

    ``parameters``: VASP: INCAR tags as ASE's VASP input generator takes them (``encut``, ``ediff``, ``ismear``,
    ``xc``, ``setups``, ...); pw.x: keywords flat (``ecutwfc``), by namelist (``{"system": {...}}``) or as
    ``{"input_data": {...}}``. ``pseudopotentials``: pw.x: element -> UPF file name (one for every element
    labelled); VASP: element -> POTCAR folder (``"Li_sv"``), optional. ``slurm``: sbatch options without the
    dashes (``{"partition": "cpu", "time": "01:00:00", "ntasks": 32}``; ``True`` for a flag).
    """

    code: str
    command: str
    parameters: dict
    pseudopotentials: dict = field(default_factory=dict)
    kspacing: float = 0.3
    slurm: dict = field(default_factory=dict)

    def __post_init__(self):
        code = self.code.strip().lower() if isinstance(self.code, str) else self.code
        if code not in CODES:
            raise ConfigurationError(f"unknown DFT code {self.code!r}: DFTSettings.code must be one of "
                                     f"{', '.join(map(repr, CODES))}")
        object.__setattr__(self, "code", code)
        if not isinstance(self.command, str) or not self.command.strip():
            example = "srun vasp_std" if code == "vasp" else f"srun pw.x -in {_QE_INPUT}"
            raise ConfigurationError(f"DFTSettings.command is empty: give the line that runs {code} inside a task "
                                     f"directory, e.g. {example!r}")
        if code == "espresso":
            if _QE_INPUT not in self.command:
                raise ConfigurationError(f"the pw.x command {self.command!r} does not read {_QE_INPUT}, the input "
                                         f"prepare() writes: use e.g. 'srun pw.x -in {_QE_INPUT}'")
            if re.search(r"(^|[^0-9&>])>(?!&)", self.command):
                raise ConfigurationError(f"the pw.x command {self.command!r} redirects its standard output; leave "
                                         f"that out: the job script sends it to {_CODE['espresso']['output']}, "
                                         "the file collect() reads")
        if (isinstance(self.kspacing, bool) or not isinstance(self.kspacing, (int, float))
                or not math.isfinite(self.kspacing) or self.kspacing <= 0):
            raise ConfigurationError(f"DFTSettings.kspacing must be a positive number in 1/A (VASP's KSPACING, "
                                     f"e.g. 0.3), not {self.kspacing!r}")
        for name in ("parameters", "pseudopotentials", "slurm"):
            value = getattr(self, name)
            if not isinstance(value, Mapping):
                raise ConfigurationError(f"DFTSettings.{name} must be a dict, not {type(value).__name__}")
            object.__setattr__(self, name, dict(value))
        clash = sorted(k for k in self.parameters if str(k).lower() in _KPOINT_KEYS)
        if clash:
            raise ConfigurationError(f"DFTSettings.parameters sets {', '.join(clash)}: the k-points come from "
                                     "DFTSettings.kspacing (1/A); drop them from the parameters")
        self._check_pseudopotential_names()
        _slurm_lines(self.slurm)
        if code == "vasp":
            _vasp_parameters(self)
        else:
            _espresso_namelist(self.parameters)

    def _check_pseudopotential_names(self) -> None:
        from ase.data import atomic_numbers

        for element, name in self.pseudopotentials.items():
            if element not in atomic_numbers:
                raise ConfigurationError(f"DFTSettings.pseudopotentials has {element!r}, which is not an element "
                                         "symbol")
            if not isinstance(name, str) or not name.strip():
                raise ConfigurationError(f"DFTSettings.pseudopotentials[{element!r}] must be a file name, "
                                         f"not {name!r}")
            if self.code == "vasp" and not name.startswith(element):
                raise ConfigurationError(f"DFTSettings.pseudopotentials[{element!r}] = {name!r}: for VASP give "
                                         f"the POTCAR folder of the element, e.g. '{element}' or '{element}_sv'")

    def check_elements(self, species: Sequence[str]) -> None:
        """Refuse species the settings cannot label: a pw.x pseudopotential missing, or (VASP) no POTCAR for an
        element under ``$VASP_PP_PATH``."""
        from ase.data import atomic_numbers

        species = sorted(set(species))
        unknown = [s for s in species if s not in atomic_numbers]
        if unknown:
            raise ConfigurationError(f"species {unknown} are not element symbols")
        if self.code == "espresso":
            missing = [s for s in species if s not in self.pseudopotentials]
            if missing:
                raise ConfigurationError(
                    f"no pseudopotential for {', '.join(missing)} in DFTSettings.pseudopotentials: pw.x needs a UPF "
                    f"file for every element, e.g. pseudopotentials={{'{missing[0]}': '{missing[0]}.pbe.UPF', ...}}")
        else:
            _vasp_generator(self, Atoms(species))

    def fingerprint(self) -> str:
        """Hash of what decides the numbers (code, parameters, pseudopotentials, kspacing), not of how it runs."""
        physics = {"code": self.code, "parameters": self.parameters, "pseudopotentials": self.pseudopotentials,
                   "kspacing": float(self.kspacing)}
        return hashlib.sha1(json.dumps(physics, sort_keys=True, default=str).encode()).hexdigest()[:12]


# ----------------------------------------------------------------------------------------------- code inputs

def _vasp_parameters(settings: DFTSettings) -> dict:
    """Keywords for ASE's VASP input generator, checked: a single point with KSPACING and named POTCARs."""
    from ase.calculators.vasp.create_input import GenerateVaspInput

    params = {str(k).lower(): v for k, v in settings.parameters.items()}
    for key in ("command", "directory", "txt", "label", "restart"):
        params.pop(key, None)
    nsw = params.setdefault("nsw", 0)
    if not isinstance(nsw, int) or nsw > 0:
        raise ConfigurationError(f"nsw = {nsw!r}: a DFT label is a single point; drop nsw from the VASP parameters "
                                 "(a relaxation would label other positions than the frame's)")
    if params.get("isif") == 0:
        raise ConfigurationError("isif = 0: VASP would not compute the stress the labels need; drop isif")
    if not any(params.get(k) for k in ("xc", "gga", "metagga", "pp")):
        params["xc"] = "pbe"
    params["kspacing"] = float(settings.kspacing)
    setups = params.get("setups")
    setups = dict(setups) if isinstance(setups, Mapping) else ({"base": setups} if setups else {"base": "recommended"})
    for element, folder in settings.pseudopotentials.items():
        setups[element] = folder[len(element):]
    params["setups"] = setups
    try:
        GenerateVaspInput().set(**params)
    except (TypeError, ValueError, NotImplementedError, KeyError) as err:
        raise ConfigurationError(f"VASP parameters not usable: {err}") from err
    return params


def _vasp_generator(settings: DFTSettings, atoms: Atoms):
    """ASE's VASP input generator set up for ``atoms`` (finds the POTCARs: refuses clearly when it cannot)."""
    from ase.calculators.vasp.create_input import GenerateVaspInput

    try:
        from ase.config import ASEEnvDeprecationWarning
    except ImportError:  # older ase
        ASEEnvDeprecationWarning = DeprecationWarning
    gen = GenerateVaspInput()
    gen.set(**_vasp_parameters(settings))
    if not atoms.pbc.all():  # KSPACING samples every direction: write the mesh, Gamma only where not periodic
        gen.set(kspacing=None, kpts=kpoint_grid(atoms, settings.kspacing), gamma=True)
    with warnings.catch_warnings():
        # $VASP_PP_PATH is the usual way to name the POTCAR library; ase prefers its config file
        warnings.simplefilter("ignore", ASEEnvDeprecationWarning)
        try:
            gen.initialize(atoms)
        except (RuntimeError, OSError, KeyError, TypeError, NotImplementedError) as err:
            where = os.environ.get("VASP_PP_PATH")
            hint = (f"VASP_PP_PATH={where} has no such POTCAR" if where else "VASP_PP_PATH is not set")
            first = " ".join(str(err).split())[:300]
            raise ConfigurationError(
                f"cannot find the VASP POTCARs for {', '.join(sorted(set(atoms.get_chemical_symbols())))} "
                f"({hint}; {first}): set VASP_PP_PATH to the folder holding potpaw_PBE/<element>/POTCAR, or "
                "name the POTCAR folders in DFTSettings.pseudopotentials") from err
    return gen


def _espresso_namelist(parameters: Mapping) -> dict:
    """pw.x keywords by namelist, checked: an scf with forces and stress, ecutwfc set."""
    from ase.io.espresso_namelist.keys import ALL_KEYS
    from ase.io.espresso_namelist.namelist import Namelist

    sections = ALL_KEYS["pw"]
    raw = dict(parameters)
    given = raw.pop("input_data", None) or {}
    if not isinstance(given, Mapping):
        raise ConfigurationError("parameters['input_data'] must be a dict of pw.x namelists or keywords")
    nested: dict[str, dict] = {s: {} for s in sections}
    for key, value in list(given.items()) + list(raw.items()):
        low = str(key).lower()
        if isinstance(value, Mapping):
            if low not in sections:
                raise ConfigurationError(f"{key!r} is not a pw.x namelist (namelists: {', '.join(sections)})")
            nested[low].update({str(k).lower(): v for k, v in value.items()})
            continue
        if low in _KPOINT_KEYS:
            raise ConfigurationError(f"parameters set {key}: the k-points come from DFTSettings.kspacing")
        section = Namelist.search_key(low, sections)
        if section is None:
            raise ConfigurationError(f"{key!r} is not a pw.x keyword ase knows; put it in its namelist, e.g. "
                                     f"parameters={{'system': {{'{key}': ...}}}}")
        nested[section][low] = value
    control, system = nested["control"], nested["system"]
    calculation = control.setdefault("calculation", "scf")
    if str(calculation).lower() != "scf":
        raise ConfigurationError(f"calculation = {calculation!r}: a DFT label is a single point; use 'scf'")
    for key in ("tprnfor", "tstress"):
        if control.get(key) is False:
            raise ConfigurationError(f"{key} = False: labels need forces and stress; drop {key} from the parameters")
        control[key] = True
    if "ecutwfc" not in system:
        raise ConfigurationError("pw.x needs a plane-wave cutoff: set ecutwfc (Ry) in the parameters")
    return {s: v for s, v in nested.items() if v}


def kpoint_grid(atoms: Atoms, kspacing: float) -> tuple[int, int, int]:
    """Gamma-centred mesh of VASP's KSPACING rule, n_i = max(1, ceil(2 pi |b_i| / kspacing)) (b without the 2 pi),
    and 1 along a direction that is not periodic (``atoms.pbc``)."""
    lengths = np.linalg.norm(atoms.cell.reciprocal(), axis=1) * 2 * np.pi
    return tuple(int(max(1, math.ceil(b / kspacing - 1e-9))) if periodic else 1
                 for b, periodic in zip(lengths, atoms.pbc))


def _write_inputs(settings: DFTSettings, atoms: Atoms, task_dir: Path) -> list[int]:
    """Write the code's input files for ``atoms`` into ``task_dir``; return the file's atom order (original
    index of each atom as written)."""
    from ase.io import write

    if settings.code == "vasp":
        gen = _vasp_generator(settings, atoms)
        gen.write_input(atoms, directory=str(task_dir))
        return [int(i) for i in gen.sort]
    grid = kpoint_grid(atoms, settings.kspacing)
    species = sorted(set(atoms.get_chemical_symbols()))
    write(task_dir / _QE_INPUT, atoms, format="espresso-in", input_data=_espresso_namelist(settings.parameters),
          pseudopotentials={s: settings.pseudopotentials[s] for s in species},
          kpts=None if grid == (1, 1, 1) else grid)
    return list(range(len(atoms)))


# ------------------------------------------------------------------------------------------------ job script

def _slurm_lines(slurm: Mapping) -> list[str]:
    lines = []
    for key, value in slurm.items():
        name = str(key).strip().lstrip("-").replace("_", "-")
        if name in ("array", "a"):
            raise ConfigurationError("DFTSettings.slurm sets the array: prepare() writes --array from the number "
                                     "of tasks; drop it")
        if name in ("chdir", "D"):
            raise ConfigurationError("DFTSettings.slurm sets chdir: the job script runs in the directory it is "
                                     "submitted from (cd there, then sbatch submit.sh); drop it")
        if not re.fullmatch(r"[A-Za-z][A-Za-z0-9-]*", name):
            raise ConfigurationError(f"DFTSettings.slurm key {key!r} is not an sbatch option name")
        if value is False or value is None:
            continue
        if not isinstance(value, (str, int, float)) or "\n" in str(value):
            raise ConfigurationError(f"DFTSettings.slurm[{key!r}] = {value!r}: give a string or number on one line")
        dash = "-" if len(name) == 1 else "--"
        sep = " " if len(name) == 1 else "="
        lines.append(f"#SBATCH {dash}{name}" if value is True else f"#SBATCH {dash}{name}{sep}{value}")
    return lines


def _submit_script(settings: DFTSettings, tasks: Sequence[str]) -> str:
    spec = _CODE[settings.code]
    directives = _slurm_lines(settings.slurm)
    if not any(d.startswith(("#SBATCH --job-name", "#SBATCH -J")) for d in directives):
        directives.insert(0, f"#SBATCH --job-name=sei-dft-{settings.code}")
    task_lines = "\n".join(f"  {t}" for t in tasks)
    return f"""#!/bin/bash
#SBATCH --array=0-{len(tasks) - 1}
{chr(10).join(directives)}
#
# DFT labels ({settings.code}) for {len(tasks)} configurations, written by sei_lmp.learn.dft.prepare.
# Submit from this directory:   sbatch {SUBMIT_FILE}
# Run one task here instead:    bash {SUBMIT_FILE} <task index>
# A task whose {spec['output']} is complete is skipped: resubmitting reruns only the unfinished tasks.
set -u
tasks=(
{task_lines}
)
if [ -z "${{SLURM_JOB_ID:-}}" ]; then cd "$(dirname "$0")" || exit 2; fi
if [ ! -f {RECORD_FILE} ]; then
  echo "{SUBMIT_FILE}: no {RECORD_FILE} here: submit from the labelling directory" \
       "(cd there, then sbatch {SUBMIT_FILE})" >&2
  exit 2
fi
index=${{SLURM_ARRAY_TASK_ID:-${{1:-}}}}
case "$index" in
  ''|*[!0-9]*) echo "{SUBMIT_FILE}: submit it with sbatch (a job array)," \
                    "or run one task: bash {SUBMIT_FILE} <0..{len(tasks) - 1}>" >&2; exit 2;;
esac
if [ "$index" -ge "${{#tasks[@]}}" ]; then
  echo "{SUBMIT_FILE}: task index $index out of range 0..$(( ${{#tasks[@]}} - 1 ))" >&2
  exit 2
fi
task=${{tasks[$index]}}
cd "$task" || exit 2
if grep -qs '{spec['finished']}' {spec['output']}; then
  echo "$task: finished already, skipped"
  exit 0
fi
rm -f {EXIT_FILE}
trap 'echo "$task: got SIGTERM" >&2' TERM  # let the command end and its status be recorded
echo "job ${{SLURM_JOB_ID:-local}}${{SLURM_ARRAY_TASK_ID:+_$SLURM_ARRAY_TASK_ID}}" \
     "on $(hostname) at $(date)" > {STARTED_FILE}
{{
{settings.command.strip()}
}} > {spec['stdout']} 2> {STDERR_FILE}
status=$?
echo "$status" > {EXIT_FILE}
exit "$status"
"""


# --------------------------------------------------------------------------------------------------- prepare

def _write_atomic(path: Path, text: str, mode: int | None = None) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    if mode is not None:
        tmp.chmod(mode)
    os.replace(tmp, path)


def _task_outputs(task_dir: Path, code: str) -> list[str]:
    """Names in a task directory that prepare() did not write: a run has started there."""
    ours = _CODE[code]["inputs"] | {TASK_RECORD}
    return sorted(p.name for p in task_dir.iterdir() if p.name not in ours)


def _read_json(path: Path) -> dict | None:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def prepare(frames: Sequence[Atoms], directory: Path | str, settings: DFTSettings) -> list[Path]:
    """Write one task directory per distinct frame, ``frames.extxyz``, ``dft.json`` and ``submit.sh`` (a Slurm
    job array over the tasks) under ``directory``; return each frame's task directory (duplicates of one
    configuration share one).

    Running it again is safe: task directories that hold outputs are left as they are (refused when they hold
    another configuration's), the others get their inputs rewritten.
    """
    from sei_lmp.training.teacher import config_id

    if not isinstance(settings, DFTSettings):
        raise ConfigurationError(f"settings must be a DFTSettings, not {type(settings).__name__}")
    frames = list(frames)
    if not frames:
        raise ConfigurationError("no frames to prepare DFT labels for")
    for k, atoms in enumerate(frames):
        if not isinstance(atoms, Atoms):
            raise ConfigurationError(f"frame {k} is a {type(atoms).__name__}, not an ase.Atoms")
        if len(atoms) == 0:
            raise ConfigurationError(f"frame {k} has no atoms")
        if atoms.cell.rank < 3 or abs(atoms.cell.volume) < 1e-6:
            raise ConfigurationError(f"frame {k} ({atoms.get_chemical_formula()}) has no 3D cell: DFT codes need a "
                                     "periodic box; give a cluster one, e.g. atoms.center(vacuum=6.0)")
    settings.check_elements({s for atoms in frames for s in atoms.get_chemical_symbols()})

    directory = Path(directory)
    existing = _read_json(directory / RECORD_FILE)
    if existing is not None and existing.get("code") not in (None, settings.code):
        raise ConfigurationError(f"{directory} holds a {existing.get('code')} labelling; prepare {settings.code} "
                                 "inputs in another directory")

    # one task per distinct configuration, in order of first appearance
    names, tasks = [], {}  # tasks: name -> (config id, frame)
    by_id: dict[str, str] = {}
    for k, atoms in enumerate(frames):
        given = atoms.info.get("config_id")
        given = None if given is None or str(given) == "" else str(given)
        cid = given or config_id(atoms)
        name = by_id.setdefault(cid, f"task_{given}" if given else f"task_{k:04d}")
        if not re.fullmatch(r"[A-Za-z0-9_.-]+", name):
            raise ConfigurationError(f"frame {k} has config_id {cid!r}, which cannot name a directory")
        if tasks.setdefault(name, (cid, atoms))[0] != cid:
            raise ConfigurationError(f"frame {k} (config_id {cid!r}) and an earlier frame would share {name}; "
                                     "give the frames distinct config_id values, or none")
        names.append(name)

    # check every task directory before writing any
    fingerprint = settings.fingerprint()
    stale, keep = [], set()
    for name, (cid, _) in tasks.items():
        task_dir = directory / name
        outputs = _task_outputs(task_dir, settings.code) if task_dir.is_dir() else []
        if not outputs:
            continue
        record = _read_json(task_dir / TASK_RECORD) or {}
        if record.get("config_id") != cid or record.get("code") != settings.code:
            raise ConfigurationError(
                f"{task_dir} holds outputs ({', '.join(outputs[:3])}) of another configuration or code; prepare "
                "into a new directory, or delete that task directory")
        keep.add(name)  # started or finished: leave it alone
        if record.get("fingerprint") != fingerprint:
            stale.append(name)

    directory.mkdir(parents=True, exist_ok=True)
    index_frames = []
    for name, (cid, atoms) in tasks.items():
        frame = atoms.copy()
        frame.set_constraint()
        frame.info["config_id"] = cid
        frame.info["dft_task"] = name
        frame.info.pop("labelled_by", None)
        index_frames.append(frame)
        if name in keep:
            continue
        task_dir = directory / name
        task_dir.mkdir(exist_ok=True)
        for input_name in _CODE[settings.code]["inputs"] | {TASK_RECORD}:
            (task_dir / input_name).unlink(missing_ok=True)
        order = _write_inputs(settings, frame, task_dir)
        _write_atomic(task_dir / TASK_RECORD, json.dumps(
            {"config_id": cid, "code": settings.code, "fingerprint": fingerprint, "order": order,
             "formula": frame.get_chemical_formula()}, indent=1) + "\n")
    if stale:
        warnings.warn(f"{len(stale)} task(s) of {directory} ran with other DFT settings than these and were kept "
                      f"({', '.join(stale[:5])}{', ...' if len(stale) > 5 else ''}); delete them and prepare again "
                      "for labels computed with one set of settings", UserWarning, stacklevel=2)

    from io import StringIO

    from ase.io import write

    buffer = StringIO()
    write(buffer, index_frames, format="extxyz")
    _write_atomic(directory / INDEX_FILE, buffer.getvalue())
    record = {"written_by": "sei_lmp.learn.dft.prepare", "code": settings.code, "fingerprint": fingerprint,
              "settings": asdict(settings),
              "tasks": [{"task": name, "config_id": cid} for name, (cid, _) in tasks.items()]}
    _write_atomic(directory / RECORD_FILE, json.dumps(record, indent=1, default=str) + "\n")
    _write_atomic(directory / SUBMIT_FILE, _submit_script(settings, list(tasks)), mode=0o755)
    return [directory / name for name in names]


# --------------------------------------------------------------------------------------------------- collect

def _load(directory: Path) -> tuple[dict, list[Atoms]]:
    from ase.io import read

    directory = Path(directory)
    record = _read_json(directory / RECORD_FILE)
    if record is None or not (directory / INDEX_FILE).is_file() or not isinstance(record.get("tasks"), list):
        raise ConfigurationError(f"{directory} is not a DFT labelling directory (no {RECORD_FILE} and {INDEX_FILE} "
                                 "from sei_lmp.learn.dft.prepare): run prepare(frames, directory, settings) first")
    if record.get("code") not in CODES:
        raise ConfigurationError(f"{directory / RECORD_FILE} names no known DFT code ({record.get('code')!r}); "
                                 "prepare the directory again")
    try:
        frames = read(directory / INDEX_FILE, index=":", format="extxyz")
    except Exception as err:
        raise ConfigurationError(f"cannot read {directory / INDEX_FILE} ({err}); prepare the directory again") from err
    if len(frames) != len(record["tasks"]):
        raise ConfigurationError(f"{directory / INDEX_FILE} has {len(frames)} frames for {len(record['tasks'])} "
                                 "tasks; prepare the directory again")
    return record, frames


#: exit statuses of a killed command, explained
_SIGNALS = {137: "SIGKILL: out of memory, or the time limit's final kill",
            143: "SIGTERM: time limit or scancel"}


def _exit_status(task_dir: Path) -> int | None:
    try:
        return int((task_dir / EXIT_FILE).read_text().strip())
    except (OSError, ValueError):
        return None if not (task_dir / EXIT_FILE).exists() else -1


def _unfinished(task_dir: Path, what: str) -> tuple[str, str]:
    """State and reason of a task whose output has no result (``what`` says how), from what submit.sh left:
    a recorded exit status means failed; a start without one means running (or killed without a trace);
    an output without any record of a run is a failed one (cut short elsewhere)."""
    status = _exit_status(task_dir)
    if status is not None:
        why = f" ({_SIGNALS[status]})" if status in _SIGNALS else ""
        return "failed", (f"{what}; the command exited with status {status}{why}: see {task_dir.name}/"
                          f"{STDERR_FILE} and the Slurm log")
    started = task_dir / STARTED_FILE
    if started.is_file():
        return "pending", (f"{what} yet: running, or killed without an exit status (started "
                           f"{started.read_text().strip()})")
    return "failed", f"{what}, and submit.sh recorded no run: the run stopped early; resubmit to rerun it"


def _read_vasp(task_dir: Path) -> Atoms | tuple[str, str]:
    """The labelled atoms of a finished VASP run, or (kind, reason): kind 'incomplete' (no result yet or never)
    or 'failed'."""
    from ase.io import read

    out = task_dir / _CODE["vasp"]["output"]
    text = out.read_text(errors="replace")
    if _CODE["vasp"]["finished"] not in text:
        return "incomplete", "vasprun.xml is incomplete, no converged energy"
    try:
        atoms = read(out, format="vasp-xml", index=-1)
    except Exception as err:
        return "failed", f"vasprun.xml is unreadable ({type(err).__name__}: {err})"
    nelm = (getattr(atoms.calc, "parameters", None) or {}).get("nelm")
    steps = text[text.rfind("<calculation>"):].count("<scstep>")
    outcar = task_dir / "OUTCAR"
    unconverged = outcar.is_file() and "EDIFF was not reached" in outcar.read_text(errors="replace")
    if unconverged or (nelm and steps >= int(nelm)):
        return "failed", (f"the electronic SCF did not converge ({steps} steps, NELM = {nelm}): no converged "
                          "energy; raise nelm or change algo/mixing, delete this task directory and prepare again")
    return atoms


def _read_espresso(task_dir: Path) -> Atoms | tuple[str, str]:
    """The labelled atoms of a finished pw.x run, or (kind, reason) as :func:`_read_vasp`."""
    from ase.io import read

    out = task_dir / _CODE["espresso"]["output"]
    text = out.read_text(errors="replace")
    if "convergence NOT achieved" in text:
        return "failed", ("the SCF did not converge (pw.x: 'convergence NOT achieved'): no converged energy; raise "
                          "electron_maxstep or lower mixing_beta, delete this task directory and prepare again")
    try:
        images = read(out, format="espresso-out", index=":")
    except Exception as err:
        return "failed", f"espresso.pwo is unreadable ({type(err).__name__}: {err})"
    if not images:
        return "incomplete", "espresso.pwo has no converged total energy"
    return images[-1]


def _inspect(directory: Path) -> tuple[str, list[tuple[str, str, Atoms | str]]]:
    """(code, [(task, state, labelled frame or reason)]) with state 'done', 'pending' or 'failed'."""
    from ase.calculators.singlepoint import SinglePointCalculator
    from ase.geometry import find_mic

    directory = Path(directory)
    record, frames = _load(directory)
    code = record["code"]
    spec = _CODE[code]
    found = []
    for entry, frame in zip(record["tasks"], frames):
        name, cid = entry["task"], str(entry["config_id"])
        task_dir = directory / name
        if not task_dir.is_dir():
            found.append((name, "failed", "task directory missing: run prepare() again"))
            continue
        if not (task_dir / spec["output"]).is_file():
            if _exit_status(task_dir) is None and not (task_dir / STARTED_FILE).is_file():
                found.append((name, "pending", f"no output yet (submit: cd {directory} && sbatch {SUBMIT_FILE})"))
            else:
                found.append((name, *_unfinished(task_dir, f"no {spec['output']}")))
            continue
        result = _read_vasp(task_dir) if code == "vasp" else _read_espresso(task_dir)
        if isinstance(result, tuple):
            kind, reason = result
            found.append((name, *(_unfinished(task_dir, reason) if kind == "incomplete" else ("failed", reason))))
            continue
        res = getattr(result.calc, "results", None) or {}
        missing = [k for k in ("energy", "forces", "stress") if res.get(k) is None]
        if missing:
            found.append((name, *_unfinished(task_dir, f"{spec['output']} has no {'/'.join(missing)}")))
            continue
        order = np.asarray((_read_json(task_dir / TASK_RECORD) or {}).get("order", range(len(frame))), int)
        if len(result) != len(frame) or sorted(order.tolist()) != list(range(len(frame))):
            found.append((name, "failed", f"{spec['output']} holds {len(result)} atoms for a frame of {len(frame)}: "
                                          "the task directory was reused; delete it and prepare again"))
            continue
        numbers, positions, forces = (np.empty_like(a) for a in (frame.numbers, frame.positions, frame.positions))
        numbers[order], positions[order] = result.numbers, result.positions
        forces[order] = res["forces"]
        shift = find_mic(positions - frame.positions, frame.cell, pbc=True)[1] if len(frame) else np.zeros(0)
        if (numbers != frame.numbers).any() or (len(shift) and shift.max() > _POSITION_TOLERANCE) or \
                np.abs(result.cell.array - frame.cell.array).max() > _POSITION_TOLERANCE:
            found.append((name, "failed", f"{spec['output']} is for other atoms or another cell than the prepared "
                                          "frame: the task directory was reused; delete it and prepare again"))
            continue
        energy = res.get("free_energy")  # the force-consistent energy
        energy = float(res["energy"] if energy is None else energy)
        labelled = frame.copy()
        labelled.info.pop("dft_task", None)
        labelled.info["config_id"] = cid
        labelled.info["labelled_by"] = f"dft:{code}"
        labelled.calc = SinglePointCalculator(labelled, energy=energy, forces=forces,
                                              stress=np.array(res["stress"], float))
        found.append((name, "done", labelled))
    return code, found


def collect(directory: Path | str) -> tuple[list[Atoms], list[str]]:
    """Frames of the finished tasks with energy, forces and stress (SinglePointCalculator; ``info["config_id"]``
    kept, ``info["labelled_by"] = "dft:<code>"``), in task order, and one ``"task_xxxx: <reason>"`` line per task
    that is pending (no output yet) or failed (output without a converged energy, unreadable, missing)."""
    _, found = _inspect(Path(directory))
    frames = [payload for _, state, payload in found if state == "done"]
    problems = [f"{name}: {state}, {payload}" for name, state, payload in found if state != "done"]
    return frames, problems


def status(directory: Path | str) -> dict[str, int]:
    """Counts of tasks ``done``, ``pending`` (not run or still running) and ``failed``."""
    _, found = _inspect(Path(directory))
    counts = {"done": 0, "pending": 0, "failed": 0}
    for _, state, _ in found:
        counts[state] += 1
    return counts
