"""Reading dumps through OVITO: unwrapping under a changing triclinic cell (NPT), image flags, wrapped-only
coordinates, gzip, resumed (appended) dumps, and the messages for bad input."""

from __future__ import annotations

import numpy as np
import pytest
from transport_synth import write_dump

from sei_lmp.errors import ConfigurationError, ParseError
from sei_lmp.io import read_trajectory


def npt_case(n_frames=40, n_atoms=30):
    """Walkers that cross the cell many times while a triclinic cell breathes by +-4 % (an NPT run).

    As in LAMMPS, a box change scales the fractional coordinates (xu = s_unwrapped @ H_t); the physical
    path adds the random steps and the affine motion of the *wrapped* position only (the image part of
    xu jumps by n dH without any atom moving: that is what unwrapping must remove)."""
    rng = np.random.default_rng(7)
    base = np.array([[9.0, 0.0, 0.0], [1.5, 8.5, 0.0], [-1.0, 0.8, 9.5]])
    cells = base[None] * (1 + 0.04 * np.sin(np.arange(n_frames) / 3.0))[:, None, None]
    s = rng.uniform(0, 1, size=(n_atoms, 3))
    xu, truth = [s @ cells[0]], [s @ cells[0]]
    for t in range(1, n_frames):
        step = rng.normal(scale=np.sqrt(2 * 3.0 * 0.1), size=(n_atoms, 3))
        truth.append(truth[-1] + step + (s - np.floor(s)) @ (cells[t] - cells[t - 1]))
        s = s + step @ np.linalg.inv(cells[t])
        xu.append(s @ cells[t])
    types = np.where(np.arange(n_atoms) < 20, 1, 2)
    return np.array(xu), np.array(truth), cells, types


@pytest.mark.parametrize("columns", ["xu yu zu", "x y z ix iy iz", "x y z"])
def test_unwrapping_follows_the_true_path_in_a_changing_triclinic_cell(columns, tmp_path):
    xu, truth, cells, types = npt_case()
    origin = np.array([-2.0, 1.0, 0.5])
    path = tmp_path / "npt.dump.gz"
    write_dump(path, np.arange(len(truth)) * 100, cells, xu + origin, types, columns=columns, origin=origin)
    traj = read_trajectory(path, species=["Li"], type_elements=["Li", "S"], timestep_fs=1.0)
    got = traj.positions
    # displacements from the first frame are what the MSD sees: they must match the true path
    np.testing.assert_allclose(got - got[0], truth[:, :20] - truth[0, :20], atol=1e-6)
    assert np.abs(truth - truth[0]).max() > 9        # the test is meaningful: atoms crossed the cell ...
    assert np.abs((xu - xu[0]) - (truth - truth[0])).max() > 0.3     # ... and xu as written is off
    np.testing.assert_allclose(traj.time_ps, np.arange(40) * 0.1)
    np.testing.assert_allclose(traj.cells, cells, atol=1e-9)
    np.testing.assert_allclose(traj.element_sums[:, 1] - traj.element_sums[0, 1],
                               (truth[:, 20:] - truth[0, 20:]).sum(axis=1), atol=1e-5)


def test_resumed_dump_keeps_the_later_copy_of_a_repeated_step(tmp_path):
    _, truth, cells, types = npt_case(n_frames=30)
    cells = np.repeat(cells[:1], 30, axis=0)
    steps = np.arange(30) * 10
    path = tmp_path / "production.dump"
    write_dump(path, steps[:21], cells[:21], truth[:21], types)        # killed after step 200
    stale = truth[18:21] + 0.5                                           # frames 180..200 differ when redone
    # the resumed run restarts from step 170 and appends 170 again, then continues
    restarted = np.concatenate([truth[17:18], truth[18:30]])
    write_dump(tmp_path / "part2.dump", steps[17:30], cells[17:30], restarted, types)
    path.write_text(path.read_text() + (tmp_path / "part2.dump").read_text())
    traj = read_trajectory(path, type_elements=["Li", "S"], timestep_fs=2.0)
    assert traj.timesteps.tolist() == steps.tolist()
    np.testing.assert_allclose(traj.positions[:, :20], truth[:, :20], atol=1e-6)
    assert not np.allclose(stale, truth[18:21])


def test_errors_name_the_fix(tmp_path):
    truth, _, cells, types = npt_case(n_frames=3)
    path = tmp_path / "a.dump"
    write_dump(path, [0, 1, 2], cells[:3], truth[:3], types)
    with pytest.raises(ConfigurationError, match="numeric atom types: give the element of each type"):
        read_trajectory(path, timestep_fs=1.0)
    with pytest.raises(ConfigurationError, match="give timestep_fs"):
        read_trajectory(path, type_elements=["Li", "S"])
    with pytest.raises(ConfigurationError, match="has no Na atoms; it has Li, S"):
        read_trajectory(path, species=["Na"], type_elements=["Li", "S"], timestep_fs=1.0)
    with pytest.raises(ConfigurationError, match="only 1 elements were given"):
        read_trajectory(path, type_elements=["Li"], timestep_fs=1.0)
    bad = tmp_path / "b.dump"
    bad.write_text("ITEM: TIMESTEP\n0\nITEM: NUMBER OF ATOMS\n1\nITEM: BOX BOUNDS pp pp pp\n0 1\n0 1\n0 1\n"
                   "ITEM: ATOMS id type vx vy vz\n1 1 0 0 0\n")
    with pytest.raises(ParseError, match="lack positions"):
        read_trajectory(bad, type_elements=["Li"], timestep_fs=1.0)
