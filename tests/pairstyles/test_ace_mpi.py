"""`mpirun -np 2 lmp -in deck` gives the same energy, forces, per-atom energies, virial and grades as one
rank for sei/ace. The decks have no `plugin load` line: the venv's `lmp` finds the plugin by itself
(the development build named by SEI_LMP_PLUGIN, if set)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

MPIRUN = Path(sys.executable).parent / "mpirun"
LMP = Path(sys.executable).parent / "lmp"

DECK = """
units metal
atom_style atomic
read_data {data}
replicate {rep}
displace_atoms all random 0.08 0.08 0.08 {seed} units box
pair_style sei/ace {style_args}
pair_coeff * * {potential} {elements}
{extra}
compute pe_atom all pe/atom
compute virial all pressure NULL virial
thermo_style custom step pe c_virial[*]
thermo_modify format float %.17g
dump forces all custom 1 forces.dump id fx fy fz c_pe_atom {dump_extra}
dump_modify forces sort id format float %.17g
run 0
"""

pytestmark = pytest.mark.skipif(not (MPIRUN.is_file() and LMP.is_file()), reason="mpirun/lmp not in this venv")


def run_deck(tmp_path: Path, nprocs: int, **fields) -> dict:
    work = tmp_path / f"np{nprocs}"
    work.mkdir()
    (work / "in.deck").write_text(DECK.format(**fields))
    proc = subprocess.run([str(MPIRUN), "-np", str(nprocs), str(LMP), "-in", "in.deck", "-log", "log.lammps"],
                          cwd=work, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    log = proc.stdout.splitlines()
    header = next(k for k, line in enumerate(log) if line.split()[:2] == ["Step", "PotEng"])
    thermo = np.array(log[header + 1].split(), float)
    assert f"on {nprocs} procs" in proc.stdout
    dump = np.loadtxt(work / "forces.dump", skiprows=9)
    return {"energy": thermo[1], "virial": thermo[2:8], "dump": dump}


@pytest.mark.mpi
@pytest.mark.parametrize(
    ("structure", "potential", "elements", "rep", "style_args", "extra", "dump_extra"),
    [
        ("AgCu_fcc32", "DFT10B-AgCu.yace", "Ag Cu", "2 2 1", "", "", ""),
        ("AlCuZn_fcc32", "AlCuZn.yace", "Al Cu Zn", "2 1 1", "", "", ""),       # per-species ndensity
        ("Cu_short32", "Cu-I_zbl-variant.yace", "Cu", "1 1 2", "", "", ""),
        ("Cu_fcc32", "Cu-I.yace", "Cu", "2 1 1", "activeset {pots}/Cu-I.yaml {pots}/Cu-I.asi",
         "fix grade all pair 1 sei/ace gamma 1", "f_grade"),
    ],
)
def test_two_ranks_equal_one(structure, potential, elements, rep, style_args, extra, dump_extra, reference_dir,
                             tmp_path):
    pots = reference_dir / "ace" / "potentials"
    fields = dict(data=reference_dir / "ace" / "structures" / f"{structure}.lammps-data", rep=rep, seed=8675309,
                  potential=pots / potential, elements=elements, style_args=style_args.format(pots=pots),
                  extra=extra, dump_extra=dump_extra)
    one = run_deck(tmp_path, 1, **fields)
    two = run_deck(tmp_path, 2, **fields)
    assert one["energy"] == pytest.approx(two["energy"], rel=1e-12, abs=1e-10)
    np.testing.assert_allclose(two["virial"], one["virial"], rtol=1e-10, atol=1e-6)   # bar
    np.testing.assert_array_equal(two["dump"][:, 0], one["dump"][:, 0])
    np.testing.assert_allclose(two["dump"][:, 1:4], one["dump"][:, 1:4], rtol=0, atol=1e-9)
    np.testing.assert_allclose(two["dump"][:, 4:], one["dump"][:, 4:], rtol=1e-9, atol=1e-10)
    assert np.abs(one["dump"][:, 1:4]).max() > 0.1
