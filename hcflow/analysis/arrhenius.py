"""Arrhenius fit of D(T): activation energy, prefactor, D at room temperature.

``ln D = ln D0 - Ea / (kB T)`` fitted to the trajectories' tracer D (one point
each). A point is used only when diffusive (``diffusion_outcome``), with a
temperature, ``D > 0`` and an interval, and not flagged ``above_boiling_point``
(:mod:`hcflow.descriptors.regime`; other regime flags are marked on the point
and counted in the validity line). Each used point weighs ``1 / (sigma_i^2 +
tau^2)``: its own sampling variance of ``ln D`` plus the between-structure
variance estimated from replicas (else from the residuals) with a continuous
Satterthwaite quantile (:mod:`hcflow.analysis.arrhenius_design`). A fit is
``valid`` when it has ``min_temperatures`` temperatures over ``min_span_K``,
is one straight line (chi2 p >= ``min_linearity_p`` with the total variance)
and is *estimable*: the 95 % interval of D at ``T_extrapolate_K`` spans at most
``max_decades`` decades (else ``validity`` starts ``not estimable:``). Fewer
usable temperatures: ``state="insufficient"`` with a one-line reason.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from scipy import stats

from hcflow.analysis.arrhenius_design import KB_EV_K, line_fit

FIT_METHOD = (
    "weighted least squares on ln D vs 1/(kB T), per-point variance plus the "
    "between-structure variance (replicas, else residuals), Satterthwaite t"
)
#: regime flags whose points are left out of the fit (others are marked)
EXCLUDED_REGIMES = ("above_boiling_point",)


@dataclass(frozen=True)
class ArrheniusPoint:
    """One trajectory's D for the fit (cm2/s, K)."""

    temperature_K: float | None
    D_cm2_s: float | None
    D_ci95_low: float | None
    D_ci95_high: float | None
    diffusive: bool | None
    diffusive_reason: str | None = None
    task_id: str | None = None
    exclude_reason: str | None = None
    #: False: two mobile ions merged in the run (hcflow.descriptors.contacts)
    ion_contacts_ok: bool | None = None
    diffusion_outcome: str | None = None
    regime: list | None = None  #: [{flag, reason}] (hcflow.descriptors.regime)
    #: False: the model's forces left its reference (hcflow.md.model_deviation)
    forces_ok: bool | None = None

    @classmethod
    def from_any(cls, value: ArrheniusPoint | Mapping[str, Any]) -> ArrheniusPoint:
        """A point from itself or a mapping (e.g. a trajectory summary document)."""
        if isinstance(value, cls):
            return value
        return cls(**{k: value.get(k) for k in cls.__dataclass_fields__})


def _finite(value: Any) -> bool:
    return value is not None and math.isfinite(float(value))


def _sigma_ln_d(p: ArrheniusPoint, z: float) -> float | None:
    """Standard deviation of ln D implied by the 95 % interval, or None."""
    if not (_finite(p.D_ci95_high) and p.D_ci95_high > p.D_cm2_s):
        return None
    if _finite(p.D_ci95_low) and p.D_ci95_low > 0:
        return math.log(p.D_ci95_high / p.D_ci95_low) / (2 * z)
    return math.log(p.D_ci95_high / p.D_cm2_s) / z


def _check(
    p: ArrheniusPoint, z: float, quantity: str = "D"
) -> tuple[float | None, str | None]:
    """(sigma of ln D, None) for a usable point, else (None, reason)."""
    if p.exclude_reason:
        return None, p.exclude_reason
    if p.ion_contacts_ok is False:
        return None, "unphysical: two mobile ions merged"
    if p.forces_ok is False:
        return None, "model deviation: forces off the reference potential"
    if not (_finite(p.temperature_K) and p.temperature_K > 0):
        return None, "no temperature"
    if not _finite(p.D_cm2_s):
        return None, f"no {quantity}"
    flags = [f.get("flag") for f in p.regime or [] if isinstance(f, Mapping)]
    left_out = [f for f in flags if f in EXCLUDED_REGIMES]
    if left_out:
        return None, f"regime: {', '.join(left_out)}"
    if p.diffusion_outcome == "undetermined":
        return None, "undetermined (run too short)"
    if p.diffusive is None:
        return None, "no diffusive verdict"
    if not p.diffusive:
        why = (p.diffusive_reason or "").split(";")[0].strip()
        return None, f"not diffusive ({why})" if why else "not diffusive"
    if not p.D_cm2_s > 0:
        return None, f"{quantity} <= 0"
    sigma = _sigma_ln_d(p, z)
    if sigma is None or not sigma > 0:
        return None, "no usable 95 % interval"
    return sigma, None


