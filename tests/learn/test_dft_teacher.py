"""The DFT labelling route: inputs both codes can read, a job array that skips finished tasks, results read
back through ASE's own output readers (from outputs written here in the codes' formats), clear refusals."""

from __future__ import annotations

import shutil
import subprocess
import warnings

import numpy as np
import pytest
from ase import Atoms
from ase.io import read, write
from ase.units import GPa, create_units

from sei_lmp.errors import ConfigurationError
from sei_lmp.learn import dft
from sei_lmp.learn.dft import DFTSettings, collect, prepare, status
from sei_lmp.training import teacher as teacher_mod
from fake_pw import pw_output

QE_UNITS = create_units("2006")  # what pw.x (and ase's reader of it) uses
UPF = {"Li": "Li.pbe-sl.UPF", "H": "H.pbe-rrkjus.UPF", "O": "O.pbe-n-kjpaw.UPF"}
POTCARS = ("Li_sv", "H", "O")  # ase's 'recommended' setups for Li, H, O


def frames() -> list[Atoms]:
    """A small periodic cell with the species interleaved (VASP sorts them), a cluster in a box with an id,
    and a third cell."""
    rng = np.random.default_rng(3)
    a = Atoms("OLiHLi", positions=[[0.1, 0.2, 0.3], [1.9, 0.1, 0.2], [0.9, 1.1, 0.4], [0.2, 1.8, 2.1]],
              cell=[4.0, 4.2, 4.1], pbc=True)
    b = Atoms("LiOH", positions=[[5.0, 5.0, 5.0], [6.7, 5.1, 5.0], [7.4, 5.8, 5.2]], cell=[10.0, 10.0, 10.0],
              pbc=False)
    b.info["config_id"] = "c0ffee0123456789"
    b.info["config_type"] = "cluster"
    c = a.copy()
    c.positions += rng.normal(scale=0.05, size=c.positions.shape)
    c.cell[0, 1] = 0.3
    return [a, b, c]


@pytest.fixture
def potcars(tmp_path, monkeypatch):
    root = tmp_path / "pp"
    for name in POTCARS:
        folder = root / "potpaw_PBE" / name
        folder.mkdir(parents=True)
        (folder / "POTCAR").write_text(f"  PAW_PBE {name} 01Jan2000\n   1.00000000000000\n"
                                       f" parameters from PSCTR are:\n   TITEL  = PAW_PBE {name} 01Jan2000\n"
                                       " End of Dataset\n")
    monkeypatch.setenv("VASP_PP_PATH", str(root))
    return root


def vasp_settings(**changes) -> DFTSettings:
    base = dict(code="vasp", command="srun vasp_std", parameters={"encut": 520, "ediff": 1e-6, "ismear": 0,
                                                                   "sigma": 0.05},
                kspacing=0.3, slurm={"partition": "cpu", "time": "02:00:00", "ntasks": 64})
    base.update(changes)
    return DFTSettings(**base)


def qe_settings(**changes) -> DFTSettings:
    base = dict(code="espresso", command="srun pw.x -in espresso.pwi",
                parameters={"ecutwfc": 45, "system": {"occupations": "smearing", "degauss": 0.01},
                            "conv_thr": 1e-8},
                pseudopotentials=UPF, kspacing=0.3, slurm={"partition": "cpu", "nodes": 1})
    base.update(changes)
    return DFTSettings(**base)


def incar_tags(path) -> dict[str, str]:
    tags = {}
    for line in path.read_text().splitlines():
        line = line.split("#")[0]
        if "=" in line:
            key, value = line.split("=", 1)
            tags[key.strip().upper()] = value.strip()
    return tags


def same_atoms_any_order(x: Atoms, y: Atoms, atol=1e-6) -> bool:
    def rows(a):
        return np.array(sorted(np.column_stack([a.numbers, a.positions]).tolist()))
    return len(x) == len(y) and np.allclose(rows(x), rows(y), atol=atol)


def file_order(written: Atoms, frame: Atoms) -> np.ndarray:
    """Index in ``frame`` of each atom of ``written`` (matched by species and position, independently of dft)."""
    out = []
    for z, p in zip(written.numbers, written.positions):
        d = np.linalg.norm(frame.positions - p, axis=1) + 1e3 * (frame.numbers != z)
        out.append(int(np.argmin(d)))
    return np.array(out)


# ------------------------------------------------------------------------------------- fake code outputs

