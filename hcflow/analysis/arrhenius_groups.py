"""Arrhenius over systems and modes: settings, grouping, per-mode points.

Pure functions behind :class:`hcflow.builders.arrhenius.ArrheniusBuilder`:
:func:`system_of` (the values that define one system), :func:`group_summaries`
(trajectories that differ only in temperature or replica form one Arrhenius
series), :func:`mode_points` (one point per diffusion mode and trajectory)
and :func:`fit_modes` (each mode fitted over temperature).

Details: docs/analysis-methods.md.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field
from scipy import stats

from hcflow.analysis.arrhenius import ArrheniusPoint, fit_arrhenius
from hcflow.hashing import stable_hash
from hcflow.inputs import parse_model

#: Fields of a system (the group key), in order.
SYSTEM_FIELDS = (
    "density_g_cm3",
    "na_content",
    "mobile_species",
    "potential",
    "n_atoms",
    "settings_hash",
)
#: A trajectory summary's D, its interval and its verdict.
D_VERDICT_FIELDS = [
    "D_cm2_s",
    "D_ci95_low",
    "D_ci95_high",
    "diffusive",
    "diffusive_reason",
    "diffusion_outcome",
    "regime",
]
#: trajectory_summaries fields the builder reads.
SUMMARY_FIELDS = [
    "summary_key",
    "task_id",
    "settings_hash",
    "study_id",
    "temperature_K",
    "density_g_cm3",
    "na_content",
    "mobile_species",
    *D_VERDICT_FIELDS,
    "ion_contacts_ok",
    "forces_ok",
    "state",
    "last_updated",
]
#: md_tasks fields the builder reads.
TASK_FIELDS = ["task_id", "potential_id", "forcefield_name", "n_atoms"]
#: ion_descriptors fields of the per-mode points.
MODE_ION_FIELDS = [
    "ion_key",
    "task_id",
    "temperature_K",
    "D_cm2_s",
    "diffusive",
    "diffusion_outcome",
    "hop_rate_per_ps",
]


class ArrheniusSettings(BaseModel):
    """Settings of the Arrhenius builder (all of them enter the document key)."""

    model_config = ConfigDict(extra="forbid")

    T_extrapolate_K: float = Field(
        300.0, gt=0, description="Temperature of the extrapolated D, K."
    )
    min_temperatures: int = Field(
        3, ge=3, description="Fewest distinct diffusive temperatures for a fit."
    )
    min_span_K: float = Field(
        100.0, ge=0, description="Smallest temperature span of a valid fit, K."
    )
    min_linearity_p: float = Field(
        0.01,
        ge=0,
        lt=1,
        description="Smallest chi-square p-value of the residuals of a valid fit.",
    )
    max_decades: float = Field(
        2.0,
        gt=0,
        description="Widest 95 % interval of D(T_extrapolate_K), in decades, of "
        "an estimable (valid) fit.",
    )
    density_step_g_cm3: float = Field(
        0.01, gt=0, description="Densities equal at this rounding are one system."
    )
    na_content_step: float = Field(
        0.001, gt=0, description="Na:C ratios equal at this rounding are one system."
    )
    modes: bool = Field(
        True, description="Also fit each diffusion mode (needs a modes result)."
    )
    modes_result_id: str | None = Field(
        None, description="modes result whose labels are used; null: the newest."
    )
    min_mode_ions: int = Field(
        3, ge=1, description="Fewest ions of a mode in a trajectory for a point."
    )

    @classmethod
    def from_any(cls, value: Any) -> ArrheniusSettings:
        """From a model, a dict or None; a bad value is a one-line HcflowError."""
        return parse_model(cls, dict(value or {}), "arrhenius settings")

    def fit_kwargs(self) -> dict[str, float]:
        """Keyword arguments of :func:`fit_arrhenius`."""
        return {
            "t_extrapolate_K": self.T_extrapolate_K,
            "min_temperatures": self.min_temperatures,
            "min_span_K": self.min_span_K,
            "min_linearity_p": self.min_linearity_p,
            "max_decades": self.max_decades,
        }


def _step(value: Any, step: float) -> float | None:
    if value is None or not math.isfinite(float(value)):
        return None
    return round(round(float(value) / step) * step, 10)


def system_of(
    summary: Mapping[str, Any],
    task: Mapping[str, Any] | None,
    settings: ArrheniusSettings,
) -> dict[str, Any]:
    """The values that define the system of one trajectory summary."""
    task = task or {}
    rho = summary.get("density_g_cm3")
    return {
        "density_g_cm3": _step(rho, settings.density_step_g_cm3),
        "na_content": _step(summary.get("na_content"), settings.na_content_step),
        "mobile_species": summary.get("mobile_species") or "Na",
        "potential": task.get("potential_id") or task.get("forcefield_name"),
        "n_atoms": task.get("n_atoms"),
        "settings_hash": summary.get("settings_hash"),
    }


def group_key(system: Mapping[str, Any], resolved: Mapping[str, Any]) -> str:
    """Key of one system under one Arrhenius setting."""
    return "arrhenius-" + stable_hash([dict(system), dict(resolved)])


def group_summaries(
    summaries: Iterable[Mapping[str, Any]],
    tasks: Mapping[str, Mapping[str, Any]],
    settings: ArrheniusSettings,
) -> dict[str, dict[str, Any]]:
    """Summaries grouped by system: group key -> {"system", "summaries"}."""
    resolved = settings.model_dump()
    groups: dict[str, dict[str, Any]] = {}
    for s in summaries:
        system = system_of(s, tasks.get(s.get("task_id")), settings)
        key = group_key(system, resolved)
        groups.setdefault(key, {"system": system, "summaries": []})
        groups[key]["summaries"].append(dict(s))
    for g in groups.values():
        g["summaries"].sort(key=lambda d: (d.get("temperature_K") or 0, d["task_id"]))
    return groups


def _mean_ci(values: np.ndarray) -> tuple[float, float, float]:
    """Mean and its 95 % Student-t interval over the member ions (lower bound
    clipped at 0; a single ion: no interval)."""
    n, mean = len(values), float(values.mean())
    if n < 2:
        return mean, math.nan, math.nan
    half = float(stats.t.ppf(0.975, n - 1) * values.std(ddof=1) / math.sqrt(n))
    return mean, max(mean - half, 0.0), mean + half


def _mean_fields(column: pd.Series, few: str | None) -> dict[str, float | None]:
    """A point's value and interval: :func:`_mean_ci` of the finite values of
    ``column`` (all None when there are none or ``few`` says why not)."""
    values = pd.to_numeric(column, errors="coerce").to_numpy(float)
    values = values[np.isfinite(values)]
    mean = lo = hi = None
    if len(values) and few is None:
        mean, lo, hi = _mean_ci(values)
    return {"D_cm2_s": mean, "D_ci95_low": lo, "D_ci95_high": hi}


def mode_points(
    ions: pd.DataFrame, settings: ArrheniusSettings
) -> dict[str, dict[str, list[ArrheniusPoint]]]:
    """Per mode, one D point and one hop-rate point per trajectory.

    Parameters
    ----------
    ions
        One row per ion: ``mode_name``, ``task_id``, ``temperature_K``,
        ``D_cm2_s``, ``diffusive`` and ``hop_rate_per_ps`` (missing columns:
        no value).

    Returns
    -------
    dict
        mode name -> {"D": points, "hop_rate": points} (hop rates in 1/ps in
        the ``D_cm2_s`` field of the points).
    """
    ions = ions.reindex(columns=["mode_name", *MODE_ION_FIELDS[1:]])
    out: dict[str, dict[str, list[ArrheniusPoint]]] = defaultdict(
        lambda: {"D": [], "hop_rate": []}
    )
    for (mode, task_id), rows in ions.groupby(["mode_name", "task_id"], sort=True):
        temp = pd.to_numeric(rows["temperature_K"], errors="coerce").iloc[0]
        temp = float(temp) if np.isfinite(temp) else None
        n = len(rows)
        few = (
            f"{n} ion(s) of this mode in the trajectory (< {settings.min_mode_ions})"
            if n < settings.min_mode_ions
            else None
        )
        verdict = rows["diffusive"].map(lambda v: v is True or v == 1).to_numpy(bool)
        k = int(verdict.sum())
        # undetermined members (run too short) do not count against the mode
        u = int((rows["diffusion_outcome"] == "undetermined").sum())
        outcome = (
            "diffusive"
            if k >= n / 2
            else "undetermined"
            if k + u >= n / 2
            else "not diffusive"
        )
        d_point = ArrheniusPoint(
            temperature_K=temp,
            diffusive=None if outcome == "undetermined" else outcome == "diffusive",
            diffusion_outcome=outcome,
            diffusive_reason=f"{k} of {n} member ions diffusive; {u} undetermined",
            task_id=str(task_id),
            exclude_reason=few,
            **_mean_fields(rows["D_cm2_s"], few),
        )
        out[str(mode)]["D"].append(d_point)
        r_point = ArrheniusPoint(
            temperature_K=temp,
            diffusive=True,  # a rate needs no diffusive regime
            task_id=str(task_id),
            exclude_reason=few,
            **_mean_fields(rows["hop_rate_per_ps"], few),
        )
        out[str(mode)]["hop_rate"].append(r_point)
    return dict(out)


#: Renames of a D fit's fields for a hop-rate fit (1/ps instead of cm2/s).
_RATE_NAMES = {
    "prefactor_cm2_s": "prefactor_per_ps",
    "D_extrapolated_cm2_s": "rate_extrapolated_per_ps",
    "D_extrapolated_ci95_low": "rate_extrapolated_ci95_low",
    "D_extrapolated_ci95_high": "rate_extrapolated_ci95_high",
    "D_cm2_s": "rate_per_ps",
    "D_ci95_low": "rate_ci95_low",
    "D_ci95_high": "rate_ci95_high",
    "sigma_ln_D": "sigma_ln_rate",
}


def rate_fit(points: list[ArrheniusPoint], settings: ArrheniusSettings) -> dict:
    """Arrhenius fit of hop rates (1/ps): Ea, prefactor and extrapolated rate."""
    res = fit_arrhenius(points, quantity="hop rate", **settings.fit_kwargs())
    drop = {"diffusive", "diffusive_reason", "exclude_reason"}
    res["points"] = [
        {_RATE_NAMES.get(k, k): v for k, v in p.items() if k not in drop}
        for p in res["points"]
    ]
    return {_RATE_NAMES.get(k, k): v for k, v in res.items()}


def fit_modes(
    ions: pd.DataFrame, settings: ArrheniusSettings
) -> dict[str, dict[str, Any]]:
    """Per mode: the D fit (ArrheniusDoc fields) and ``hop_rate_fit``."""
    out = {}
    for mode, pts in mode_points(ions, settings).items():
        fit = fit_arrhenius(pts["D"], **settings.fit_kwargs())
        fit["hop_rate_fit"] = rate_fit(pts["hop_rate"], settings)
        out[mode] = fit
    return out
