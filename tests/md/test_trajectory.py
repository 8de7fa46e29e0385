"""The compact trajectory format: size, accuracy, unwrapping, JSON safety."""

import json

import numpy as np
import pytest

from hcflow.errors import HcflowError
from hcflow.md.trajectory import CompactTrajectory, unwrap_positions
from tests.helpers import random_walk_frames


def test_round_trip_within_1e3_and_under_8_bytes(rng):
    n_frames, n_atoms = 100, 200
    pos = rng.uniform(0, 20, (n_atoms, 3)) + np.cumsum(
        rng.normal(0, 0.15, (n_frames, n_atoms, 3)), axis=0
    )
    numbers = [6] * 170 + [11] * 30
    traj = CompactTrajectory(numbers, pos, np.eye(3) * 20, np.arange(n_frames) * 0.01)
    restored = CompactTrajectory.from_dict(json.loads(json.dumps(traj.as_dict())))
    assert np.abs(restored.positions - pos).max() <= 5e-4 + 1e-12
    assert traj.nbytes_stored() / (n_frames * n_atoms) < 8.0
    assert restored.numbers.tolist() == numbers
    np.testing.assert_allclose(restored.times_ps, traj.times_ps)


def test_no_drift_over_long_trajectories(rng):
    # 5,000 frames of accumulated steps: decoding must not drift
    pos = np.cumsum(rng.normal(0, 0.3, (5000, 3, 3)), axis=0)
    traj = CompactTrajectory([6, 6, 11], pos, np.eye(3) * 10, np.arange(5000) * 0.1)
    restored = CompactTrajectory.from_dict(traj.as_dict())
    assert np.abs(restored.positions - pos).max() <= 5e-4 + 1e-12


def test_unwrap_recovers_true_path():
    frames, truth = random_walk_frames(n_frames=60, step=0.4, box=6.0)
    traj = CompactTrajectory.from_ase(frames, frame_dt_ps=0.01)
    shift = truth[0] - traj.positions[0]
    assert np.abs(traj.positions + shift - truth).max() < 1e-3
    # some Na crossed a boundary, so wrapped != unwrapped
    wrapped = np.stack([f.positions for f in frames])
    assert np.abs(wrapped - traj.positions).max() > 1.0


def test_unwrap_triclinic_cell():
    cell = np.array([[8.0, 0, 0], [3.0, 7.0, 0], [1.0, 1.0, 9.0]])
    rng = np.random.default_rng(3)
    frac = np.cumsum(rng.normal(0, 0.05, (40, 5, 3)), axis=0)
    true = frac @ cell
    wrapped = (frac % 1.0) @ cell
    cells = np.broadcast_to(cell, (40, 3, 3))
    out = unwrap_positions(wrapped, cells)
    assert np.abs(out - (true - true[0] + out[0])).max() < 1e-9


def test_ase_and_pymatgen_views():
    frames, _ = random_walk_frames(n_frames=5)
    traj = CompactTrajectory.from_ase(frames, frame_dt_ps=0.02)
    atoms = traj.to_ase(2)
    assert atoms.get_chemical_formula() == frames[2].get_chemical_formula()
    assert atoms.info["time_ps"] == pytest.approx(0.04)
    structure = traj.to_structure(0)
    assert structure.composition.reduced_formula == "NaC5"
    assert traj.slice(1, 4).n_frames == 3


@pytest.mark.parametrize(
    "positions, message",
    [
        (np.full((2, 3, 3), np.nan), "NaN"),
        (np.zeros((0, 3, 3)), "at least one frame"),
        (np.zeros((2, 3)), "shape"),
    ],
)
def test_bad_arrays(positions, message):
    with pytest.raises(HcflowError, match=message):
        CompactTrajectory([6, 6, 6], positions, np.eye(3), np.arange(len(positions)))


def test_frames_with_different_atom_counts():
    frames, _ = random_walk_frames(n_frames=3)
    del frames[1][0]
    with pytest.raises(HcflowError, match="frame 1 has 47 atoms"):
        CompactTrajectory.from_ase(frames, frame_dt_ps=0.01)


@pytest.mark.parametrize(
    "value, message",
    [
        (1e16, "beyond the 1e\\+06 A limit"),  # used to overflow to -9.2e15
        (-2e6, "beyond the 1e\\+06 A limit"),
        (np.inf, "infinite"),
    ],
)
def test_coordinates_beyond_bounds_are_refused(value, message):
    positions = np.zeros((2, 3, 3))
    positions[1, 2, 0] = value
    with pytest.raises(HcflowError, match=message):
        CompactTrajectory([6, 6, 11], positions, np.eye(3) * 10, [0.0, 0.1])


def test_coordinate_at_the_limit_round_trips():
    positions = np.zeros((2, 3, 3))
    positions[:, 0, 1] = -9.99e5
    traj = CompactTrajectory([6, 6, 11], positions, np.eye(3) * 10, [0.0, 0.1])
    back = CompactTrajectory.from_dict(json.loads(json.dumps(traj.as_dict())))
    assert back.positions[1, 0, 1] == pytest.approx(-9.99e5, abs=1e-3)


@pytest.mark.parametrize(
    "cell, message",
    [
        (np.diag([10.0, 10.0, np.nan]), "infinite cell"),
        (np.diag([10.0, 10.0, 1e17]), "longer than"),
        (np.diag([10.0, 10.0, 0.0]), "non-zero volume"),
    ],
)
def test_bad_cells_are_refused(cell, message):
    with pytest.raises(HcflowError, match=message):
        CompactTrajectory([6], np.zeros((1, 1, 3)), cell, [0.0])


def test_from_ase_refuses_huge_coordinate_before_unwrapping():
    frames, _ = random_walk_frames(n_frames=3)
    frames[2].positions[0, 0] = 1e16
    with pytest.raises(HcflowError, match="atom 0 in frame 2 is beyond"):
        CompactTrajectory.from_ase(frames, frame_dt_ps=0.01)


def test_non_finite_energies_are_refused():
    with pytest.raises(HcflowError, match="energies"):
        CompactTrajectory([6], np.zeros((2, 1, 3)), np.eye(3) * 5, [0, 1], [0, np.nan])


def test_codec_round_trip_is_exact_and_refuses_out_of_bounds():
    from hcflow.md.trajectory_codec import (
        MAX_COORD_A,
        check_coordinates,
        pack,
        unpack,
    )

    arr = np.arange(24, dtype=np.int32).reshape(2, 3, 4) - 7
    packed = pack(arr)
    assert set(packed) == {"dtype", "shape", "b64"} and packed["shape"] == [2, 3, 4]
    back = unpack(packed)
    assert back.dtype == arr.dtype and np.array_equal(back, arr)
    far = np.zeros((1, 2, 3))
    far[0, 1, 2] = 2 * MAX_COORD_A
    with pytest.raises(HcflowError, match="atom 1 in frame 0 is beyond"):
        check_coordinates(far)
