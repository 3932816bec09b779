"""Sweep files: TOML and YAML give the same points; every bad key is refused by name."""

from __future__ import annotations

import itertools

import pytest
import yaml
from sweep_helpers import sweep_toml

from sei_lmp.errors import ConfigurationError
from sei_lmp.sweep.spec import parse_sweep, read_sweep


def _raw(**changes):
    import tomllib

    raw = tomllib.loads(sweep_toml("t", temperatures=(500, 600, 700), seeds=(1, 2)))
    raw.update(changes)
    return raw


def test_grid_is_the_cartesian_product(tmp_path):
    spec = parse_sweep(_raw())
    expected = [{"structure": "bcc", "potential": "mtp", "temperature_K": t, "md.seed": s}
                for t, s in itertools.product((500, 600, 700), (1, 2))]
    assert list(spec.points) == expected
    assert spec.parameters == ["temperature_K", "md.seed"]
    assert spec.settings["production_ps"] == 0.3


def test_yaml_and_toml_agree(tmp_path):
    toml_path = tmp_path / "s.toml"
    toml_path.write_text(sweep_toml("s"))
    yaml_path = tmp_path / "s.yaml"
    yaml_path.write_text(yaml.safe_dump(_raw(name="s", grid={"temperature": [600, 900], "seed": [1, 2]}), sort_keys=False))
    a, b = read_sweep(toml_path), read_sweep(yaml_path)
    assert a.points == b.points and a.settings == b.settings and a.potentials == b.potentials


def test_explicit_points_cross_unnamed_selectors():
    raw = _raw(potentials=[{"name": "a", "path": "shipped:Li_mtp_*.mtp"}, {"name": "b", "path": "shipped:Li_mtp_*.mtp"}])
    raw.pop("grid")
    raw["points"] = [{"temperature": 600}, {"temperature": 700, "potential": "b"}]
    spec = parse_sweep(raw)
    assert [(p["potential"], p["temperature_K"]) for p in spec.points] == [("a", 600), ("b", 600), ("b", 700)]


@pytest.mark.parametrize("change, message", [
    ({"protocol": "anneal"}, "'protocol' must be one of diffusion_nvt, interface_npt, melt_quench, neb, got 'anneal'"),
    ({"backend": "gpu"}, "'backend' must be one of plugin, lammps, kokkos, got 'gpu'"),
    ({"grids": {}}, "unknown key(s) 'grids' in the sweep file"),
    ({"grid": {"temprature": [600]}}, "grid.temprature: unknown setting 'temprature' for diffusion_nvt"),
    ({"grid": {"temperature": 600}}, "grid.temperature must be a non-empty list of values, got 600"),
    ({"grid": {"structure": ["fcc"]}}, "grid.structure = 'fcc' names no entry of 'structures' (known: bcc)"),
    ({"settings": {"md.timestep": 1}}, "settings.md.timestep: unknown setting 'md.timestep'"),
    ({"grid": {"md.timestep_fs": [1.0, 9.0]}}, "md.timestep_fs = 9.0 is outside (0, 5] fs"),
    ({"run": {"nprocs": 0}}, "run.nprocs must be a positive integer, got 0"),
    ({"run": {"ranks": 2}}, "unknown key(s) 'ranks' in [run]"),
    ({"slurm": {"launcher": "aprun"}}, "slurm.launcher must be 'srun', 'mpirun' or 'none', got 'aprun'"),
    ({"slurm": {"modules": "gcc"}}, "slurm.modules must be a list of strings"),
    ({"points": [{"temperature": 600}]}, "give either [grid]"),
    ({"structures": [{"source": "missing.cif"}]}, "structures[0].source: file"),
    ({"structures": [{"source": "phase:Li", "supercell": [2, 2]}]}, "structures[0].supercell must be three positive"),
    ({"potentials": [{"path": "shipped:nothing*.mtp"}]}, "no shipped potential matches 'nothing*.mtp'"),
    ({"potentials": [{"path": "shipped:Li_mtp_*.mtp", "species": "Li"}]}, "potentials[0].species must be a list"),
    ({"potentials": [{"path": "shipped:Li_mtp_*.mtp", "name": "a b"}]}, "potentials[0].name = 'a b': use letters"),
    ({"until": {"min_jumps": 10}}, "until.add_ps must be a positive number, got None (the production added"),
    ({"until": {"min_jumps": 0, "add_ps": 5}}, "until.min_jumps must be a positive integer, got 0"),
    ({"until": {"min_jumps": 5, "add_ps": 5, "jumps": 3}}, "unknown key(s) 'jumps' in [until]"),
    ({"until": {"min_jumps": 5, "add_ps": 5, "species": 3}}, "until.species must be an element symbol"),
])
def test_bad_sweep_files_are_refused_by_key(change, message, tmp_path):
    with pytest.raises(ConfigurationError) as err:
        parse_sweep(_raw(**change), base=tmp_path)
    assert message in str(err.value)


def test_unknown_file_type(tmp_path):
    path = tmp_path / "s.json"
    path.write_text("{}")
    with pytest.raises(ConfigurationError, match="use a .toml, .yaml or .yml file"):
        read_sweep(path)


def test_until_section_fills_defaults_and_round_trips():
    from sei_lmp.sweep.spec import SweepSpec

    spec = parse_sweep(_raw(until={"min_jumps": 12, "add_ps": 20}))
    assert spec.until == {"min_jumps": 12, "species": "Li", "add_ps": 20, "max_rounds": 5, "budget_s": None,
                          "min_residence_ps": 0.1}
    assert SweepSpec.from_dict(spec.to_dict()).until == spec.until
    assert parse_sweep(_raw()).until == {}
    neb = _raw(protocol="neb", until={"min_jumps": 1, "add_ps": 1})
    neb.pop("settings")
    neb.pop("grid")
    with pytest.raises(ConfigurationError, match="a neb run has no stage to lengthen"):
        parse_sweep(neb)
