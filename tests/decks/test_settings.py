"""Every setting has a range and a message naming it: nothing is clamped silently, nothing fails later inside
LAMMPS with a misleading message, and no bad value reaches arithmetic (md.thermo_every = 0 used to raise
ZeroDivisionError)."""

from __future__ import annotations

import pytest

from sei_lmp.decks import PROTOCOLS, DiffusionNVT, InterfaceNPT, MeltQuench
from sei_lmp.decks.protocols import setting_problems
from sei_lmp.errors import ConfigurationError


@pytest.mark.parametrize("name", sorted(PROTOCOLS))
def test_defaults_are_valid(name):
    assert setting_problems(PROTOCOLS[name]()) == []


@pytest.mark.parametrize(
    ("protocol", "settings", "message"),
    [
        (DiffusionNVT, {"production_ps": "-5"}, "production_ps = -5.0 must be > 0"),
        (DiffusionNVT, {"production_ps": "0"}, "production_ps = 0.0 must be > 0"),
        (DiffusionNVT, {"equilibrate_ps": "0"}, "equilibrate_ps = 0.0 must be > 0"),
        (DiffusionNVT, {"production_ps": "0.05"}, "production_ps = 0.05 ps is shorter than one thermo interval (0.1 ps"),
        (DiffusionNVT, {"dump_every_ps": "0"}, "dump_every_ps = 0.0 must be > 0"),
        (DiffusionNVT, {"dump_every_ps": "500"}, "dump_every_ps = 500 ps is longer than production_ps = 200 ps"),
        (DiffusionNVT, {"temperature_K": "-300"}, "temperature_K = -300.0 must be > 0"),
        (DiffusionNVT, {"pressure_bar": "-1"}, "pressure_bar = -1.0 must be >= 0"),
        (DiffusionNVT, {"md.thermo_every": "0"}, "md.thermo_every = 0 must be >= 1"),
        (DiffusionNVT, {"md.thermo_every": 1.5}, "md.thermo_every = 1.5: expected a whole number"),
        (DiffusionNVT, {"md.timestep_fs": "nan"}, "md.timestep_fs = nan: expected a finite number"),
        (DiffusionNVT, {"md.timestep_fs": "9"}, "md.timestep_fs = 9.0 is outside (0, 5] fs"),
        (DiffusionNVT, {"md.seed": "0"}, "md.seed = 0 is outside [1, 2147483647]"),
        (DiffusionNVT, {"md.neighbor_skin_A": "0"}, "md.neighbor_skin_A = 0.0 must be > 0"),
        (DiffusionNVT, {"guards.gamma_every": "0"}, "guards.gamma_every = 0 must be >= 1"),
        (DiffusionNVT, {"guards.gamma_break": "1", "guards.gamma_save": "5"},
         "guards.gamma_break (1) must be above guards.gamma_save (5)"),
        (DiffusionNVT, {"guards.min_distance_A": "-0.5"}, "guards.min_distance_A = -0.5 must be > 0"),
        (DiffusionNVT, {"guards.max_temperature_K": "inf"}, "guards.max_temperature_K = inf: expected a finite"),
        (MeltQuench, {"barostat": "xyz"}, "barostat = 'xyz' is not one of iso, aniso, tri"),
        (MeltQuench, {"quench_rate_K_per_ps": "0"}, "quench_rate_K_per_ps = 0.0 must be > 0"),
        (MeltQuench, {"t_melt_K": "-1"}, "t_melt_K = -1.0 must be > 0"),
        (InterfaceNPT, {"frozen_bottom_A": "-2"}, "frozen_bottom_A = -2.0 must be >= 0"),
        (InterfaceNPT, {"run_ps": "-1"}, "run_ps = -1.0 must be > 0"),
    ],
)
def test_bad_settings_are_refused_by_name(protocol, settings, message):
    with pytest.raises(ConfigurationError) as err:
        protocol().with_settings(settings).validate()
    assert message in str(err.value)


def test_every_problem_is_reported_at_once():
    problems = setting_problems(DiffusionNVT().with_settings({"temperature_K": -1, "production_ps": -1}))
    assert len(problems) == 2


def test_unknown_key_lists_the_md_and_guards_keys():
    with pytest.raises(ConfigurationError) as err:
        DiffusionNVT().with_settings({"timestep": "1"})
    message = str(err.value)
    for key in ("production_ps", "md.timestep_fs", "md.seed", "guards.gamma_break", "guards.min_distance_A"):
        assert key in message
    with pytest.raises(ConfigurationError, match="unknown setting group in 'thermostat.tdamp'.*md.tdamp_steps"):
        DiffusionNVT().with_settings({"thermostat.tdamp": "1"})
