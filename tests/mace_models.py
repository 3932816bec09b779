"""Small random MACE models for the sei/mace tests and benchmark, built in float64.

Each model is written twice: ``<name>.model`` (the PyTorch module, for ``MACECalculator``) and
``<name>.model-lammps.pt`` (the TorchScript module ``mace_create_lammps_model`` would write, for LAMMPS).
Random weights are fine: the tests compare two evaluations of the same function.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import numpy as np

#: Li, F, S: an interphase-like set of elements
DEFAULT_Z = (3, 9, 16)


@contextlib.contextmanager
def _default_dtype(dtype):
    import torch

    old = torch.get_default_dtype()
    torch.set_default_dtype(dtype)
    try:
        yield
    finally:
        torch.set_default_dtype(old)


def build_model(atomic_numbers=DEFAULT_Z, r_max: float = 4.5, num_interactions: int = 2, seed: int = 0,
                channels: int = 8, max_ell: int = 2, correlation: int = 2):
    """A float64 ``ScaleShiftMACE`` with random weights (seeded) and non-zero atomic energies."""
    import torch
    from e3nn import o3
    from mace import modules

    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    with _default_dtype(torch.float64):
        model = modules.ScaleShiftMACE(
            r_max=r_max,
            num_bessel=6,
            num_polynomial_cutoff=5,
            max_ell=max_ell,
            interaction_cls=modules.interaction_classes["RealAgnosticResidualInteractionBlock"],
            interaction_cls_first=modules.interaction_classes["RealAgnosticInteractionBlock"],
            num_interactions=num_interactions,
            num_elements=len(atomic_numbers),
            hidden_irreps=o3.Irreps(f"{channels}x0e + {channels}x1o"),
            MLP_irreps=o3.Irreps("8x0e"),
            atomic_energies=rng.uniform(-3.0, -1.0, len(atomic_numbers)),
            avg_num_neighbors=12.0,
            atomic_numbers=list(atomic_numbers),
            correlation=correlation,
            gate=torch.nn.functional.silu,
            atomic_inter_scale=1.3,
            atomic_inter_shift=0.1,
        )
    return model.double().eval()


def write_model(directory: Path, name: str = "mace", **kwargs) -> tuple[Path, Path]:
    """Build a model and write ``<name>.model`` and ``<name>.model-lammps.pt``; returns both paths."""
    import torch
    from e3nn.util import jit
    from mace.calculators import LAMMPS_MACE

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    model = build_model(**kwargs)
    model_path = directory / f"{name}.model"
    torch.save(model, model_path)
    # what mace_create_lammps_model does for the libtorch format, in float64
    lammps_path = directory / f"{name}.model-lammps.pt"
    jit.compile(LAMMPS_MACE(model)).save(str(lammps_path))
    return model_path, lammps_path


def calculator(model_path: Path):
    """mace-torch's reference calculator on the ``.model`` file, float64 on the CPU."""
    from mace.calculators import MACECalculator

    return MACECalculator(model_paths=str(model_path), device="cpu", default_dtype="float64")


# ---- structures and LAMMPS evaluation shared by the sei/mace tests and the benchmark --------------------

def random_cell(symbols, cell, seed: int, min_distance: float = 1.6):
    """Atoms of ``symbols`` at random positions in ``cell`` (rows), no two closer than ``min_distance``."""
    from ase import Atoms
    from ase.geometry import get_distances

    rng = np.random.default_rng(seed)
    cell = np.asarray(cell, float)
    positions = []
    while len(positions) < len(symbols):
        p = rng.random(3) @ cell
        if positions:
            _, d = get_distances(p[None], np.array(positions), cell=cell, pbc=True)
            if d.min() < min_distance:
                continue
        positions.append(p)
    return Atoms(symbols, positions=positions, cell=cell, pbc=True)


def to_lammps_frame(atoms):
    """The same structure with its cell in LAMMPS' lower-triangular orientation (positions rotated along)."""
    from lammps_eval import lammps_cell

    atoms = atoms.copy()
    cell = lammps_cell(atoms.cell[:])
    atoms.set_cell(cell, scale_atoms=True)
    return atoms