def vasprun(written: Atoms, e_fr: float, e_0: float, forces, stress_kbar, *, nelm=60, scsteps=8) -> str:
    """A vasprun.xml of a single point, in VASP's layout, for the atoms as VASP read them (POSCAR order)."""
    def varray(name, rows, fmt="{:16.8f}"):
        body = "".join("   <v>" + " ".join(fmt.format(x) for x in r) + " </v>\n" for r in rows)
        return f'  <varray name="{name}" >\n{body}  </varray>\n'

    def energy(fr, e0):
        return (f'   <energy>\n    <i name="e_fr_energy">{fr:16.8f} </i>\n    <i name="e_wo_entrp">{e0:16.8f} </i>\n'
                f'    <i name="e_0_energy">{e0:16.8f} </i>\n   </energy>\n')

    symbols = written.get_chemical_symbols()
    types = {s: k + 1 for k, s in enumerate(dict.fromkeys(symbols))}
    structure = ("  <crystal>\n" + varray("basis", written.cell)
                 + f'   <i name="volume">{written.cell.volume:16.8f} </i>\n'
                 "  </crystal>\n" + varray("positions", written.get_scaled_positions(wrap=False)))
    steps = "".join(f"  <scstep>\n{energy(e_fr + 0.5 / (k + 1), e_0 + 0.5 / (k + 1))}  </scstep>\n"
                    for k in range(scsteps - 1)) + f"  <scstep>\n{energy(e_fr, e_0)}  </scstep>\n"
    return ('<?xml version="1.0" encoding="ISO-8859-1"?>\n<modeling>\n'
            ' <generator>\n  <i name="program" type="string">vasp </i>\n  <i name="version" type="string">6.4.2 </i>\n'
            ' </generator>\n'
            ' <incar>\n  <i type="string" name="PREC">accurate</i>\n </incar>\n'
            ' <kpoints>\n' + varray("kpointlist", [[0, 0, 0]]) + varray("weights", [[1.0]]) + ' </kpoints>\n'
            ' <parameters>\n  <separator name="electronic" >\n'
            f'   <i type="int" name="NELM">{nelm:6d}</i>\n'
            '   <i name="EDIFF">      0.00000100</i>\n  </separator>\n </parameters>\n'
            f' <atominfo>\n  <atoms>{len(written)}</atoms>\n  <types>{len(types)}</types>\n'
            '  <array name="atoms" >\n   <dimension dim="1">ion</dimension>\n'
            '   <field type="string">element</field>\n   <field type="int">atomtype</field>\n   <set>\n'
            + "".join(f"    <rc><c>{s:2s}</c><c>{types[s]:4d}</c></rc>\n" for s in symbols)
            + '   </set>\n  </array>\n </atominfo>\n'
            ' <structure name="initialpos" >\n' + structure + ' </structure>\n'
            ' <calculation>\n' + steps
            + ' <structure>\n' + structure + ' </structure>\n'
            + varray("forces", forces) + varray("stress", stress_kbar)
            + energy(e_fr, e_0) + ' </calculation>\n'
            ' <structure name="finalpos" >\n' + structure + ' </structure>\n</modeling>\n')


# ----------------------------------------------------------------------------------------------- prepare

def test_prepare_vasp_writes_readable_inputs_and_an_array(tmp_path, potcars):
    images = frames()
    settings = vasp_settings()
    paths = prepare(images, tmp_path / "dft", settings)
    assert [p.name for p in paths] == ["task_0000", "task_c0ffee0123456789", "task_0002"]
    for atoms, path in zip(images, paths):
        poscar = read(path / "POSCAR", format="vasp")
        assert same_atoms_any_order(poscar, atoms)  # same species and positions (VASP groups species)
        np.testing.assert_allclose(poscar.cell.array, atoms.cell.array, atol=1e-8)
        tags = incar_tags(path / "INCAR")
        assert float(tags["ENCUT"]) == 520 and float(tags["EDIFF"]) == pytest.approx(1e-6)
        assert int(tags["NSW"]) == 0
        assert tags["GGA"].upper() == "PE"  # PBE unless the parameters say otherwise
        if atoms.pbc.all():
            assert float(tags["KSPACING"]) == pytest.approx(0.3)
            assert not (path / "KPOINTS").exists()
        else:  # the cluster: an explicit Gamma-centred mesh, Gamma only
            assert "KSPACING" not in tags
            kpoints = (path / "KPOINTS").read_text().splitlines()
            assert kpoints[2].strip().lower().startswith("g") and kpoints[3].split() == ["1", "1", "1"]
        # the POTCAR is the library's, one per species block in POSCAR's order
        blocks = [line.split()[-2] for line in (path / "POTCAR").read_text().splitlines() if "TITEL" in line]
        species = list(dict.fromkeys(poscar.get_chemical_symbols()))
        assert [b.split("_")[0] for b in blocks] == species
        assert ("Li_sv" in blocks) == ("Li" in species)
    assert read(paths[0] / "POSCAR").get_chemical_symbols() == ["O", "Li", "Li", "H"]  # grouped by species

    script = (tmp_path / "dft" / "submit.sh").read_text()
    assert script.startswith("#!/bin/bash")
    assert "#SBATCH --array=0-2\n" in script
    for line in ("#SBATCH --partition=cpu", "#SBATCH --time=02:00:00", "#SBATCH --ntasks=64"):
        assert line + "\n" in script
    assert "\nsrun vasp_std\n" in script
    assert script.index("task_0000") < script.index("task_c0ffee0123456789") < script.index("task_0002")
    index = read(tmp_path / "dft" / "frames.extxyz", index=":")
    assert len(index) == 3 and index[1].info["config_type"] == "cluster"
    assert all(a.calc is None or not a.calc.results for a in index)


