"""Streamed reading of MD trajectories into unwrapped positions of the atoms analysed.

Frames are read one at a time (LAMMPS dumps through OVITO, VASP XDATCAR / extxyz through ASE) and only
what the analysis needs is kept:

* the unwrapped positions of the selected atoms, ``n_frames x n_selected x 3`` floats
  (8 bytes each, 4 with ``dtype=float32``): 200 frames of 100 000 atoms are 480 MB in float64;
* the sum of unwrapped positions of every element (``n_frames x n_elements x 3``), from which
  centre-of-mass drifts of any framework and collective (charge) displacements follow;
* the cell of every frame and its timestep.

Unwrapping: ``xu yu zu`` are used as written while the cell is constant. Otherwise each step adds the
displacement since the previous frame, made minimum-image in fractional coordinates of the *current*
cell (or shifted by the image-flag change when ``ix iy iz`` are present), so that barostat box changes
and triclinic cells do not produce spurious jumps (the "toroidal" scheme of von Buelow, Bullerjahn and
Hummer, J. Chem. Phys. 153, 021101 (2020)).

After a resume, appended dumps repeat the restart step: a frame whose timestep is not larger than the
last one kept replaces the kept frame with that timestep (and drops any later ones).
"""

from __future__ import annotations

import gzip
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from sei_lmp.errors import ConfigurationError, IncompleteDataWarning, ParseError
from sei_lmp.units import fs_to_ps

__all__ = ["Frame", "Trajectory", "dump_columns", "iter_position_frames", "read_trajectory"]

LAMMPS_SUFFIXES = (".dump", ".lammpstrj", ".lammpsdump")


@dataclass
class Frame:
    """One snapshot, atoms sorted by id. ``positions`` are wrapped unless ``unwrapped``."""

    timestep: int
    cell: np.ndarray            # 3x3, rows are the cell vectors (A)
    origin: np.ndarray          # 3
    ids: np.ndarray
    elements: np.ndarray        # element symbol of each atom
    positions: np.ndarray       # n x 3 (A)
    images: np.ndarray | None = None   # n x 3 image flags when the file has them
    unwrapped: bool = False


@dataclass
class Trajectory:
    """What the transport analysis keeps of a trajectory (see the module docstring for memory)."""

    timesteps: np.ndarray                 # (n_frames,)
    time_ps: np.ndarray                   # (n_frames,), 0 at the first frame
    cells: np.ndarray                     # (n_frames, 3, 3)
    ids: np.ndarray                       # ids of the selected atoms
    elements: np.ndarray                  # element of each selected atom
    positions: np.ndarray                 # (n_frames, n_selected, 3), unwrapped (A)
    element_names: list[str]              # elements present, in the order of element_sums
    element_counts: np.ndarray            # atoms of each element
    element_sums: np.ndarray              # (n_frames, n_elements, 3): sum of unwrapped positions per element
    source: str = ""
    info: dict = field(default_factory=dict)

    @classmethod
    def from_positions(cls, positions: np.ndarray, elements: Sequence[str], time_ps: np.ndarray,
                       cells: np.ndarray, source: str = "arrays") -> Trajectory:
        """From unwrapped positions (n_frames, n_atoms, 3) of all atoms, e.g. a simulation held in memory."""
        positions = np.asarray(positions, dtype=float)
        elements = np.asarray(elements, dtype=object)
        names = sorted(set(elements.tolist()))
        cells = np.broadcast_to(np.asarray(cells, dtype=float), (len(positions), 3, 3)).copy()
        sums = np.stack([positions[:, elements == e].sum(axis=1) for e in names], axis=1)
        return cls(timesteps=np.arange(len(positions)), time_ps=np.asarray(time_ps, float), cells=cells,
                   ids=np.arange(1, len(elements) + 1), elements=elements, positions=positions,
                   element_names=names, element_counts=np.array([(elements == e).sum() for e in names]),
                   element_sums=sums, source=source)

    @property
    def n_frames(self) -> int:
        return len(self.timesteps)

    @property
    def volumes_A3(self) -> np.ndarray:
        return np.abs(np.linalg.det(self.cells))

    def select(self, element: str) -> np.ndarray:
        """Unwrapped positions of one element's selected atoms, (n_frames, n, 3)."""
        mask = self.elements == element
        if not mask.any():
            raise ConfigurationError(f"no {element} atoms were read from {self.source}; pass species= with one of "
                                     f"{sorted(set(self.elements.tolist()))} (or read the trajectory with {element})")
        return self.positions[:, mask]

    def com(self, elements: Sequence[str]) -> np.ndarray:
        """Mass-weighted centre of mass of all atoms of ``elements``, (n_frames, 3)."""
        from ase.data import atomic_masses, atomic_numbers

        idx = [self.element_names.index(e) for e in elements]
        masses = np.array([atomic_masses[atomic_numbers[e]] for e in elements])
        total = (self.element_sums[:, idx] * masses[None, :, None]).sum(axis=1)
        return total / float((self.element_counts[idx] * masses).sum())


