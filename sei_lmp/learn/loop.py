"""The learning loop: generations of fit -> explore -> select -> label, every step resumable.

Output directory::

    plan.json                the plan (a resume with a different plan is refused)
    labels.extxyz            every teacher label (a cache: a killed labelling continues)
    gen-000/potential/       the generation's potential + active set, fit.json (record and errors)
    gen-000/explore/<k>/     one sweep per [[explore]] entry (the sweep machinery resumes runs)
    gen-000/explore.json     per run: outcome, max grade, ps held, grade vs time
    gen-000/record.json      candidates, selection, labels, errors on the new frames (the generation's marker)
    learning.csv             one row per generation
    final/                   the last potential with its card

Every step is deterministic (seeded fits, seeded MD resumed bit-identically, MaxVol), so a killed learning
resumed from its directory ends with the same potential as an uninterrupted one.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import shutil
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from ase import Atoms

from sei_lmp.errors import ConfigurationError
from sei_lmp.learn.extrapolation import dump_frames, where_grade_rose
from sei_lmp.learn.keep import check_frames, trajectory_frames
from sei_lmp.learn.plan import LearnPlan, fit_settings
from sei_lmp.learn.refit import adapter
from sei_lmp.learn.teachers import get_teacher

LABELS = "labels.extxyz"


@dataclass
class LearningResult:
    directory: Path
    table: pd.DataFrame
    converged: bool
    reason: str
    final: Path | None


# ------------------------------------------------------------------------------------------ data

def _rattled(plan: LearnPlan) -> list[Atoms]:
    from sei_lmp.io.structure import read_structure

    out = []
    for k, spec in enumerate(plan.rattle):
        base = read_structure(spec.source)
        if spec.supercell != (1, 1, 1):
            base = base.repeat(spec.supercell)
        rng = np.random.default_rng(spec.seed + 1000 * k)
        for i in range(spec.count):
            a = base.copy()
            if spec.strain:
                a.set_cell(a.cell * rng.uniform(1 - spec.strain, 1 + spec.strain), scale_atoms=True)
            a.positions += rng.normal(0.0, spec.amplitude, a.positions.shape)
            a.wrap()
            a.info = {"config_type": f"rattle:{Path(spec.source).stem}"}
            out.append(a)
    return out


def _initial(plan: LearnPlan) -> list[Atoms]:
    frames = []
    if plan.initial:
        from ase.io import read

        for path in [plan.initial] if isinstance(plan.initial, str) else plan.initial:
            frames += read(path, index=":")
        for a in frames:
            a.info.setdefault("config_type", "initial")
            if getattr(a, "calc", None) is not None and "energy" in a.calc.results:
                # labels that come with the plan's file are used as they are: the plan says they are the
                # teacher's (mixing teachers would fit two energy surfaces at once)
                a.info["labelled_by"] = "given"
    frames += _rattled(plan)
    if plan.min_distance_A:
        # contacts closer than any the MD should reach spend the fit's capacity on a region it must never visit
        from sei_lmp.training.recipe import shortest_distance

        frames = [a for a in frames if len(a) < 2 or shortest_distance(a) >= plan.min_distance_A]
    return frames


def _holdout(frames: Sequence[Atoms], fraction: float) -> np.ndarray:
    """A stable held-out part of the starting set, chosen by config id (a frame stays on its side in every
    generation). Selected frames always train: they are what the potential lacked, and their errors before
    they were added are the honest test (``new_frames_*`` in the table)."""
    return np.array([int(hashlib.sha1(str(a.info["config_id"]).encode()).hexdigest()[:8], 16) / 16**8 < fraction
                     and not str(a.info.get("config_type", "")).startswith("explore:") for a in frames])


class LabellingPending(ConfigurationError):
    """DFT labels are not back yet: submit the job array, then run the learning again."""


class ExplorationPending(ConfigurationError):
    """Explore runs were submitted to a scheduler (or are still queued/running): run the learning again later."""


def _label_dft(frames: list[Atoms], teacher, path: Path, directory: Path) -> list[Atoms]:
    """Labels through the DFT job array in ``directory``: inputs written once, results read back when all
    tasks have ended; tasks that failed are left out (named in ``directory/failed.txt``)."""
    from sei_lmp.learn import dft
    from sei_lmp.training.teacher import label

    dft.prepare(frames, directory, teacher.dft)
    labelled, problems = dft.collect(directory)
    pending = [p for p in problems if ": pending" in p]
    if pending:
        raise LabellingPending(f"{len(pending)} of {len(frames)} DFT tasks in {directory} have no result yet: "
                               f"submit them (cd {directory} && sbatch submit.sh), then run the same "
                               "'sei-lmp learn' command again to continue")
    (directory / "failed.txt").write_text("".join(f"{p}\n" for p in problems))
    return label(labelled, None, path, progress=False) if labelled else []


def _label(frames: list[Atoms], teacher, path: Path, description: str, dft_dir: Path | None = None) -> list[Atoms]:
    from sei_lmp.training.teacher import config_id, label

    if teacher.dft is not None:
        return _label_dft(frames, teacher, path, dft_dir)

    for a in frames:
        if a.info.get("labelled_by") == "given":    # labels from the plan's file: label() keeps them
            a.info.setdefault("config_id", config_id(a))
    return label(frames, teacher.calculator(), path, progress=False, description=description) if frames else []


# ------------------------------------------------------------------------------------------ explore

def explore_spec(plan: LearnPlan, k: int, potential: Path):
    from sei_lmp.sweep.spec import parse_sweep

    entry = dict(plan.explore[k])
    settings = dict(entry.get("settings", {}))
    # the guard of the explore decks uses the plan's thresholds (sei_lmp.potentials.grades by default)
    settings.update({"guards.gamma": True, "guards.gamma_save": plan.grades.save,
                     "guards.gamma_break": plan.grades.stop})
    entry["settings"] = settings
    # an MTP's species are the plan's; an ACE's and a MACE's (with its committee) come from their files' cards
    entry["potentials"] = [{"name": "gen", "path": str(potential),
                            **({"species": list(plan.species)} if plan.family == "mtp" else {})}]
    entry["run"] = {**entry.get("run", {}), **({"jobs": plan.jobs} if plan.jobs else {}), "nprocs": plan.nprocs}
    return parse_sweep(entry, base=Path(plan.source).parent if plan.source else None)


def run_summary(run_dir: Path, rules: Sequence = ()) -> dict:
    """A run's outcome; with ``rules`` (learn.keep) also whether every frame of its trajectory keeps them."""
    from sei_lmp.run import RunDirectory

    run = RunDirectory(run_dir)
    manifest = run.manifest
    total = int(manifest.total_steps)
    timestep_ps = float(manifest.timestep_fs) / 1000.0
    thermo = run.thermo() if run.log.is_file() else pd.DataFrame()
    grade = thermo["c_gamma_max"].to_numpy(float) if "c_gamma_max" in thermo else np.zeros(0)
    times = thermo["Time"].to_numpy(float) if "Time" in thermo else np.zeros(0)
    steps = int(thermo["Step"].max()) if "Step" in thermo and len(thermo) else 0
    text = run.log.read_text(errors="replace") if run.log.is_file() else ""
    # the guard's halt names the grade that stopped the run; thermo rows may have missed that step
    halts = re.findall(r"Fix halt condition for fix-id gamma_break met on step (\d+) with value (\S+)", text)
    # the deck's own line after the stage names the MD step it stopped at (a halt in the minimiser: step 0)
    quits = re.findall(r"^ERROR: extrapolation grade above \S+ on step (\d+)", text, flags=re.M)
    stopped = bool(halts) or bool(quits)
    # the stability watchdog (temperature, contacts, non-finite energy, volume): a failure at any grade
    tripped = re.findall(r"Fix halt condition for fix-id (watchdog_\w+) met on step (\d+)", text)
    peak = [float(v) for _, v in halts] + ([float(np.nanmax(grade))] if len(grade) else [])
    if stopped:
        steps = int(quits[-1]) if quits else int(halts[-1][0])
    completed = run.is_done() and steps >= total and not stopped
    trajectory = run.frames_file or run.trajectory
    keep = check_frames(trajectory_frames(trajectory, manifest.elements), rules) if rules else None
    return {"run": run_dir.name, "completed": bool(completed), "stopped_by_grade": stopped,
            "other_error": (not completed and not stopped), "steps": steps, "total_steps": total,
            "ps_held": steps * timestep_ps,
            "max_grade": max(peak) if peak else float("nan"),
            "time_ps": times.tolist(), "grade": grade.tolist(), "elements": list(manifest.elements),
            "watchdog": tripped[-1][0] if tripped else None,
            "dump": str(run.extrapolative_dump), "trajectory": str(trajectory),
            **({"keep": keep} if keep is not None else {})}


