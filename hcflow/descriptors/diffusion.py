"""Is this D a long-time diffusion coefficient? The verdict with power.

Three outcomes on an MSD curve over the fit window ``[t0, t1]`` (per
trajectory the ion-averaged MSD, per ion its own): ``diffusive`` (an
equivalence test puts the log-log slope inside ``[slope_min, slope_max]`` and
the MSD reaches ``msd_min_A2``), ``not diffusive`` with the reason
(``confined``, ``sub-diffusive``, ``ballistic``), or ``undetermined`` (the run
is too short to tell; ``diffusive`` is then None).

Rules, thresholds and the power benchmark: docs/verdict.md; the outcomes in
detail: docs/descriptors.md.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hcflow.descriptors.brownian_msd import (
    LoglogNull,
    brownian_msd_covariance,
    flattening_weights,
    loglog_null,
    loglog_weights,
)

DIFFUSIVE, NOT_DIFFUSIVE, UNDETERMINED = "diffusive", "not diffusive", "undetermined"
#: a slope below the band and below this is a plateau (a bounded MSD: confined)
PLATEAU_SLOPE = 0.3
#: every outcome (the ``diffusion_outcome`` field of ions and trajectories)
OUTCOMES = (DIFFUSIVE, NOT_DIFFUSIVE, UNDETERMINED)


@dataclass(frozen=True)
class DiffusiveCriteria:
    """Thresholds of the verdict (see the module docstring).

    ``noise_z`` widens the band for the *consistency* test that places the
    automatic fit window; ``equivalence_z`` is the one-sided quantile of the
    equivalence test (1.645: a 90 % interval) and of the sub-/super-diffusive
    tests; ``confined_z`` that of the flattening test.
    """

    msd_min_A2: float = 4.0
    slope_min: float = 0.85
    slope_max: float = 1.15
    noise_z: float = 2.0
    min_span: float = 2.0
    n_loglog_lags: int = 20
    equivalence_z: float = 1.645
    confined_z: float = 2.33


@dataclass(frozen=True)
class Verdict:
    """The verdict on one MSD curve over one window."""

    diffusive: bool | None  #: True / False; None when undetermined
    reason: str
    slope: float  #: measured log-log slope of the MSD over the window
    msd_start_A2: float  #: MSD at the window start
    outcome: str = DIFFUSIVE  #: one of :data:`OUTCOMES`
    slope_std: float = float("nan")  #: sampling std of free diffusers
    consistent: bool = True  #: slope and length not rejected (window choice)


def loglog_lags(start: int, stop: int, n: int = 20) -> np.ndarray:
    """About ``n`` log-spaced unique integer lags from ``start`` to ``stop``."""
    start, stop = max(int(start), 1), max(int(stop), 1)
    return np.unique(np.geomspace(start, max(stop, start), n).round().astype(int))


def loglog_slope(msd_at_lags: np.ndarray, lags: np.ndarray) -> np.ndarray:
    """Least-squares slope of log MSD vs log lag along axis 0 (MSD <= 0 -> tiny)."""
    logs = np.log(np.maximum(np.asarray(msd_at_lags, float), 1e-12))
    return np.tensordot(loglog_weights(lags), logs, axes=(0, 0))


def _outcome(
    s: float,
    sigma: float,
    flat: float,
    flat_sigma: float,
    m_len: float,
    len_ok: bool,
    c: DiffusiveCriteria,
) -> tuple[str, str]:
    """(outcome, reason kernel) of one curve from its corrected statistics."""
    z = c.equivalence_z
    lo, hi = s - z * sigma, s + z * sigma
    band = f"slope {s:.2f} (90 % interval {lo:.2f}-{hi:.2f})"
    flattens = np.isfinite(flat_sigma) and flat < -c.confined_z * flat_sigma
    small = m_len < c.msd_min_A2
    if hi < c.slope_min:
        flat_msd = s < PLATEAU_SLOPE
        kind = "confined" if (flattens or small or flat_msd) else "sub-diffusive"
        why = (
            "MSD levels off"
            if flattens
            else f"MSD plateau at {m_len:.3g} A^2"
            if flat_msd
            else f"MSD only {m_len:.3g} A^2, below the {c.msd_min_A2:g} A^2 length "
            "scale (caged, or too short a run)"
        )
        why = why if kind == "confined" else "MSD grows slower than linearly"
        return NOT_DIFFUSIVE, f"{kind}: {why}, {band} below {c.slope_min:g}"
    if lo > c.slope_max:
        return NOT_DIFFUSIVE, f"ballistic: {band} above {c.slope_max:g}"
    if flattens and s < 1.0:
        return NOT_DIFFUSIVE, (
            f"confined: MSD levels off (late-half minus early-half slope "
            f"{flat:.2f}, sampling std {flat_sigma:.2f}), {band}"
        )
    if lo >= c.slope_min and hi <= c.slope_max and len_ok:
        return DIFFUSIVE, f"{band} inside {c.slope_min:g}-{c.slope_max:g}"
    if lo >= c.slope_min and hi <= c.slope_max:
        return UNDETERMINED, (
            f"run too short: {band} linear, but MSD only {m_len:.3g} A^2 < "
            f"{c.msd_min_A2:g} A^2 (ions have not left their cage yet)"
        )
    room = min(1.0 - c.slope_min, c.slope_max - 1.0) - abs(s - 1.0)
    need = (
        f"about {min((z * sigma / room) ** 2, 999.0):.0f}x longer or more ions"
        if room > 0
        else "a longer run"
    )
    return UNDETERMINED, (
        f"run too short: {band} neither inside nor outside "
        f"{c.slope_min:g}-{c.slope_max:g} (needs {need})"
    )


def judge_curves(
    msd: np.ndarray,
    lag_start: int,
    lag_stop: int,
    dt: float,
    null: LoglogNull,
    length: str = "start",
    criteria: DiffusiveCriteria | None = None,
    noise_allowance: float = 0.0,
) -> list[Verdict]:
    """The verdict core shared by trajectories and ions.

    Parameters
    ----------
    msd
        (n_frames,) or (n_frames, n_curves) MSD at every lag (A^2), lag 0 first.
    lag_start, lag_stop
        Window in frames.
    dt
        Frame interval (ps), for the reasons.
    null
        :func:`loglog_null` of the window's log-spaced lags for the number of
        particles averaged in each curve.
    length
        ``"start"``: the MSD at the window start must reach the length scale
        (less ``noise_allowance`` relative stds, the trajectory rule);
        ``"end"``: the MSD at the window end must (one ion).
    criteria
        Thresholds (defaults when None).
    """
    c = criteria or DiffusiveCriteria()
    curves = np.asarray(msd, float)
    curves = curves.reshape(curves.shape[0], -1)
    lags = loglog_lags(lag_start, lag_stop, c.n_loglog_lags)
    logs = np.log(np.maximum(curves[lags], 1e-12))
    slopes = np.tensordot(loglog_weights(lags), logs, axes=(0, 0))
    corrected = slopes + (1.0 - null.slope_mean)
    fw = flattening_weights(lags)
    flat = (
        np.tensordot(fw, logs, axes=(0, 0)) - null.flat_mean
        if fw is not None
        else np.full(curves.shape[1], np.nan)
    )
    m0, m1 = curves[lags[0]], curves[lags[-1]]
    m_len = m0 if length == "start" else m1
    len_limit = c.msd_min_A2 * np.exp(-noise_allowance * null.start_rel_std)
    tol = c.noise_z * null.slope_std
    t0, t1 = lags[0] * dt, lags[-1] * dt
    out = []
    for i in range(curves.shape[1]):
        len_ok = bool(m_len[i] >= len_limit)
        outcome, kernel = _outcome(
            float(corrected[i]),
            null.slope_std,
            float(flat[i]),
            null.flat_std,
            float(m_len[i]),
            len_ok,
            c,
        )
        where = f"MSD over {t0:.3g}-{t1:.3g} ps"
        bound = (
            "D is a long-time D"
            if outcome == DIFFUSIVE
            else "D is an upper bound"
            if corrected[i] < 1.0
            else "D is not a long-time D"
        )
        out.append(
            Verdict(
                diffusive=None if outcome == UNDETERMINED else outcome == DIFFUSIVE,
                reason=f"{outcome}: {kernel}; {where}; {bound}",
                slope=float(slopes[i]),
                msd_start_A2=float(m0[i]),
                outcome=outcome,
                slope_std=float(null.slope_std),
                consistent=bool(
                    len_ok and c.slope_min - tol <= corrected[i] <= c.slope_max + tol
                ),
            )
        )
    return out


def judge(
    msd: np.ndarray,
    lag_start: int,
    lag_stop: int,
    dt: float,
    n_frames: int,
    n_particles: int,
    criteria: DiffusiveCriteria | None = None,
    null: LoglogNull | None = None,
) -> list[Verdict]:
    """Verdicts on ion-averaged MSD curves (``n_particles`` ions each).

    The length test is on the MSD at the window start, allowing
    ``noise_z`` relative sampling stds. ``null``: a precomputed
    :func:`loglog_null` of the window's lags for ``n_particles``.
    """
    c = criteria or DiffusiveCriteria()
    if null is None:
        lags = loglog_lags(lag_start, lag_stop, c.n_loglog_lags)
        null = loglog_null(lags, n_frames, n_particles)
    return judge_curves(msd, lag_start, lag_stop, dt, null, "start", c, c.noise_z)


def judge_ions(
    msd: np.ndarray,
    lag_start: int,
    lag_stop: int,
    dt: float,
    n_frames: int,
    criteria: DiffusiveCriteria | None = None,
    null: LoglogNull | None = None,
) -> list[Verdict]:
    """Per-ion verdicts over the trajectory's window (one-ion sampling noise).

    The length test is on the ion's MSD at the window *end* (within the window
    it moved farther than a cage of the length scale would let it).
    """
    c = criteria or DiffusiveCriteria()
    if null is None:
        lags = loglog_lags(lag_start, lag_stop, c.n_loglog_lags)
        null = loglog_null(lags, n_frames, 1)
    return judge_curves(msd, lag_start, lag_stop, dt, null, "end", c)


def choose_fit_start(
    msd_mean: np.ndarray,
    lag_stop: int,
    n_frames: int,
    n_particles: int,
    criteria: DiffusiveCriteria | None = None,
) -> int | None:
    """Earliest start lag of a window ending at ``lag_stop`` consistent with
    diffusion, or None.

    Candidates: about 60 log-spaced lags ``t0`` from 1 to ``lag_stop /
    min_span``. A candidate is accepted when the ion-averaged MSD is
    *consistent* with diffusion (slope within the band widened by
    ``noise_z`` sampling stds, MSD at ``t0`` at the length scale) over
    ``[t0, lag_stop]`` and over ``[t0, min_span * t0]`` alone (the local
    slope has settled: out of the ballistic-to-diffusive crossover). The
    verdict on the chosen window is then the equivalence test of :func:`judge`.
    """
    c = criteria or DiffusiveCriteria()
    top = int(np.floor(lag_stop / c.min_span))
    if top < 1:
        return None
    msd_mean = np.asarray(msd_mean, float)
    for cand in np.unique(np.geomspace(1, top, 60).round().astype(int)):
        var = brownian_msd_covariance(np.array([cand]), n_frames)[0, 0]
        rel_std = np.sqrt(var / n_particles) / (3.0 * cand)
        if msd_mean[cand] < c.msd_min_A2 * np.exp(-c.noise_z * rel_std):
            continue
        local_stop = min(int(np.ceil(c.min_span * cand)), lag_stop)
        if local_stop - cand < 2:
            continue
        local = judge(msd_mean, cand, local_stop, 1.0, n_frames, n_particles, c)[0]
        if not local.consistent:
            continue
        verdict = judge(msd_mean, cand, lag_stop, 1.0, n_frames, n_particles, c)[0]
        if verdict.consistent:
            return int(cand)
    return None
