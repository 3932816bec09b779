"""Run a fitted potential in LAMMPS through the plugin (sei/mtp by default; sei/ace, sei/mace with ``pair_style``):
single points, and a short NVT + NVE stability check.

This is what the demo will do with the potential, so a fit is only shipped after it passes here.
Cells must be orthorhombic (LAMMPS' box is then the ASE cell, no rotation of forces or stresses).
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from ase import Atoms

from sei_lmp.analysis.thermo import NVEDrift, nve_drift
from sei_lmp.errors import ConfigurationError, RunFailed
from sei_lmp.units import FS_PER_PS, LAMMPS_METAL_NKTV2P, fs_to_ps

#: LAMMPS metal units: pressure [bar] = virial [eV] / volume [A^3] * NKTV2P; ASE stress = -pressure
NKTV2P = LAMMPS_METAL_NKTV2P


def write_cell_data(atoms: Atoms, path: Path, species: Sequence[str]) -> None:
    """``atoms`` as a LAMMPS data file (atomic style, masses, types in ``species`` order); the cell must be
    orthorhombic and hold only ``species``."""
    from ase.io import write

    cell = atoms.cell.array
    if np.abs(cell - np.diag(np.diag(cell))).max() > 1e-9:
        raise ConfigurationError("lammps_check needs an orthorhombic cell (LAMMPS would rotate a general one)")
    unknown = set(atoms.get_chemical_symbols()) - set(species)
    if unknown:
        raise ConfigurationError(f"cell has {sorted(unknown)} but the potential's species are {list(species)}")
    write(path, atoms, format="lammps-data", specorder=list(species), masses=True, atom_style="atomic")


def _pair_coeff(potential: Path, species: Sequence[str], by_name: bool) -> str:
    # by name needs the metadata card next to the file; by index works for any .mtp
    names = " ".join(species) if by_name else " ".join(str(k) for k in range(len(species)))
    return f"* * {potential} {names}"


def setup_potential(lmp, data: Path, potential: Path, species: Sequence[str], *, by_name: bool,
                    pair_style: str = "sei/mtp") -> None:
    """Metal units, atomic style, ``data`` read and ``pair_style``/``pair_coeff`` set on a started LAMMPS, with the
    thermo output (pe, ke, etotal, virial pressure) the checks read."""
    for cmd in ("units metal", "atom_style atomic", "atom_modify map array sort 0 0", "boundary p p p",
                f"read_data {data}", f"pair_style {pair_style}", f"pair_coeff {_pair_coeff(potential, species, by_name)}",
                "neighbor 1.0 bin", "compute p all pressure NULL virial",
                "thermo_style custom step temp pe ke etotal press c_p[*]", "thermo_modify norm no"):
        lmp.command(cmd)


def by_atom_id(lmp, array) -> np.ndarray:
    """The local rows of a per-atom LAMMPS array, sorted by atom id (one process: every atom)."""
    n = lmp.extract_global("nlocal")
    ids = lmp.numpy.extract_atom("id")[:n]
    return np.asarray(array[:n])[np.argsort(ids)].copy()


def lammps_single_points(potential: Path, species: Sequence[str], images: Sequence[Atoms], *,
                         by_name: bool = False, pair_style: str = "sei/mtp") -> list[dict]:
    """Energy [eV], forces [eV/A] and ASE-convention stress [eV/A^3, xx yy zz yz xz xy] from ``pair_style``
    (sei/ace and sei/mace take elements by name: pass ``by_name=True``)."""
    from sei_lmp.run.plugin import start_lammps

    out = []
    with tempfile.TemporaryDirectory() as tmp:
        for k, atoms in enumerate(images):
            data = Path(tmp) / f"cfg{k}.data"
            write_cell_data(atoms, data, species)
            lmp = start_lammps(styles=(pair_style,))  # only what this check needs
            try:
                setup_potential(lmp, data, Path(potential), species, by_name=by_name, pair_style=pair_style)
                lmp.command("run 0")
                thermo = lmp.last_thermo()
                p = np.array([thermo[f"c_p[{i}]"] for i in range(1, 7)])  # xx yy zz xy xz yz [bar]
                stress = -p[[0, 1, 2, 5, 4, 3]] / NKTV2P
                out.append({"energy": float(thermo["PotEng"]), "forces": by_atom_id(lmp, lmp.numpy.extract_atom("f")),
                            "stress": stress})
            finally:
                lmp.close()
    return out


@dataclass
class LammpsMD:
    """What :func:`lammps_md` measured: NVT temperatures, the NVE energy trace and the end state."""

    natoms: int
    nvt_temperatures_K: np.ndarray       # sampled 20 times over the NVT part
    nve_total_energy_eV: np.ndarray      # sampled about 200 times over the NVE part
    nve: NVEDrift                        # drift and fluctuation of that trace
    final_temperature_K: float
    displacement_A: np.ndarray           # per atom, from the start of the MD (LAMMPS displace/atom)
    types: np.ndarray                    # LAMMPS types (1-based, in ``species`` order), by atom id
    positions: np.ndarray                # final positions [A], by atom id
    minimize_energy_drop_eV_per_atom: float | None  # with ``minimize=True``
    wall_s: float


def lammps_md(potential: Path, species: Sequence[str], atoms: Atoms, *, temperature: float, nvt_ps: float,
              nve_ps: float, timestep_fs: float = 1.0, seed: int = 4928459, by_name: bool = True,
              pair_style: str = "sei/mtp", minimize: bool = False) -> LammpsMD:
    """Velocities at ``temperature``, Nose-Hoover NVT (damping 100 steps) for ``nvt_ps``, then NVE for ``nve_ps``
    of ``atoms`` (orthorhombic) with ``pair_style``; with ``minimize`` a minimisation first, as the decks do
    (``lammps_inputs/_partials/start.lmp.j2``). LAMMPS errors propagate unchanged."""
    from sei_lmp.run.plugin import start_lammps

    n_nvt = int(round(nvt_ps * FS_PER_PS / timestep_fs))
    n_nve = int(round(nve_ps * FS_PER_PS / timestep_fs))
    start = time.perf_counter()
    temps, etot = [], []
    drop = None
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "cell.data"
        write_cell_data(atoms, data, species)
        lmp = start_lammps(styles=(pair_style,))  # only what this check needs
        try:
            setup_potential(lmp, data, Path(potential), species, by_name=by_name, pair_style=pair_style)
            if minimize:
                lmp.command("run 0")
                e_start = lmp.get_thermo("pe")
                lmp.command("minimize 1e-6 1e-8 1000 10000")
                drop = float((e_start - lmp.get_thermo("pe")) / len(atoms))  # before reset_timestep: after it no
                lmp.command("reset_timestep 0")                               # energy is tallied yet
            _nvt_then_nve(lmp, temperature, timestep_fs, seed, n_nvt, n_nve, temps, etot)
            disp = by_atom_id(lmp, lmp.numpy.extract_compute("msd_all", 1, 2))[:, 3]
            types = by_atom_id(lmp, lmp.numpy.extract_atom("type"))
            positions = by_atom_id(lmp, lmp.numpy.extract_atom("x"))
            final_temp = lmp.get_thermo("temp")
        finally:
            lmp.close()
    etot = np.array(etot)
    t_ps = np.arange(1, len(etot) + 1) * max(1, n_nve // 200) * fs_to_ps(timestep_fs)
    return LammpsMD(natoms=len(atoms), nvt_temperatures_K=np.array(temps), nve_total_energy_eV=etot,
                    nve=nve_drift(t_ps, etot, len(atoms)), final_temperature_K=float(final_temp),
                    displacement_A=disp, types=types, positions=positions, minimize_energy_drop_eV_per_atom=drop,
                    wall_s=round(time.perf_counter() - start, 1))


def lammps_md_check(potential: Path, species: Sequence[str], atoms: Atoms, *, temperature: float = 1000.0,
                    nvt_ps: float = 5.0, nve_ps: float = 2.0, timestep_fs: float = 1.0, seed: int = 4928459,
                    by_name: bool = True, sublattice: str = "F", pair_style: str = "sei/mtp") -> dict:
    """NVT (Nose-Hoover) then NVE of ``atoms`` with ``pair_style`` (default sei/mtp), see :func:`lammps_md`.

    Returns the mean NVT temperature, the largest displacement of any ``sublattice`` atom from its start
    (a melted or broken lattice shows up here), the largest Li displacement, the NVE drift [meV/atom/ps]
    from a linear fit and the NVE total-energy fluctuation [meV/atom], and the wall time.
    """
    try:
        md = lammps_md(potential, species, atoms, temperature=temperature, nvt_ps=nvt_ps, nve_ps=nve_ps,
                       timestep_fs=timestep_fs, seed=seed, by_name=by_name, pair_style=pair_style)
    except Exception as err:
        if "Lost atoms" in str(err) or "Out of range atoms" in str(err):
            raise RunFailed(f"{Path(potential).name} is unstable in LAMMPS at {temperature} K ({err}); add "
                            "close-contact and hot configurations to the training data and refit") from err
        raise
    sub = md.types == list(species).index(sublattice) + 1
    li = md.types == list(species).index("Li") + 1 if "Li" in species else ~sub
    temps = md.nvt_temperatures_K
    return {
        "natoms": md.natoms, "temperature_K": temperature, "timestep_fs": timestep_fs, "nvt_ps": nvt_ps,
        "nve_ps": nve_ps,
        "nvt_mean_temperature_K": float(np.mean(temps[len(temps) // 2:])),
        "nve_final_temperature_K": md.final_temperature_K,
        f"max_{sublattice}_displacement_A": float(md.displacement_A[sub].max()),
        "max_Li_displacement_A": float(md.displacement_A[li].max()),
        "nve_drift_meV_per_atom_per_ps": md.nve.drift_meV_per_atom_per_ps,
        "nve_fluctuation_meV_per_atom": md.nve.fluctuation_meV_per_atom,
        "wall_s": md.wall_s,
    }


def lammps_md_probe(potential: Path, species: Sequence[str], atoms: Atoms, *, temperature: float, nvt_ps: float,
                    nve_ps: float, seed: int, timestep_fs: float = 1.0, pair_style: str = "sei/mtp",
                    ps4_cutoff_A: float = 2.6) -> dict:
    """Minimisation, then :func:`lammps_md`'s run (Nose-Hoover NVT, then NVE), plus what the end state looks
    like: the shortest distance per element pair and, when the cell has P and S, how many P keep four S within
    ``ps4_cutoff_A`` (a potential with a spurious short-range well collapses without losing atoms; that shows
    here). Any LAMMPS failure is raised as :class:`~sei_lmp.errors.RunFailed`."""
    from ase import Atoms as _Atoms

    species = list(species)
    try:
        md = lammps_md(potential, species, atoms, temperature=temperature, nvt_ps=nvt_ps, nve_ps=nve_ps,
                       timestep_fs=timestep_fs, seed=seed, by_name=True, pair_style=pair_style, minimize=True)
    except Exception as err:
        raise RunFailed(f"{Path(potential).name} failed in LAMMPS at {temperature} K ({err}); add configurations "
                        "of that kind to the training data and refit") from err
    final = _Atoms([species[t - 1] for t in md.types], positions=md.positions, cell=atoms.cell, pbc=True)
    d = final.get_all_distances(mic=True)
    sym = np.array(final.get_chemical_symbols())
    p_idx, s_idx = np.flatnonzero(sym == "P"), np.flatnonzero(sym == "S")
    ps4 = int(np.sum((d[np.ix_(p_idx, s_idx)] < ps4_cutoff_A).sum(axis=1) == 4)) if len(p_idx) else None
    temps = md.nvt_temperatures_K
    return {"natoms": len(atoms), "formula": atoms.get_chemical_formula(), "temperature_K": temperature,
            "timestep_fs": timestep_fs, "nvt_ps": nvt_ps, "nve_ps": nve_ps,
            "minimize_energy_drop_eV_per_atom": md.minimize_energy_drop_eV_per_atom,
            "nvt_mean_temperature_K": float(np.mean(temps[len(temps) // 2:])),
            "nvt_max_temperature_K": float(np.max(temps)),
            "nve_drift_meV_per_atom_per_ps": md.nve.drift_meV_per_atom_per_ps,
            "nve_fluctuation_meV_per_atom": md.nve.fluctuation_meV_per_atom,
            "final_shortest_distance_A": shortest_by_pair(final, species),
            f"P_with_four_S_within_{ps4_cutoff_A:g}A": None if ps4 is None else f"{ps4}/{len(p_idx)}",
            "wall_s": md.wall_s}


def shortest_by_pair(atoms: Atoms, species: Sequence[str]) -> dict[str, float]:
    """Shortest minimum-image distance [A, 3 decimals] for every element pair ``"A-B"`` present in ``atoms``
    (pairs in ``species`` order)."""
    d = atoms.get_all_distances(mic=True)
    sym = np.array(atoms.get_chemical_symbols())
    out = {}
    for i, a in enumerate(species):
        for b in species[i:]:
            block = d[np.ix_(sym == a, sym == b)]
            if a == b:
                block = block[np.triu_indices(len(block), 1)]
            if block.size:
                out[f"{a}-{b}"] = round(float(block.min()), 3)
    return out


def _nvt_then_nve(lmp, temperature, timestep_fs, seed, n_nvt, n_nve, temps: list, etot: list) -> None:
    """Velocities at ``temperature``, Nose-Hoover NVT (damping 100 steps), then NVE; samples into the lists."""
    lmp.command(f"timestep {fs_to_ps(timestep_fs)}")
    lmp.command(f"velocity all create {temperature} {seed} dist gaussian mom yes rot yes")
    lmp.command("compute msd_all all displace/atom")
    lmp.command(f"fix nvt all nvt temp {temperature} {temperature} {100 * timestep_fs / 1000}")
    lmp.command("thermo 50")
    chunk = max(1, n_nvt // 20)
    for _ in range(n_nvt // chunk):
        lmp.command(f"run {chunk}")
        temps.append(lmp.get_thermo("temp"))
    lmp.command("unfix nvt")
    lmp.command("fix nve all nve")
    chunk = max(1, n_nve // 200)
    for _ in range(n_nve // chunk):
        lmp.command(f"run {chunk}")
        etot.append(lmp.get_thermo("etotal"))
