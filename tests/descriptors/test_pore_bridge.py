"""Pore descriptors at the ions (the pore analysis itself is tested in structures)."""

from __future__ import annotations

import numpy as np
import pytest

from hcflow.descriptors.pore_bridge import pore_per_frame
from hcflow.descriptors.settings import DescriptorSettings

pytest.importorskip("hcflow.structures.pores")


def _block_with_channel_and_void(box=16.0, spacing=1.0):
    """Cubic carbon lattice with a channel along x and a closed spherical void."""
    axis = np.arange(0, box, spacing)
    c = np.stack(np.meshgrid(axis, axis, axis, indexing="ij"), -1).reshape(-1, 3)
    channel_axis = np.array([4.0, 4.0])  # (y, z) of the channel, radius 3.5
    in_channel = np.linalg.norm(c[:, 1:] - channel_axis, axis=1) < 3.5
    void_centre = np.array([8.0, 11.5, 11.5])  # sphere radius 3.5, closed
    in_void = np.linalg.norm(c - void_centre, axis=1) < 3.5
    return c[~in_channel & ~in_void], np.eye(3) * box, channel_axis, void_centre


def test_channel_and_closed_void():
    c, cell, axis, void_centre = _block_with_channel_and_void()
    na = np.array(
        [
            [2.0, *axis],  # on the channel axis: straight percolating path
            void_centre + [0.5, 0.0, 0.0],  # inside the closed void
        ]
    )
    positions = np.concatenate([c, na])[None]
    numbers = np.array([6] * len(c) + [11] * 2)
    settings = DescriptorSettings(pore_grid_spacing=0.5, pore_tortuosity_spacing=0.5)
    out, info = pore_per_frame(positions, cell[None], numbers, settings, np.array([0]))
    assert info["pore_status"] == "ok"
    assert info["pore_percolates_xyz"][0] == [True, False, False]
    # channel ion: on a straight crossing path
    assert out["pore_percolating"][0, 0] == 1.0
    assert out["pore_tortuosity"][0, 0] == pytest.approx(1.0, abs=0.1)
    # void ion: trapped, 0.5 A from the void centre, pore ~ void diameter
    assert out["pore_percolating"][0, 1] == 0.0
    assert np.isnan(out["pore_tortuosity"][0, 1])
    assert out["d_void_center"][0, 1] == pytest.approx(0.5, abs=0.5)
    assert 6.0 < out["pore_size"][0, 1] < 9.0
    assert out["pore_size"][0, 0] > 6.0
    # void size: accessible radius ~ 3.5 A (carbon-free sphere) - 2.3 A (probe)
    assert 0.8 < out["void_radius_A"][0, 1] < 2.2
    # the channel is one long void (in a 16 A cell): larger than the closed one
    assert out["void_radius_A"][0, 0] > out["void_radius_A"][0, 1] + 1.0


def test_no_carbon_gives_nan_and_a_status():
    positions = np.zeros((1, 2, 3))
    positions[0, 1] = 1.0
    out, info = pore_per_frame(
        positions, np.eye(3)[None] * 10, np.array([11, 11]), DescriptorSettings(), [0]
    )
    assert info["pore_status"].startswith("not applicable")
    assert np.all(np.isnan(out["pore_size"]))
