"""Dynamic per-ion descriptors: how each Na ion moves (A, ps, cm2/s).

All functions take **unwrapped** positions ``x`` (n_frames, n_ions, 3) in A
with a constant frame interval ``dt`` in ps. MSD over every time origin (FFT
algorithm), D_i from the MSD slope over the fit window
(:mod:`hcflow.descriptors.transport`, clipped at 0, cm2/s), coarse-grained
positions over ``tau``, the non-Gaussian parameter, path tortuosity and the
maximum displacement; sites and hops are in :mod:`hcflow.descriptors.sites`.
The definitions in full: docs/descriptors.md.
"""

from __future__ import annotations

import numpy as np

from hcflow.descriptors.windows import ResolvedWindows
from hcflow.errors import HcflowError

A2_PS_TO_CM2_S = 1e-4
PATH_TORTUOSITY_CAP = 1000.0


def msd_fft(x: np.ndarray) -> np.ndarray:
    """Time-origin-averaged MSD of every particle at every lag (FFT).

    Parameters
    ----------
    x
        (n_frames, n_particles, 3) unwrapped positions (A).

    Returns
    -------
    np.ndarray
        (n_frames, n_particles) MSD in A^2 for lags 0 .. n_frames - 1.
    """
    x = np.asarray(x, float)
    n = x.shape[0]
    sq = np.einsum("tid,tid->ti", x, x)
    prefix = np.concatenate([np.zeros((1, sq.shape[1])), np.cumsum(sq, axis=0)])
    lags = np.arange(n)
    count = (n - lags)[:, None]
    s1 = (prefix[n] - prefix[lags] + prefix[n - lags]) / count
    nfft = 1 << int(np.ceil(np.log2(2 * n)))
    f = np.fft.rfft(x, n=nfft, axis=0)
    acf = np.fft.irfft((f * f.conj()).real.sum(axis=2), n=nfft, axis=0)[:n]
    s2 = acf / count
    return np.maximum(s1 - 2 * s2, 0.0)


def fit_slopes(
    msd: np.ndarray, lags: np.ndarray, dt: float, weighting: str = "none"
) -> np.ndarray:
    """Slopes (A^2/ps) of straight-line fits of MSD curves over given lags.

    Parameters
    ----------
    msd
        (n_lags, ...) MSD values at ``lags`` (A^2); fits run along axis 0.
    lags
        Lags in frames.
    dt
        Frame interval (ps).
    weighting
        'none' or 'inverse_lag'.
    """
    t = np.asarray(lags, float) * dt
    w = np.ones_like(t) if weighting == "none" else 1.0 / t
    a = np.stack([t, np.ones_like(t)], axis=1) * np.sqrt(w)[:, None]
    y = msd.reshape(len(t), -1) * np.sqrt(w)[:, None]
    coef, *_ = np.linalg.lstsq(a, y, rcond=None)
    return coef[0].reshape(msd.shape[1:])


def coarse_positions(x: np.ndarray, frames: int) -> np.ndarray:
    """Means over consecutive non-overlapping windows of ``frames`` frames."""
    n_win = x.shape[0] // frames
    return x[: n_win * frames].reshape(n_win, frames, *x.shape[1:]).mean(axis=1)


def non_gaussian(x: np.ndarray, lag: int) -> np.ndarray:
    """alpha2 of each particle's displacements over ``lag`` frames (all origins)."""
    d = x[lag:] - x[:-lag]
    r2 = np.einsum("tid,tid->ti", d, d)
    m2 = r2.mean(axis=0)
    m4 = (r2**2).mean(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        a2 = 3.0 * m4 / (5.0 * m2**2) - 1.0
    return np.where(m2 > 0, a2, 0.0)


def path_tortuosity(coarse: np.ndarray) -> np.ndarray:
    """Coarse path length over net displacement, per particle (capped)."""
    if coarse.shape[0] < 2:
        return np.ones(coarse.shape[1])
    path = np.linalg.norm(np.diff(coarse, axis=0), axis=2).sum(axis=0)
    net = np.linalg.norm(coarse[-1] - coarse[0], axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        tort = np.where(net > 0, path / net, PATH_TORTUOSITY_CAP)
    return np.clip(tort, 1.0, PATH_TORTUOSITY_CAP)


def msd_lags(max_lag: int, n_points: int) -> np.ndarray:
    """About ``n_points`` log-spaced integer lags 1..max_lag (unique)."""
    if max_lag < 1:
        return np.zeros(0, int)
    lags = np.unique(np.geomspace(1, max_lag, n_points).round().astype(int))
    return lags


def dynamic_descriptors(
    x: np.ndarray,
    win: ResolvedWindows,
    d_raw_cm2_s: np.ndarray,
) -> dict[str, np.ndarray]:
    """The MSD-based dynamic descriptors of every ion (sites: :mod:`.sites`).

    Parameters
    ----------
    x
        (n_frames, n_ions, 3) unwrapped (and drift-corrected) positions, A.
    win
        Resolved time windows of this trajectory.
    d_raw_cm2_s
        Per-ion MSD slope / 6 (cm2/s, not clipped) from the transport fit
        (:func:`hcflow.descriptors.transport.analyse_transport`).

    Returns
    -------
    dict
        name -> (n_ions,) arrays (the names of
        :data:`hcflow.schemas.names.DYNAMIC` that are not site names).
    """
    d_raw = np.asarray(d_raw_cm2_s, float)
    if d_raw.shape != (x.shape[1],):
        raise HcflowError(
            f"d_raw_cm2_s has shape {d_raw.shape}, expected ({x.shape[1]},)"
        )
    d_cm2 = np.maximum(d_raw, 0.0)
    coarse = coarse_positions(x, win.coarse_frames)
    disp = np.linalg.norm(x - x[:1], axis=2)
    return {
        "D_cm2_s": d_cm2,
        "log10_D": np.log10(np.maximum(d_cm2, 1e-12)),
        "non_gaussian": non_gaussian(x, win.coarse_frames),
        "path_tortuosity": path_tortuosity(coarse),
        "max_displacement_A": disp.max(axis=0),
    }
