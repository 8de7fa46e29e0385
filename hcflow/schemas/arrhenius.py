"""``arrhenius`` documents: D(T) of one system fitted over temperature.

One document per group of trajectory summaries that differ only in
temperature (:mod:`hcflow.analysis.arrhenius_groups`), keyed
``arrhenius_key`` (``group_key``, or ``group_key:mode`` for one diffusion
mode), fitted by :func:`hcflow.analysis.arrhenius.fit_arrhenius` on the
diffusive points only, with a ``valid`` / ``validity`` verdict on the fit.

Units: eV, K, cm2/s.

Details: docs/descriptors.md.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from hcflow.schemas.common import Provenance, optional, utcnow


class ArrheniusPointDoc(BaseModel):
    """One trajectory's D as a point of the fit."""

    model_config = ConfigDict(extra="ignore")

    task_id: str | None = optional("md_tasks id of the trajectory.")
    temperature_K: float | None = optional("MD temperature, K.")
    D_cm2_s: float | None = optional("Tracer D, cm2/s.")
    D_ci95_low: float | None = optional("Lower 95 % bound, cm2/s.")
    D_ci95_high: float | None = optional("Upper 95 % bound, cm2/s.")
    diffusive: bool | None = optional("Diffusive verdict of the D.")
    diffusive_reason: str | None = optional("One-line reason of the verdict.")
    diffusion_outcome: str | None = optional(
        "diffusive, not diffusive or undetermined."
    )
    regime: list[dict[str, Any]] | None = optional(
        "Regime flags of the trajectory [{flag, reason}]."
    )
    used: bool = Field(description="True when the point entered the fit.")
    reason: str | None = optional("Why the point was excluded (null when used).")
    sigma_ln_D: float | None = optional(
        "Standard deviation of ln D from the 95 % interval "
        "(dimensionless); the fit weight is 1 / sigma_ln_D^2."
    )