def dump_columns(path: str | Path) -> list[str]:
    """Column names of the first ``ITEM: ATOMS`` line of a LAMMPS text dump (plain or gzip)."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt") as handle:
        for _ in range(10000):
            line = handle.readline()
            if not line:
                break
            if line.startswith("ITEM: ATOMS"):
                return line.split()[2:]
    raise ParseError(f"{path} has no 'ITEM: ATOMS' line: not a LAMMPS text dump (binary dumps are not supported)")


def _is_lammps_dump(path: Path) -> bool:
    name = path.name.removesuffix(".gz")
    return name.endswith(LAMMPS_SUFFIXES) or ".dump" in name


#: bytes read from the end of a dump to check its last frame (a larger frame is not checked)
_TAIL_BYTES = 4_000_000


def cut_off_last_frame(path: str | Path) -> str:
    """'' if the last frame of a LAMMPS text dump is complete, else what is missing (a run killed while writing
    it leaves a frame cut off, which readers drop without a word)."""
    path = Path(path)
    if path.suffix == ".gz" or not path.is_file():
        return ""
    size = path.stat().st_size
    with path.open("rb") as f:
        f.seek(max(0, size - _TAIL_BYTES))
        tail = f.read().decode("utf-8", errors="replace")
    start = tail.rfind("ITEM: TIMESTEP")
    if start < 0:
        return ""
    block = tail[start:].split("\n")
    step = block[1].strip() if len(block) > 1 else "?"
    try:
        expected = int(block[block.index("ITEM: NUMBER OF ATOMS") + 1])
        header = next(k for k, line in enumerate(block) if line.startswith("ITEM: ATOMS"))
    except (ValueError, IndexError, StopIteration):
        return f"the last frame (step {step}) is cut off in its header"
    rows = [line for line in block[header + 1:] if line.strip()]
    complete = len(rows) - (0 if tail.endswith("\n") else 1)
    if complete < expected:
        return f"the last frame (step {step}) is cut off: {complete} of {expected} atoms"
    return ""


def warn_if_cut_off(path: str | Path) -> None:
    """Say (as a warning the CLI shows as a note) that a dump's cut-off last frame is left out."""
    missing = cut_off_last_frame(path)
    if missing:
        warnings.warn(f"{Path(path).name}: {missing} (the run was stopped while writing it); it is left out of "
                      "the analysis", IncompleteDataWarning, stacklevel=3)


