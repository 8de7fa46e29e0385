"""MSD, per-ion D and the other MSD-based dynamic descriptors (sites: test_sites)."""

from __future__ import annotations

import numpy as np
import pytest

from hcflow.descriptors.compute import compute_descriptors
from hcflow.descriptors.dynamic import (
    coarse_positions,
    fit_slopes,
    msd_fft,
    non_gaussian,
    path_tortuosity,
)
from hcflow.descriptors.settings import DescriptorSettings
from hcflow.descriptors.synthetic import brownian
from hcflow.md.trajectory import unwrap_positions


def test_msd_fft_equals_direct_average(rng):
    x = np.cumsum(rng.normal(size=(57, 4, 3)), axis=0)
    msd = msd_fft(x)
    for lag in (0, 1, 5, 30, 56):
        d = x[lag:] - x[: len(x) - lag]
        np.testing.assert_allclose(msd[lag], (d**2).sum(-1).mean(0), atol=1e-9)


def test_fit_slopes_exact_line_and_weights():
    lags = np.arange(3, 20)
    msd = (6 * 0.7 * lags * 0.2 + 1.3)[:, None] * np.ones((1, 2))
    for weighting in ("none", "inverse_lag"):
        np.testing.assert_allclose(fit_slopes(msd, lags, 0.2, weighting), 6 * 0.7)


def _ols_theory(n_frames, lag_start, lag_stop, dt, d):
    """Exact mean and std of the per-ion OLS D for 3D Brownian motion.

    The MSD at lag n is a quadratic form of the Gaussian increments xi
    (variance s2 = 2 D dt per coordinate): M_n = xi^T B_n xi / (N - n) with
    B_n[j, k] the number of windows of n steps holding both j and k. The OLS
    slope is sum_n c_n M_n = xi^T A xi, so per coordinate its mean is
    s2 tr(A) and its variance 2 s2^2 tr(A^2); three coordinates add.
    """
    n_inc = n_frames - 1
    lags = np.arange(lag_start, lag_stop + 1)
    t = lags * dt
    c = (t - t.mean()) / np.sum((t - t.mean()) ** 2)
    j = np.arange(n_inc)[:, None]
    k = np.arange(n_inc)[None, :]
    lo, hi = np.minimum(j, k), np.maximum(j, k)
    a = np.zeros((n_inc, n_inc))
    for cn, n in zip(c, lags, strict=True):
        count = np.minimum(lo, n_frames - n - 1) - np.maximum(hi - n + 1, 0) + 1
        a += cn * np.maximum(count, 0) / (n_frames - n)
    s2 = 2 * d * dt
    mean = 3 * s2 * np.trace(a) / 6
    std = np.sqrt(3 * 2 * s2**2 * np.sum(a * a)) / 6
    return mean, std


@pytest.fixture(scope="module")
def brownian_400():
    d, dt, n_frames = 0.05, 0.1, 400
    wrapped, _, cells, numbers = brownian(
        n_na=400, n_c=20, n_frames=n_frames, box=15.0, d_A2_ps=d, dt_ps=dt, seed=3
    )
    return unwrap_positions(wrapped, cells), cells, numbers, d, dt, n_frames


def test_per_ion_D_spread_matches_theory(brownian_400):
    """Ordinary least squares on every lag: per-ion spread = exact theory."""
    x, cells, numbers, d, dt, n_frames = brownian_400
    settings = DescriptorSettings(
        structural_stride=100,
        pore_frames=1,
        fit_weighting="none",
        fit_window="fraction",
        fit_stop_fraction=0.25,
    )
    res = compute_descriptors(x, cells, numbers, dt, settings)
    w = res.windows
    mean, std = _ols_theory(n_frames, w.fit_lag_start, w.fit_lag_stop, dt, d)
    assert mean == pytest.approx(d, rel=1e-9)  # OLS of the MSD is unbiased
    d_i = res.values["D_cm2_s"] / 1e-4
    assert np.mean(d_i) == pytest.approx(d, rel=0.05)
    # sample std of 400 values: relative standard error ~ 4 %
    assert np.std(d_i) == pytest.approx(std, rel=0.15)


def test_gls_per_ion_spread_is_model_and_smaller_than_ols(brownian_400):
    """GLS (default): per-ion spread = sqrt(relative variance) D, < OLS spread."""
    from hcflow.descriptors.brownian_msd import gls_fit
    from hcflow.descriptors.transport import gls_lags

    x, cells, numbers, d, dt, n_frames = brownian_400
    common = {"structural_stride": 100, "pore_frames": 1, "fit_window": "fraction"}
    gls = compute_descriptors(x, cells, numbers, dt, common)
    ols = compute_descriptors(x, cells, numbers, dt, common | {"fit_weighting": "none"})
    w = gls.windows
    fit = gls_fit(gls_lags(w.fit_lag_start, w.fit_lag_stop, 40), n_frames, dt)
    d_i = gls.values["D_cm2_s"] / 1e-4
    assert np.mean(d_i) == pytest.approx(d, rel=0.05)
    assert np.std(d_i) == pytest.approx(np.sqrt(fit.relative_variance) * d, rel=0.15)
    assert np.std(d_i) < 0.7 * np.std(ols.values["D_cm2_s"] / 1e-4)


def test_path_tortuosity_and_non_gaussian_known_values(rng):
    line = np.linspace(0, 10, 50)[:, None, None] * np.array([1.0, 0, 0])
    assert path_tortuosity(coarse_positions(line, 5))[0] == pytest.approx(1.0)
    zigzag = np.zeros((5, 1, 3))
    zigzag[:, 0, 0] = [0, 1, 0, 1, 2]  # path 4, net 2
    assert path_tortuosity(zigzag)[0] == pytest.approx(2.0)
    gauss = np.cumsum(rng.normal(size=(20000, 1, 3)), axis=0)
    assert abs(non_gaussian(gauss, 1)[0]) < 0.05
