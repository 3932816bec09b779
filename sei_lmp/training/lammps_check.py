"""Run a fitted potential in LAMMPS through the plugin (sei/mtp by default; sei/ace, sei/mace with ``pair_style``):
single points, and a short NVT + NVE stability check.

This is what the demo will do with the potential, so a fit is only shipped after it passes here.
Cells must be orthorhombic (LAMMPS' box is then the ASE cell, no rotation of forces or stresses).
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from ase import Atoms

from sei_lmp.errors import ConfigurationError, RunFailed

#: LAMMPS metal units: pressure [bar] = virial [eV] / volume [A^3] * NKTV2P; ASE stress = -pressure
NKTV2P = 1.6021765e6


def _write_data(atoms: Atoms, path: Path, species: Sequence[str]) -> None:
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


def _setup(lmp, data: Path, potential: Path, species, by_name: bool, pair_style: str = "sei/mtp") -> None:
    for cmd in ("units metal", "atom_style atomic", "atom_modify map array sort 0 0", "boundary p p p",
                f"read_data {data}", f"pair_style {pair_style}", f"pair_coeff {_pair_coeff(potential, species, by_name)}",
                "neighbor 1.0 bin", "compute p all pressure NULL virial",
                "thermo_style custom step temp pe ke etotal press c_p[*]", "thermo_modify norm no"):
        lmp.command(cmd)


def _by_id(lmp, array) -> np.ndarray:
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
            _write_data(atoms, data, species)
            lmp = start_lammps(styles=(pair_style,))  # only what this check needs
            try:
                _setup(lmp, data, Path(potential), species, by_name, pair_style)
                lmp.command("run 0")
                thermo = lmp.last_thermo()
                p = np.array([thermo[f"c_p[{i}]"] for i in range(1, 7)])  # xx yy zz xy xz yz [bar]
                stress = -p[[0, 1, 2, 5, 4, 3]] / NKTV2P
                out.append({"energy": float(thermo["PotEng"]), "forces": _by_id(lmp, lmp.numpy.extract_atom("f")),
                            "stress": stress})
            finally:
                lmp.close()
    return out


def lammps_md_check(potential: Path, species: Sequence[str], atoms: Atoms, *, temperature: float = 1000.0,
                    nvt_ps: float = 5.0, nve_ps: float = 2.0, timestep_fs: float = 1.0, seed: int = 4928459,
                    by_name: bool = True, sublattice: str = "F", pair_style: str = "sei/mtp") -> dict:
    """NVT (Nose-Hoover) then NVE of ``atoms`` with ``pair_style`` (default sei/mtp).

    Returns the mean NVT temperature, the largest displacement of any ``sublattice`` atom from its start
    (a melted or broken lattice shows up here), the largest Li displacement, the NVE drift [meV/atom/ps]
    from a linear fit and the NVE total-energy fluctuation [meV/atom], and the wall time.
    """
    import time

    from sei_lmp.run.plugin import start_lammps

    n_nvt = int(round(nvt_ps * 1000 / timestep_fs))
    n_nve = int(round(nve_ps * 1000 / timestep_fs))
    start = time.perf_counter()
    temps, etot = [], []  # filled by _md: NVT temperatures, NVE total energies
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "cell.data"
        _write_data(atoms, data, species)
        lmp = start_lammps(styles=(pair_style,))
        try:
            _setup(lmp, data, Path(potential), species, by_name, pair_style)
            _md(lmp, temperature, timestep_fs, seed, n_nvt, n_nve, temps, etot)
            disp = _by_id(lmp, lmp.numpy.extract_compute("msd_all", 1, 2))[:, 3]
            types = _by_id(lmp, lmp.numpy.extract_atom("type"))
            final_temp = lmp.get_thermo("temp")
        except Exception as err:
            if "Lost atoms" in str(err) or "Out of range atoms" in str(err):
                raise RunFailed(f"{Path(potential).name} is unstable in LAMMPS at {temperature} K ({err}); add "
                                "close-contact and hot configurations to the training data and refit") from err
            raise
        finally:
            lmp.close()
    chunk = max(1, n_nve // 200)
    etot = np.array(etot)
    t_ps = np.arange(1, len(etot) + 1) * chunk * timestep_fs / 1000
    slope, intercept = np.polyfit(t_ps, etot, 1)
    n = len(atoms)
    sub = types == list(species).index(sublattice) + 1
    li = types == list(species).index("Li") + 1 if "Li" in species else ~sub
    return {
        "natoms": n, "temperature_K": temperature, "timestep_fs": timestep_fs, "nvt_ps": nvt_ps, "nve_ps": nve_ps,
        "nvt_mean_temperature_K": float(np.mean(temps[len(temps) // 2:])),
        "nve_final_temperature_K": float(final_temp),
        f"max_{sublattice}_displacement_A": float(disp[sub].max()),
        "max_Li_displacement_A": float(disp[li].max()),
        "nve_drift_meV_per_atom_per_ps": float(1000 * slope / n),
        "nve_fluctuation_meV_per_atom": float(1000 * np.std(etot - (slope * t_ps + intercept)) / n),
        "wall_s": round(time.perf_counter() - start, 1),
    }


def _md(lmp, temperature, timestep_fs, seed, n_nvt, n_nve, temps: list, etot: list) -> None:
    """Velocities at ``temperature``, Nose-Hoover NVT (damping 100 steps), then NVE; samples into the lists."""
    lmp.command(f"timestep {timestep_fs / 1000}")
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
