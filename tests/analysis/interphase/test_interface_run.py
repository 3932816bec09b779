"""``analyze_interface_run`` on a deck directory as the interface deck leaves it (manifest.json and a
multi-frame trajectory.dump): a planted mixed layer that grows as d^2 ~ t is measured frame by frame and
the parabolic law is recovered."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from test_profiles_interfaces import SPACING, layered

from sei_lmp.analysis.interphase import (
    analyze_interface_run,
    fit_growth,
    plot_profiles,
    plot_thickness,
    thickness_vs_time,
)
from sei_lmp.errors import ConfigurationError

ELEMENTS = ["Li", "F"]
DUMP_EVERY = 1000          # steps between frames, 1 fs steps: 1 ps
K_PARABOLIC = 16.0         # A^2/ps: d = 4, 5.7, 6.9, 8, ... A


def write_dump(path: Path, frames, every: int) -> None:
    lines = []
    for k, atoms in enumerate(frames):
        lx, ly, lz = atoms.cell.lengths()
        lines += ["ITEM: TIMESTEP", str(k * every), "ITEM: NUMBER OF ATOMS", str(len(atoms)),
                  "ITEM: BOX BOUNDS pp pp pp", f"0 {lx}", f"0 {ly}", f"0 {lz}", "ITEM: ATOMS id type x y z"]
        for i, (s, p) in enumerate(zip(atoms.get_chemical_symbols(), atoms.positions), start=1):
            lines.append(f"{i} {ELEMENTS.index(s) + 1} {p[0]:.4f} {p[1]:.4f} {p[2]:.4f}")
    path.write_text("\n".join(lines) + "\n")


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    directory = tmp_path_factory.mktemp("iface")
    times = np.arange(1, 11)                                   # ps
    widths = np.sqrt(K_PARABOLIC * times)                       # A
    planes = np.rint(widths / SPACING).astype(int)              # the planted layer, in whole planes
    frames = [layered(12, n, 40 - 12 - n, seed=int(n)) for n in planes]
    write_dump(directory / "trajectory.dump", frames, DUMP_EVERY)
    manifest = {"protocol": "interface_npt", "elements": ELEMENTS, "settings": {"md": {"timestep_fs": 1.0}}}
    (directory / "manifest.json").write_text(json.dumps(manifest))
    return directory, planes


def test_thickness_per_frame(run_dir):
    directory, planes = run_dir
    table = analyze_interface_run(directory, element="F", pure=(0.5, 0.0), bin_width=SPACING)
    assert list(table.columns[:4]) == ["run_dir", "frame", "step", "time_ps"]
    assert sorted(table["frame"].unique()) == list(range(10))
    assert np.allclose(sorted(table["time_ps"].unique()), np.arange(10) * 1.0)
    mixed = table.groupby("frame")["thickness"].max().to_numpy()
    assert np.all(np.abs(mixed - planes * SPACING) <= SPACING)
    profiles = table.attrs["profiles"]
    assert set(profiles["frame"]) == set(range(10)) and "x_F" in profiles


def test_growth_law_from_the_run(run_dir):
    directory, _ = run_dir
    table = analyze_interface_run(directory, element="F", pure=(0.5, 0.0), bin_width=SPACING)
    mixed = table.loc[table.groupby("frame")["thickness"].idxmax()]
    # the planted widths follow d^2 = K t with t = frame + 1 ps (frame 0 is written at step 0)
    fit = fit_growth(mixed["time_ps"] + 1.0, mixed["thickness"], "parabolic")
    assert fit.params["k"] == pytest.approx(K_PARABOLIC, rel=0.35)
    assert thickness_vs_time(table)["n"].eq(2).all()
    assert plot_thickness(table).get_ylabel() == "thickness (A)"
    assert plot_profiles(table.attrs["profiles"], "F").get_xlabel() == "z (A)"


def test_needs_a_manifest(tmp_path):
    with pytest.raises(ConfigurationError, match="has no manifest.json: pass an interface deck directory"):
        analyze_interface_run(tmp_path)
