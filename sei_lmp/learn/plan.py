"""A learning plan (TOML): what potential to grow, from which teacher, by exploring which MD.

::

    name = "cu-emt"
    generations = 6                      # at most; it stops earlier when the targets hold
    [potential]                          # the family and its fit settings (ACEFitSettings / MTPFitSettings /
                                         # MACEFitSettings + committee, finetune_epochs)
    family = "ace"
    species = ["Cu"]
    fit = { cutoff = 4.5, functions_per_element = 40 }
    # start = "earlier.mtp"              # family "mtp" only: generation 0 starts from its radial functions
    [teacher]                            # see sei_lmp.learn.teachers
    name = "emt"
    [data]                               # the starting set: a labelled/unlabelled extxyz, and/or rattled cells
    initial = "start.extxyz"             # or a list of files
    rattle = [{ source = "cu.cif", supercell = [2, 2, 2], amplitude = 0.03, count = 8 }]
    min_distance_A = 1.4                 # leave out starting frames with closer contacts (outside the trust region)
    [[explore]]                          # sweep-file tables without potentials (the generation's is used)
    protocol = "diffusion_nvt"
    structures = [{ name = "cu", source = "cu.cif", supercell = [3, 3, 3] }]
    settings = { production_ps = 2.0 }
    grid = { temperature_K = [600, 1200] }
    target = true                        # must hold for the learning to stop
    keep = [{ center = "Cu", neighbour = "Cu", count = 12, within = 3.0 }]   # what its frames must keep
    [select]
    max_per_generation = 6
    [grades]                             # default: sei_lmp.potentials.grades for the family
    save = 2.0
    stop = 10.0
    [run]                                # jobs at a time, ranks per run, wall-time budget of this call
    budget_s = 7200
    profile = "cluster"                  # explore on a machine profile; a slurm one submits job arrays
    [validate]                           # checks against the teacher's numbers, see sei_lmp.learn.validate
    lattice = { phase = "LiF", teacher_A = 4.0909, tolerance = 0.003 }
    [quick]                              # overrides for --quick (CI)
    generations = 3

Every key is checked when the plan is read; errors name the key and say what to write instead.
"""

from __future__ import annotations

import tomllib
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Mapping

from sei_lmp.errors import ConfigurationError
from sei_lmp.learn.keep import KeepRule, parse_keep
from sei_lmp.potentials.grades import GradeThresholds, thresholds_for

TOP_KEYS = {"name", "generations", "potential", "teacher", "data", "explore", "select", "grades", "run", "quick",
            "validate"}
FAMILIES = ("ace", "mtp", "mace")  # MaxVol active sets (ace, mtp) or a committee's force deviation (mace)
#: fit keys of the mace family beyond MACEFitSettings: committee size and epochs of each fine-tune
MACE_COMMITTEE_KEYS = {"committee", "finetune_epochs"}
POTENTIAL_KEYS = {"family", "species", "fit", "start"}
TEACHER_KEYS = {"name", "options", "elements"}
DATA_KEYS = {"initial", "rattle", "min_distance_A"}
RATTLE_KEYS = {"source", "supercell", "amplitude", "count", "strain", "seed"}
EXPLORE_EXTRA = {"target", "keep"}
SELECT_KEYS = {"max_per_generation", "max_candidates_per_run", "cutout_radius", "max_broken_per_run"}
GRADE_KEYS = {"save", "stop"}
RUN_KEYS = {"jobs", "nprocs", "budget_s", "profile"}
VALIDATE_KEYS = {"holdout_fraction", "lattice", "barriers"}


@dataclass(frozen=True)
class RattleSpec:
    source: str
    supercell: tuple[int, int, int] = (1, 1, 1)
    amplitude: float = 0.03        # A, standard deviation of the displacements
    count: int = 8
    strain: float = 0.0            # cells scaled by a uniform factor in [1 - strain, 1 + strain]
    seed: int = 1