def write_lammps_data(atoms, path: Path, elements) -> None:
    """``atoms`` (already in the LAMMPS frame) as a data file with type t = ``elements[t-1]``."""
    from ase.data import atomic_masses, atomic_numbers
    from lammps_eval import write_data

    types = [list(elements).index(s) + 1 for s in atoms.get_chemical_symbols()]
    masses = [atomic_masses[atomic_numbers[e]] for e in elements]
    write_data(path, atoms.cell[:], atoms.positions, types, masses)


def lammps_mace(atoms, model_lammps: Path, elements, pair_style: str = "sei/mace", workdir: Path | None = None,
                extra=()) -> dict:
    """Energy [eV], forces [eV/A] (by atom ID), virial [eV] (xx yy zz xy xz yz, as -stress*volume) and per-atom
    energies of ``atoms`` (in the LAMMPS frame) with sei/mace; ``extra`` commands run before ``run 0``."""
    import tempfile

    from lammps_eval import NKTV2P
    from sei_lmp.run.plugin import MACE_STYLES, start_lammps

    with tempfile.TemporaryDirectory(dir=workdir) as tmp:
        data = Path(tmp) / "cell.data"
        write_lammps_data(atoms, data, elements)
        lmp = start_lammps(styles=MACE_STYLES)
        try:
            for c in ["units metal", "atom_style atomic", "atom_modify map array", f"read_data {data}",
                      f"pair_style {pair_style}", f"pair_coeff * * {model_lammps} {' '.join(elements)}",
                      "compute pe_atom all pe/atom", "compute virial all pressure NULL virial",
                      "thermo_style custom step pe vol c_virial[*]", "thermo_modify norm no", *extra, "run 0"]:
                lmp.command(c)
            thermo = lmp.last_thermo()
            n = lmp.extract_global("nlocal")
            order = np.argsort(lmp.numpy.extract_atom("id")[:n])
            out = {
                "energy": lmp.get_thermo("pe"),
                "forces": np.array(lmp.numpy.extract_atom("f")[:n])[order],
                "virial": np.array([thermo[f"c_virial[{k}]"] for k in range(1, 7)]) * thermo["Volume"] / NKTV2P,
                "site_energies": np.array(lmp.numpy.extract_compute("pe_atom", 1, 1)[:n])[order],
            }
            if any(c.startswith("fix") and "gamma" in c for c in extra):
                out["gamma"] = np.array(lmp.numpy.extract_fix("gamma", 1, 1)[:n])[order]
            return out
        finally:
            lmp.close()


def reference_mace(atoms, model_path: Path) -> dict:
    """The same quantities from mace-torch's MACECalculator (virial = -stress * volume, LAMMPS order)."""
    atoms = atoms.copy()
    atoms.calc = calculator(model_path)
    s = atoms.get_stress(voigt=True)    # xx yy zz yz xz xy
    virial = -np.array([s[0], s[1], s[2], s[5], s[4], s[3]]) * atoms.get_volume()
    return {
        "energy": atoms.get_potential_energy(),
        "forces": atoms.get_forces(),
        "virial": virial,
        "site_energies": np.asarray(atoms.calc.results["energies"]),    # node energies incl. E0
    }


def cached_model(directory: Path, name: str, **kwargs) -> tuple[Path, Path]:
    """:func:`write_model`, reusing the files when an earlier test of the session already wrote them."""
    model_path = Path(directory) / f"{name}.model"
    lammps_path = Path(directory) / f"{name}.model-lammps.pt"
    if model_path.is_file() and lammps_path.is_file():
        return model_path, lammps_path
    return write_model(directory, name, **kwargs)


#: why sei/mace tests skip where the MACE plugin is missing
SKIP_REASON = ("the sei/mace plugin (sei_lmp_maceplugin.so) is not built: build with torch importable "
               "(cmake -DSEI_LMP_MACE=ON) or set SEI_LMP_MACE_PLUGIN")
