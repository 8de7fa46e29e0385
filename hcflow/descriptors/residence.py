"""Censoring-aware residence statistics: Kaplan-Meier curves and summaries.

A residence (a visit at a site, :mod:`hcflow.descriptors.sites`) is complete
when both its ends were seen; the first and last of a run are censored (lower
bounds). The mean is the maximum-likelihood mean of exponential residences
(time in visits / complete residences); the median is read from the
Kaplan-Meier survival curve. Times in ps.
"""

from __future__ import annotations

import numpy as np


def kaplan_meier(
    durations, complete
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Kaplan-Meier survival of residences with right-censoring.

    Parameters
    ----------
    durations
        Residence durations (ps).
    complete
        True for a complete residence (event), False for a censored one.

    Returns
    -------
    (times, survival, at_risk, events)
        Step function: ``survival[k]`` holds from ``times[k]`` on (times start
        at 0 with survival 1); ``at_risk`` and ``events`` at each time.
    """
    d = np.asarray(durations, float)
    ev = np.asarray(complete, bool)
    times = np.unique(d[ev])
    at_risk = np.array([(d >= t).sum() for t in times], float)
    events = np.array([((d == t) & ev).sum() for t in times], float)
    surv = np.cumprod(1.0 - events / np.maximum(at_risk, 1))
    return (
        np.concatenate([[0.0], times]),
        np.concatenate([[1.0], surv]),
        np.concatenate([[len(d)], at_risk]),
        np.concatenate([[0.0], events]),
    )


def km_median(times: np.ndarray, survival: np.ndarray) -> float:
    """First time the survival curve is at or below 0.5 (NaN when never)."""
    below = np.flatnonzero(survival <= 0.5)
    return float(times[below[0]]) if len(below) else float("nan")


def km_restricted_mean(times: np.ndarray, survival: np.ndarray, tau: float) -> float:
    """Area under the survival step curve from 0 to ``tau`` (restricted mean)."""
    t = np.append(times[times < tau], tau)
    return float(np.sum(np.diff(t) * survival[: len(t) - 1]))


def residence_summary(durations, complete) -> dict[str, float]:
    """Censoring-aware residence statistics of a set of residences (ps).

    Returns ``residence_time_ps`` (time in visits / complete residences, or the
    time in visits when none is complete), ``residence_censored`` (1.0 when
    none is complete), ``residence_median_ps`` (Kaplan-Meier; NaN when the
    curve stays above 0.5), ``n_residences`` and ``n_complete``.
    """
    d = np.asarray(durations, float)
    ev = np.asarray(complete, bool)
    if len(d) == 0:
        nan = float("nan")
        return {
            "residence_time_ps": nan,
            "residence_censored": nan,
            "residence_median_ps": nan,
            "n_residences": 0,
            "n_complete": 0,
        }
    n_ev = int(ev.sum())
    total = float(d.sum())
    times, surv, _, _ = kaplan_meier(d, ev)
    return {
        "residence_time_ps": total / n_ev if n_ev else total,
        "residence_censored": 0.0 if n_ev else 1.0,
        "residence_median_ps": km_median(times, surv),
        "n_residences": len(d),
        "n_complete": n_ev,
    }


def km_curve(durations, complete, max_points: int = 200) -> dict:
    """Kaplan-Meier curve and summary of residences, as plain lists (ps).

    Returns ``time_ps`` and ``survival`` (at most ``max_points`` steps, evenly
    thinned), ``median_ps`` (None when the curve stays above 0.5),
    ``mean_ps`` (censoring-aware mean, :func:`residence_summary`; a lower
    bound when no residence is complete), ``restricted_mean_ps`` (area under
    the curve up to the longest residence), ``n_residences``, ``n_complete``.
    """
    d = np.asarray(durations, float)
    c = np.asarray(complete, bool)
    if len(d) == 0:
        return {"n_residences": 0, "n_complete": 0, "time_ps": [], "survival": []}
    times, surv, _, _ = kaplan_meier(d, c)
    if times[-1] < d.max():  # the curve runs on to the longest residence seen
        times, surv = np.append(times, d.max()), np.append(surv, surv[-1])
    keep = np.unique(np.linspace(0, len(times) - 1, max_points).round().astype(int))
    res = residence_summary(d, c)
    median = res["residence_median_ps"]
    return {
        "time_ps": times[keep].tolist(),
        "survival": surv[keep].tolist(),
        "median_ps": float(median) if np.isfinite(median) else None,
        "mean_ps": float(res["residence_time_ps"]),
        "mean_is_lower_bound": bool(res["n_complete"] == 0),
        "restricted_mean_ps": km_restricted_mean(times, surv, float(d.max())),
        "n_residences": int(len(d)),
        "n_complete": int(res["n_complete"]),
    }
