"""The DFT route of the learning loop, end to end with a stand-in pw.x (tests/learn/fake_pw.py: ASE's EMT behind
pw.x's input and output formats): the learning writes the inputs and stops with what to submit; the job array's
tasks run; the same command continues from the results; selected frames are neighbourhood cut-outs."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import numpy as np
import pytest
from ase.calculators.emt import EMT

from sei_lmp.learn.loop import LabellingPending, cutout, run_learning
from sei_lmp.learn.plan import parse_plan
from sei_lmp.training.teacher import read_labels

pytest.importorskip("pyace")
HERE = Path(__file__).resolve().parent
EXAMPLE = HERE.parents[1] / "examples" / "learn" / "cu_emt.toml"


def _run_array(directory: Path) -> int:
    script = directory / "submit.sh"
    n = int(next(line for line in script.read_text().splitlines() if "--array=" in line).split("-")[-1]) + 1
    for i in range(n):
        subprocess.run(["bash", str(script), str(i)], check=True, capture_output=True, timeout=120)
    return n


def test_learning_through_dft_job_arrays(tmp_path):
    raw = tomllib.loads(EXAMPLE.read_text())
    raw["teacher"] = {"name": "dft:espresso", "options": {
        "command": f"{sys.executable} {HERE / 'fake_pw.py'} -in espresso.pwi",
        "parameters": {"ecutwfc": 30}, "pseudopotentials": {"Cu": "Cu.pbe.UPF"}, "kspacing": 0.5}}
    raw["data"]["rattle"][0]["count"] = 6
    raw["generations"] = 2
    raw["select"] = {"max_per_generation": 3, "cutout_radius": 4.0}
    plan = parse_plan({**raw, **raw["quick"], "quick": {}}, base=EXAMPLE.parent)
    out = tmp_path / "learn"

    with pytest.raises(LabellingPending, match=r"6 of 6 DFT tasks in .*dft-start have no result yet: submit them"):
        run_learning(plan, out, progress=False, log=lambda *_: None)
    assert _run_array(out / "dft-start") == 6
    with pytest.raises(LabellingPending, match=r"gen-000/dft have no result yet"):
        run_learning(plan, out, progress=False, log=lambda *_: None)
    assert _run_array(out / "gen-000" / "dft") <= 3
    for _ in range(plan.generations):           # later generations: the same cycle
        try:
            result = run_learning(plan, out, progress=False, log=lambda *_: None)
            break
        except LabellingPending as pending:
            _run_array(Path(str(pending).split(" DFT tasks in ")[1].split(" have no")[0]))
    assert len(result.table) >= 1 and result.table.iloc[0]["selected"] > 0

    labels = read_labels(out / "labels.extxyz")
    assert {a.info["labelled_by"] for a in labels} == {"dft:espresso"}
    clusters = [a for a in labels if str(a.info["config_type"]).startswith("cutout:")]
    assert clusters and not any(a.pbc.any() for a in clusters)
    for a in labels[:2] + clusters[:1]:        # the stand-in's numbers came back through pw.x's format
        ref = a.copy()
        ref.calc = EMT()
        assert a.get_potential_energy() == pytest.approx(ref.get_potential_energy(), abs=1e-5)
        np.testing.assert_allclose(a.get_forces(), ref.get_forces(), atol=1e-5)


def test_cutout_keeps_the_neighbourhood_of_the_worst_atom():
    from ase.build import bulk

    atoms = bulk("Cu", "fcc", a=3.61, cubic=True).repeat(3)
    atoms.arrays["gamma"] = np.ones(len(atoms))
    atoms.arrays["gamma"][0] = 50.0
    cluster = cutout(atoms, 3.0)
    assert len(cluster) == 13                   # the atom and its 12 nearest neighbours (2.55 A)
    assert cluster.info["cutout_centre"] == 0 and not cluster.pbc.any()
    d = cluster.get_all_distances()
    assert d.max() <= 6.0 + 1e-9
    centre = int(np.argmin(np.linalg.norm(cluster.positions - cluster.positions.mean(axis=0), axis=1)))
    assert np.sort(d[centre])[1] == pytest.approx(3.61 / 2**0.5, abs=1e-6)