@dataclass(frozen=True)
class LearnPlan:
    name: str
    family: str
    species: tuple[str, ...]
    fit: dict[str, Any]
    teacher: str
    teacher_options: dict[str, Any]
    teacher_elements: tuple[str, ...] | None
    initial: str | tuple[str, ...] | None    # one extxyz, or several read in order
    rattle: tuple[RattleSpec, ...]
    min_distance_A: float | None             # starting frames with a shorter contact are left out
    explore: tuple[dict[str, Any], ...]      # sweep tables (validated by parse_sweep when planned)
    targets: tuple[int, ...]                 # indices of explore entries that must hold
    grades: GradeThresholds
    generations: int = 5
    max_per_generation: int = 8
    max_candidates_per_run: int = 50
    cutout_radius: float | None = None       # A: label the neighbourhood of the worst atom, not the whole cell
    jobs: int | None = None
    nprocs: int = 1
    holdout_fraction: float = 0.1
    budget_s: float | None = None            # no new generation starts after this much wall time (a resume adds)
    checks: dict[str, Any] = field(default_factory=dict)   # [validate] lattice / barriers vs the teacher
    profile: str | None = None               # machine profile of the explore runs (a slurm one: job arrays)
    keep: tuple[tuple[KeepRule, ...], ...] = ()   # per explore entry: what its frames must keep (learn.keep)
    max_broken_per_run: int = 4              # frames breaking a keep rule labelled per run and generation
    source: str = ""
    start: str | None = None                 # an .mtp whose radial functions start generation 0's fit

    def keep_rules(self, k: int) -> tuple[KeepRule, ...]:
        """What explore entry ``k``'s frames must keep (``keep`` is empty when no entry has a rule)."""
        return self.keep[k] if self.keep else ()

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["grades"] = asdict(self.grades)
        return d


def read_plan(path: str | Path, quick: bool = False) -> LearnPlan:
    """Read and check a plan file; ``quick`` lays its ``[quick]`` table over the rest."""
    path = Path(path)
    if not path.is_file():
        raise ConfigurationError(f"learning plan {path} does not exist")
    if path.suffix != ".toml":
        raise ConfigurationError(f"learning plan {path.name}: write it as TOML (.toml)")
    try:
        raw = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as err:
        raise ConfigurationError(f"{path} is not valid TOML: {err}") from err
    return parse_plan(raw, base=path.resolve().parent, source=str(path.resolve()), quick=quick)


def _unknown(table: Mapping, known: set[str], where: str) -> None:
    extra = sorted(set(table) - known)
    if extra:
        raise ConfigurationError(f"unknown key(s) {', '.join(map(repr, extra))} in {where}; known: "
                                 f"{', '.join(sorted(known))}")


def _table(raw: Mapping, key: str, required: bool = False) -> Mapping:
    value = raw.get(key, {} if not required else None)
    if value is None:
        raise ConfigurationError(f"the learning plan needs a [{key}] table")
    if not isinstance(value, Mapping):
        raise ConfigurationError(f"'{key}' must be a table, got {value!r}")
    return value


def _file(value: str, base: Path, where: str) -> str:
    if not isinstance(value, str):
        raise ConfigurationError(f"{where} must be a file path, got {value!r}")
    if value.startswith(("phase:", "example:")):
        return value
    p = Path(value).expanduser()
    p = p if p.is_absolute() else base / p
    if not p.is_file():
        raise ConfigurationError(f"{where}: file {p} does not exist")
    return str(p.resolve())


def _positive(value: Any, where: str, integer: bool = False, zero: bool = False) -> Any:
    kind = int if integer else (int, float)
    if isinstance(value, bool) or not isinstance(value, kind) or value < 0 or (value == 0 and not zero):
        raise ConfigurationError(f"{where} must be a {'non-negative' if zero else 'positive'} "
                                 f"{'integer' if integer else 'number'}, got {value!r}")
    return value