def _iter_lammps(path: Path, type_elements: Sequence[str] | None) -> Iterator[Frame]:
    from ovito.io import import_file

    warn_if_cut_off(path)

    columns = dump_columns(path)
    unwrapped = {"xu", "yu", "zu"} <= set(columns)
    if not unwrapped and not ({"x", "y", "z"} <= set(columns) or {"xs", "ys", "zs"} <= set(columns)):
        raise ParseError(f"{path}: dump columns {columns} lack positions (need xu yu zu, or x y z [ix iy iz])")
    if "id" not in columns or "type" not in columns and "element" not in columns:
        raise ParseError(f"{path}: dump columns {columns} lack 'id' and 'type' (dump ... custom N file id type xu yu zu)")
    # multiple_frames explicit: after a render in the same process OVITO no longer scans a dump for its frames
    # by itself, and a trajectory read then has one frame (measured: the demo's re-run)
    pipeline = import_file(str(path), multiple_frames=True)
    yield pipeline.source.num_frames     # frame count first, so the reader can allocate once
    for frame in range(pipeline.source.num_frames):
        data = pipeline.compute(frame)
        particles = data.particles
        ids = np.asarray(particles["Particle Identifier"])
        order = np.argsort(ids, kind="stable")
        types = np.asarray(particles.particle_types)[order]
        names = {t.id: t.name for t in particles.particle_types.types}
        if type_elements is not None:
            if types.max() > len(type_elements):
                raise ConfigurationError(f"{path} has atom type {types.max()} but only {len(type_elements)} elements "
                                         f"were given ({list(type_elements)}); give one element per LAMMPS type")
            elements = np.asarray(type_elements, dtype=object)[types - 1]
        elif all(names.get(t) for t in np.unique(types)):
            elements = np.array([names[t] for t in types], dtype=object)
        else:
            raise ConfigurationError(f"{path} has numeric atom types: give the element of each type "
                                     "(type_elements=[...], or the elements of the run's manifest)")
        cell = np.array(data.cell[...], dtype=float)
        images = np.asarray(particles["Periodic Image"])[order] if "Periodic Image" in particles else None
        yield Frame(timestep=int(data.attributes.get("Timestep", frame)), cell=cell[:, :3].T.copy(),
                    origin=cell[:, 3].copy(), ids=ids[order], elements=elements,
                    positions=np.asarray(particles.positions, dtype=float)[order],
                    images=None if unwrapped else images, unwrapped=unwrapped)


def _iter_ase(path: Path, fmt: str | None, type_elements: Sequence[str] | None) -> Iterator[Frame]:
    import ase.io

    yield None                           # frame count unknown until read
    for k, atoms in enumerate(ase.io.iread(str(path), index=":", format=fmt)):
        elements = np.array(atoms.get_chemical_symbols(), dtype=object)
        ids = np.asarray(atoms.arrays.get("id", np.arange(1, len(atoms) + 1)))
        yield Frame(timestep=int(atoms.info.get("timestep", k)), cell=np.array(atoms.cell[:], dtype=float),
                    origin=np.zeros(3), ids=ids, elements=elements, positions=atoms.get_positions(),
                    unwrapped=False)


def iter_position_frames(path: str | Path, *, type_elements: Sequence[str] | None = None,
                         format: str | None = None) -> Iterator[Frame]:
    """:class:`Frame` snapshots (positions, ids, elements, cell; atoms sorted by id) of a LAMMPS text dump
    (plain/gzip, via OVITO) or any ASE-readable trajectory (``format="vasp-xdatcar"``, ``"extxyz"``; guessed
    from the name otherwise). For analysed OVITO pipelines see :func:`sei_lmp.io.frames.iter_data_collections`."""
    frames = _open_frames(path, type_elements, format)
    next(frames)
    return frames


def _open_frames(path, type_elements, format) -> Iterator:
    """Generator whose first item is the number of frames (None when unknown), then the frames."""
    path = Path(path)
    if not path.is_file():
        raise ConfigurationError(f"trajectory {path} does not exist")
    if format in (None, "lammps-dump-text") and _is_lammps_dump(path):
        return _iter_lammps(path, type_elements)
    if format is None and "XDATCAR" in path.name.upper():
        format = "vasp-xdatcar"
    return _iter_ase(path, format, type_elements)


