"""Per-trajectory transport: tracer D, centre-of-mass D and the Haven ratio.

All take unwrapped, drift-corrected positions of the mobile ions (A) or their
MSD, and a fit (:class:`~hcflow.descriptors.brownian_msd.GlsFit`, or the
per-ion slopes of another linear fit); D in cm2/s (1 A^2/ps = 1e-4 cm2/s).
Tracer D is the mean of the per-ion D_i, with a 95 % interval that is the
union of a Student-t and a Brownian-model interval; ``D_sigma`` is the
collective (centre-of-mass) D; the Haven ratio is ``H_R = D / D_sigma``.

Details (intervals, coverage benchmark): docs/descriptors.md.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from hcflow.descriptors.brownian_msd import GlsFit, chi2_interval
from hcflow.descriptors.dynamic import A2_PS_TO_CM2_S, msd_fft

#: Interval methods recorded in the documents.
TRACER_INTERVAL_METHOD = (
    "union of student-t over ions of per-ion GLS slopes and Brownian-model chi-square"
)
MODEL_INTERVAL_METHOD = "Brownian-model chi-square (exact MSD covariance)"


def tracer_diffusion(
    d_ions_cm2_s: np.ndarray, relative_variance: float, level: float = 0.95
) -> dict[str, float | str]:
    """Tracer D (cm2/s) and its interval from per-ion D_i (unclipped).

    Parameters
    ----------
    d_ions_cm2_s
        Per-ion slopes / 6 of one linear fit, not clipped at 0.
    relative_variance
        Relative variance of one Brownian ion's D_i under this fit.
    level
        Confidence level.

    Returns
    -------
    dict
        ``D_cm2_s``, ``D_ci95_low``, ``D_ci95_high``, ``D_std_cm2_s``
        (standard error: the larger of the ion-spread and model values),
        ``D_interval_method``.
    """
    d = np.asarray(d_ions_cm2_s, float)
    n = len(d)
    mean = float(np.mean(d))
    point = max(mean, 0.0)
    lo, hi, _ = chi2_interval(point, relative_variance / n, level)
    se = point * float(np.sqrt(relative_variance / n))
    method = MODEL_INTERVAL_METHOD
    if n >= 2:
        se_ions = float(np.std(d, ddof=1) / np.sqrt(n))
        q = float(stats.t.ppf(0.5 + level / 2, n - 1))
        lo, hi = min(lo, mean - q * se_ions), max(hi, mean + q * se_ions)
        se, method = max(se, se_ions), TRACER_INTERVAL_METHOD
    return {
        "D_cm2_s": point,
        "D_ci95_low": float(max(lo, 0.0)),
        "D_ci95_high": float(max(hi, 0.0)),
        "D_std_cm2_s": float(se),
        "D_interval_method": method,
    }


def centre_of_mass_msd(x: np.ndarray) -> np.ndarray:
    """MSD of the summed displacement over N, at every lag: (n_frames,) in A^2.

    ``x``: (n_frames, n_ions, 3) unwrapped, drift-corrected positions (A).
    """
    x = np.asarray(x, float)
    total = x.sum(axis=1, keepdims=True)
    return msd_fft(total)[:, 0] / x.shape[1]


def centre_of_mass_diffusion(
    x: np.ndarray, fit: GlsFit, scale_cm2_s: float = 0.0, level: float = 0.95
) -> dict[str, float]:
    """D_sigma (cm2/s) of the mobile ions with its chi-square interval.

    Parameters
    ----------
    x
        (n_frames, n_ions, 3) unwrapped, drift-corrected positions (A).
    fit
        The GLS fit of the fit window.
    scale_cm2_s
        Noise scale used only when the fitted slope is not positive (a
        centre of mass that barely moved in a short run): the interval is
        then ``[0, raw + z sqrt(v) scale]``; pass the tracer D, the value
        D_sigma takes for independent ions.
    level
        Confidence level.

    Returns
    -------
    dict
        ``D_sigma_cm2_s``, ``D_sigma_ci95_low``, ``D_sigma_ci95_high``,
        ``D_sigma_raw_cm2_s`` (not clipped at 0).
    """
    com = centre_of_mass_msd(x)
    raw = float(fit.slope(com[fit.lags])) / 6.0 * A2_PS_TO_CM2_S
    point = max(raw, 0.0)
    lo, hi, _ = chi2_interval(point, fit.relative_variance, level)
    if point == 0.0:
        z = float(stats.norm.ppf(0.5 + level / 2))
        hi = max(raw + z * np.sqrt(fit.relative_variance) * scale_cm2_s, 0.0)
    return {
        "D_sigma_cm2_s": point,
        "D_sigma_ci95_low": lo,
        "D_sigma_ci95_high": hi,
        "D_sigma_raw_cm2_s": raw,
    }


def haven_ratio(
    d: float,
    d_se: float,
    d_sigma: float,
    sigma_relative_variance: float,
    d_sigma_high: float | None = None,
    level: float = 0.95,
) -> dict[str, float | None]:
    """H_R = D / D_sigma with a log-scale interval.

    Parameters
    ----------
    d, d_se
        Tracer D and its standard error (cm2/s).
    d_sigma
        Centre-of-mass D (cm2/s).
    sigma_relative_variance
        Relative variance of D_sigma (the fit's one-particle value).
    d_sigma_high
        Upper bound of D_sigma; used when ``d_sigma`` is 0, where the ratio
        is unbounded above: ``haven_ratio`` and ``haven_ci95_high`` are None
        and ``haven_ci95_low = d / d_sigma_high``.

    Returns
    -------
    dict
        ``haven_ratio``, ``haven_ci95_low``, ``haven_ci95_high`` (all None
        when D is 0).
    """
    none = {"haven_ratio": None, "haven_ci95_low": None, "haven_ci95_high": None}
    if not d > 0:
        return none
    if not d_sigma > 0:
        if d_sigma_high and d_sigma_high > 0:
            none["haven_ci95_low"] = float(d / d_sigma_high)
        return none
    ratio = d / d_sigma
    z = float(stats.norm.ppf(0.5 + level / 2))
    spread = z * np.sqrt((d_se / d) ** 2 + sigma_relative_variance)
    return {
        "haven_ratio": float(ratio),
        "haven_ci95_low": float(ratio * np.exp(-spread)),
        "haven_ci95_high": float(ratio * np.exp(spread)),
    }
