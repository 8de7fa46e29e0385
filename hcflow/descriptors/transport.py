"""The transport analysis of one trajectory's mobile ions, in one call.

:func:`analyse_transport` takes the unwrapped, drift-corrected positions of
the mobile ions and the resolved time windows and returns: the MSD of every
ion at every lag, the fit window actually used (chosen automatically unless
the settings fix it, :mod:`hcflow.descriptors.diffusion`), per-ion D_i and
diffusive verdicts, and the per-trajectory tracer D with its interval,
verdict, centre-of-mass D and Haven ratio (:mod:`hcflow.descriptors.collective`).
Pure numpy; it knows nothing about species, so it serves any mobile ion.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from hcflow.descriptors.brownian_msd import (
    GlsFit,
    brownian_msd_covariance,
    gls_fit,
    loglog_null,
)
from hcflow.descriptors.collective import (
    centre_of_mass_diffusion,
    haven_ratio,
    tracer_diffusion,
)
from hcflow.descriptors.diffusion import (
    DiffusiveCriteria,
    Verdict,
    choose_fit_start,
    judge,
    judge_ions,
    loglog_lags,
)
from hcflow.descriptors.dynamic import A2_PS_TO_CM2_S, fit_slopes, msd_fft
from hcflow.descriptors.settings import DescriptorSettings
from hcflow.descriptors.windows import ResolvedWindows


@dataclass
class TransportResult:
    """Transport of the mobile ions of one trajectory (see the module docstring)."""

    windows: ResolvedWindows  #: with the fit window actually used
    msd: np.ndarray  #: (n_frames, n_ions) MSD at every lag, A^2
    d_ions_raw_cm2_s: np.ndarray  #: per-ion slope / 6, not clipped at 0
    ion_verdicts: list[Verdict]
    trajectory: dict[str, Any]  #: per-trajectory fields of the summary document


def gls_lags(lag_start: int, lag_stop: int, n: int) -> np.ndarray:
    """About ``n`` evenly spaced unique lags from ``lag_start`` to ``lag_stop``."""
    return np.unique(np.linspace(lag_start, lag_stop, n).round().astype(int))


def analyse_transport(
    x: np.ndarray, win: ResolvedWindows, settings: DescriptorSettings
) -> TransportResult:
    """Tracer and collective transport of the ions in ``x`` (A, ps, cm2/s).

    Parameters
    ----------
    x
        (n_frames, n_ions, 3) unwrapped, drift-corrected positions (A).
    win
        Windows from :meth:`DescriptorSettings.resolve`; with
        ``win.auto_fit`` the start of the fit window is chosen here.
    settings
        Descriptor settings (fit weighting, GLS lags, verdict criteria).
    """
    n_frames, n_ions, _ = x.shape
    dt = win.frame_dt_ps
    crit: DiffusiveCriteria = settings.diffusive_criteria()
    msd = msd_fft(x)
    mean = msd.mean(axis=1)
    note = ""
    if win.auto_fit:
        start = choose_fit_start(mean, win.fit_lag_stop, n_frames, n_ions, crit)
        if start is None:
            # the latest window allowed: where a caged or sub-diffusive MSD is
            # flattest, so the (non-diffusive) D is the tightest upper bound
            start = max(1, int(np.floor(win.fit_lag_stop / crit.min_span)))
            note = "; automatic window: none consistent with diffusion, latest used"
        win = replace(win, fit_lag_start=start)
    lo, hi = win.fit_lag_start, win.fit_lag_stop

    fit: GlsFit = gls_fit(gls_lags(lo, hi, settings.gls_lags), n_frames, dt)
    if settings.fit_weighting == "gls":
        slopes = fit.slope(msd[fit.lags])
    else:
        every = np.arange(lo, hi + 1)
        slopes = fit_slopes(msd[every], every, dt, settings.fit_weighting)
    d_raw = slopes / 6.0 * A2_PS_TO_CM2_S

    ll = loglog_lags(lo, hi, crit.n_loglog_lags)
    cov = brownian_msd_covariance(ll, n_frames)
    traj_v = judge(
        mean, lo, hi, dt, n_frames, n_ions, crit, loglog_null(ll, n_frames, n_ions, cov)
    )[0]
    ion_v = judge_ions(
        msd, lo, hi, dt, n_frames, crit, loglog_null(ll, n_frames, 1, cov)
    )

    tracer = tracer_diffusion(d_raw, fit.relative_variance)
    com = centre_of_mass_diffusion(x, fit, scale_cm2_s=tracer["D_cm2_s"])
    haven = haven_ratio(
        tracer["D_cm2_s"],
        tracer["D_std_cm2_s"],
        com["D_sigma_cm2_s"],
        fit.relative_variance,
        d_sigma_high=com["D_sigma_ci95_high"],
    )
    trajectory = {
        **tracer,
        "diffusive": traj_v.diffusive,
        "diffusive_reason": traj_v.reason + note,
        "diffusion_outcome": traj_v.outcome,
        "msd_loglog_slope_std": traj_v.slope_std,
        "msd_loglog_slope": traj_v.slope,
        "msd_at_fit_start_A2": traj_v.msd_start_A2,
        "fit_window_auto": bool(win.auto_fit),
        "D_sigma_cm2_s": com["D_sigma_cm2_s"],
        "D_sigma_ci95_low": com["D_sigma_ci95_low"],
        "D_sigma_ci95_high": com["D_sigma_ci95_high"],
        **haven,
    }
    return TransportResult(
        windows=win,
        msd=msd,
        d_ions_raw_cm2_s=d_raw,
        ion_verdicts=ion_v,
        trajectory=trajectory,
    )
