"""The protocol class is the one registration point: a new subclass renders, is collected and fitted by what
its class says, with nothing else edited; setting names carry units and the old names still work."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd
import pytest

from sei_lmp.decks import PROTOCOLS, DiffusionNVT, InterfaceNPT, MeltQuench, render_deck
from sei_lmp.decks.protocols import COMMON_STYLES, LEGACY_NAMES
from sei_lmp.errors import ConfigurationError
from sei_lmp.sweep.collect import group_fits


def straight_line(table: pd.DataFrame) -> dict:
    """A stand-in group fit: slope of y against x."""
    slope, _ = np.polyfit(table["x"], table["y"], 1)
    return {"slope": float(slope), "n": len(table)}


@pytest.fixture
def toy_protocol():
    """A protocol defined the way a new one would be: one class (reusing the diffusion template)."""

    @dataclass(frozen=True)
    class ToyNVT(DiffusionNVT):
        """Toy protocol for the registry test."""

        name: ClassVar[str] = "toy_nvt"
        styles: ClassVar = {"fix": ("nvt", "npt", "ave/time"), "compute": ("msd", "temp")}
        group_fit: ClassVar[str | None] = f"{__name__}:straight_line"
        fit_over: ClassVar[tuple[str, ...]] = ("x",)
        fit_by: ClassVar[tuple[str, ...]] = ("species",)

        @classmethod
        def template(cls) -> str:
            return "diffusion_nvt.lmp.j2"

    yield ToyNVT
    PROTOCOLS.pop("toy_nvt", None)


def test_a_subclass_registers_itself_and_renders(toy_protocol, cuagau):
    assert PROTOCOLS["toy_nvt"] is toy_protocol
    pot, data = cuagau
    deck = render_deck(toy_protocol().with_settings({"temperature_K": 450}), data, pot, "plugin")
    assert deck.manifest["protocol"] == "toy_nvt"
    assert "fix production all nvt temp 450 450" in deck.input_text
    # its styles are checked together with those of the shared partials
    assert toy_protocol.required_styles() == {"compute": ("coord/atom", "reduce", "msd", "temp"),
                                              "fix": ("halt", "nvt", "npt", "ave/time")}


def test_group_fits_follow_the_protocol_class(toy_protocol):
    rows = [{"potential": p, "species": s, "x": x, "y": k * x}
            for p, k0 in (("a", 1.0), ("b", 3.0)) for s, k in (("Li", k0), ("F", 2 * k0)) for x in (1.0, 2.0, 4.0)]
    fits = group_fits(pd.DataFrame(rows), "toy_nvt", ["potential", "x"])
    # one fit per potential (a parameter not in fit_over) and species (fit_by); x varies inside each group
    assert len(fits) == 4 and set(fits["n"]) == {3}
    slopes = {(r.potential, r.species): r.slope for r in fits.itertuples()}
    assert slopes == pytest.approx({("a", "Li"): 1.0, ("a", "F"): 2.0, ("b", "Li"): 3.0, ("b", "F"): 6.0})


def test_no_group_fit_is_a_clear_error():
    with pytest.raises(ConfigurationError, match="protocol 'melt_quench' has no group fit"):
        group_fits(pd.DataFrame([{"a": 1}]), MeltQuench, ["a"])


@pytest.mark.parametrize("protocol", sorted(PROTOCOLS))
def test_every_protocol_names_a_template_and_an_analysis(protocol):
    from sei_lmp.data import data_dir

    cls = PROTOCOLS[protocol]
    assert (data_dir("lammps_inputs") / cls.template()).is_file()
    assert cls.analysis and ":" in cls.analysis
    for category, names in COMMON_STYLES.items():
        assert set(names) <= set(cls.required_styles()[category])


def test_setting_names_carry_units_and_old_names_are_accepted():
    for cls in (MeltQuench, InterfaceNPT, DiffusionNVT):
        names = set(cls.__dataclass_fields__)
        assert not names & {"temperature", "t_melt", "t_start", "t_final", "frozen_bottom"}
    new = DiffusionNVT().with_settings({"temperature": "700", "seed": 3, "guards.min_distance": 0.7})
    assert (new.temperature_K, new.md.seed, new.guards.min_distance_A) == (700.0, 3, 0.7)
    assert MeltQuench().with_settings({"t_melt": 1800}) == MeltQuench().with_settings({"t_melt_K": 1800})
    assert all(DiffusionNVT.canonical(old) == new for old, new in LEGACY_NAMES.items())


def test_deck_help_lists_every_protocol():
    from typer.testing import CliRunner

    from sei_lmp.cli import app

    result = CliRunner().invoke(app, ["deck", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    for name in PROTOCOLS:
        assert name in result.output


def test_changed_settings_round_trip():
    from dataclasses import replace

    from sei_lmp.decks import MDSettings

    protocol = replace(MeltQuench(t_melt_K=1500.0, heat_ps=2.0), md=MDSettings(seed=7, timestep_fs=0.5))
    changed = protocol.changed_settings()
    assert changed == {"t_melt_K": 1500.0, "heat_ps": 2.0, "md.timestep_fs": 0.5, "md.seed": 7}
    assert MeltQuench().with_settings(changed) == protocol
    assert DiffusionNVT().changed_settings() == {}