def _merge(a: Mapping, b: Mapping) -> dict:
    out = dict(a)
    for k, v in b.items():
        out[k] = _merge(out[k], v) if isinstance(v, Mapping) and isinstance(out.get(k), Mapping) else v
    return out


def parse_plan(raw: Any, base: Path | None = None, source: str = "", quick: bool = False) -> LearnPlan:
    from sei_lmp.learn.teachers import get_teacher
    from sei_lmp.learn.validate import check_spec

    base = base or Path.cwd()
    if not isinstance(raw, Mapping):
        raise ConfigurationError("a learning plan must be a table at the top level")
    _unknown(raw, TOP_KEYS, "the learning plan")
    unrun_explore = None                   # the full plan's explore list when --quick replaces it
    if quick:
        q = _table(raw, "quick")
        _unknown(q, TOP_KEYS - {"quick", "potential", "teacher"}, "[quick]")
        if "explore" in q:                 # a list replaces the explore list; tables per entry are merged below
            unrun_explore = raw.get("explore")
        raw = _merge({k: v for k, v in raw.items() if k != "quick"}, q)
        if "explore" in q:
            raw["explore"] = q["explore"]

    pot = _table(raw, "potential", required=True)
    _unknown(pot, POTENTIAL_KEYS, "[potential]")
    family = pot.get("family")
    if family not in FAMILIES:
        raise ConfigurationError(f"[potential] family must be one of {', '.join(FAMILIES)}, got {family!r}")
    species = pot.get("species")
    if not isinstance(species, list) or not species or not all(isinstance(s, str) for s in species):
        raise ConfigurationError("[potential] species must be a non-empty list of element symbols")
    fit = pot.get("fit", {})
    if not isinstance(fit, Mapping):
        raise ConfigurationError("[potential] fit must be a table of fit settings")
    _check_fit(family, tuple(species), dict(fit))
    start = None
    if "start" in pot:
        if family != "mtp":
            raise ConfigurationError(f"[potential] start (a warm start from an .mtp) is for the mtp family; "
                                     f"the {family} family fits from its data alone: remove it")
        start = _file(pot["start"], base, "[potential] start")
        if not start.endswith(".mtp"):
            raise ConfigurationError(f"[potential] start must be an MLIP .mtp file, got {pot['start']!r}")

    t = _table(raw, "teacher", required=True)
    _unknown(t, TEACHER_KEYS, "[teacher]")
    if "name" not in t:
        raise ConfigurationError("[teacher] needs a name: emt, chgnet, sevenn[:model] or python:<module>:<factory>")
    elements = tuple(t["elements"]) if "elements" in t else None
    teacher = get_teacher(t["name"], t.get("options", {}), elements)   # refuses unknown teachers
    teacher.check_elements(species)                                    # and ones that lack an element

    data = _table(raw, "data", required=True)
    _unknown(data, DATA_KEYS, "[data]")
    initial = data.get("initial")
    if isinstance(initial, list):      # several labelled files, read in order (e.g. a recipe set + teacher MD)
        initial = tuple(_file(f, base, f"[data] initial[{k}]") for k, f in enumerate(initial)) or None
    elif initial is not None:
        initial = _file(initial, base, "[data] initial")
    rattle = []
    for k, r in enumerate(data.get("rattle", [])):
        where = f"[data] rattle[{k}]"
        if not isinstance(r, Mapping) or "source" not in r:
            raise ConfigurationError(f"{where} must be a table with a 'source' structure file")
        _unknown(r, RATTLE_KEYS, where)
        rattle.append(RattleSpec(source=_file(r["source"], base, f"{where} source"),
                                 supercell=tuple(r.get("supercell", (1, 1, 1))),
                                 amplitude=_positive(r.get("amplitude", 0.03), f"{where} amplitude", zero=True),
                                 count=_positive(r.get("count", 8), f"{where} count", integer=True),
                                 strain=_positive(r.get("strain", 0.0), f"{where} strain", zero=True),
                                 seed=int(r.get("seed", 1))))
    if initial is None and not rattle:
        raise ConfigurationError("[data] needs 'initial' (an extxyz of starting configurations) or 'rattle' "
                                 "(rattled copies of structures) to fit generation 0")

    if unrun_explore is not None:
        # checked although --quick does not run it: a misspelt key there must not wait for the full run
        try:
            _explore_entries(unrun_explore, base, species)
        except ConfigurationError as err:
            raise ConfigurationError(f"in the full plan's [[explore]] list (which --quick replaces): {err}") from None
    checked, targets, keep = _explore_entries(raw.get("explore"), base, species)

    g = _table(raw, "grades")
    _unknown(g, GRADE_KEYS, "[grades]")
    default = thresholds_for(family)
    grades = replace(default, save=float(_positive(g.get("save", default.save), "[grades] save")),
                     stop=float(_positive(g.get("stop", default.stop), "[grades] stop")))
    if grades.stop <= grades.save:
        raise ConfigurationError(f"[grades] stop ({grades.stop:g}) must be above save ({grades.save:g})")
    if grades.kind == "maxvol" and grades.save < 1:
        raise ConfigurationError(f"[grades] save ({grades.save:g}) below 1 would call interpolation "
                                 "extrapolative (a MaxVol grade <= 1 is inside the training set)")

    s = _table(raw, "select")
    _unknown(s, SELECT_KEYS, "[select]")
    r = _table(raw, "run")
    _unknown(r, RUN_KEYS, "[run]")
    v = _table(raw, "validate")
    _unknown(v, VALIDATE_KEYS, "[validate]")
    holdout = v.get("holdout_fraction", 0.1)
    if not isinstance(holdout, (int, float)) or not 0 <= holdout < 0.5:
        raise ConfigurationError(f"[validate] holdout_fraction must be in [0, 0.5), got {holdout!r}")
    return LearnPlan(
        name=str(raw.get("name", Path(source).stem if source else "learn")), family=family,
        species=tuple(species), fit=dict(fit), teacher=teacher.name, teacher_options=dict(t.get("options", {})),
        teacher_elements=elements, initial=initial, rattle=tuple(rattle),
        min_distance_A=float(_positive(data["min_distance_A"], "[data] min_distance_A")) if "min_distance_A" in data
        else None, explore=tuple(checked),
        targets=tuple(targets), grades=grades,
        generations=_positive(raw.get("generations", 5), "generations", integer=True),
        max_per_generation=_positive(s.get("max_per_generation", 8), "[select] max_per_generation", integer=True),
        max_candidates_per_run=_positive(s.get("max_candidates_per_run", 50), "[select] max_candidates_per_run",
                                         integer=True),
        cutout_radius=float(_positive(s["cutout_radius"], "[select] cutout_radius")) if "cutout_radius" in s else None,
        jobs=_positive(r["jobs"], "[run] jobs", integer=True) if "jobs" in r else None,
        nprocs=_positive(r.get("nprocs", 1), "[run] nprocs", integer=True),
        holdout_fraction=float(holdout),
        budget_s=float(_positive(r["budget_s"], "[run] budget_s")) if "budget_s" in r else None,
        checks=check_spec(v), profile=_profile(r.get("profile")),
        keep=tuple(keep) if any(keep) else (),
        max_broken_per_run=_positive(s.get("max_broken_per_run", 4), "[select] max_broken_per_run", integer=True,
                                     zero=True),
        source=source, start=start)