def test_prepare_espresso_writes_pseudos_kgrid_and_positions(tmp_path):
    images = frames()
    paths = prepare(images, tmp_path / "dft", qe_settings())
    for atoms, path in zip(images, paths):
        back = read(path / "espresso.pwi", format="espresso-in")
        assert back.get_chemical_symbols() == atoms.get_chemical_symbols()  # pw.x keeps the order
        np.testing.assert_allclose(back.positions, atoms.positions, atol=1e-8)
        np.testing.assert_allclose(back.cell.array, atoms.cell.array, atol=1e-8)
        text = (path / "espresso.pwi").read_text()
        for element in set(atoms.get_chemical_symbols()):
            assert UPF[element] in text
        assert "calculation      = 'scf'" in text and "ecutwfc          = 45" in text
        assert "tprnfor          = .true." in text and "tstress          = .true." in text
        assert "conv_thr" in text and "degauss" in text
    # VASP's KSPACING rule: ceil(2 pi |b| / 0.3): a 4.0 x 4.2 x 4.1 A cell -> 6 5 6; the non-periodic cluster
    # -> Gamma only (periodic, its 10 A box would get 3 3 3)
    assert "K_POINTS automatic\n6 5 6  0 0 0" in (paths[0] / "espresso.pwi").read_text()
    assert "K_POINTS gamma" in (paths[1] / "espresso.pwi").read_text()
    assert dft.kpoint_grid(images[0], 0.3) == (6, 5, 6)
    assert dft.kpoint_grid(images[1], 0.3) == (1, 1, 1)
    slab = images[1].copy()
    slab.pbc = [True, True, False]
    assert dft.kpoint_grid(slab, 0.3) == (3, 3, 1) and dft.kpoint_grid(slab, 0.7) == (1, 1, 1)
    script = (tmp_path / "dft" / "submit.sh").read_text()
    assert "#SBATCH --array=0-2\n" in script and "#SBATCH --nodes=1\n" in script
    assert "srun pw.x -in espresso.pwi\n} > espresso.pwo" in script


def test_duplicate_frames_share_a_task(tmp_path):
    images = frames()
    paths = prepare([images[0], images[0].copy(), images[1]], tmp_path / "dft", qe_settings())
    assert paths[0] == paths[1] != paths[2]
    assert "#SBATCH --array=0-1\n" in (tmp_path / "dft" / "submit.sh").read_text()


# --------------------------------------------------------------------------------------- collect / status

