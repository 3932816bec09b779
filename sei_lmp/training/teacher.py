"""Label configurations with a teacher calculator (CHGNet by default; any ASE calculator works).

Labels go to an extxyz file (energy, forces, stress per frame) that doubles as a cache: every frame carries
``info["config_id"]``, a hash of its species, cell and positions, and :func:`label` skips ids already in
the file, so an interrupted labelling continues where it stopped.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from ase import Atoms

from sei_lmp.errors import ConfigurationError

#: CHGNet pretrained model that ships in the ``chgnet`` wheel (MPtrj, r2SCAN-free PBE/PBE+U labels)
CHGNET_MODEL = "0.3.0"


def check_labelled(images: Sequence[Atoms], species: Sequence[str], family: str, minimum: int = 1) -> None:
    """Refuse a training set a ``family`` fit cannot use: fewer than ``minimum`` configurations, elements
    outside ``species``, or configurations without teacher energy and forces."""
    if len(images) < minimum:
        article = "an" if family[0] in "AEIMO" else "a"
        raise ConfigurationError(f"need at least {minimum} training configurations for {article} {family} fit "
                                 f"(got {len(images)}); label some first")
    allowed = set(species)
    for k, atoms in enumerate(images):
        extra = set(atoms.get_chemical_symbols()) - allowed
        if extra:
            raise ConfigurationError(f"training config {k} has elements {sorted(extra)} that are not in the {family} "
                                     f"species {list(species)}; add them to species")
        results = getattr(atoms.calc, "results", None) or {}
        if "energy" not in results or "forces" not in results:
            raise ConfigurationError(f"training config {k} has no teacher energy/forces; label it first")


def config_id(atoms: Atoms) -> str:
    """Stable id of a configuration: sha1 of numbers, cell and positions rounded to 1e-6 A."""
    h = hashlib.sha1()
    h.update(np.asarray(atoms.numbers, np.int64).tobytes())
    for arr in (atoms.cell.array, atoms.positions):
        h.update(np.round(np.asarray(arr, float), 6).tobytes())
    cid = h.hexdigest()[:16]
    try:                   # '385030956852e127' would come back from extxyz as a float: keep ids text
        float(cid)
    except ValueError:
        return cid
    return "h" + cid[1:]


def chgnet_calculator(model: str = CHGNET_MODEL, threads: int = 1):
    """CHGNet ASE calculator on the CPU with ``threads`` torch threads (the wheel holds the weights)."""
    try:
        import torch
        from chgnet.model import CHGNet
        from chgnet.model.dynamics import CHGNetCalculator
    except ImportError as err:
        raise ConfigurationError(f"the CHGNet teacher needs the 'chgnet' package ({err}); install chgnet==0.4.2 "
                                 "or pass another ASE calculator as the teacher") from err
    torch.set_num_threads(threads)
    return CHGNetCalculator(model=CHGNet.load(model_name=model, verbose=False), use_device="cpu")


def teacher_info(calc) -> dict:
    """Provenance of a teacher calculator: its class, package version and model version when known."""
    from importlib.metadata import PackageNotFoundError, version

    cls = type(calc)
    package = cls.__module__.split(".")[0]
    info = {"calculator": f"{cls.__module__}.{cls.__name__}"}
    try:
        info["package"] = f"{package} {version(package)}"
    except PackageNotFoundError:
        pass
    model_version = getattr(getattr(calc, "model", None), "version", None)
    if model_version:
        info["model_version"] = str(model_version)
    return info


def read_labels(path: Path) -> list[Atoms]:
    """Frames of a label file (extxyz), in file order; an empty list when it does not exist."""
    from ase.io import read

    path = Path(path)
    if not path.is_file() or path.stat().st_size == 0:
        return []
    try:
        return read(path, index=":", format="extxyz")
    except Exception as err:  # a frame cut short by a kill: keep what can be read
        frames = _read_complete_frames(path)
        if frames is None:
            raise ConfigurationError(f"cannot read label file {path} ({err}); delete it to relabel") from err
        return frames


def _read_complete_frames(path: Path) -> list[Atoms] | None:
    """Every complete frame of an extxyz whose last frame was truncated, then rewrite the file with them."""
    from ase.io import read, write

    lines = path.read_text().splitlines(keepends=True)
    frames, i = [], 0
    while i < len(lines):
        try:
            n = int(lines[i])
        except ValueError:
            return None
        if i + 2 + n > len(lines):
            break
        from io import StringIO

        frames.append(read(StringIO("".join(lines[i:i + 2 + n])), format="extxyz"))
        i += 2 + n
    write(path, frames, format="extxyz")
    return frames


def _append(path: Path, atoms: Atoms) -> None:
    from ase.io import write

    with open(path, "a") as fh:
        write(fh, atoms, format="extxyz")
        fh.flush()


def _keeps_labels(atoms: Atoms) -> bool:
    """Frames that come labelled by the teacher itself: its MD (``teacher_md``), a dataset the plan says is the
    teacher's (``given``), DFT results read back from a job array (``dft:<code>``)."""
    by = str(atoms.info.get("labelled_by", ""))
    return by in ("teacher_md", "given") or by.startswith("dft:")


def _has_labels(atoms: Atoms) -> bool:
    results = getattr(atoms.calc, "results", {}) or {}
    return all(k in results for k in ("energy", "forces", "stress"))


def label(images: Sequence[Atoms], calc, path: Path, *, progress: bool = True,
          description: str = "labelling") -> list[Atoms]:
    """Energy, forces and stress of every image from ``calc``, appended to ``path`` (extxyz).

    Frames already in ``path`` (same :func:`config_id`, or the ``info["config_id"]`` a frame carries)
    are not recomputed. Frames that come labelled by the same teacher (``info["labelled_by"]`` is
    ``teacher_md`` (see ``sampling.teacher_md``), ``given`` or ``dft:<code>``) are stored as they are. Returns the labelled frames in the order of ``images``.
    """
    from ase.calculators.singlepoint import SinglePointCalculator
    from tqdm.auto import tqdm

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    done = {a.info["config_id"]: a for a in read_labels(path) if "config_id" in a.info}
    # an id carried in info (teacher MD frames get theirs at creation) survives the extxyz round trip,
    # whose 8-decimal positions could round differently from the in-memory ones
    ids = [a.info.get("config_id") or config_id(a) for a in images]
    todo = [(i, a) for i, (cid, a) in enumerate(zip(ids, images)) if cid not in done]
    for i, atoms in tqdm(todo, desc=description, unit="cfg", disable=not progress):
        frame = atoms.copy()
        frame.info["config_id"] = ids[i]
        if _keeps_labels(atoms) and _has_labels(atoms):
            res = atoms.calc.results
        else:
            frame.calc = calc
            try:
                res = {"energy": frame.get_potential_energy(), "forces": frame.get_forces(),
                       "stress": frame.get_stress()}
            except Exception as err:
                raise ConfigurationError(f"the teacher failed on config {ids[i]} "
                                         f"({frame.get_chemical_formula()}, {frame.info.get('config_type')}): "
                                         f"{err}") from err
            frame.info["labelled_by"] = "teacher"
        frame.calc = SinglePointCalculator(frame, energy=float(res["energy"]), forces=np.array(res["forces"]),
                                           stress=np.array(res["stress"]))
        _append(path, frame)
        done[ids[i]] = frame
    return [done[cid] for cid in ids]