def _explore_entries(explore: Any, base: Path, species: list[str]) -> tuple[list[dict], list[int], list]:
    """The ``[[explore]]`` entries checked: (sweep tables, indices of the targets, keep rules per entry)."""
    if isinstance(explore, Mapping):
        explore = [explore]
    if not isinstance(explore, list) or not explore or not all(isinstance(e, Mapping) for e in explore):
        raise ConfigurationError("the learning plan needs [[explore]] tables (sweep-file tables: protocol, "
                                 "structures, settings, grid) saying which MD to explore with")
    checked, targets, keep = [], [], []
    for k, e in enumerate(explore):
        keep.append(parse_keep(e.get("keep", []), f"[[explore]] {k}", species))
        entry = _check_explore(dict(e), k, base, species)
        if e.get("target", True):
            targets.append(k)
        checked.append(entry)
    if not targets:
        raise ConfigurationError("no [[explore]] entry is a target (target = true): the learning could never "
                                 "tell that it is done")
    return checked, targets, keep


def _profile(name: Any) -> str | None:
    """A machine profile named by ``[run] profile`` must exist now, not when generation 0 starts exploring."""
    if name is None:
        return None
    from sei_lmp.run.profiles import load_profile

    load_profile(str(name))
    return str(name)


def _check_fit(family: str, species: tuple[str, ...], fit: dict) -> None:
    from dataclasses import fields

    extra: set[str] = set()
    if family == "ace":
        from sei_lmp.training.fit_ace import ACEFitSettings as Settings
    elif family == "mace":
        from sei_lmp.training.fit_mace import MACEFitSettings as Settings
        extra = MACE_COMMITTEE_KEYS
    else:
        from sei_lmp.training.fit_mtp import MTPFitSettings as Settings
    known = ({f.name for f in fields(Settings)} | extra) - {"species"}
    _unknown(fit, known, f"[potential] fit ({family})")
    try:
        fit_settings(family, species, fit)
    except (TypeError, ValueError) as err:
        raise ConfigurationError(f"[potential] fit: {err}") from err