def test_collect_espresso_reads_pw_output_back(tmp_path):
    images = frames()
    directory = tmp_path / "dft"
    paths = prepare(images, directory, qe_settings())
    rng = np.random.default_rng(0)
    forces = rng.normal(scale=0.01, size=(len(images[0]), 3))
    stress = np.array([[1e-5, 2e-6, 0], [2e-6, -3e-5, 1e-6], [0, 1e-6, 4e-6]])
    (paths[0] / "espresso.pwo").write_text(pw_output(images[0], -45.25, forces, stress))
    (paths[2] / "espresso.pwo").write_text(pw_output(images[2], -45.0, forces, stress, complete=False))

    labelled, problems = collect(directory)
    assert len(labelled) == 1
    got = labelled[0]
    assert got.info["config_id"] == teacher_mod.config_id(images[0])
    assert got.info["labelled_by"] == "dft:espresso"
    assert got.get_potential_energy() == pytest.approx(-45.25 * QE_UNITS["Ry"], abs=1e-6)
    np.testing.assert_allclose(got.get_forces(), forces * QE_UNITS["Ry"] / QE_UNITS["Bohr"], atol=1e-6)
    voigt = -stress.reshape(9)[[0, 4, 8, 5, 2, 1]] * QE_UNITS["Ry"] / QE_UNITS["Bohr"] ** 3  # ase's sign
    np.testing.assert_allclose(got.get_stress(), voigt, rtol=1e-6, atol=1e-12)
    np.testing.assert_allclose(got.positions, images[0].positions, atol=1e-8)
    assert problems[0].startswith("task_c0ffee0123456789: pending") and "no output" in problems[0]
    assert problems[1].startswith("task_0002: failed") and "no converged total energy" in problems[1]
    assert len(problems) == 2
    assert status(directory) == {"done": 1, "pending": 1, "failed": 1}

    # what submit.sh left tells a running task from a killed one
    (paths[2] / ".sei_started").write_text("job 123_2 on node7 at now\n")
    _, problems = collect(directory)
    assert problems[1].startswith("task_0002: pending") and "running" in problems[1] and "job 123_2" in problems[1]
    (paths[2] / ".sei_exit").write_text("143\n")
    _, problems = collect(directory)
    assert problems[1].startswith("task_0002: failed") and "status 143 (SIGTERM: time limit" in problems[1]

    # pw.x giving up on the scf is a failure that says so
    unconverged = pw_output(images[1], -30.0, forces[:3], stress).replace(
        "     convergence has been achieved in   9 iterations",
        "     convergence NOT achieved after 100 iterations: stopping")
    (paths[1] / "espresso.pwo").write_text(unconverged)
    _, problems = collect(directory)
    assert problems[0].startswith("task_c0ffee0123456789: failed") and "did not converge" in problems[0]


def test_collect_vasp_reads_vasprun_back_in_frame_order(tmp_path, potcars):
    images = frames()
    directory = tmp_path / "dft"
    paths = prepare(images, directory, vasp_settings())
    rng = np.random.default_rng(1)
    forces = rng.normal(scale=0.1, size=(len(images[0]), 3))  # in the frame's atom order
    stress_kbar = np.array([[5.0, 1.0, 0.0], [1.0, -3.0, 0.5], [0.0, 0.5, 2.0]])
    written = read(paths[0] / "POSCAR", format="vasp")
    order = file_order(written, images[0])
    assert sorted(order) == list(range(len(images[0]))) and list(order) != list(range(len(images[0])))
    (paths[0] / "vasprun.xml").write_text(vasprun(written, -20.5, -20.48, forces[order], stress_kbar))
    # task 1: SCF hit NELM; task 2: killed while writing
    written1 = read(paths[1] / "POSCAR", format="vasp")
    (paths[1] / "vasprun.xml").write_text(vasprun(written1, -9.0, -9.0, np.zeros((3, 3)), stress_kbar,
                                                  nelm=5, scsteps=5))
    written2 = read(paths[2] / "POSCAR", format="vasp")
    full = vasprun(written2, -20.0, -20.0, forces, stress_kbar)
    (paths[2] / "vasprun.xml").write_text(full[:full.index("</scstep>") + 20])

    labelled, problems = collect(directory)
    assert len(labelled) == 1
    got = labelled[0]
    assert got.get_chemical_symbols() == images[0].get_chemical_symbols()
    assert got.get_potential_energy() == pytest.approx(-20.5)  # the force-consistent (free) energy
    np.testing.assert_allclose(got.get_forces(), forces, atol=1e-7)  # VASP's species sorting undone
    voigt = -0.1 * GPa * stress_kbar.reshape(9)[[0, 4, 8, 5, 2, 1]]
    np.testing.assert_allclose(got.get_stress(), voigt, rtol=1e-7)
    assert got.info["labelled_by"] == "dft:vasp" and got.info["config_id"] == teacher_mod.config_id(images[0])
    assert problems[0].startswith("task_c0ffee0123456789: failed") and "did not converge" in problems[0]
    assert "NELM = 5" in problems[0]
    assert problems[1].startswith("task_0002: failed") and "incomplete" in problems[1]
    assert status(directory) == {"done": 1, "pending": 0, "failed": 2}


