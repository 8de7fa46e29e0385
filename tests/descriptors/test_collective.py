"""Collective tracer D of Brownian ions (wrapped input) and its 95 % interval."""

from __future__ import annotations

import numpy as np
from ase import Atoms

from hcflow.descriptors.collective import block_msd, tracer_diffusion
from hcflow.descriptors.compute import compute_descriptors, compute_from_trajectory
from hcflow.descriptors.dynamic import dynamic_descriptors
from hcflow.descriptors.settings import DescriptorSettings
from hcflow.descriptors.synthetic import brownian
from hcflow.md.trajectory import CompactTrajectory, unwrap_positions

D_TRUE = 0.05  # A^2/ps = 5e-6 cm2/s


def test_brownian_D_from_wrapped_ase_frames():
    """Wrapped frames -> CompactTrajectory.from_ase -> D within 5 % of truth."""
    dt = 0.1
    wrapped, _, cells, numbers = brownian(
        n_na=400, n_c=100, n_frames=800, box=18.0, d_A2_ps=D_TRUE, dt_ps=dt, seed=11
    )
    frames = [
        Atoms(numbers=numbers, positions=p, cell=cells[0], pbc=True) for p in wrapped
    ]
    assert np.all(frames[5].get_scaled_positions(wrap=False) < 1.0)  # really wrapped
    traj = CompactTrajectory.from_ase(frames, frame_dt_ps=dt)
    res = compute_from_trajectory(traj, DescriptorSettings(structural_stride=50))
    d = res.collective["D_cm2_s"]
    assert abs(d / (D_TRUE * 1e-4) - 1) < 0.05
    assert res.collective["D_ci95_low"] < D_TRUE * 1e-4 < res.collective["D_ci95_high"]
    # the ion average of D_i is the fit of the ion-averaged MSD
    assert np.isclose(d, np.mean(res.values["D_cm2_s"]))


def test_ci95_covers_truth_in_most_seeds():
    dt, n_frames, covered, errors = 0.1, 600, 0, []
    settings = DescriptorSettings()
    seeds = range(20)
    for seed in seeds:
        wrapped, _, cells, _ = brownian(
            n_na=60,
            n_c=0,
            n_frames=n_frames,
            box=15.0,
            d_A2_ps=D_TRUE,
            dt_ps=dt,
            seed=100 + seed,
        )
        x = unwrap_positions(wrapped, cells)
        win = settings.resolve(n_frames, dt)
        values, _, _ = dynamic_descriptors(x, win)
        c = tracer_diffusion(x, win, values["D_raw_cm2_s"], seed=seed)
        covered += c["D_ci95_low"] <= D_TRUE * 1e-4 <= c["D_ci95_high"]
        errors.append(c["D_cm2_s"] / (D_TRUE * 1e-4) - 1)
    assert covered >= 17  # nominal 19 of 20
    # the interval is not absurdly wide: about +-2 sigma of the actual scatter
    assert np.std(errors) < 0.15


def test_block_msd_blocks_average_to_full_msd(rng):
    x = np.cumsum(rng.normal(size=(101, 3, 3)), axis=0)
    lags = np.array([1, 7, 30])
    bm = block_msd(x, lags, 5)
    for k, lag in enumerate(lags):
        d = x[lag:] - x[:-lag]
        full = (d**2).sum(-1)
        edges = np.linspace(0, 101 - lag, 6).round().astype(int)
        for b in range(5):
            np.testing.assert_allclose(
                bm[:, b, k], full[edges[b] : edges[b + 1]].mean(0)
            )


def test_framework_drift_is_removed():
    dt = 0.1
    _, pos, cells, numbers = brownian(
        n_na=200,
        n_c=50,
        n_frames=500,
        box=15.0,
        d_A2_ps=D_TRUE,
        dt_ps=dt,
        seed=5,
        framework_drift_A=0.2,
    )
    on = compute_descriptors(pos, cells, numbers, dt, {"structural_stride": 100})
    off = compute_descriptors(
        pos, cells, numbers, dt, {"structural_stride": 100, "drift_correction": False}
    )
    assert abs(on.collective["D_cm2_s"] / (D_TRUE * 1e-4) - 1) < 0.1
    assert off.collective["D_cm2_s"] > 1.5 * on.collective["D_cm2_s"]
