"""Is this D a long-time diffusion coefficient? The diffusive-regime verdict.

A slope of the MSD is a diffusion coefficient only where the MSD grows
linearly in time *and* the particles have moved farther than their thermal
vibrations. Before that (ballistic flight, rattling in a cage, caged
plateaus of ions trapped in closed voids) a straight-line fit returns a
number that is not the long-time D: for caged or sub-diffusive motion it is
an upper bound (the true long-range D of an ion locked in a closed void is
zero). Every D in hcflow carries this verdict.

Criteria (on an MSD curve over the fit window ``[t0, t1]``)
    1. **Length scale**: the MSD at the window start ``t0`` is at least
       ``msd_min_A2`` (default 4 A^2, an RMS displacement of 2 A). Thermal
       vibration of Na in carbon gives MSD plateaus well below 2 A^2 even at
       1200 K (harmonic sites: ~0.1-0.5 A^2), while a hop between sites moves
       an ion by 2-3.5 A; an MSD below the length scale cannot be told apart
       from vibration plus slow creep.
    2. **Log-log slope**: the least-squares slope of ``log MSD`` against
       ``log t`` over log-spaced lags of the window lies in
       ``[slope_min, slope_max]`` (default 0.85-1.15; 1 for diffusion, 0 for
       a caged plateau, 2 for ballistic flight). A vibrational offset
       ``a`` in ``MSD = a + 6 D t`` lowers the slope to ``6Dt / (a + 6Dt)``, so
       passing also requires the MSD to dominate the offset.

    Both are tested with the sampling noise that *free* Brownian particles
    show on the same window (:func:`hcflow.descriptors.brownian_msd.loglog_null`):
    the slope, corrected for the small downward bias of a log of a noisy
    average, must lie within the band widened by ``noise_z`` (2) standard
    deviations, and the MSD at ``t0`` must reach ``msd_min_A2 *
    exp(-noise_z * relative std)``. For the ion-averaged MSD of 50 ions the
    slope allowance is ~0.07, so a free diffuser passes in ~97 % of runs.

Per ion (:func:`judge_ions`, same window as the trajectory)
    A single ion's MSD is noisy (slope allowance ~0.5 over a 10 ps run, ~1
    over a window spanning a factor 2), and at the window start a free
    ion's MSD scatters around the length scale the window was chosen to
    reach. An ion's D is called diffusive when (a) the ion's own log-log
    slope passes with its one-ion allowance and (b) its MSD at the window
    *end* reaches ``msd_min_A2`` without allowance: within the window it moved
    farther than its cage would let it. The trajectory verdict does not gate
    the ions (hard carbon mixes trapped and free ions, whose average is not
    diffusive while the free ones are), but when the average is not
    diffusive an ion must also reach ``HETERO_LENGTH_FACTOR`` (4) times the
    length scale (16 A^2 by default, 4 A RMS): a single ion's slope is too
    noisy to tell a cage of a few A^2 from diffusion on its own. Ions
    rattling in voids smaller than the length scale fail (b) whatever the
    noise; free ions in a 10 ps run pass ~95 % of the time.

Automatic fit window (used unless the user sets one)
    The window ends at ``fit_stop_fraction`` of the run (default 0.5: the GLS
    fit weights long, noisy lags little, so a long window costs no precision
    and gives the verdict room). Its start is the earliest lag ``t0`` (on a
    log-spaced grid from one frame) with ``t1 / t0 >= min_span`` (default 2)
    for which the ion-averaged MSD over ``[t0, t1]`` passes both criteria
    and whose local log-log slope has settled (the slope over ``[t0, min_span
    t0]`` passes too): the ballistic and caged regimes, the crossover between
    them and diffusion, and the MSD below the length scale are skipped. When
    no start passes, the window is the latest one allowed, ``[t1 / min_span,
    t1]``, where a caged or sub-diffusive MSD is flattest (so the reported D
    is the tightest upper bound the run gives), and the verdict is
    ``diffusive = False`` with the reason.

Reporting non-diffusive values
    D stays in ``D_cm2_s`` and the document says ``diffusive: false`` with a
    reason that names what the number is (an upper bound for caged or
    sub-diffusive motion). A separate upper-bound field was not chosen: the
    per-ion D of a trapped ion is a meaningful descriptor for the diffusion
    modes (void trapping is one of them), every consumer would have to branch
    on two fields, and a single boolean is one query filter
    (``{"diffusive": true}``). The Arrhenius fit uses diffusive points only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hcflow.descriptors.brownian_msd import (
    LoglogNull,
    brownian_msd_covariance,
    loglog_null,
    loglog_weights,
)

HETERO_LENGTH_FACTOR = 4.0  # see 'Per ion' in the module docstring


@dataclass(frozen=True)
class DiffusiveCriteria:
    """Thresholds of the verdict (see the module docstring)."""

    msd_min_A2: float = 4.0
    slope_min: float = 0.85
    slope_max: float = 1.15
    noise_z: float = 2.0
    min_span: float = 2.0
    n_loglog_lags: int = 20


@dataclass(frozen=True)
class Verdict:
    """The verdict on one MSD curve over one window."""

    diffusive: bool
    reason: str
    slope: float  #: measured log-log slope of the MSD over the window
    msd_start_A2: float  #: MSD at the window start


def loglog_lags(start: int, stop: int, n: int = 20) -> np.ndarray:
    """About ``n`` log-spaced unique integer lags from ``start`` to ``stop``."""
    start, stop = max(int(start), 1), max(int(stop), 1)
    return np.unique(np.geomspace(start, max(stop, start), n).round().astype(int))


def loglog_slope(msd_at_lags: np.ndarray, lags: np.ndarray) -> np.ndarray:
    """Least-squares slope of log MSD vs log lag along axis 0 (MSD <= 0 -> tiny)."""
    logs = np.log(np.maximum(np.asarray(msd_at_lags, float), 1e-12))
    return np.tensordot(loglog_weights(lags), logs, axes=(0, 0))


def _reason(
    ok_len: bool,
    ok_slope: bool,
    slope: float,
    m0: float,
    tol: float,
    window: tuple[float, float],
    c: DiffusiveCriteria,
) -> str:
    t0, t1 = window
    span = f"{t0:.3g}-{t1:.3g} ps"
    if ok_len and ok_slope:
        return (
            f"diffusive: MSD log-log slope {slope:.2f} over {span} within "
            f"{c.slope_min:g}-{c.slope_max:g} (sampling allowance {tol:.2f}), "
            f"MSD {m0:.3g} A^2 at the window start (length scale "
            f"{c.msd_min_A2:g} A^2)"
        )
    parts = []
    if not ok_len:
        parts.append(
            f"MSD only {m0:.3g} A^2 at {t0:.3g} ps, below {c.msd_min_A2:g} A^2: "
            "ions have not moved beyond their cage (run too short or ions "
            "trapped); D is not established (at most an upper bound)"
        )
    if not ok_slope and slope < c.slope_min:
        parts.append(
            f"sub-diffusive: MSD log-log slope {slope:.2f} < {c.slope_min:g} over "
            f"{span} (caged or trapped motion); D is an upper bound, not a "
            "long-time D"
        )
    elif not ok_slope:
        parts.append(
            f"super-diffusive: MSD log-log slope {slope:.2f} > {c.slope_max:g} "
            f"over {span} (ballistic or drifting motion); D is not a long-time D"
        )
    return "not diffusive: " + "; ".join(parts)


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
    """Verdicts on MSD curves over the window ``[lag_start, lag_stop]``.

    Parameters
    ----------
    msd
        (n_frames,) or (n_frames, n_curves) MSD at every lag (A^2), lag 0
        first (as :func:`~hcflow.descriptors.dynamic.msd_fft` returns it).
    lag_start, lag_stop
        Window in frames.
    dt
        Frame interval (ps).
    n_frames
        Frames of the trajectory the MSD came from.
    n_particles
        Independent particles averaged in each curve (1 per ion; the number
        of ions for the ion-averaged MSD): sets the sampling allowance.
    criteria
        Thresholds (defaults when None).
    null
        Precomputed :func:`loglog_null` for these lags and ``n_particles``.

    Returns
    -------
    list[Verdict]
        One per curve.
    """
    c = criteria or DiffusiveCriteria()
    msd = np.asarray(msd, float)
    curves = msd.reshape(msd.shape[0], -1)
    lags = loglog_lags(lag_start, lag_stop, c.n_loglog_lags)
    if null is None:
        null = loglog_null(lags, n_frames, n_particles)
    slopes = loglog_slope(curves[lags], lags)
    m0 = curves[lags[0]]
    tol = c.noise_z * null.slope_std
    corrected = slopes + (1.0 - null.slope_mean)
    ok_slope = (corrected >= c.slope_min - tol) & (corrected <= c.slope_max + tol)
    ok_len = m0 >= c.msd_min_A2 * np.exp(-c.noise_z * null.start_rel_std)
    window = (lags[0] * dt, lags[-1] * dt)
    return [
        Verdict(
            diffusive=bool(ok_len[i] and ok_slope[i]),
            reason=_reason(
                bool(ok_len[i]), bool(ok_slope[i]), slopes[i], m0[i], tol, window, c
            ),
            slope=float(slopes[i]),
            msd_start_A2=float(m0[i]),
        )
        for i in range(curves.shape[1])
    ]


def judge_ions(
    msd: np.ndarray,
    lag_start: int,
    lag_stop: int,
    dt: float,
    n_frames: int,
    trajectory: Verdict,
    criteria: DiffusiveCriteria | None = None,
    null: LoglogNull | None = None,
) -> list[Verdict]:
    """Per-ion verdicts over the trajectory's window (rules: module docstring).

    Parameters
    ----------
    msd
        (n_frames, n_ions) MSD of every ion at every lag (A^2).
    lag_start, lag_stop
        The trajectory's fit window (frames).
    dt, n_frames
        Frame interval (ps) and frames of the trajectory.
    trajectory
        The trajectory verdict on the same window.
    criteria
        Thresholds (defaults when None).
    null
        :func:`loglog_null` of one particle on the window's log-spaced lags.
    """
    c = criteria or DiffusiveCriteria()
    msd = np.asarray(msd, float).reshape(np.shape(msd)[0], -1)
    lags = loglog_lags(lag_start, lag_stop, c.n_loglog_lags)
    if null is None:
        null = loglog_null(lags, n_frames, 1)
    slopes = loglog_slope(msd[lags], lags)
    tol = c.noise_z * null.slope_std
    corrected = slopes + (1.0 - null.slope_mean)
    ok_slope = (corrected >= c.slope_min - tol) & (corrected <= c.slope_max + tol)
    m_end = msd[lags[-1]]
    ok_len = m_end >= c.msd_min_A2
    t0, t1 = lags[0] * dt, lags[-1] * dt
    out = []
    for i in range(msd.shape[1]):
        # a non-diffusive average (mixed population): the ion must also have
        # gone clearly beyond a small cage (HETERO_LENGTH_FACTOR x the scale)
        far = trajectory.diffusive or m_end[i] >= HETERO_LENGTH_FACTOR * c.msd_min_A2
        s, ok = float(slopes[i]), bool(ok_slope[i] and ok_len[i] and far)
        if ok:
            reason = (
                f"diffusive: ion MSD log-log slope {s:.2f} over {t0:.3g}-{t1:.3g} "
                f"ps within {c.slope_min:g}-{c.slope_max:g} (one-ion allowance "
                f"{tol:.2f}), MSD {m_end[i]:.3g} A^2 at the window end "
                f">= {c.msd_min_A2:g} A^2"
                + ("" if trajectory.diffusive else " (the ion-averaged MSD is not)")
            )
        else:
            parts = []
            if ok_len[i] and not far:
                parts.append(
                    f"the ion-averaged MSD is not diffusive and this ion's MSD "
                    f"{m_end[i]:.3g} A^2 at the window end is below "
                    f"{HETERO_LENGTH_FACTOR * c.msd_min_A2:g} A^2"
                )
            if not ok_len[i]:
                parts.append(
                    f"ion MSD only {m_end[i]:.3g} A^2 at the window end {t1:.3g} "
                    f"ps, below {c.msd_min_A2:g} A^2 (caged, or too short a run)"
                )
            if not ok_slope[i]:
                kind = "sub" if s < c.slope_min else "super"
                parts.append(
                    f"{kind}-diffusive: ion MSD log-log slope {s:.2f} over "
                    f"{t0:.3g}-{t1:.3g} ps (one-ion allowance {tol:.2f})"
                )
            bound = "an upper bound" if (not ok_len[i] or s < 1) else "not a D"
            reason = (
                "not diffusive: " + "; ".join(parts) + f"; this D is {bound}, "
                "not a long-time D"
            )
        out.append(
            Verdict(
                diffusive=ok,
                reason=reason,
                slope=s,
                msd_start_A2=float(msd[lags[0], i]),
            )
        )
    return out


def choose_fit_start(
    msd_mean: np.ndarray,
    lag_stop: int,
    n_frames: int,
    n_particles: int,
    criteria: DiffusiveCriteria | None = None,
) -> int | None:
    """Earliest start lag of a diffusive window ending at ``lag_stop``, or None.

    Candidates: about 60 log-spaced lags ``t0`` from 1 to ``lag_stop /
    min_span``. A candidate is accepted when the ion-averaged MSD
    ``msd_mean`` passes both criteria of :func:`judge` over ``[t0,
    lag_stop]`` *and* its local log-log slope has settled: the slope over
    ``[t0, min_span * t0]`` alone is in the band too (with its own sampling
    allowance). The local test keeps the start out of the ballistic-to-
    diffusive crossover, where a negative offset of ``MSD = 6D(t - tau)``
    would otherwise lift the whole-window slope into the band while the MSD
    is still curved. The cheap length test runs first.
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
        if not local.diffusive:
            continue
        verdict = judge(msd_mean, cand, lag_stop, 1.0, n_frames, n_particles, c)[0]
        if verdict.diffusive:
            return int(cand)
    return None