def test_collected_frames_follow_the_teacher_label_file_conventions(tmp_path):
    images = frames()
    directory = tmp_path / "dft"
    paths = prepare(images[:2], directory, qe_settings())
    forces = np.zeros((4, 3))
    (paths[0] / "espresso.pwo").write_text(pw_output(images[0], -45.25, forces, np.zeros((3, 3))))
    labelled, _ = collect(directory)
    labels = tmp_path / "labels.extxyz"
    write(labels, labelled, format="extxyz")

    class NeverCalled:
        def get_potential_energy(self, atoms=None):
            raise AssertionError("a DFT-labelled frame was relabelled")

    again = teacher_mod.label(images[:1], NeverCalled(), labels, progress=False)  # cached by config_id
    assert again[0].get_potential_energy() == pytest.approx(labelled[0].get_potential_energy())
    back = teacher_mod.read_labels(labels)
    assert back[0].info["labelled_by"] == "dft:espresso"
    teacher_mod.check_labelled(back, ["Li", "H", "O"], "MACE")


# ------------------------------------------------------------------------------------------------- resume

def test_prepare_again_keeps_started_task_directories(tmp_path, potcars):
    images = frames()
    directory = tmp_path / "dft"
    paths = prepare(images, directory, vasp_settings())
    (paths[0] / "vasprun.xml").write_text("<modeling> finished </modeling>\n")
    (paths[0] / "INCAR").write_text("ENCUT = 400  # what this task ran with\n")
    before = {p.name: p.read_bytes() for p in paths[0].iterdir()}

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # same settings: nothing to warn about
        assert prepare(images, directory, vasp_settings()) == paths
    assert {p.name: p.read_bytes() for p in paths[0].iterdir()} == before  # untouched

    with pytest.warns(UserWarning, match="other DFT settings"):  # task_0000 ran with ENCUT 520
        again = prepare(images, directory, vasp_settings(parameters={"encut": 600, "ediff": 1e-6}))
    assert again == paths
    assert {p.name: p.read_bytes() for p in paths[0].iterdir()} == before  # untouched
    assert float(incar_tags(paths[1] / "INCAR")["ENCUT"]) == 600  # not started: inputs rewritten

    other = [a.copy() for a in images]
    other[0].positions[0] += 0.3  # task_0000 would now be another configuration
    other[2].positions[0] += 0.3
    untouched = (paths[2] / "POSCAR").read_bytes()
    with pytest.raises(ConfigurationError, match="holds outputs .* of another configuration"):
        prepare(other, directory, vasp_settings())
    assert (paths[2] / "POSCAR").read_bytes() == untouched  # refused before writing anything
    with pytest.raises(ConfigurationError, match="holds a vasp labelling"):
        prepare(images, directory, qe_settings())


def test_submit_script_runs_a_task_and_skips_it_once_finished(tmp_path):
    if shutil.which("bash") is None:
        pytest.skip("no bash")
    images = frames()
    fake = tmp_path / "fake.pwo"
    fake.write_text(pw_output(images[0], -45.25, np.zeros((4, 3)), np.zeros((3, 3))))
    directory = tmp_path / "dft"
    paths = prepare(images, directory, qe_settings(command=f"test -f espresso.pwi && cat {fake}"))
    script = directory / "submit.sh"

    run = subprocess.run(["bash", str(script), "0"], capture_output=True, text=True, cwd=tmp_path, timeout=20,
                         env={"PATH": "/usr/bin:/bin"})
    assert run.returncode == 0, run.stderr
    assert (paths[0] / "espresso.pwo").read_text() == fake.read_text()
    assert (paths[0] / ".sei_exit").read_text().strip() == "0"
    assert status(directory) == {"done": 1, "pending": 2, "failed": 0}

    fake.write_text("changed\n")
    run = subprocess.run(["bash", str(script), "0"], capture_output=True, text=True, timeout=20,
                         env={"PATH": "/usr/bin:/bin"})
    assert run.returncode == 0 and "finished already, skipped" in run.stdout
    assert "JOB DONE" in (paths[0] / "espresso.pwo").read_text()  # not rerun

    # a command that fails: the task is failed, with the exit status
    run = subprocess.run(["bash", str(script), "1"], capture_output=True, text=True, timeout=20,
                         env={"PATH": "/usr/bin:/bin"})
    assert run.returncode == 0  # `cat changed-file` succeeded but wrote no pw.x output
    _, problems = collect(directory)
    assert any(p.startswith("task_c0ffee0123456789: failed") and "exited with status 0" in p for p in problems)
    bad = subprocess.run(["bash", str(script), "3"], capture_output=True, text=True, timeout=20,
                         env={"PATH": "/usr/bin:/bin"})
    assert bad.returncode == 2 and "out of range" in bad.stderr


