"""`mpirun -np 2 lmp` gives the same sei/mace energy, forces, per-atom energies, virial and committee gamma as
one rank: ghost atoms reach num_interactions x r_max and their forces go back to their owners. The decks have
no `plugin load` line: the venv's `lmp` finds both plugins by itself."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import mace_models as mm
from sei_lmp.run.plugin import mace_available

MPIRUN = Path(sys.executable).parent / "mpirun"
LMP = Path(sys.executable).parent / "lmp"

DECK = """
units metal
atom_style atomic
read_data {data}
pair_style sei/mace {options}
pair_coeff * * {model} Li F S
{fix}
compute pe_atom all pe/atom
compute virial all pressure NULL virial
thermo_style custom step pe c_virial[*]
thermo_modify format float %.17g
dump forces all custom 1 forces.dump id fx fy fz c_pe_atom {dump_gamma}
dump_modify forces sort id format float %.17g
run 0
undump forces
velocity all create 600 4928459 mom yes
run 4
"""

pytestmark = [
    pytest.mark.skipif(not mace_available(), reason=mm.SKIP_REASON),
    pytest.mark.skipif(not (MPIRUN.is_file() and LMP.is_file()), reason="mpirun/lmp not in this venv"),
    pytest.mark.mpi,
    pytest.mark.slow,
]


@pytest.fixture(scope="session")
def models(tmp_path_factory):
    base = tmp_path_factory.getbasetemp() / "mace_models"
    return mm.cached_model(base, "m1", r_max=4.5, seed=1)[1], mm.cached_model(base, "m2", r_max=4.5, seed=2)[1]


def run_deck(work: Path, nprocs: int, **fields):
    work.mkdir()
    (work / "in.deck").write_text(DECK.format(**fields))
    return subprocess.run([str(MPIRUN), "-np", str(nprocs), str(LMP), "-in", "in.deck", "-log", "log.lammps"],
                          cwd=work, capture_output=True, text=True, timeout=400)


def parse(work: Path, proc) -> dict:
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    log = proc.stdout.splitlines()
    headers = [k for k, line in enumerate(log) if line.split()[:2] == ["Step", "PotEng"]]
    first = np.array(log[headers[0] + 1].split(), float)
    end = next(k for k in range(headers[1], len(log)) if log[k].startswith("Loop time"))
    last = np.array(log[end - 1].split(), float)
    assert last[0] == 4
    return {"energy": first[1], "virial": first[2:8], "dump": np.loadtxt(work / "forces.dump", skiprows=9),
            "energy_after_md": last[1]}


def test_two_ranks_equal_one(models, tmp_path):
    atoms = mm.to_lammps_frame(mm.random_cell(["Li"] * 40 + ["F"] * 24 + ["S"] * 8,
                                              [[10.5, 0, 0], [0.9, 9.8, 0], [-0.6, 0.4, 9.6]], seed=7))
    data = tmp_path / "cell.data"
    mm.write_lammps_data(atoms, data, ("Li", "F", "S"))
    fields = dict(data=data, model=models[0], options=f"committee {models[1]}",
                  fix="fix gamma all pair 1 sei/mace gamma 1", dump_gamma="f_gamma")
    one_proc = run_deck(tmp_path / "np1", 1, **fields)
    two_proc = run_deck(tmp_path / "np2", 2, **fields)
    one, two = parse(tmp_path / "np1", one_proc), parse(tmp_path / "np2", two_proc)
    assert "on 2 procs" in two_proc.stdout and "on 1 procs" in one_proc.stdout
    assert "ghost cutoff set to 11" in one_proc.stdout    # 2 interactions x 4.5 A + 2 A skin
    assert one["energy"] == pytest.approx(two["energy"], rel=1e-12)
    np.testing.assert_allclose(two["virial"], one["virial"], rtol=1e-9, atol=1e-6)    # bar
    np.testing.assert_array_equal(two["dump"][:, 0], one["dump"][:, 0])
    np.testing.assert_allclose(two["dump"][:, 1:4], one["dump"][:, 1:4], rtol=0, atol=1e-10)
    np.testing.assert_allclose(two["dump"][:, 4:], one["dump"][:, 4:], rtol=1e-10, atol=1e-12)
    assert np.abs(one["dump"][:, 1:4]).max() > 0.05 and one["dump"][:, 5].min() > 1e-4
    assert one["energy_after_md"] == pytest.approx(two["energy_after_md"], rel=1e-10)


def test_no_domain_decomposition_refuses_two_ranks(models, tmp_path):
    atoms = mm.to_lammps_frame(mm.random_cell(["Li"] * 8 + ["F"] * 8, np.eye(3) * 7.0, seed=3))
    data = tmp_path / "cell.data"
    mm.write_lammps_data(atoms, data, ("Li", "F", "S"))
    proc = run_deck(tmp_path / "np2", 2, data=data, model=models[0], options="no_domain_decomposition", fix="",
                    dump_gamma="")
    assert proc.returncode != 0
    assert ("no_domain_decomposition runs on one MPI rank only, but there are 2; drop the keyword"
            in proc.stdout + proc.stderr)
