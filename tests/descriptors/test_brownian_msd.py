"""The Brownian MSD model: exact covariance, GLS fit, null statistics."""

from __future__ import annotations

import numpy as np
import pytest

from hcflow.descriptors.brownian_msd import (
    brownian_msd_covariance,
    chi2_interval,
    gls_fit,
    loglog_null,
)
from hcflow.descriptors.diffusion import loglog_slope
from hcflow.descriptors.dynamic import msd_fft


def _walks(rng, n_frames, n, d=1.0, dt=1.0):
    steps = rng.normal(0, np.sqrt(2 * d * dt), (n_frames - 1, n, 3))
    return np.concatenate([np.zeros((1, n, 3)), np.cumsum(steps, axis=0)])


def test_covariance_matches_simulation(rng):
    n_frames, lags = 60, np.array([1, 3, 7, 20, 40, 59])
    msd = msd_fft(_walks(rng, n_frames, 20000))[lags]  # s2 = 2 D dt = 2
    cov = brownian_msd_covariance(lags, n_frames) * 4.0
    np.testing.assert_allclose(msd.mean(axis=1), 6.0 * lags, rtol=0.01)
    np.testing.assert_allclose(np.cov(msd), cov, rtol=0.06)
    # a hand-counted case: 3 frames (2 increments), lag 1: M = (a^2 + b^2) / 2
    # per coordinate, var = (2 + 2) / 4 = 1 (s2 = 1), three coordinates -> 3
    assert brownian_msd_covariance(np.array([1]), 3)[0, 0] == pytest.approx(3.0)


def test_gls_fit_is_exact_on_lines_and_its_variance_is_right(rng):
    n_frames, dt = 201, 0.05
    lags = np.unique(np.linspace(10, 100, 30).round().astype(int))
    fit = gls_fit(lags, n_frames, dt)
    t = lags * dt
    assert fit.slope(2.5 * t + 0.7) == pytest.approx(2.5)
    assert fit.intercept_weights @ (2.5 * t + 0.7) == pytest.approx(0.7)
    x = _walks(rng, n_frames, 2000, d=0.3, dt=dt)
    d_i = fit.slope(msd_fft(x)[lags]) / 6.0
    assert np.mean(d_i) == pytest.approx(0.3, rel=0.03)
    assert np.std(d_i) / 0.3 == pytest.approx(np.sqrt(fit.relative_variance), rel=0.06)


def test_loglog_null_matches_simulation(rng):
    n_frames = 301
    lags = np.unique(np.geomspace(20, 150, 20).round().astype(int))
    null = loglog_null(lags, n_frames, 1)
    msd = msd_fft(_walks(rng, n_frames, 3000))[lags]
    slopes = loglog_slope(msd, lags)
    assert np.mean(slopes) == pytest.approx(null.slope_mean, abs=0.01)
    assert null.slope_mean < 1.0  # log of a noisy average is biased low
    assert np.std(slopes) == pytest.approx(null.slope_std, rel=0.08)
    assert np.std(msd[0] / (6 * lags[0])) == pytest.approx(null.start_rel_std, rel=0.08)
    assert loglog_null(lags, n_frames, 100).slope_std == pytest.approx(
        null.slope_std / 10, rel=1e-9
    )


def test_chi2_interval_covers_scaled_chi2_samples(rng):
    nu, truth = 12.0, 3.0
    samples = truth * rng.chisquare(nu, 4000) / nu
    covered = [
        lo <= truth <= hi for lo, hi, _ in (chi2_interval(s, 2.0 / nu) for s in samples)
    ]
    assert np.mean(covered) == pytest.approx(0.95, abs=0.015)
    assert chi2_interval(-1.0, 0.1)[:2] == (0.0, 0.0)