# ------------------------------------------------------------------------------------------------ refusals

@pytest.mark.parametrize("changes, message", [
    ({"code": "castep"}, "unknown DFT code 'castep'"),
    ({"command": "  "}, "command is empty"),
    ({"kspacing": 0}, "kspacing must be a positive number"),
    ({"kspacing": -0.2}, "kspacing must be a positive number"),
    ({"kspacing": float("nan")}, "kspacing must be a positive number"),
    ({"command": "srun pw.x -in pw.in"}, "does not read espresso.pwi"),
    ({"command": "srun pw.x -in espresso.pwi > out.txt"}, "redirects its standard output"),
    ({"parameters": {"ecutwfc": 40, "kpts": (2, 2, 2)}}, "k-points come from DFTSettings.kspacing"),
    ({"parameters": {"ecutwfc": 40, "calculation": "relax"}}, "single point"),
    ({"parameters": {"conv_thr": 1e-8}}, "set ecutwfc"),
    ({"parameters": {"ecutwfc": 40, "ecutwfcc": 200}}, "'ecutwfcc' is not a pw.x keyword"),
    ({"parameters": {"ecutwfc": 40, "control": {"tstress": False}}}, "labels need forces and stress"),
    ({"slurm": {"array": "0-9"}}, "prepare\\(\\) writes --array"),
    ({"pseudopotentials": {"Xx": "x.UPF"}}, "not an element symbol"),
])
def test_bad_espresso_settings_are_refused_clearly(changes, message):
    with pytest.raises(ConfigurationError, match=message):
        qe_settings(**changes)


def test_bad_vasp_settings_are_refused_clearly(tmp_path, potcars, monkeypatch):
    with pytest.raises(ConfigurationError, match="a DFT label is a single point"):
        vasp_settings(parameters={"encut": 500, "nsw": 50})
    with pytest.raises(ConfigurationError, match="POTCAR folder of the element"):
        vasp_settings(pseudopotentials={"Li": "H"})
    with pytest.raises(ConfigurationError, match="k-points come from"):
        vasp_settings(parameters={"encut": 500, "KSPACING": 0.2})
    with pytest.raises(ConfigurationError, match="stress the labels need"):
        vasp_settings(parameters={"encut": 500, "isif": 0})
    # a POTCAR that the library lacks, named or not
    with pytest.raises(ConfigurationError, match="cannot find the VASP POTCARs .*VASP_PP_PATH"):
        prepare(frames(), tmp_path / "a", vasp_settings(pseudopotentials={"Li": "Li_pv"}))
    monkeypatch.delenv("VASP_PP_PATH")
    with pytest.raises(ConfigurationError, match="VASP_PP_PATH is not set"):
        vasp_settings().check_elements(["Li"])
    assert not (tmp_path / "a").exists()  # refused before writing anything


def test_prepare_refuses_missing_pseudopotentials_and_cells(tmp_path):
    settings = qe_settings(pseudopotentials={"Li": "Li.UPF", "O": "O.UPF"})
    with pytest.raises(ConfigurationError, match="no pseudopotential for H in DFTSettings.pseudopotentials"):
        prepare(frames(), tmp_path / "a", settings)
    with pytest.raises(ConfigurationError, match="no pseudopotential for H"):
        settings.check_elements(["Li", "H"])
    no_cell = Atoms("LiH", positions=[[0, 0, 0], [1.6, 0, 0]])
    with pytest.raises(ConfigurationError, match="no 3D cell.*center\\(vacuum"):
        prepare([no_cell], tmp_path / "a", qe_settings())
    with pytest.raises(ConfigurationError, match="no frames"):
        prepare([], tmp_path / "a", qe_settings())
    assert not (tmp_path / "a").exists()


def test_collect_refuses_a_directory_prepare_did_not_write(tmp_path):
    (tmp_path / "task_0000").mkdir()
    with pytest.raises(ConfigurationError, match="not a DFT labelling directory.*run prepare"):
        collect(tmp_path)
    with pytest.raises(ConfigurationError, match="run prepare"):
        status(tmp_path / "missing")
