"""Tracer D with an honest 95 % interval, centre-of-mass D and Haven ratio."""

from __future__ import annotations

import numpy as np
import pytest
from ase import Atoms

from hcflow.descriptors.brownian_msd import chi2_interval, gls_fit
from hcflow.descriptors.collective import (
    MODEL_INTERVAL_METHOD,
    centre_of_mass_diffusion,
    centre_of_mass_msd,
    haven_ratio,
    tracer_diffusion,
)
from hcflow.descriptors.compute import compute_from_trajectory
from hcflow.descriptors.settings import DescriptorSettings
from hcflow.descriptors.synthetic import brownian
from hcflow.descriptors.transport import analyse_transport
from hcflow.md.trajectory import CompactTrajectory

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
    c = res.collective
    assert c["D_cm2_s"] == pytest.approx(D_TRUE * 1e-4, rel=0.05)
    assert c["D_ci95_low"] < D_TRUE * 1e-4 < c["D_ci95_high"]
    assert c["diffusive"] is True
    # the ion average of D_i is the fit of the ion-averaged MSD
    assert np.isclose(c["D_cm2_s"], np.mean(res.values["D_cm2_s"]))


def _coverage(n_traj, n_ions, n_frames, dt=0.01, d=1.0, seed0=0):
    """Fraction of Brownian trajectories whose 95 % interval holds the true D."""
    settings = DescriptorSettings()
    win = settings.resolve(n_frames, dt)
    covered, errors, haven, half = [], [], [], []
    for seed in range(n_traj):
        x = brownian(
            n_na=n_ions,
            n_c=0,
            n_frames=n_frames,
            d_A2_ps=d,
            dt_ps=dt,
            seed=seed0 + seed,
        )[1]
        t = analyse_transport(x, win, settings).trajectory
        covered.append(t["D_ci95_low"] <= d * 1e-4 <= t["D_ci95_high"])
        errors.append(t["D_cm2_s"] / (d * 1e-4) - 1)
        half.append((t["D_ci95_high"] - t["D_ci95_low"]) / 2 / (d * 1e-4))
        high = t["haven_ci95_high"]  # None: unbounded (D_sigma fitted <= 0)
        haven.append(t["haven_ci95_low"] <= 1.0 <= (np.inf if high is None else high))
    # mean half-width over 1.96 x the actual scatter: ~1 when honest
    width_ratio = np.mean(half) / (1.96 * np.std(errors))
    return np.mean(covered), width_ratio, np.mean(haven)


def test_ci95_coverage_fast():
    """100 trajectories of 20 ions over 3 ps at 10 fs (the short end)."""
    cover, width_ratio, haven = _coverage(100, 20, 301, seed0=500)
    assert 0.90 <= cover <= 0.98
    assert 0.8 < width_ratio < 1.25  # neither too narrow nor too wide
    assert haven >= 0.9


@pytest.mark.slow
def test_ci95_coverage_realistic():
    """150 trajectories of 50 ions over 10 ps at 10 fs."""
    cover, width_ratio, haven = _coverage(150, 50, 1001, seed0=2000)
    assert 0.90 <= cover <= 0.98
    assert 0.8 < width_ratio < 1.25
    assert haven >= 0.9


def test_tracer_interval_is_the_union_of_ion_spread_and_model():
    d_i = np.array([1.0, 1.2, 0.8, 1.1, 0.9]) * 1e-5
    se = np.std(d_i, ddof=1) / np.sqrt(5)
    # negligible model variance: the Student-t interval over ions (t_4 = 2.776)
    t = tracer_diffusion(d_i, relative_variance=1e-6)
    assert t["D_cm2_s"] == pytest.approx(1e-5)
    assert t["D_std_cm2_s"] == pytest.approx(se)
    assert t["D_ci95_high"] - 1e-5 == pytest.approx(2.776 * se, rel=1e-3)
    # large model variance: the Brownian chi-square interval (nu = 2 n / v)
    wide = tracer_diffusion(d_i, relative_variance=0.5)
    lo, hi, nu = chi2_interval(1e-5, 0.5 / 5)
    assert (wide["D_ci95_low"], wide["D_ci95_high"]) == pytest.approx((lo, hi))
    assert nu == pytest.approx(20.0)
    one = tracer_diffusion(np.array([1e-5]), relative_variance=0.1)
    assert one["D_interval_method"] == MODEL_INTERVAL_METHOD
    assert one["D_ci95_low"] < 1e-5 < one["D_ci95_high"]
    caged = tracer_diffusion(np.array([1e-9, -2e-9, 0.5e-9]), 0.1)
    assert caged["D_cm2_s"] == 0.0 and caged["D_ci95_low"] == 0.0


def test_centre_of_mass_msd_of_identical_and_independent_ions(rng):
    steps = rng.normal(0, 0.3, (400, 1, 3))
    one = np.cumsum(steps, axis=0)
    same = np.repeat(one, 8, axis=1)  # eight ions moving as one
    # perfectly correlated: |sum dr|^2 / N = N |dr|^2
    from hcflow.descriptors.dynamic import msd_fft

    np.testing.assert_allclose(centre_of_mass_msd(same), 8 * msd_fft(one)[:, 0])


def test_perfectly_correlated_ions_give_D_sigma_N_times_D():
    n = 10
    x = brownian(n_na=1, n_c=0, n_frames=1001, d_A2_ps=1.0, dt_ps=0.01, seed=9)[1]
    x = np.repeat(x, n, axis=1) + np.arange(n)[None, :, None]  # rigid block
    r = analyse_transport(
        x, DescriptorSettings().resolve(1001, 0.01), DescriptorSettings()
    )
    t = r.trajectory
    assert t["D_sigma_cm2_s"] == pytest.approx(n * t["D_cm2_s"], rel=1e-9)
    assert t["haven_ratio"] == pytest.approx(1 / n, rel=1e-9)


def test_independent_ions_have_haven_ratio_one():
    x = brownian(n_na=100, n_c=0, n_frames=2001, d_A2_ps=1.0, dt_ps=0.01, seed=21)[1]
    s = DescriptorSettings()
    t = analyse_transport(x, s.resolve(2001, 0.01), s).trajectory
    assert t["haven_ci95_low"] <= 1.0 <= t["haven_ci95_high"]
    assert t["D_sigma_ci95_low"] <= 1e-4 <= t["D_sigma_ci95_high"]
    assert 0.4 < t["haven_ratio"] < 2.5


def test_centre_of_mass_interval_and_haven_edge_cases(rng):
    lags = np.arange(10, 60, 5)
    fit = gls_fit(lags, 301, 0.01)
    frozen = np.zeros((301, 4, 3))
    com = centre_of_mass_diffusion(frozen, fit)
    assert com["D_sigma_cm2_s"] == 0.0
    none = haven_ratio(1e-5, 1e-6, 0.0, 0.1, d_sigma_high=4e-5)
    assert none["haven_ratio"] is None and none["haven_ci95_high"] is None
    assert none["haven_ci95_low"] == pytest.approx(0.25)
    h = haven_ratio(1e-5, 0.0, 2e-5, 0.04)
    assert h["haven_ratio"] == pytest.approx(0.5)
    assert h["haven_ci95_low"] == pytest.approx(0.5 * np.exp(-1.96 * 0.2), rel=1e-3)