class _Unwrapper:
    """Continues unwrapped positions from one frame to the next (see the module docstring)."""

    def __init__(self) -> None:
        self.previous: Frame | None = None
        self.unwrapped: np.ndarray | None = None
        self.first_cell: np.ndarray | None = None

    def __call__(self, frame: Frame) -> np.ndarray:
        prev = self.previous
        if prev is None:
            self.first_cell = frame.cell
            # wrapped input with image flags starts from its unwrapped image so atoms keep their history
            start = frame.positions.copy()
            if not frame.unwrapped and frame.images is not None:
                start += frame.images @ frame.cell
            self.unwrapped = start
        elif frame.unwrapped and np.allclose(frame.cell, self.first_cell, rtol=0, atol=1e-9):
            self.unwrapped = frame.positions.copy()     # constant cell: xu yu zu are exact as written
        else:
            if len(frame.ids) != len(prev.ids) or not np.array_equal(frame.ids, prev.ids):
                raise ParseError(f"atoms changed between timesteps {prev.timestep} and {frame.timestep} "
                                 "(lost or inserted atoms): transport analysis needs the same atoms in every frame")
            step = frame.positions - prev.positions
            if frame.unwrapped:
                # xu = x + image @ H_t: remove the part of the step due to the cell change at fixed images
                images = np.floor(np.linalg.solve(prev.cell.T, (prev.positions - prev.origin).T).T)
                step -= images @ (frame.cell - prev.cell)
            elif frame.images is not None and prev.images is not None:
                step += (frame.images - prev.images) @ frame.cell
            else:
                frac = np.linalg.solve(frame.cell.T, step.T).T
                step = (frac - np.round(frac)) @ frame.cell
            self.unwrapped = self.unwrapped + step
        self.previous = frame
        return self.unwrapped


def read_trajectory(path: str | Path, *, species: Sequence[str] | None = None,
                    type_elements: Sequence[str] | None = None, format: str | None = None,
                    timestep_fs: float | None = None, frame_interval_ps: float | None = None,
                    dtype=np.float64, progress: bool = False) -> Trajectory:
    """Read a trajectory, keeping unwrapped positions of the ``species`` atoms (all atoms if None).

    Time between frames: ``frame_interval_ps``, or ``timestep_fs`` times the difference of the frames'
    timesteps (LAMMPS dumps). One of the two is required.
    """
    if frame_interval_ps is None and timestep_fs is None:
        raise ConfigurationError("give timestep_fs (MD time step, with a LAMMPS dump's TIMESTEP values) or "
                                 "frame_interval_ps (time between frames, e.g. 2 fs x 50 steps = 0.1 ps for XDATCAR)")
    frames = _open_frames(path, type_elements, format)
    known = next(frames)
    chunk = known or 64
    unwrap = _Unwrapper()
    positions = sums = None
    timesteps: list[int] = []
    cells: list[np.ndarray] = []
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(desc=f"reading {Path(path).name}", unit="frame", total=known)
    for frame in frames:
        r = unwrap(frame)
        if positions is None:
            names = sorted(set(frame.elements.tolist()))
            wanted = names if species is None else list(species)
            missing = [s for s in wanted if s not in names]
            if missing:
                raise ConfigurationError(f"{path} has no {', '.join(missing)} atoms; it has {', '.join(names)}")
            mask = np.isin(frame.elements, wanted)
            element_index = np.array([names.index(e) for e in frame.elements])
            counts = np.bincount(element_index, minlength=len(names))
            sel_ids, sel_elements = frame.ids[mask], frame.elements[mask]
            positions = np.empty((chunk, int(mask.sum()), 3), dtype=dtype)
            sums = np.empty((chunk, len(names), 3))
        # a repeated or earlier timestep (resume) replaces what was kept from that step on
        n = len(timesteps)
        while n and frame.timestep <= timesteps[n - 1]:
            n -= 1
        del timesteps[n:], cells[n:]
        if n == positions.shape[0]:
            positions = np.concatenate([positions, np.empty_like(positions)])
            sums = np.concatenate([sums, np.empty_like(sums)])
        positions[n] = r[mask]
        sums[n] = np.stack([np.bincount(element_index, weights=r[:, d], minlength=len(names)) for d in range(3)],
                           axis=1)
        timesteps.append(frame.timestep)
        cells.append(frame.cell)
        if bar is not None:
            bar.update()
    if bar is not None:
        bar.close()
    if positions is None:
        raise ParseError(f"{path} contains no frames")
    n = len(timesteps)
    steps = np.asarray(timesteps)
    if frame_interval_ps is not None:
        time_ps = np.arange(n) * float(frame_interval_ps)
    else:
        time_ps = fs_to_ps((steps - steps[0]) * float(timestep_fs))
    return Trajectory(timesteps=steps, time_ps=time_ps, cells=np.asarray(cells), ids=sel_ids,
                      elements=sel_elements, positions=positions[:n], element_names=names,
                      element_counts=counts, element_sums=sums[:n], source=str(path))