def fit_arrhenius(
    points: Iterable[ArrheniusPoint | Mapping[str, Any]],
    t_extrapolate_K: float = 300.0,
    level: float = 0.95,
    min_temperatures: int = 3,
    min_span_K: float = 100.0,
    min_linearity_p: float = 0.01,
    quantity: str = "D",
    max_decades: float = 2.0,
) -> dict[str, Any]:
    """Fit ``ln D = ln D0 - Ea / (kB T)`` to the diffusive points.

    Parameters
    ----------
    points
        :class:`ArrheniusPoint` or mappings with its fields (trajectory
        summary documents have them).
    t_extrapolate_K
        Temperature at which D is extrapolated (K).
    level
        Confidence level of the intervals.
    min_temperatures
        Fewest distinct usable temperatures for a fit (at least 3).
    min_span_K
        Smallest temperature span of the used points for a valid fit (K).
    min_linearity_p
        Smallest chi-square p-value of the residuals for a valid fit.
    quantity
        Name of the fitted value in the reasons (``D``, ``hop rate``).
    max_decades
        Widest 95 % interval of D at ``t_extrapolate_K`` (decades) of a valid,
        estimable fit.

    Returns
    -------
    dict
        The fields of :class:`hcflow.schemas.arrhenius.ArrheniusDoc` that
        describe the fit: ``state`` ('fitted' or 'insufficient'),
        ``reason``, ``Ea_eV`` and ``Ea_ci95_low/high``, ``prefactor_cm2_s``
        and its interval, ``T_extrapolate_K``, ``D_extrapolated_cm2_s`` and
        its interval, ``n_points_used``, ``n_points_excluded``,
        ``n_temperatures_used``, ``temperatures_used_K`` and
        ``temperatures_excluded_K`` (one per point), ``T_min_K``,
        ``T_max_K``, ``chi2_reduced``,
        ``chi2_p_value``, ``interval_scale``, ``covariance`` (of ``ln D0`` and
        the slope ``-Ea``, scaled) with ``interval_quantile`` (the band at any
        T: :func:`ln_d_band`), ``valid`` and ``validity`` (the
        verdict, see the module docstring), ``fit_method`` and ``points``
        (every point, used or not, with its reason and ``sigma_ln_D``).
    """
    if min_temperatures < 3:
        raise ValueError("min_temperatures must be at least 3 (a line and its error)")
    z = float(stats.norm.ppf(0.5 + level / 2))
    rows, used = [], []
    for raw in points:
        p = ArrheniusPoint.from_any(raw)
        sigma, reason = _check(p, z, quantity)
        row = asdict(p) | {"used": reason is None, "reason": reason}
        row["sigma_ln_D"] = sigma
        rows.append(row)
        if reason is None:
            used.append((float(p.temperature_K), float(p.D_cm2_s), sigma))
    result: dict[str, Any] = {
        "state": "insufficient",
        "reason": None,
        "T_extrapolate_K": float(t_extrapolate_K),
        "n_points_used": len(used),
        "n_points_excluded": len(rows) - len(used),
        "n_temperatures_used": len({t for t, _, _ in used}),
        "temperatures_used_K": sorted(t for t, _, _ in used),
        "temperatures_excluded_K": sorted(
            r["temperature_K"] for r in rows if not r["used"] and r["temperature_K"]
        ),
        "T_min_K": min((t for t, _, _ in used), default=None),
        "T_max_K": max((t for t, _, _ in used), default=None),
        "valid": False,
        "fit_method": FIT_METHOD,
        "points": rows,
    }
    usable = "diffusive" if quantity == "D" else "usable"
    if result["n_temperatures_used"] < min_temperatures:
        why = Counter(r["reason"] for r in rows if not r["used"])
        left_out = "; ".join(f"{n} {reason}" for reason, n in why.most_common())
        result["reason"] = (
            f"{result['n_temperatures_used']} usable temperature(s) "
            f"({len(used)} {usable} point(s) of {len(rows)}), need at least "
            f"{min_temperatures} for an Arrhenius fit"
            + (f"; left out: {left_out}" if left_out else "")
        )
        result["validity"] = f"no fit: {result['reason']}"
        return result

    t, d, s = (np.array(v) for v in zip(*used, strict=True))
    x = 1.0 / (KB_EV_K * t)
    lf = line_fit(x, np.log(d), s, level)
    cov, q, dof = lf.cov, lf.quantile, lf.dof
    resid = np.log(d) - (lf.coef[0] + lf.coef[1] * x)
    # with replicas the line is tested against the total variance; without
    # them a kink and between-structure scatter look alike: sigma_i only
    tau2_test = lf.tau2 if lf.tau_source == "replicas" else 0.0
    chi2_total = float(np.sum(resid**2 / (s**2 + tau2_test)))
    ln_d0, slope = float(lf.coef[0]), float(lf.coef[1])
    se_ea, se_ln_d0 = math.sqrt(cov[1, 1]), math.sqrt(cov[0, 0])
    v = np.array([1.0, 1.0 / (KB_EV_K * t_extrapolate_K)])
    ln_dx, se_ln_dx = float(v @ lf.coef), float(math.sqrt(v @ cov @ v))
    decades = 2 * q * se_ln_dx / math.log(10)
    result.update(
        state="fitted",
        Ea_eV=-slope,
        Ea_ci95_low=-slope - q * se_ea,
        Ea_ci95_high=-slope + q * se_ea,
        prefactor_cm2_s=math.exp(ln_d0),
        prefactor_ci95_low=math.exp(ln_d0 - q * se_ln_d0),
        prefactor_ci95_high=math.exp(ln_d0 + q * se_ln_d0),
        D_extrapolated_cm2_s=math.exp(ln_dx),
        D_extrapolated_ci95_low=math.exp(ln_dx - q * se_ln_dx),
        D_extrapolated_ci95_high=math.exp(ln_dx + q * se_ln_dx),
        D_extrapolated_decades=decades,
        chi2_reduced=lf.chi2 / dof,
        chi2_p_value=float(stats.chi2.sf(chi2_total, dof)),
        between_structure_sd_ln=math.sqrt(lf.tau2),
        between_structure_source=lf.tau_source,
        interval_scale=math.sqrt(1.0 + lf.tau2 / float(np.mean(s**2))),
        covariance=cov.tolist(),
        interval_quantile=q,
    )
    problems = []
    span = result["T_max_K"] - result["T_min_K"]
    if span < min_span_K:
        problems.append(f"temperature span {span:g} K < {min_span_K:g} K")
    if result["chi2_p_value"] < min_linearity_p:
        problems.append(
            f"not one straight line (chi2 p = {result['chi2_p_value']:.2g} < "
            f"{min_linearity_p:g}"
            + (
                " with the between-structure variance)"
                if tau2_test
                else ", reduced chi2 "
                f"{lf.chi2 / dof:.2g}; without replicas a kink and cell-to-cell "
                "scatter cannot be told apart)"
            )
        )
    estimable = decades <= max_decades
    result["estimable"] = estimable
    marked = sorted(
        {
            f.get("flag")
            for r in rows
            if r["used"]
            for f in r.get("regime") or []
            if isinstance(f, Mapping)
        }
    )
    result["regime_marked"] = marked
    note = f"; points flagged {', '.join(marked)}" if marked else ""
    result["valid"] = not problems and estimable
    if not estimable:
        result["validity"] = (
            f"not estimable: the 95 % interval of {quantity}"
            f"({t_extrapolate_K:g} K) spans {decades:.1f} decades (> "
            f"{max_decades:g}) from {result['n_temperatures_used']} temperatures "
            f"{result['T_min_K']:g}-{result['T_max_K']:g} K; more temperatures, "
            "lower temperatures or replicas are needed (hcflow study plan)"
            + ("; also " + "; ".join(problems) if problems else "")
            + note
        )
    elif problems:
        result["validity"] = "not valid: " + "; ".join(problems) + note
    else:
        result["validity"] = (
            f"valid: {result['n_temperatures_used']} {usable} temperatures over "
            f"{span:g} K, {quantity}({t_extrapolate_K:g} K) interval "
            f"{decades:.1f} decades, consistent with one line (chi2 p = "
            f"{result['chi2_p_value']:.2g})" + note
        )
    return result


def ln_d_band(
    fit: Mapping[str, Any], temperature_K: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(ln D, lower, upper) of a fitted line at temperatures (K), 95 % band.

    ``fit``: a fitted result (or arrhenius document) with ``prefactor_cm2_s``,
    ``Ea_eV``, ``covariance`` and ``interval_quantile``.
    """
    x = 1.0 / (KB_EV_K * np.asarray(temperature_K, float))
    ln_d = math.log(fit["prefactor_cm2_s"]) - fit["Ea_eV"] * x
    cov = np.asarray(fit["covariance"], float)
    se = np.sqrt(cov[0, 0] + 2 * x * cov[0, 1] + x**2 * cov[1, 1])
    q = float(fit["interval_quantile"])
    return ln_d, ln_d - q * se, ln_d + q * se