class ArrheniusDoc(BaseModel):
    """Activation energy, prefactor and extrapolated D of one system."""

    model_config = ConfigDict(extra="forbid")

    arrhenius_key: str = Field(
        description="Key: group_key (all ions) or 'group_key:mode' (one mode)."
    )
    group_key: str | None = optional(
        "'arrhenius-' + hash of the system values and the Arrhenius "
        "settings; shared by the system's document and its per-mode documents."
    )
    group: dict[str, Any] = Field(
        default_factory=dict,
        description="The values that define the group (study_id, density_g_cm3, "
        "na_content, mobile_species, cell, ...): every point shares them.",
    )
    study_id: str | None = optional("Study of the trajectories.")
    density_g_cm3: float | None = optional("Carbon-framework bulk density, g/cm3.")
    na_content: float | None = optional("Na:C atom ratio.")
    mobile_species: str | None = optional(
        "Element symbol of the diffusing ion (e.g. Na)."
    )
    potential: str | None = optional("potential_id (or forcefield name) of the MD.")
    n_atoms: int | None = optional("Atoms in the cell (cell size).")
    mode: str | None = optional(
        "Diffusion mode the D are restricted to (null: all ions)."
    )
    modes_result_id: str | None = optional("modes result whose labels define the mode.")
    query: dict[str, Any] = Field(
        default_factory=dict, description="trajectory_summaries filter of the run."
    )
    settings: dict[str, Any] = Field(
        default_factory=dict, description="The ArrheniusSettings used (all fields)."
    )
    input_hash: str | None = optional(
        "Hash of the (summary_key, last_updated) pairs and the modes "
        "result used: unchanged inputs are not refitted."
    )
    settings_hash: str = Field(
        description="settings_hash of the trajectory_summaries used."
    )
    state: Literal["fitted", "insufficient", "failed"] = Field(
        description="fitted; insufficient: too few usable temperatures (see "
        "reason); failed: the group could not be analysed."
    )
    reason: str | None = optional("One line: why there is no fit (null when fitted).")
    Ea_eV: float | None = optional("Activation energy, eV.")
    Ea_ci95_low: float | None = optional("Lower 95 % bound of Ea, eV.")
    Ea_ci95_high: float | None = optional("Upper 95 % bound of Ea, eV.")
    prefactor_cm2_s: float | None = optional(
        "Prefactor D0 of D = D0 exp(-Ea / kB T), cm2/s."
    )
    prefactor_ci95_low: float | None = optional("Lower 95 % bound of D0, cm2/s.")
    prefactor_ci95_high: float | None = optional("Upper 95 % bound of D0, cm2/s.")
    T_extrapolate_K: float = Field(
        300.0, description="Temperature of the extrapolated D, K."
    )
    D_extrapolated_cm2_s: float | None = optional(
        "D extrapolated to T_extrapolate_K, cm2/s."
    )
    D_extrapolated_ci95_low: float | None = optional(
        "Lower 95 % bound of the extrapolated D, cm2/s."
    )
    D_extrapolated_ci95_high: float | None = optional(
        "Upper 95 % bound of the extrapolated D, cm2/s."
    )
    n_points_used: int = Field(0, description="Points (trajectories) in the fit.")
    n_points_excluded: int = Field(0, description="Points left out (see points).")
    n_temperatures_used: int = Field(
        0, description="Distinct temperatures among the used points."
    )
    temperatures_used_K: list[float] = Field(
        default_factory=list, description="Temperature of every used point, K."
    )
    temperatures_excluded_K: list[float] = Field(
        default_factory=list,
        description="Temperature of every excluded point (non-diffusive: D is an "
        "upper bound; see points for the reasons), K.",
    )
    T_min_K: float | None = optional("Lowest used temperature, K.")
    T_max_K: float | None = optional("Highest used temperature, K.")
    valid: bool = Field(
        False,
        description="Verdict on the fit: enough diffusive temperatures, a span of "
        "at least min_span_K and one straight line (chi2 p >= min_linearity_p).",
    )
    validity: str | None = optional("One line: why the fit is (not) valid.")
    estimable: bool | None = optional(
        "False: the 95 % interval of D at T_extrapolate_K spans more "
        "than max_decades decades (validity says 'not estimable' and why)."
    )
    D_extrapolated_decades: float | None = optional("Width of that interval, decades.")
    between_structure_sd_ln: float | None = optional(
        "Between-structure standard deviation of ln D (tau) added "
        "to every point's variance (hcflow.analysis.arrhenius_design)."
    )
    between_structure_source: str | None = optional(
        "Where tau came from: replicas, residuals or none."
    )
    regime_marked: list[str] = Field(
        default_factory=list,
        description="Regime flags carried by used points (marked, not left out; "
        "above_boiling_point points are left out).",
    )
    chi2_p_value: float | None = optional(
        "Chi-square p-value of the weighted residuals (small: the "
        "points are not on one line within their intervals)."
    )
    hop_rate_fit: dict[str, Any] | None = optional(
        "Per-mode documents: the Arrhenius fit of the mode's mean hop "
        "rate (Ea_eV with interval, prefactor_per_ps, rate_extrapolated_per_ps "
        "with interval, valid, points...)."
    )
    chi2_reduced: float | None = optional(
        "Weighted residual sum of squares over (n - 2): > 1 when the "
        "points scatter more than their intervals allow."
    )
    interval_scale: float | None = optional(
        "sqrt(1 + tau^2 / mean sigma_i^2): how much the "
        "between-structure variance widens the point variances."
    )
    covariance: list[list[float]] | None = optional(
        "Covariance of (ln D0, slope = -Ea / eV) after interval "
        "scaling: the band of ln D at any T (hcflow.analysis.arrhenius.ln_d_band)."
    )
    interval_quantile: float | None = optional(
        "Quantile multiplying the standard errors (Student-t with "
        "Satterthwaite dof; normal when tau = 0)."
    )
    fit_method: str | None = optional("How the line was fitted.")
    points: list[ArrheniusPointDoc] = Field(
        default_factory=list, description="Every point, used or excluded."
    )
    provenance: Provenance | None = optional("Where it came from.")
    last_updated: datetime = Field(default_factory=utcnow, description="UTC time.")