def _explore(plan: LearnPlan, gen_dir: Path, potential: Path, progress: bool) -> dict:
    from sei_lmp.sweep import plan_sweep, run_local, wait_for_held_runs

    summary_path = gen_dir / "explore.json"
    if summary_path.is_file():
        return json.loads(summary_path.read_text())
    started = time.perf_counter()
    runs = {}
    for k in range(len(plan.explore)):
        sweep_dir = gen_dir / "explore" / str(k)
        if not (sweep_dir / "sweep.json").is_file():
            plan_sweep(explore_spec(plan, k, potential), sweep_dir, progress=False)
        while True:
            if plan.profile is None:
                run_local(sweep_dir, progress=progress)
            else:
                _run_on_profile(plan.profile, sweep_dir, progress)
            if not wait_for_held_runs(sweep_dir):
                break                      # nothing was held elsewhere: every run has its outcome
        for run_dir in sorted((sweep_dir / "runs").iterdir()):
            info = run_summary(run_dir, plan.keep_rules(k))
            info["explore"], info["target"] = k, k in plan.targets
            runs[f"{k}/{run_dir.name}"] = info
    summary = {"runs": runs, "seconds": time.perf_counter() - started}
    summary_path.write_text(json.dumps(summary))
    return summary


def _run_on_profile(name: str, sweep_dir: Path, progress: bool) -> None:
    """Explore on a machine profile: a local one runs here; a scheduler's gets the unfinished runs submitted
    once (again after interruptions) and the learning stops until every run has ended."""
    from sei_lmp.run.profiles import load_profile
    from sei_lmp.sweep import get_executor, sweep_status

    profile = load_profile(name)
    executor = get_executor(profile.executor, profile)
    if profile.executor == "local":
        executor.run(sweep_dir, progress=progress)
        return
    states = sweep_status(sweep_dir)["state"].value_counts().to_dict()
    submitted = sweep_dir / "submitted.txt"
    waiting = states.get("running", 0) + (states.get("pending", 0) if submitted.is_file() else 0)
    if waiting:
        raise ExplorationPending(f"{waiting} explore run(s) in {sweep_dir} are queued or running on '{name}'; "
                                 "run the same 'sei-lmp learn' command again when they have ended")
    if states.get("pending", 0) or states.get("interrupted", 0):
        executor.run(sweep_dir, submit=True, progress=progress)
        with open(submitted, "a") as fh:
            fh.write(f"{time.strftime('%Y-%m-%dT%H:%M:%S')} {states}\n")
        raise ExplorationPending(f"explore runs of {sweep_dir} submitted on '{name}'; run the same 'sei-lmp "
                                 "learn' command again when they have ended")


