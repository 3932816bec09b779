"""Bad sei/mace input fails at the command that causes it, with a message that says what to do."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import mace_models as mm
from sei_lmp.run.plugin import MACE_STYLES, mace_available, start_lammps

pytestmark = pytest.mark.skipif(not mace_available(), reason=mm.SKIP_REASON)


@pytest.fixture(scope="session")
def models(tmp_path_factory):
    base = tmp_path_factory.getbasetemp() / "mace_models"
    return {"lifs": mm.cached_model(base, "m1", r_max=4.5, seed=1)[1],
            "lif": mm.cached_model(base, "m_lif", atomic_numbers=(3, 9), r_max=4.0, seed=4)[1]}


@pytest.fixture()
def data(tmp_path):
    atoms = mm.to_lammps_frame(mm.random_cell(["Li"] * 4 + ["F"] * 4 + ["S"] * 2, np.eye(3) * 6.0, seed=1))
    path = tmp_path / "cell.data"
    mm.write_lammps_data(atoms, path, ("Li", "F", "S"))
    return path


def expect_error(commands, pattern):
    lmp = start_lammps(styles=MACE_STYLES)
    try:
        with pytest.raises(Exception, match=pattern):
            for c in commands:
                lmp.command(c)
    finally:
        lmp.close()


def setup(data):
    return ["units metal", "atom_style atomic", f"read_data {data}"]


def test_element_missing_from_model_names_the_model_elements(data, models):
    expect_error(setup(data) + ["pair_style sei/mace", f"pair_coeff * * {models['lif']} Li F S"],
                 r"atom type 3 is mapped to element 'S', which the potential does not have; its species are "
                 r"\[0 \(Li\), 1 \(F\)\]")


def test_committee_member_missing_an_element(data, models):
    expect_error(setup(data) + [f"pair_style sei/mace committee {models['lif']}",
                                f"pair_coeff * * {models['lifs']} Li F S"],
                 r"committee model .*m_lif.model-lammps.pt has no S \(atom type 3\); its elements are \[Li F\]")


def test_wrong_number_of_elements(data, models):
    expect_error(setup(data) + ["pair_style sei/mace", f"pair_coeff * * {models['lifs']} Li F"],
                 r"expected one species per atom type \(3 entries\)")


def test_not_a_torchscript_file(data, tmp_path):
    bad = tmp_path / "bad.pt"
    bad.write_text("not a model\n")
    expect_error(setup(data) + ["pair_style sei/mace", f"pair_coeff * * {bad} Li F S"],
                 r"bad.pt is not a TorchScript model .*mace_create_lammps_model")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ("bogus", r"unknown keyword 'bogus'; usage: pair_style sei/mace \[no_domain_decomposition\]"),
        ("device", r"'device' needs a value, cpu or cuda"),
        ("device tpu", r"expected cpu or cuda after 'device', got 'tpu'"),
        ("committee", r"'committee' needs at least one more model file"),
        ("threads", r"'threads' needs a positive integer"),
        ("threads 0", r"'threads' needs a positive integer, got 0"),
    ],
)
def test_bad_keywords(data, args, message):
    expect_error(setup(data) + [f"pair_style sei/mace {args}"], message)


def test_cuda_without_cuda(data):
    import torch

    if torch.cuda.is_available():
        pytest.skip("this torch has CUDA: 'device cuda' is valid here")
    expect_error(setup(data) + ["pair_style sei/mace device cuda"], r"device cuda was asked for, but .* no usable CUDA")


def test_gamma_needs_a_committee(data, models):
    expect_error(setup(data) + ["pair_style sei/mace", f"pair_coeff * * {models['lifs']} Li F S",
                                "fix g all pair 1 sei/mace gamma 1", "run 0"],
                 r"per-atom gamma is the force deviation of a committee, but only one model is loaded")


def test_per_atom_virial_is_refused(data, models):
    expect_error(setup(data) + ["pair_style sei/mace", f"pair_coeff * * {models['lifs']} Li F S",
                                "compute s all stress/atom NULL", "compute sx all reduce sum c_s[1]",
                                "thermo_style custom step c_sx", "run 0"],
                 r"per-atom virial \(compute stress/atom\) is not available")


def test_units_must_be_metal(tmp_path, models):
    expect_error(["units real", "atom_style atomic", "region b block 0 5 0 5 0 5", "create_box 1 b",
                  "pair_style sei/mace"], r"requires 'units metal'")


def test_missing_plugin_is_a_clear_error(monkeypatch, tmp_path):
    import shutil

    from sei_lmp.run import plugin

    lone = tmp_path / plugin.PLUGIN_FILENAME
    shutil.copy(plugin.plugin_path(), lone)
    monkeypatch.setenv("SEI_LMP_PLUGIN", str(lone))
    monkeypatch.delenv("SEI_LMP_MACE_PLUGIN", raising=False)
    # LAMMPS itself autoloads every *plugin.so on LAMMPS_PLUGIN_PATH (set once the lammps launcher module ran)
    monkeypatch.delenv("LAMMPS_PLUGIN_PATH", raising=False)
    assert not plugin.mace_available()
    assert plugin.plugin_paths() == [lone]
    # LAMMPS keeps loaded plugins for the whole process: ask for the style in a fresh one
    code = ("from sei_lmp.run.plugin import MACE_STYLES, start_lammps\n"
            "try:\n    start_lammps(styles=MACE_STYLES)\nexcept Exception as e:\n    print(type(e).__name__, e)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          cwd=Path(__file__).resolve().parents[2])
    assert "PluginError" in proc.stdout, proc.stdout + proc.stderr[-2000:]
    assert "need the MACE plugin sei_lmp_maceplugin.so, which was not built" in proc.stdout


def test_cuda_device_matches_cpu(models, tmp_path):
    """On a machine whose torch has CUDA: `device cuda` gives the CPU numbers (float64 on both)."""
    import torch

    if not torch.cuda.is_available():
        pytest.skip("no CUDA in this torch (CPU wheel or no GPU): 'device cuda' cannot be tested here")
    atoms = mm.to_lammps_frame(mm.random_cell(["Li"] * 8 + ["F"] * 8 + ["S"] * 4, np.eye(3) * 7.0, seed=5))
    cpu = mm.lammps_mace(atoms, models["lifs"], ("Li", "F", "S"), "sei/mace", workdir=tmp_path)
    gpu = mm.lammps_mace(atoms, models["lifs"], ("Li", "F", "S"), "sei/mace device cuda", workdir=tmp_path)
    assert gpu["energy"] == pytest.approx(cpu["energy"], rel=1e-9)
    np.testing.assert_allclose(gpu["forces"], cpu["forces"], rtol=0, atol=1e-8)


@pytest.mark.parametrize("threads", [1, 2])
def test_threads_keyword_sets_torch_threads(data, models, threads):
    # the LAMMPS library drops OpenMP (and torch with it) to one thread; the keyword must win over that
    import torch

    lmp = start_lammps(styles=MACE_STYLES)
    try:
        for c in setup(data) + [f"pair_style sei/mace threads {threads}", f"pair_coeff * * {models['lifs']} Li F S",
                                "run 0"]:
            lmp.command(c)
        assert torch.get_num_threads() == threads
    finally:
        lmp.close()
