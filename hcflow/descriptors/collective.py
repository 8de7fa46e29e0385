"""Collective (per-trajectory) transport: tracer D of Na with a 95 % interval.

Point estimate
    ``D = mean_i D_i``: the slope of the straight-line fit of the ion-averaged
    MSD over the fit window, divided by 6 (a least-squares fit is linear in
    the data, so the two are identical).

Uncertainty (in the spirit of kinisi: resample the independent pieces of
information rather than trusting a least-squares standard error, which
ignores that MSD values at neighbouring lags are strongly correlated)
    For every ion ``i`` and every one of ``n_blocks`` contiguous blocks ``b``
    of time origins, the MSD at ``bootstrap_lags`` lags spread over the fit
    window is averaged over the origins of that block only (for each lag the
    valid origins ``0 .. N - lag - 1`` are split into equal blocks) and
    fitted, giving ``D_ib``. A two-way (ions x blocks) bootstrap resamples
    ions and blocks with replacement ``n_bootstrap`` times; the 2.5 and 97.5
    percentiles of the resampled means, shifted by the difference between
    ``D`` and ``mean D_ib``, give the 95 % interval. Resampling ions captures
    ion-to-ion variation; resampling time blocks captures slow fluctuations
    common to all ions (framework motion, collective events). For independent
    ions the two-way bootstrap is slightly conservative.
"""

from __future__ import annotations

import numpy as np

from hcflow.descriptors.dynamic import A2_PS_TO_CM2_S, fit_slopes
from hcflow.descriptors.settings import ResolvedWindows


def block_msd(x: np.ndarray, lags: np.ndarray, n_blocks: int) -> np.ndarray:
    """MSD per ion, per block of time origins, per lag: (n_ions, n_blocks, n_lags).

    For each lag the valid origins ``0 .. N - lag - 1`` are split into
    ``n_blocks`` contiguous, nearly equal blocks.
    """
    n = x.shape[0]
    out = np.empty((x.shape[1], n_blocks, len(lags)))
    for k, lag in enumerate(lags):
        d = x[lag:] - x[: n - lag]
        sq = np.einsum("tid,tid->ti", d, d)
        edges = np.linspace(0, n - lag, n_blocks + 1).round().astype(int)
        edges = np.minimum(edges, n - lag - 1)
        sums = np.add.reduceat(sq, edges[:-1], axis=0)
        counts = np.diff(np.append(edges[:-1], n - lag))
        out[:, :, k] = (sums / np.maximum(counts, 1)[:, None]).T
    return out


def tracer_diffusion(
    x: np.ndarray,
    win: ResolvedWindows,
    d_ions_cm2_s: np.ndarray,
    n_blocks: int = 5,
    n_bootstrap: int = 1000,
    n_lags: int = 16,
    weighting: str = "none",
    seed: int = 0,
) -> dict[str, float]:
    """Tracer D (cm2/s) of the ions in ``x`` with a bootstrap 95 % interval.

    Parameters
    ----------
    x
        (n_frames, n_ions, 3) unwrapped, drift-corrected positions (A).
    win
        Resolved windows (fit window in frames).
    d_ions_cm2_s
        Per-ion D_i from the full fit, not clipped at 0 (their mean is the
        point estimate, unbiased also for nearly immobile ions).
    n_blocks, n_bootstrap, n_lags, weighting, seed
        Bootstrap settings (see the module docstring).

    Returns
    -------
    dict
        ``D_cm2_s``, ``D_ci95_low``, ``D_ci95_high``, ``D_std_cm2_s``
        (bootstrap standard deviation), ``n_blocks``, ``n_bootstrap``.
    """
    d_point = max(float(np.mean(d_ions_cm2_s)), 0.0)
    n_frames, n_ions, _ = x.shape
    n_blocks = int(max(1, min(n_blocks, n_frames - win.fit_lag_stop - 1)))
    lags = np.unique(
        np.linspace(win.fit_lag_start, win.fit_lag_stop, n_lags).round().astype(int)
    )
    bm = block_msd(x, lags, n_blocks)  # (ions, blocks, lags)
    slopes = fit_slopes(np.moveaxis(bm, 2, 0), lags, win.frame_dt_ps, weighting)
    d_ib = slopes / 6.0 * A2_PS_TO_CM2_S  # (ions, blocks), unclipped
    rng = np.random.default_rng(seed)
    w_ion = rng.multinomial(n_ions, np.full(n_ions, 1.0 / n_ions), size=n_bootstrap)
    w_blk = rng.multinomial(
        n_blocks, np.full(n_blocks, 1.0 / n_blocks), size=n_bootstrap
    )
    boot = np.einsum("ri,ib,rb->r", w_ion, d_ib, w_blk) / (n_ions * n_blocks)
    shift = d_point - float(d_ib.mean())
    lo, hi = np.percentile(boot, [2.5, 97.5]) + shift
    return {
        "D_cm2_s": d_point,
        "D_ci95_low": float(max(lo, 0.0)),
        "D_ci95_high": float(hi),
        "D_std_cm2_s": float(np.std(boot)),
        "n_blocks": n_blocks,
        "n_bootstrap": int(n_bootstrap),
    }