def _candidates(runs: dict, per_run: int) -> list[Atoms]:
    """Frames of every run's extrapolative dump: at most ``per_run`` evenly spaced ones, always with the
    last (the one that stopped the run); de-duplicated by config id."""
    from sei_lmp.training.teacher import config_id

    out, seen = [], set()
    for key, info in runs.items():
        frames = []
        for _, a, grade in dump_frames(Path(info["dump"]), info["elements"]):
            if grade is not None:
                a.arrays["gamma"] = grade
            a.info = {"config_type": f"explore:{key}", "source": key, "config_id": config_id(a)}
            frames.append(a)
        # a resumed run appends the frames between its restart and the kill again: drop repeats first, so
        # the pick below is the same as an uninterrupted run's
        unique = list({a.info["config_id"]: a for a in frames}.values())
        pick = np.unique(np.linspace(0, len(unique) - 1, min(per_run, len(unique))).round().astype(int))
        for i in pick:
            if unique[i].info["config_id"] not in seen:
                seen.add(unique[i].info["config_id"])
                out.append(unique[i])
    return out


def _broken(runs: dict, per_run: int) -> list[Atoms]:
    """Frames the grade did not flag but the run shows wrong, at most ``per_run`` evenly spaced ones per run:
    those that break a keep rule (the first and the last always among them), and for a run the stability
    watchdog stopped, the second half of its trajectory up to the last frame before the trip (e.g. a cell
    swelling into a void)."""
    from sei_lmp.training.teacher import config_id

    out = []
    if per_run == 0:
        return out
    for key, info in runs.items():
        broken = (info.get("keep") or {}).get("broken") or []
        kind = "broken"
        if info.get("watchdog") and not info.get("stopped_by_grade"):
            kind = f"watchdog:{info['watchdog']}"
        elif not broken:
            continue
        frames = trajectory_frames(Path(info["trajectory"]), info["elements"])
        if kind != "broken":
            broken = sorted(set(broken) | set(range(len(frames) // 2, len(frames))))
        if not broken:
            continue
        pick = np.unique(np.linspace(len(broken) - 1, 0, min(per_run, len(broken))).round().astype(int))
        for i in sorted(pick):
            a = frames[broken[i]]
            a.info = {"config_type": f"{kind}:{key}", "source": key, "frame": broken[i]}
            a.info["config_id"] = config_id(a)
            out.append(a)
    return out


def _kept_column(runs: list[dict]) -> str | None:
    """The worst count of every keep rule over ``runs`` (``"P with 4 S within 2.6 A: 15/16"``)."""
    worst: dict[str, tuple[int, int]] = {}
    for r in runs:
        for label, text in (r.get("keep") or {}).get("worst", {}).items():
            good, n = map(int, text.split("/"))
            worst[label] = min(worst.get(label, (good, n)), (good, n))
    return "; ".join(f"{k}: {g}/{n}" for k, (g, n) in worst.items()) or None


def holds(run: dict, stop: float) -> bool:
    """Whether a run (``run_summary``) held: its full length, below the stop grade, keeping its keep rules."""
    # a watchdog trip ends the run early, so it is not completed
    return run["completed"] and run["max_grade"] < stop and (run.get("keep") or {}).get("intact", True)


# ------------------------------------------------------------------------------------------ loop

#: plan entries a resume may change: where the plan lives, and the budgets (more generations or seconds leave the
#: finished generations as they are)
NOT_LEARNING = ("source", "budget_s", "generations")


def _check_resume(plan: LearnPlan, out: Path) -> None:
    stored = out / "plan.json"
    current = {k: v for k, v in plan.to_dict().items() if k not in NOT_LEARNING}
    if stored.is_file():
        before = {k: v for k, v in json.loads(stored.read_text()).items() if k not in NOT_LEARNING}
        # a plan stored before a key existed had that key's default
        defaults = LearnPlan.__dataclass_fields__
        for k in set(current) - set(before):
            if not isinstance(defaults[k].default, type(dataclasses.MISSING)):
                before[k] = json.loads(json.dumps(defaults[k].default))
        if json.loads(json.dumps(current)) != before:
            changed = sorted(k for k in current if json.loads(json.dumps(current.get(k))) != before.get(k))
            raise ConfigurationError(f"{out} holds a learning with a different plan (changed: {', '.join(changed)}); "
                                     "use a new output directory, or delete this one to start over")
    else:
        out.mkdir(parents=True, exist_ok=True)
        stored.write_text(json.dumps(plan.to_dict(), indent=1))


def errors_with_intervals(fit, path: Path, frames: list[Atoms]) -> dict:
    """RMSE/MAE of ``frames``, with bootstrap intervals of the RMSEs (configurations resampled whole)."""
    from sei_lmp.training.metrics import bootstrap_rmse, error_table, summarise

    if not frames:
        return {}
    table = error_table(frames, fit.predict(path, frames))
    return {**summarise(table), **bootstrap_rmse(table)}


def run_learning(plan: LearnPlan, output: str | Path, *, progress: bool = True, log=print) -> LearningResult:
    """Run (or resume) the learning of ``plan`` in ``output``."""
    out = Path(output)
    _check_resume(plan, out)
    teacher = get_teacher(plan.teacher, plan.teacher_options, plan.teacher_elements)
    fit = adapter(plan.family, fit_settings(plan.family, plan.species, plan.fit))
    labels_path = out / LABELS
    t0 = time.perf_counter()
    # frames are always taken back from the label file, so a resumed learning fits exactly the numbers an
    # uninterrupted one does (extxyz keeps fewer digits than memory)
    data = _label(_initial(plan), teacher, labels_path, "labelling the starting set", out / "dft-start")
    data = read_labels_by_id(labels_path, [a.info["config_id"] for a in data])
    log(f"starting set: {len(data)} configurations labelled by {teacher.name} ({time.perf_counter() - t0:.0f} s)")
    rows, converged, reason, potential = [], False, "", None
    for g in range(plan.generations):
        gen_dir = out / f"gen-{g:03d}"
        if plan.budget_s is not None and time.perf_counter() - t0 > plan.budget_s and not gen_dir.exists():
            reason = (f"the budget of {plan.budget_s:g} s ended before generation {g}; run the same command "
                      "again to continue")
            break
        held = _holdout(data, plan.holdout_fraction)
        train = [a for a, h in zip(data, held) if not h]
        test = [a for a, h in zip(data, held) if h]
        fit_json = gen_dir / "potential" / "fit.json"
        t = time.perf_counter()
        if fit_json.is_file():
            record = json.loads(fit_json.read_text())
            potential = Path(record["path"])
        else:
            start = potential if potential is not None else (Path(plan.start) if plan.start else None)
            made = fit.fit(train, gen_dir / "potential", previous=start)
            potential = made.path
            (gen_dir / "potential" / "dataset.json").write_text(json.dumps(
                {"train": [a.info["config_id"] for a in train], "holdout": [a.info["config_id"] for a in test],
                 "labels": LABELS}, indent=0))
            record = {"path": str(potential), **made.record, "n_train": len(train), "n_holdout": len(test),
                      "train_errors": errors_with_intervals(fit, potential, train),
                      "holdout_errors": errors_with_intervals(fit, potential, test),
                      "seconds": time.perf_counter() - t}
            fit_json.write_text(json.dumps(record, indent=1, default=float))
        checks, failed_bands = _validation(plan, gen_dir, potential)
        explored = _explore(plan, gen_dir, potential, progress)
        runs = explored["runs"]
        targets = [r for r in runs.values() if r["target"]]
        targets_hold = all(holds(r, plan.grades.stop) for r in targets)
        # which chemistry stopped each failing target: the line a user reads to know what the potential lacks
        stopped = {key: run for key, run in runs.items() if run["target"] and run["stopped_by_grade"]}
        for worst in where_grade_rose(stopped).to_dict("records"):
            log(f"  {worst['run']}: grade {worst['max_grade']:.1f} on {worst['species']} ({worst['neighbours']})")
        passes = _checks_pass(checks)
        # 95 % bootstrap interval over held-out configurations (NaN: fewer than 5 of them)
        holdout_ci = record["holdout_errors"].get("forces_rmse_eV_per_A_ci95") or [np.nan, np.nan]
        row = {"generation": g, "n_train": len(train), "n_holdout": len(test),
               "train_forces_rmse_eV_per_A": record["train_errors"].get("forces_rmse_eV_per_A"),
               "holdout_forces_rmse_eV_per_A": record["holdout_errors"].get("forces_rmse_eV_per_A", np.nan),
               **dict(zip(("holdout_forces_rmse_ci95_lo", "holdout_forces_rmse_ci95_hi"), holdout_ci)),
               # the stress: what an NPT target drifts with (NaN where the labels carry none)
               "holdout_energy_rmse_meV_per_atom": record["holdout_errors"].get("energy_rmse_meV_per_atom", np.nan),
               "holdout_stress_rmse_GPa": record["holdout_errors"].get("stress_rmse_GPa", np.nan),
               "train_stress_rmse_GPa": record["train_errors"].get("stress_rmse_GPa", np.nan),
               "max_grade_targets": max(r["max_grade"] for r in targets),
               "ps_held_targets": min(r["ps_held"] for r in targets),
               "runs_stopped_by_grade": sum(r["stopped_by_grade"] for r in runs.values()),
               "runs_failed_otherwise": sum(r["other_error"] for r in runs.values()), "targets_hold": targets_hold,
               **({"kept_in_targets": _kept_column(targets)} if plan.keep else {}),
               **({"checks_pass": passes} if checks else {}),
               "fit_s": record.get("seconds"), "explore_s": explored.get("seconds"),
               **_check_columns(checks)}
        record_path = gen_dir / "record.json"
        if targets_hold and passes:
            converged, reason = True, (f"generation {g}: every target run held its full length with max grade "
                                       f"below {plan.grades.stop:g}"
                                       + (" and kept what the plan says in every frame" if plan.keep else "")
                                       + (" and every check against the teacher "
                                                                        "passed" if checks else ""))
            rows.append(row)
            log(_line(row))
            break
        if record_path.is_file():
            gen = json.loads(record_path.read_text())
            new = read_labels_by_id(labels_path, gen["selected"])
        else:
            candidates = _candidates(runs, plan.max_candidates_per_run)
            picked = fit.select(potential, candidates, plan.max_per_generation, plan.grades) if candidates else []
            chosen = [candidates[i] for i in picked]
            if plan.cutout_radius:
                chosen = [cutout(a, plan.cutout_radius) for a in chosen]
            # frames that break a keep rule at any grade: the teacher's forces there are what the student got wrong
            broken = _broken(runs, plan.max_broken_per_run)
            chosen += broken
            chosen += failed_bands          # the potential's own path of a barrier it got wrong
            t = time.perf_counter()
            new = _label(chosen, teacher, labels_path, f"labelling generation {g}", gen_dir / "dft")
            new = read_labels_by_id(labels_path, [a.info["config_id"] for a in new])
            gen = {"candidates": len(candidates), "selected": [a.info["config_id"] for a in new],
                   "broken_frames": len(broken),
                   "label_s": time.perf_counter() - t, "new_frame_errors": errors_with_intervals(fit, potential, new)}
            record_path.write_text(json.dumps(gen, indent=1, default=float))
        row.update(candidates=gen["candidates"], selected=len(gen["selected"]), label_s=gen.get("label_s"),
                   broken_frames_added=gen.get("broken_frames", 0),
                   neb_images_added=len(failed_bands),
                   new_frames_forces_rmse_eV_per_A=gen["new_frame_errors"].get("forces_rmse_eV_per_A", np.nan))
        rows.append(row)
        log(_line(row))
        if not gen["selected"]:
            reason = (f"generation {g}: the targets do not hold but no extrapolative or broken frame was left to "
                      "select (runs failed for another reason: see explore.json)" if not targets_hold else
                      f"generation {g}: the targets hold but the checks fail and gave no frames to add")
            break
        data = data + new
    else:
        reason = (f"stopped after {plan.generations} generations: "
                  + ("the targets hold but a check against the teacher fails" if rows and rows[-1]["targets_hold"]
                     else "the targets do not hold") + " (raise 'generations' and run again to continue)")
    if not rows:
        raise ConfigurationError(f"{reason} (nothing done: raise [run] budget_s)")
    table = pd.DataFrame(rows)
    table.to_csv(out / "learning.csv", index=False)
    final = _finalise(plan, out, potential, converged, reason, table, teacher) if potential else None
    return LearningResult(out, table, converged, reason, final)


def cutout(atoms: Atoms, radius: float, vacuum: float = 8.0) -> Atoms:
    """The neighbourhood of the atom with the highest grade (``arrays["gamma"]``): every atom within
    ``radius`` of it (minimum image), as a cluster in a box with ``vacuum`` around it, for teachers that
    cannot take the whole cell (DFT). Its outer atoms miss neighbours: their forces are surface forces."""
    from ase.geometry import find_mic

    centre = int(np.argmax(atoms.arrays["gamma"])) if "gamma" in atoms.arrays else 0
    d, _ = find_mic(atoms.positions - atoms.positions[centre], atoms.cell, atoms.pbc)
    keep = np.linalg.norm(d, axis=1) <= radius
    cluster = Atoms(np.array(atoms.get_chemical_symbols())[keep], positions=d[keep], pbc=False)
    cluster.center(vacuum=vacuum)
    cluster.info = {**{k: v for k, v in atoms.info.items() if k != "config_id"},
                    "config_type": f"cutout:{atoms.info.get('config_type', '')}", "cutout_radius_A": radius,
                    "cutout_centre": centre}
    from sei_lmp.training.teacher import config_id

    cluster.info["config_id"] = config_id(cluster)
    return cluster


def _validation(plan: LearnPlan, gen_dir: Path, potential: Path) -> tuple[dict, list[Atoms]]:
    """The plan's checks of this generation's potential (computed once, kept in ``validation.json``), and the
    NEB images of the barrier checks that failed (``failed_bands.extxyz``)."""
    if not plan.checks:
        return {}, []
    from ase.io import read, write

    path = gen_dir / "potential" / "validation.json"
    bands_path = gen_dir / "potential" / "failed_bands.extxyz"
    if not path.is_file():
        from sei_lmp.learn.validate import run_checks

        bands: dict = {}
        done = run_checks(potential, plan.species, plan.checks, bands)
        failed = []
        if "barriers" in done:
            tolerance = done["barriers"]["tolerance_eV"]
            for mechanism, diff in done["barriers"]["difference_eV"].items():
                if not abs(diff) <= tolerance or not done["barriers"]["converged"][mechanism]:
                    for k, image in enumerate(bands.get(mechanism) or []):
                        image.info = {"config_type": f"neb:{mechanism}", "image": k}
                        failed.append(image)
        write(bands_path, failed, format="extxyz")
        path.write_text(json.dumps(done, indent=1))      # written last: the marker that both exist
    done = json.loads(path.read_text())
    images = read(bands_path, index=":", format="extxyz") if bands_path.is_file() and bands_path.stat().st_size else []
    from sei_lmp.training.teacher import config_id

    for image in images:
        image.info["config_id"] = config_id(image)
    return done, images


def _checks_pass(checks: dict) -> bool:
    return all(c.get("passed", True) for c in checks.values())


def _check_columns(checks: dict) -> dict:
    out = {}
    if "lattice" in checks:
        out["lattice_rel_error"] = checks["lattice"]["relative_error"]
    if "barriers" in checks:
        for mechanism, diff in checks["barriers"]["difference_eV"].items():
            out[f"barrier_{mechanism}_minus_teacher_eV"] = diff
    return out


def read_labels_by_id(path: Path, ids: Sequence[str]) -> list[Atoms]:
    from sei_lmp.training.teacher import read_labels

    by_id = {a.info.get("config_id"): a for a in read_labels(path)}
    return [by_id[i] for i in ids]


def _line(row: dict) -> str:
    return (f"generation {row['generation']}: {row['n_train']} training configs, target max grade "
            f"{row['max_grade_targets']:.3g}, held {row['ps_held_targets']:.3g} ps, "
            + (f"kept {row['kept_in_targets']}, " if row.get("kept_in_targets") else "")
            + (f"{row['selected'] - row.get('broken_frames_added', 0) - row.get('neb_images_added', 0)} of "
               f"{row['candidates']} candidates selected" if "selected" in row else "targets hold")
            + (f", {row['broken_frames_added']} frames breaking a keep rule or before a watchdog trip added"
               if row.get("broken_frames_added") else ""))


def _finalise(plan: LearnPlan, out: Path, potential: Path, converged: bool, reason: str, table: pd.DataFrame,
              teacher) -> Path:
    """Copy the last potential (with its active set) to ``final/`` and write its card."""
    from sei_lmp.training.provenance import software_versions

    final = out / "final"
    final.mkdir(exist_ok=True)
    stem = f"{plan.name}_{plan.family}"
    fit_record = json.loads((potential.parent / "fit.json").read_text())
    # pyace orders an ACE's elements alphabetically; an MTP's species are the plan's order
    card = {"species": sorted(plan.species) if plan.family == "ace" else list(plan.species),
            "family": plan.family, "units": "metal", "cutoff": plan.fit.get("cutoff", plan.fit.get("max_dist", 5.0))}
    if plan.family == "mace":
        from sei_lmp.learn.refit import MACEAdapter

        # every member's .model (ASE) and -lammps.pt (sei/mace); member 0 drives, the card names the others
        names = []
        for k, model in enumerate(MACEAdapter.members(potential)):
            name = f"{stem}_member{k}.model"
            shutil.copyfile(model, final / name)
            shutil.copyfile(f"{model}-lammps.pt", final / f"{name}-lammps.pt")
            names.append(f"{name}-lammps.pt")
        main = final / names[0]
        card = {**json.loads(Path(f"{potential}.json").read_text()), "committee": names[1:]}
    else:
        copies = {}
        for src in [potential, *[potential.with_suffix(s) for s in (".yaml", ".asi", ".mtp")]]:
            if src.is_file():
                dst = final / (stem + src.suffix)
                shutil.copyfile(src, dst)
                copies[src.suffix] = dst
        main = copies[potential.suffix]
    card = {**card,
            "provenance": {"teacher": teacher.name, "teacher_note": teacher.description,
                           "softens_barriers": teacher.softens_barriers,
                           "made_by": f"sei-lmp learn {Path(plan.source).name if plan.source else plan.name}",
                           "software": software_versions("sei_lmp", "ase", "lammps", *{
                               "ace": ("python-ace",), "mtp": ("motep",), "mace": ("mace-torch", "torch")}[plan.family],
                               *{"chgnet": ("chgnet",), "sevenn": ("sevenn",)}.get(teacher.name.split(":")[0], ())),
                           "generations": int(len(table)), "converged": converged, "reason": reason,
                           "fit": fit_record.get("fit")},
            "validation": {"train_errors": fit_record.get("train_errors"),
                           "holdout_errors": fit_record.get("holdout_errors"),
                           "grades": plan.grades.describe()},
            "trust_region": {"explored": [{k: v for k, v in e.items() if k in ("protocol", "structures", "settings",
                                                                               "grid", "points")}
                                          for e in plan.explore],
                             "note": "grades above the save threshold outside these conditions mean the potential "
                                     "was not trained there"}}
    main.with_name(main.name + ".json").write_text(json.dumps(card, indent=1, default=str))
    return main