def fit_settings(family: str, species: tuple[str, ...], fit: Mapping[str, Any]):
    """The family's fit settings object from the plan's ``[potential] fit`` table."""
    if family == "ace":
        from sei_lmp.training.fit_ace import ACEFitSettings

        tuples = {k: tuple(v) for k, v in fit.items() if isinstance(v, list)}
        return ACEFitSettings(species=species, **{**fit, **tuples})
    if family == "mace":
        from sei_lmp.learn.refit import MACECommitteeSettings
        from sei_lmp.training.fit_mace import MACEFitSettings

        member = {k: (tuple(v) if isinstance(v, list) else v) for k, v in fit.items() if k not in MACE_COMMITTEE_KEYS}
        return MACECommitteeSettings(MACEFitSettings(species=species, **member), size=fit.get("committee", 2),
                                     finetune_epochs=fit.get("finetune_epochs"))
    from sei_lmp.training.fit_mtp import MTPFitSettings

    return MTPFitSettings(species=species, **fit)


def _check_explore(entry: dict, k: int, base: Path, species) -> dict:
    """The entry as a sweep table (a placeholder potential), validated by the sweep parser now so that a bad
    protocol setting fails before generation 0 is fitted."""
    from sei_lmp.sweep.spec import parse_sweep

    where = f"[[explore]] {k}"
    if "potentials" in entry:
        raise ConfigurationError(f"{where}: leave out 'potentials'; each generation explores with its own")
    for key in EXPLORE_EXTRA:              # the learning's, not the sweep's
        entry.pop(key, None)
    entry.setdefault("name", f"explore{k}")
    probe = {**entry, "potentials": [{"name": "gen", "path": __file__}]}
    try:
        spec = parse_sweep(probe, base=base)
    except ConfigurationError as err:
        raise ConfigurationError(f"{where}: {err}") from None
    # absolute structure paths: the plan is stored with the output and read from there on resume
    entry["structures"] = [{**raw, "source": s.source} for raw, s in
                           zip(entry["structures"] if isinstance(entry["structures"], list) else [entry["structures"]],
                               spec.structures)]
    return entry
