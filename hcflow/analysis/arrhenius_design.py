"""The variance behind an Arrhenius line, and what a temperature design delivers.

Each point's ``ln D`` scatters by its own sampling error ``sigma_i`` and by the
between-structure variance ``tau^2``. :func:`between_variance` estimates
``tau^2``, :func:`line_fit` fits with weights ``1 / (sigma_i^2 + tau^2)``
(Satterthwaite or Knapp-Hartung intervals) and :func:`design_interval` says
before any MD how wide the interval of D at the extrapolation temperature
will be.

Details: docs/analysis-methods.md.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

KB_EV_K = 8.617333262e-5
#: per-point scatter of ln D assumed by the design estimate when none is
#: given: between-structure (cell-to-cell) plus sampling, from short runs
DEFAULT_POINT_SIGMA_LN = 0.5


@dataclass(frozen=True)
class LineFit:
    """Weighted line ``ln D = a + b x`` with its covariance and quantile."""

    coef: np.ndarray  #: (ln D0, slope = -Ea)
    cov: np.ndarray  #: covariance of coef
    quantile: float  #: multiplies standard errors for the 95 % interval
    tau2: float  #: between-structure variance of ln D
    tau_dof: float  #: degrees of freedom of tau2 (0: not estimable)
    tau_source: str  #: "replicas", "residuals" or "none"
    chi2: float  #: weighted residual sum of squares with sigma_i only
    dof: int  #: n - 2


def _wls(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    design = np.stack([np.ones_like(x), x], axis=1)
    cov = np.linalg.inv(design.T @ (design * w[:, None]))
    return cov @ design.T @ (w * y), cov


def between_variance(
    x: np.ndarray, y: np.ndarray, s2: np.ndarray
) -> tuple[float, float, str]:
    """Method-of-moments ``tau^2`` of ``ln D``: (tau2, its dof, source).

    Replicas (several points at one ``x``): ``Q = sum w (y - ybar_group)^2``
    with ``E[Q] = dof + tau^2 sum_g (W_g - sum w^2 / W_g)``. Without
    replicas: the same on the residuals of the weighted line (dof ``n - 2``).
    """
    w = 1.0 / s2
    groups: dict[float, list[int]] = {}
    for i, xi in enumerate(np.round(x, 12)):
        groups.setdefault(float(xi), []).append(i)
    reps = [np.array(g) for g in groups.values() if len(g) > 1]
    dof_rep = sum(len(g) - 1 for g in reps)
    if dof_rep > 0:
        q = c = 0.0
        for g in reps:
            wg = w[g]
            mean = np.sum(wg * y[g]) / wg.sum()
            q += float(np.sum(wg * (y[g] - mean) ** 2))
            c += float(wg.sum() - np.sum(wg**2) / wg.sum())
        return max(0.0, (q - dof_rep) / c), float(dof_rep), "replicas"
    dof = len(x) - 2
    if dof < 1:
        return 0.0, 0.0, "none"
    coef, cov = _wls(x, y, w)
    design = np.stack([np.ones_like(x), x], axis=1)
    q = float(np.sum(w * (y - design @ coef) ** 2))
    c = float(w.sum() - np.trace(cov @ (design.T * w**2) @ design))
    return max(0.0, (q - dof) / c), float(dof), "residuals"


def satterthwaite_quantile(
    tau2: float, tau_dof: float, s2: np.ndarray, level: float = 0.95
) -> float:
    """Student-t quantile with ``nu = tau_dof / f^2``, ``f = tau2 / (tau2 +
    mean sigma^2)``; the normal quantile when ``tau2`` is 0 (continuous)."""
    p = 0.5 + level / 2
    f = tau2 / (tau2 + float(np.mean(s2))) if tau2 > 0 else 0.0
    if f <= 0 or tau_dof <= 0:
        return float(stats.norm.ppf(p))
    return float(stats.t.ppf(p, min(tau_dof / f**2, 1e6)))


def line_fit(
    x: np.ndarray, y: np.ndarray, sigma: np.ndarray, level: float = 0.95
) -> LineFit:
    """Fit ``y = a + b x`` with per-point ``sigma`` plus the estimated ``tau^2``."""
    x, y, s2 = (np.asarray(v, float) for v in (x, y, np.square(sigma)))
    coef0, _ = _wls(x, y, 1.0 / s2)
    design = np.stack([np.ones_like(x), x], axis=1)
    chi2 = float(np.sum((y - design @ coef0) ** 2 / s2))
    tau2, tau_dof, source = between_variance(x, y, s2)
    coef, cov = _wls(x, y, 1.0 / (s2 + tau2))
    quantile = satterthwaite_quantile(tau2, tau_dof, s2, level)
    if source == "residuals":  # Knapp-Hartung: t quantile, scatter >= variance
        q_star = float(np.sum((y - design @ coef) ** 2 / (s2 + tau2)))
        cov = cov * max(1.0, q_star / (len(x) - 2))
        quantile = float(stats.t.ppf(0.5 + level / 2, len(x) - 2))
    return LineFit(
        coef=coef,
        cov=cov,
        quantile=quantile,
        tau2=tau2,
        tau_dof=tau_dof,
        tau_source=source,
        chi2=chi2,
        dof=len(x) - 2,
    )


def design_interval(
    temperatures_K: Sequence[float],
    replicas: int = 1,
    point_sigma_ln: float = DEFAULT_POINT_SIGMA_LN,
    t_extrapolate_K: float = 300.0,
    level: float = 0.95,
) -> dict:
    """What a temperature design can deliver, before any MD.

    Each of ``len(temperatures) x replicas`` points is assumed to scatter by
    ``point_sigma_ln`` in ``ln D`` (sampling plus between-structure), which
    the fit must estimate (t quantile with ``n - 2`` degrees of freedom).

    Returns
    -------
    dict
        ``temperatures_K``, ``replicas``, ``inv_T_span_1000_per_K``,
        ``extrapolation_1000_per_K`` (from the nearest temperature),
        ``point_sigma_ln``, ``Ea_halfwidth_eV`` and ``D_decades`` (expected
        width of the 95 % interval of D at ``t_extrapolate_K`` in decades;
        None when fewer than 3 temperatures).
    """
    temps = sorted({float(t) for t in temperatures_K})
    out = {
        "temperatures_K": temps,
        "replicas": int(replicas),
        "inv_T_span_1000_per_K": (1000 / temps[0] - 1000 / temps[-1]) if temps else 0,
        "extrapolation_1000_per_K": (1000 / t_extrapolate_K - 1000 / temps[0])
        if temps
        else None,
        "point_sigma_ln": float(point_sigma_ln),
        "T_extrapolate_K": float(t_extrapolate_K),
        "Ea_halfwidth_eV": None,
        "D_decades": None,
    }
    if len(temps) < 3 or replicas < 1:
        return out
    x = np.repeat(1.0 / (KB_EV_K * np.array(temps)), int(replicas))
    design = np.stack([np.ones_like(x), x], axis=1)
    cov = np.linalg.inv(design.T @ design) * point_sigma_ln**2
    q = float(stats.t.ppf(0.5 + level / 2, len(x) - 2))
    v = np.array([1.0, 1.0 / (KB_EV_K * t_extrapolate_K)])
    se = math.sqrt(float(v @ cov @ v))
    out["Ea_halfwidth_eV"] = q * math.sqrt(cov[1, 1])
    out["D_decades"] = 2 * q * se / math.log(10)
    return out


def design_line(d: dict, max_decades: float = 2.0) -> str:
    """One line of :func:`design_interval` for ``hcflow study plan``."""
    t = ", ".join(f"{v:g}" for v in d["temperatures_K"])
    head = (
        f"Arrhenius design: {len(d['temperatures_K'])} temperatures ({t} K) x "
        f"{d['replicas']} replica(s), 1000/T span {d['inv_T_span_1000_per_K']:.2f}"
        f" 1/K, extrapolation {d['extrapolation_1000_per_K']:.2f} 1/K to "
        f"{d['T_extrapolate_K']:g} K"
    )
    if d["D_decades"] is None:
        return head + ": fewer than 3 temperatures, no Arrhenius line"
    verdict = (
        "estimable"
        if d["D_decades"] <= max_decades
        else f"not estimable (> {max_decades:g} decades)"
    )
    return (
        f"{head}: expected 95 % interval of D({d['T_extrapolate_K']:g} K) "
        f"{d['D_decades']:.1f} decades, Ea +- {d['Ea_halfwidth_eV']:.2f} eV "
        f"(per-point scatter {d['point_sigma_ln']:g} in ln D) -> {verdict}"
    )
