"""The MSD of Brownian particles: exact covariance, GLS fit and null statistics.

The *reference model* against which measured MSD curves are fitted and
judged: free 3D Brownian particles with diffusion coefficient ``D``, observed
at ``n_frames`` frames ``dt`` apart, their MSD averaged over every time origin
(:func:`hcflow.descriptors.dynamic.msd_fft`). It gives the exact MSD
covariance, the GLS fit of ``MSD = 6 D t + c`` (as kinisi does) and the null
distribution of the log-log slope used by :mod:`hcflow.descriptors.diffusion`.

Details (the covariance formula, precision figures): docs/descriptors.md.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
from scipy import stats


def brownian_msd_covariance(lags: np.ndarray, n_frames: int) -> np.ndarray:
    """Exact covariance of one particle's origin-averaged 3D MSD at ``lags``.

    Parameters
    ----------
    lags
        Lags in frames (1 <= lag <= n_frames - 1).
    n_frames
        Frames in the trajectory.

    Returns
    -------
    np.ndarray
        (n_lags, n_lags) covariance in units of ``(2 D dt)**2``; the MSD mean
        in units of ``2 D dt`` is ``3 * lags``.
    """
    key = tuple(int(v) for v in np.asarray(lags).ravel())
    return _covariance(key, int(n_frames)).copy()


@functools.lru_cache(maxsize=8192)
def _covariance(lags_key: tuple[int, ...], n_frames: int) -> np.ndarray:
    """:func:`brownian_msd_covariance`, cached (the verdict's window search
    asks for the same lags again and again)."""
    lags = np.asarray(lags_key, dtype=np.int64)
    n_inc = n_frames - 1
    k = len(lags)
    cov = np.empty((k, k))
    for a in range(k):
        n = int(lags[a])
        for b in range(a, k):
            m = int(lags[b])
            d = np.arange(-(m - 1), n)
            overlap = (np.minimum(n, d + m) - np.maximum(0, d)).astype(float)
            count = np.minimum(n_inc - n, n_inc - m - d) - np.maximum(0, -d) + 1
            total = float(np.sum(np.maximum(count, 0) * overlap**2))
            cov[a, b] = cov[b, a] = 6.0 * total / ((n_inc - n + 1) * (n_inc - m + 1))
    return cov


@dataclass(frozen=True)
class GlsFit:
    """Linear GLS estimator of a straight line through MSD values at ``lags``.

    ``slope_weights @ msd[lags]`` is the slope (A^2/ps) of the GLS line;
    ``relative_variance`` is the variance of that slope divided by its mean
    squared for ONE Brownian particle (divide by the number of independent
    particles for an average).
    """

    lags: np.ndarray
    slope_weights: np.ndarray
    intercept_weights: np.ndarray
    relative_variance: float

    def slope(self, msd_at_lags: np.ndarray) -> np.ndarray:
        """Slopes (A^2/ps) of MSD curves (n_lags, ...) at :attr:`lags`."""
        return np.tensordot(self.slope_weights, msd_at_lags, axes=(0, 0))


def gls_fit(lags: np.ndarray, n_frames: int, dt: float) -> GlsFit:
    """GLS weights for MSD = slope * t + c at ``lags`` (frames), ``dt`` in ps.

    The covariance is :func:`brownian_msd_covariance`; it is whitened by its
    Cholesky factor (condition numbers ~1e7 for 40 lags are harmless in
    float64).
    """
    lags = np.asarray(lags, dtype=np.int64)
    cov = brownian_msd_covariance(lags, n_frames)
    t = lags * float(dt)
    design = np.stack([t, np.ones_like(t)], axis=1)
    chol = np.linalg.cholesky(cov)
    white = np.linalg.solve(chol, design)
    normal_inv = np.linalg.inv(white.T @ white)  # param covariance / (2 D dt)^2
    # X^T C^-1 = (L^-1 X)^T L^-1 = (L^-T (L^-1 X))^T
    weights = normal_inv @ np.linalg.solve(chol.T, white).T
    mean_slope = 3.0 / float(dt)  # slope in units of 2 D dt per ps
    return GlsFit(
        lags=lags,
        slope_weights=weights[0],
        intercept_weights=weights[1],
        relative_variance=float(normal_inv[0, 0] / mean_slope**2),
    )


def loglog_weights(lags: np.ndarray) -> np.ndarray:
    """Weights ``w`` with ``w @ log(msd)`` = least-squares slope vs ``log(lag)``."""
    lt = np.log(np.asarray(lags, float))
    lt = lt - lt.mean()
    return lt / np.sum(lt * lt)


@dataclass(frozen=True)
class LoglogNull:
    """Sampling statistics of free Brownian particles on one window.

    ``slope_mean`` and ``slope_std``: mean and standard deviation of the
    log-log slope of the MSD averaged over ``n_particles`` independent free
    particles; ``start_rel_std``: relative standard deviation of that MSD at
    the first lag.
    """

    slope_mean: float
    slope_std: float
    start_rel_std: float
    #: mean and std of (late-half slope - early-half slope): the flattening
    #: statistic of the confinement test (NaN when a half has < 2 lags)
    flat_mean: float = float("nan")
    flat_std: float = float("nan")


def loglog_null(
    lags: np.ndarray, n_frames: int, n_particles: int, cov: np.ndarray | None = None
) -> LoglogNull:
    """Null statistics of the log-log slope (see the module docstring).

    Parameters
    ----------
    lags
        Lags (frames) of the window, increasing.
    n_frames
        Frames in the trajectory.
    n_particles
        Independent particles averaged in the MSD (1 for one ion).
    cov
        :func:`brownian_msd_covariance` at ``lags`` when already computed.
    """
    lags = np.asarray(lags, dtype=np.int64)
    if cov is None:
        cov = brownian_msd_covariance(lags, n_frames)
    mean = 3.0 * lags
    rel = cov / np.outer(mean, mean) / max(int(n_particles), 1)
    w = loglog_weights(lags)
    flat = flattening_weights(lags)
    flat_mean = flat_std = float("nan")
    if flat is not None:
        flat_mean = float(-0.5 * flat @ np.diag(rel))
        flat_std = float(np.sqrt(max(flat @ rel @ flat, 0.0)))
    return LoglogNull(
        slope_mean=float(1.0 - 0.5 * w @ np.diag(rel)),
        slope_std=float(np.sqrt(max(w @ rel @ w, 0.0))),
        start_rel_std=float(np.sqrt(rel[0, 0])),
        flat_mean=flat_mean,
        flat_std=flat_std,
    )


def flattening_weights(lags: np.ndarray) -> np.ndarray | None:
    """Weights ``f`` with ``f @ log(msd)`` = late-half minus early-half slope.

    The halves split the lags at their geometric middle (the middle lag
    belongs to both); None when a half has fewer than 2 lags. A free
    diffuser gives 0, an MSD that levels off (a closed void) a negative value.
    """
    lags = np.asarray(lags, float)
    mid = np.sqrt(lags[0] * lags[-1])
    early, late = lags <= mid * (1 + 1e-9), lags >= mid * (1 - 1e-9)
    if early.sum() < 2 or late.sum() < 2:
        return None
    f = np.zeros(len(lags))
    f[late] += loglog_weights(lags[late])
    f[early] -= loglog_weights(lags[early])
    return f


def chi2_interval(
    estimate: float, relative_variance: float, level: float = 0.95
) -> tuple[float, float, float]:
    """Interval of a positive quantity distributed as a scaled chi-square.

    An estimate with relative variance ``v`` is treated as ``D chi2_nu / nu``
    with ``nu = 2 / v`` degrees of freedom (Satterthwaite): the interval is
    ``[estimate nu / chi2_{(1+level)/2}, estimate nu / chi2_{(1-level)/2}]``,
    asymmetric as the sampling distribution of an MSD slope is. Returns
    ``(low, high, nu)``; a non-positive estimate gives ``(0, 0, nu)``.
    """
    nu = 2.0 / max(relative_variance, 1e-12)
    if not estimate > 0:
        return 0.0, 0.0, nu
    alpha = 1.0 - level
    low = estimate * nu / stats.chi2.ppf(1.0 - alpha / 2, nu)
    high = estimate * nu / stats.chi2.ppf(alpha / 2, nu)
    return float(low), float(high), float(nu)
