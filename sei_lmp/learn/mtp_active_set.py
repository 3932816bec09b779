"""Active sets of Moment Tensor Potentials in MLIP-3's neighbourhood mode (``.almtp``), and the MaxVol choice
of new training configurations (docs: ../shared/specs/mtp.md, section 9).

Each atom i gives one row b_i = dE_i/dtheta (the gradient of its site energy with respect to the n potential
parameters, in MLIP's order: radial coefficients, species coefficients, moment coefficients). The active set A
holds n such rows chosen for the largest |det A|, and an atom's extrapolation grade is gamma = max_j
|(b A^-1)_j|: <= 1 interpolates, > 1 extrapolates. ``pair_style sei/mtp`` with ``fix pair N sei/mtp gamma 1``
grades atoms in LAMMPS from the ``.almtp`` this module writes.

    rows = site_gradients("pot.mtp", train_images, ["Li", "S"])
    state = build_active_set("pot.mtp", train_images, ["Li", "S"])
    write_almtp("pot.mtp", state, train_images, "pot.almtp")
    gamma = grades(state, rows[0])
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from ase import Atoms
from ase.data import atomic_numbers

from sei_lmp.errors import ConfigurationError
from sei_lmp.learn.maxvol import INIT_VALUE, greedy_select, swap_in
from sei_lmp.potentials.grades import MAXVOL

MARKER = "#MVS_v1.1"
#: neighbourhood mode: one equation per site energy (what MLIP-3 writes for ``--al_mode=nbh``)
NBH_WEIGHTS = {"energy_weight": 0.0, "force_weight": 0.0, "stress_weight": 0.0, "site_en_weight": 1.0,
               "weight_scaling": 2.0}
_WEIGHT_KEYS = ("energy_weight", "force_weight", "stress_weight", "site_en_weight", "weight_scaling")
# MLIP starts A as INIT_VALUE * I (sei_lmp.learn.maxvol; its rows stay as "-1 -1" until data replace them)
MAXVOL_TOL = MAXVOL.maxvol_tolerance


@dataclass
class ActiveSet:
    """An MTP active set. Row r of ``A`` is the site-energy gradient of atom ``atom_index[r]`` of configuration
    ``configs[cfg_index[r]]``; rows with ``cfg_index == -1`` are unused starting rows (INIT_VALUE times a unit
    vector; in MLIP's own files swaps may have moved them to other slots). ``atom_index`` is -1 for those, and
    for all rows of a configuration-mode state read from a file (rows there are not per atom).

    ``configs`` holds ase Atoms (from :func:`build_active_set`) or MLIP cfg text blocks (read from an
    ``.almtp``; kept verbatim so that writing the set again loses nothing). ``eqn_index`` is MLIP's equation
    number of the row within its configuration (for a site energy: 3N + 10 + atom, after the energy, 3N forces
    and 9 stresses; inferred from the reference state, where 12-atom cells use 46..57).
    """

    A: np.ndarray
    inv_A: np.ndarray                     # the true inverse of A (the file stores its transpose)
    weights: dict[str, float]
    cfg_index: np.ndarray
    eqn_index: np.ndarray
    atom_index: np.ndarray
    configs: list = field(default_factory=list)
    species: tuple[str, ...] | None = None

    @property
    def n(self) -> int:
        return len(self.A)

    @property
    def from_data(self) -> int:
        """Rows that come from atoms of the data (the rest are unused starting rows)."""
        return int((self.cfg_index >= 0).sum())

    def neighbourhood_mode(self) -> bool:
        return self.weights.get("site_en_weight", 0.0) != 0.0 and self.weights.get("energy_weight", 0.0) == 0.0


# ---- the potential -------------------------------------------------------------------------------------------


def potential_text(path: str | Path) -> str:
    """The ``.mtp`` text of ``path`` (an ``.almtp`` is cut before its ``#MVS_v1.1`` state)."""
    raw = Path(path).read_bytes()
    cut = _marker_offset(raw)
    return raw[:cut].decode("utf-8") if cut is not None else raw.decode("utf-8")


def _marker_offset(raw: bytes) -> int | None:
    pos = 0
    while (pos := raw.find(MARKER.encode(), pos)) >= 0:
        if pos == 0 or raw[pos - 1:pos] == b"\n":
            return pos
        pos += 1
    return None


def n_params(text: str) -> int:
    """Number of MTP parameters, S^2 N_mu N_Q + S + n_scal (spec 9.1), from the ``.mtp`` text."""
    counts = {}
    for key in ("species_count", "radial_funcs_count", "radial_basis_size", "alpha_scalar_moments"):
        m = re.search(rf"^\s*{key}\s*=\s*(\d+)\s*$", text, re.MULTILINE)
        if m is None:
            raise ConfigurationError(f"the MTP potential has no '{key} = ...' line; is it an MLIP .mtp file?")
        counts[key] = int(m.group(1))
    if re.search(r"^\s*magnetic_basis_type\s*=", text, re.MULTILINE):
        raise ConfigurationError("magnetic MTPs have no active-set support here")
    s = counts["species_count"]
    return s * s * counts["radial_funcs_count"] * counts["radial_basis_size"] + s + counts["alpha_scalar_moments"]


def _motep_potential(mtp_path: str | Path, species: Sequence[str]):
    from motep.io.mlip.mtp import read_mtp

    # motep reads a path as UTF-8 text to the end, so the binary state of an .almtp must be cut off first
    with tempfile.TemporaryDirectory() as tmp:
        pot = Path(tmp) / "potential.mtp"
        pot.write_text(potential_text(mtp_path))
        mtp = read_mtp(pot)
    if len(species) != mtp.species_count:
        raise ConfigurationError(f"{mtp_path} has {mtp.species_count} species but {len(species)} were named: "
                                 f"{list(species)}")
    bad = [s for s in species if s not in atomic_numbers]
    if bad:
        raise ConfigurationError(f"MTP species must be element symbols, got {bad}")
    mtp.species = [atomic_numbers[s] for s in species]
    return mtp


# ---- per-site gradients ----------------------------------------------------------------------------------------


def site_gradients(mtp_path: str | Path, images: Sequence[Atoms], species: Sequence[str],
                   engine: str = "cext") -> list[np.ndarray]:
    """For each image, the (n_atoms x n_params) matrix dE_i/dtheta in MLIP's parameter order.

    ``species[k]`` is the element of MTP species k. The images are not modified (motep runs on copies).
    """
    from motep.calculator import make_calculator

    mtp = _motep_potential(mtp_path, species)
    n_s, n_scal = mtp.species_count, mtp.alpha_scalar_moments
    n_total = n_s * n_s * mtp.radial_funcs_count * mtp.radial_basis.size + n_s + n_scal
    known = set(species)
    out = []
    for k, image in enumerate(images):
        missing = sorted(set(image.get_chemical_symbols()) - known)
        if missing:
            raise ConfigurationError(f"image {k} holds {missing}, which the potential's species {list(species)} "
                                     "do not include")
        atoms = Atoms(image.numbers, positions=image.positions, cell=image.cell, pbc=image.pbc)
        atoms.calc = make_calculator(mtp, engine=engine, mode="train")
        atoms.get_potential_energy()
        jac = np.asarray(atoms.calc.engine.jac_energies(atoms).parameters)      # (n_params, n_atoms)
        if jac.shape[0] != n_total:
            raise RuntimeError(f"motep gave {jac.shape[0]} parameter derivatives, expected {n_total} "
                               f"(optimized: {mtp.optimized})")
        # motep lays the parameters out as [moment, species, radial (S, S, N_mu, N_Q) flat];
        # MLIP as [radial (same flat order), species, moment]
        moment, spec, radial = jac[:n_scal], jac[n_scal:n_scal + n_s], jac[n_scal + n_s:]
        out.append(np.ascontiguousarray(np.vstack([radial, spec, moment]).T))
    return out


# ---- grades ------------------------------------------------------------------------------------------------------


def grades(active_set_or_path: ActiveSet | str | Path, gradients) -> np.ndarray:
    """gamma = max_j |(b A^-1)_j| for each row b of ``gradients`` (an (m x n) array, one row, or a list of
    per-image matrices, whose rows are then concatenated)."""
    state = active_set_or_path if isinstance(active_set_or_path, ActiveSet) else read_active_set(active_set_or_path)
    if isinstance(gradients, (list, tuple)) and gradients and np.ndim(gradients[0]) == 2:
        rows = np.vstack(gradients)
    else:
        rows = np.atleast_2d(np.asarray(gradients, float))
    if not rows.size:
        return np.zeros(0)
    if rows.shape[1] != state.n:
        raise ValueError(f"gradient rows have {rows.shape[1]} entries; the active set has {state.n} parameters")
    return np.abs(rows @ state.inv_A).max(axis=1)


def image_grades(active_set: ActiveSet, gradients: Sequence[np.ndarray]) -> np.ndarray:
    """Max grade over the atoms of each image (per-image gradient matrices)."""
    return np.array([grades(active_set, g).max() if len(g) else 0.0 for g in gradients])


# ---- reading the state ---------------------------------------------------------------------------------------------


def read_active_set(almtp_path: str | Path) -> ActiveSet:
    """The MLIP-3 state of an ``.almtp`` (spec 9.3): weights, A, A^-1 (the file holds (A^-1)^T), the origin
    of each row and the stored configurations (kept as cfg text)."""
    path = Path(almtp_path)
    raw = path.read_bytes()
    start = _marker_offset(raw)
    if start is None:
        raise ConfigurationError(f"{path} holds no active-learning state ({MARKER}); build one with "
                                 "build_active_set and write_almtp")
    n = n_params(raw[:start].decode("utf-8"))
    pos = raw.index(b"\n", start) + 1
    weights = {}
    while pos < len(raw) and raw[pos:pos + 1] != b"#":
        eol = raw.index(b"\n", pos)
        words = raw[pos:eol].decode().split()
        if len(words) != 2 or words[0] not in _WEIGHT_KEYS:
            raise ConfigurationError(f"{path}: unexpected active-learning setting line {raw[pos:eol]!r}")
        weights[words[0]] = float(words[1])
        pos = eol + 1
    pos += 1                                   # '#', directly followed by the binary matrices
    size = n * n * 8
    if len(raw) < pos + 2 * size:
        raise ConfigurationError(f"{path}: the active-set matrices are truncated (expected 2 x {n} x {n} doubles)")
    A = np.frombuffer(raw, "<f8", n * n, pos).reshape(n, n).copy()
    inv_A = np.frombuffer(raw, "<f8", n * n, pos + size).reshape(n, n).T.copy()
    tail = raw[pos + 2 * size:].decode("utf-8")
    if not tail.startswith("\n#\n"):
        raise ConfigurationError(f"{path}: expected '#' after the active-set matrices")
    lines = tail[3:].split("\n")
    origin = np.array([[int(v) for v in line.split()] for line in lines[:n]], dtype=int).reshape(n, 2)
    if lines[n] != "#":
        raise ConfigurationError(f"{path}: expected '#' after the {n} row-origin lines")
    blocks = [_strip_selected(b) for b in _cfg_blocks("\n".join(lines[n + 1:]))]
    cfg_index, eqn_index = origin[:, 0].copy(), origin[:, 1].copy()
    atom_index = np.full(n, -1)
    if weights.get("site_en_weight", 0.0) != 0.0 and weights.get("energy_weight", 0.0) == 0.0:
        sizes = np.array([_cfg_size(b) for b in blocks], dtype=int)
        used = cfg_index >= 0
        atom_index[used] = eqn_index[used] - (3 * sizes[cfg_index[used]] + 10)
    return ActiveSet(A=A, inv_A=inv_A, weights=weights, cfg_index=cfg_index, eqn_index=eqn_index,
                     atom_index=atom_index, configs=blocks)


def _cfg_blocks(text: str) -> list[str]:
    """'BEGIN_CFG ... END_CFG\\n' blocks of MLIP cfg text."""
    return [m.group(0) + "\n" for m in re.finditer(r"^BEGIN_CFG\n.*?^END_CFG", text, re.MULTILINE | re.DOTALL)]


def _strip_selected(block: str) -> str:
    return re.sub(r"^ Feature\s+selected_eqn_inds\s.*\n", "", block, flags=re.MULTILINE)


def _cfg_size(block: str) -> int:
    m = re.search(r"^\s*Size\s*\n\s*(\d+)", block, re.MULTILINE)
    if m is None:
        raise ConfigurationError("a stored configuration has no Size")
    return int(m.group(1))


def stored_images(active_set: ActiveSet, species: Sequence[str]) -> list[Atoms]:
    """The active set's configurations as ase Atoms (cfg text blocks read with ``species[type]``)."""
    return [cfg if isinstance(cfg, Atoms) else read_cfg_block(cfg, species) for cfg in active_set.configs]


def read_cfg(path: str | Path, species: Sequence[str]) -> list[Atoms]:
    """All configurations of an MLIP ``.cfg`` file (see :func:`read_cfg_block`)."""
    return [read_cfg_block(b, species) for b in _cfg_blocks(Path(path).read_text())]


def read_cfg_block(block: str, species: Sequence[str]) -> Atoms:
    """One MLIP cfg block (cartesian AtomData; motep 0.2.0's reader refuses numbers in e-notation, which is
    how MLIP writes them) as ase Atoms; energy, forces and PlusStress go to a SinglePointCalculator, features
    to ``atoms.info``."""
    from ase.calculators.singlepoint import SinglePointCalculator

    lines = block.splitlines()
    cell, energy, plus_stress, data, info = None, None, None, None, {}
    k = 0
    while k < len(lines):
        words = lines[k].split()
        head = words[0] if words else ""
        if head == "Size":
            size = int(lines[k + 1].split()[0])
            k += 1
        elif head in ("Supercell", "SuperCell"):
            cell = [[float(v) for v in lines[k + 1 + r].split()] for r in range(3)]
            k += 3
        elif head in ("AtomData:", "Atomic_data:"):
            keys = words[1:]
            data = {key: [] for key in keys}
            for r in range(size):
                for key, value in zip(keys, lines[k + 1 + r].split(), strict=True):
                    data[key].append(float(value))
            k += size
        elif head == "Energy":
            energy = float(lines[k + 1].split()[0])
            k += 1
        elif head == "PlusStress:":
            plus_stress = dict(zip(words[1:], map(float, lines[k + 1].split()), strict=True))
            k += 1
        elif head == "Feature" and len(words) >= 3:
            info[words[1]] = " ".join(words[2:])
        k += 1
    if data is None or not all(c in data for c in ("cartes_x", "cartes_y", "cartes_z")):
        raise ConfigurationError("a stored configuration has no cartesian AtomData")
    symbols = [species[int(t)] for t in data["type"]]
    positions = np.column_stack([data["cartes_x"], data["cartes_y"], data["cartes_z"]])
    atoms = Atoms(symbols, positions=positions, cell=cell, pbc=cell is not None)
    atoms.info.update(info)
    results = {}
    if energy is not None:
        results["energy"] = energy
    if all(f in data for f in ("fx", "fy", "fz")):
        results["forces"] = np.column_stack([data["fx"], data["fy"], data["fz"]])
    if plus_stress is not None and cell is not None:
        results["stress"] = -np.array([plus_stress[c] for c in ("xx", "yy", "zz", "yz", "xz", "xy")]) \
            / atoms.get_volume()
    if results:
        atoms.calc = SinglePointCalculator(atoms, **results)
    return atoms


# ---- MaxVol --------------------------------------------------------------------------------------------------------


def build_active_set(mtp_path: str | Path, images: Sequence[Atoms], species: Sequence[str], *,
                     initial: ActiveSet | None = None, tol: float = MAXVOL_TOL) -> ActiveSet:
    """MaxVol active set (neighbourhood mode) from the per-site gradient rows of ``images``, starting from
    ``initial`` or, without one, from INIT_VALUE * I as MLIP does.

    With fewer independent rows than parameters (small data, or parameters the data never excite, such as the
    radial functions of a species pair that never meet) some starting rows stay, marked cfg_index -1, and
    a new atom along their directions grades ~|b|/INIT_VALUE: extrapolation. Afterwards every atom of
    ``images`` grades <= tol. ``configs`` of the result is ``initial.configs + images``; cfg_index points there.
    """
    images = list(images)
    n = n_params(potential_text(mtp_path))
    gradients = site_gradients(mtp_path, images, species) if images else []
    if initial is not None:
        if initial.n != n:
            raise ConfigurationError(f"the initial active set has {initial.n} rows but {mtp_path} has {n} "
                                     "parameters: it belongs to another potential")
        if initial.species is not None and tuple(initial.species) != tuple(species):
            raise ConfigurationError(f"the initial active set was built for species {list(initial.species)}, "
                                     f"not {list(species)}")
        if not initial.neighbourhood_mode():
            raise ConfigurationError("the initial active set is not in neighbourhood mode (site_en_weight 1, "
                                     f"energy_weight 0): {initial.weights}")
        A0 = initial.A
        cfg_index, eqn_index, atom_index = (initial.cfg_index.copy(), initial.eqn_index.copy(),
                                            initial.atom_index.copy())
        configs = list(initial.configs)
    else:
        A0 = INIT_VALUE * np.eye(n)
        cfg_index, eqn_index, atom_index = np.full(n, -1), np.full(n, -1), np.full(n, -1)
        configs = []
    offset = len(configs)
    rows = np.vstack(gradients) if gradients else np.zeros((0, n))
    owner = np.concatenate([np.full(len(g), k) for k, g in enumerate(gradients)]).astype(int) if gradients \
        else np.zeros(0, int)
    atom = np.concatenate([np.arange(len(g)) for g in gradients]).astype(int) if gradients else np.zeros(0, int)
    A, inv, slot = swap_in(A0, rows, tol, initial.inv_A if initial is not None else np.eye(n) / INIT_VALUE)
    new = slot >= 0
    cfg_index[new] = offset + owner[slot[new]]
    atom_index[new] = atom[slot[new]]
    eqn_index[new] = np.array([3 * len(images[owner[i]]) + 10 + atom[i] for i in slot[new]], dtype=int)
    return ActiveSet(A=A, inv_A=inv, weights=dict(NBH_WEIGHTS), cfg_index=cfg_index, eqn_index=eqn_index,
                     atom_index=atom_index, configs=configs + images, species=tuple(species))


def select(active_set: ActiveSet, candidate_gradients: Sequence[np.ndarray], cap: int, *,
           min_grade: float = 1.0, tol: float = MAXVOL_TOL) -> list[int]:
    """Indices of the candidate configurations (per-site gradient matrices) to label, at most ``cap``.

    Greedy D-optimal choice: take the candidate with the largest grade, swap its rows into (a copy of) the
    active set by MaxVol, regrade the rest, repeat. A candidate that the earlier choices already cover (e.g. a
    near-copy of one chosen) drops to grade <= 1 and is left out. Candidates graded <= ``min_grade`` (>= 1)
    against the given active set are never chosen.
    """
    return greedy_select({0: (active_set.A, active_set.inv_A)}, [{0: g} for g in candidate_gradients], cap,
                         min_grade=min_grade, tol=tol)


# ---- writing the state ----------------------------------------------------------------------------------------------


def write_almtp(mtp_path: str | Path, active_set: ActiveSet, images: Sequence[Atoms] | None,
                out_path: str | Path, *, species: Sequence[str] | None = None) -> Path:
    """Write the potential of ``mtp_path`` with ``active_set`` as an MLIP-3 ``.almtp`` (spec 9.3).

    ``images``: the configurations ``active_set.cfg_index`` points to (None: ``active_set.configs``); only
    those that own a row are stored, renumbered in order. ``species`` (default: the set's) types the atoms.
    """
    text = potential_text(mtp_path)
    n = n_params(text)
    if n != active_set.n:
        raise ConfigurationError(f"the active set has {active_set.n} rows but {mtp_path} has {n} parameters")
    configs = list(active_set.configs if images is None else images)
    species = tuple(species) if species is not None else active_set.species
    used = sorted({int(c) for c in active_set.cfg_index if c >= 0})
    if used and used[-1] >= len(configs):
        raise ConfigurationError(f"the active set's rows point to configuration {used[-1]}, but only "
                                 f"{len(configs)} were given")
    renumber = {c: k for k, c in enumerate(used)}

    out = bytearray()
    out += (text.rstrip("\n") + "\n" + MARKER + "\n").encode()
    weights = {**NBH_WEIGHTS, **active_set.weights}
    for key in _WEIGHT_KEYS[:4]:
        out += f"{key} {weights[key]:.16e}\n".encode()
    scaling = weights["weight_scaling"]
    out += f"weight_scaling {int(scaling) if float(scaling).is_integer() else scaling}\n#".encode()
    out += np.ascontiguousarray(active_set.A, dtype="<f8").tobytes()
    out += np.ascontiguousarray(active_set.inv_A.T, dtype="<f8").tobytes()     # MLIP stores (A^-1)^T
    out += b"\n#\n"
    for c, e in zip(active_set.cfg_index, active_set.eqn_index):
        out += (f"{renumber[int(c)]} {int(e)}\n" if c >= 0 else "-1 -1\n").encode()
    out += b"#\n"
    for c in used:
        inds = sorted(int(e) for cc, e in zip(active_set.cfg_index, active_set.eqn_index) if cc == c)
        cfg = configs[c]
        block = cfg if isinstance(cfg, str) else cfg_text(cfg, species)
        selected = f" Feature   selected_eqn_inds\t{','.join(map(str, inds))}\n"
        out += (block.replace("END_CFG\n", selected + "END_CFG\n") + "\n").encode()
    out_path = Path(out_path)
    out_path.write_bytes(bytes(out))
    return out_path


def cfg_text(atoms: Atoms, species: Sequence[str] | None) -> str:
    """One MLIP cfg block at full precision (type = index in ``species``), with energy, forces and
    PlusStress (= -stress * volume) when a calculator holds them, and scalar ``atoms.info`` as features."""
    if species is None:
        raise ConfigurationError("writing configurations needs the potential's species (element per type)")
    if any(atoms.pbc) and not all(atoms.pbc):
        raise ConfigurationError(f"MLIP cfg files have no partial periodicity; this configuration has "
                                 f"pbc={list(atoms.pbc)}")
    species = list(species)
    types = [species.index(s) for s in atoms.get_chemical_symbols()]
    results = atoms.calc.results if atoms.calc is not None else {}
    forces = results.get("forces")

    def num(values) -> str:
        return " ".join(f"{v:.16e}" for v in values)

    lines = ["BEGIN_CFG", " Size", f"    {len(atoms)}"]
    if all(atoms.pbc):
        lines += [" Supercell"] + [f"    {num(v)}" for v in atoms.cell]
    header = " AtomData:  id type       cartes_x      cartes_y      cartes_z"
    lines.append(header + ("           fx          fy          fz" if forces is not None else ""))
    for i, (t, p) in enumerate(zip(types, atoms.positions)):
        lines.append(f"    {i + 1} {t}  {num(p)}" + (f"  {num(forces[i])}" if forces is not None else ""))
    energy = results.get("energy", results.get("free_energy"))
    if energy is not None:
        lines += [" Energy", f"    {float(energy):.16e}"]
    stress = results.get("stress")
    if stress is not None and all(atoms.pbc):
        stress = np.asarray(stress, float)
        voigt = stress if stress.shape == (6,) else stress.reshape(3, 3)[[0, 1, 2, 1, 0, 0], [0, 1, 2, 2, 2, 1]]
        lines += [" PlusStress:  xx          yy          zz          yz          xz          xy",
                  f"     {num(-voigt * atoms.get_volume())}"]
    for key, value in atoms.info.items():
        if isinstance(value, (str, int, float)) and not isinstance(value, bool) and key != "selected_eqn_inds":
            value = str(value)
            if value and not any(ch.isspace() for ch in value + str(key)):
                lines.append(f" Feature   {key}\t{value}")
    return "\n".join(lines + ["END_CFG"]) + "\n"
