"""``ion_descriptors`` and ``trajectory_summaries`` documents.

``IonDescriptorDoc``: one Na ion of one trajectory under one descriptor
setting (``ion_key = f"{task_id}:{ion_index}:{settings_hash}"``), every
descriptor a flat top-level field. ``TrajectorySummaryDoc``: one trajectory
under one setting (``summary_key = f"{task_id}:{settings_hash}"``): tracer D,
centre-of-mass D, Haven ratio, descriptor means and the MSD curve. Every D
carries a ``diffusive`` verdict; a non-diffusive D is not a long-time
diffusion coefficient (filter with ``{"diffusive": true}``).

Units: A, ps, cm2/s, g/cm3, K.

Details: docs/descriptors.md.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

from hcflow.schemas.common import Provenance, optional, utcnow
from hcflow.schemas.names import BOOLEAN, DYNAMIC, INTEGER, STRUCTURAL


def ion_key(task_id: str, ion_index: int, settings_hash: str) -> str:
    """Key of an ion document."""
    return f"{task_id}:{ion_index}:{settings_hash}"


def summary_key(task_id: str, settings_hash: str) -> str:
    """Key of a trajectory summary document."""
    return f"{task_id}:{settings_hash}"


class _TaskMeta(BaseModel):
    """Identity and study metadata shared by both documents."""

    model_config = ConfigDict(extra="forbid")

    task_id: str = Field(description="md_tasks id of the trajectory.")
    settings_hash: str = Field(description="Hash of the DescriptorSettings used.")
    study_id: str | None = optional("Study of the trajectory.")
    label: str | None = optional("Label of the trajectory.")
    point_id: str | None = optional("Grid point id in the study.")
    temperature_K: float | None = optional("MD temperature, K.")
    density_g_cm3: float | None = optional("Carbon-framework bulk density, g/cm3.")
    na_content: float | None = optional("Na:C atom ratio.")
    mobile_species: str | None = optional(
        "Element symbol of the diffusing ion analysed (Na, Li, K...); "
        "'na' in descriptor names stands for it."
    )
    settings: dict[str, Any] = Field(
        default_factory=dict, description="The DescriptorSettings used (all fields)."
    )
    na_c_cutoff_A: float | None = optional("Na-C cutoff used, A.")
    na_na_cutoff_A: float | None = optional("Na-Na cutoff used, A.")
    local_radius_A: float | None = optional("Radius of the local carbon density, A.")
    fit_window_ps: list[float] | None = optional(
        "[start, stop] of the MSD fit window, ps."
    )
    coarse_time_ps: float | None = optional(
        "Coarse-graining time of hops/tortuosity/alpha2, ps."
    )
    frame_dt_ps: float | None = optional("Time between frames, ps.")
    duration_ps: float | None = optional("Trajectory duration, ps.")
    n_frames: int | None = optional("Frames in the trajectory.")
    structural_frames: int | None = optional(
        "Frames on which structural descriptors were averaged."
    )
    pore_status: str | None = optional("'ok' or why pore descriptors are null.")
    pore_frames: list[int] | None = optional("Frames on which the pore analysis ran.")
    host_status: str | None = optional(
        "'ok', or why the descriptors that need a carbon host "
        "(cn_na_c, local_c_density, d_nearest_c, pore_*) are null (not "
        "applicable: no carbon in the trajectory)."
    )
    state: Literal["successful", "failed"] = Field(
        "successful", description="failed: the trajectory could not be analysed."
    )
    error: str | None = optional("One-line reason of a failure.")
    not_estimable: bool = Field(
        False,
        description="With state failed: the trajectory is too short for the "
        "settings (a result, not an error of the run; error says why).",
    )
    md_task_last_updated: datetime | None = optional(
        "last_updated of the md_tasks document analysed (UTC)."
    )
    provenance: Provenance | None = optional("Where it came from.")
    last_updated: datetime = Field(default_factory=utcnow, description="UTC time.")


class _IonBase(_TaskMeta):
    ion_key: str = Field(description="'{task_id}:{ion_index}:{settings_hash}'.")
    ion_index: int = Field(description="Atom index of the ion in the trajectory.")
    na_rank: int = Field(description="Rank of the ion among the Na atoms (0-based).")
    msd_lag_ps: list[float] = Field(
        default_factory=list, description="Lag times of the MSD curve, ps."
    )
    msd_A2: list[float] = Field(
        default_factory=list, description="MSD of the ion at msd_lag_ps, A^2."
    )
    diffusive: bool | None = optional(
        "Verdict on this ion's D_cm2_s: true when its MSD over the "
        "fit window is diffusive (log-log slope in the band and MSD beyond the "
        "length scale, with the sampling allowance of one ion); false: D_cm2_s "
        "is not a long-time D."
    )
    diffusive_reason: str | None = optional(
        "One line: why the ion's D is (not) diffusive."
    )
    diffusion_outcome: str | None = optional(
        "'diffusive', 'not diffusive' or 'undetermined' "
        "(diffusive null; hcflow.descriptors.diffusion, docs/verdict.md)."
    )
    msd_loglog_slope: float | None = optional(
        "Least-squares slope of log MSD vs log t of this ion over the "
        "fit window (1: diffusive, 0: caged, 2: ballistic)."
    )
    residence_durations_ps: list[float] = Field(
        default_factory=list,
        description="Duration of every residence (visit to a site) of the ion, "
        "ps, in time order (hcflow.descriptors.sites).",
    )
    residence_complete: list[bool] = Field(
        default_factory=list,
        description="Per residence: true when both ends were seen; false when "
        "censored by the start or the end of the run (a lower bound).",
    )
    hop_times_ps: list[float] = Field(
        default_factory=list, description="Times of the ion's hops, ps."
    )
    van_hove_lag_ps: list[float] = Field(
        default_factory=list, description="Lags of van_hove_P, ps."
    )
    van_hove_dr_A: float | None = optional("Bin width of van_hove_P (bins from 0), A.")
    van_hove_P: list[list[float]] = Field(
        default_factory=list,
        description="Self van Hove function of the ion per lag: P(r, t) dr = "
        "4 pi r^2 G_s(r, t) dr, the fraction of time origins at which it moved "
        "a distance in each bin (rows sum to the fraction within the last bin).",
    )


def _descriptor_fields() -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for name, desc in STRUCTURAL.items():
        fields[name] = (float | None, Field(None, description=f"Mean {desc}."))
        fields[f"{name}_std"] = (
            float | None,
            Field(None, description=f"Std over the window of: {desc}."),
        )
    for name, desc in DYNAMIC.items():
        kind = int if name in INTEGER else bool if name in BOOLEAN else float
        fields[name] = (kind | None, Field(None, description=desc))
    return fields


IonDescriptorDoc = create_model(
    "IonDescriptorDoc",
    __base__=_IonBase,
    __doc__="One Na ion of one trajectory: descriptors as flat fields (A, ps, cm2/s).",
    **_descriptor_fields(),
)


class TrajectorySummaryDoc(_TaskMeta):
    """One trajectory under one setting: tracer D with 95 % CI and means."""

    summary_key: str = Field(description="'{task_id}:{settings_hash}'.")
    n_ions: int = Field(0, description="Na ions analysed.")
    D_cm2_s: float | None = optional("Tracer D of Na, cm2/s.")
    D_ci95_low: float | None = optional("Lower 95 % bound of D, cm2/s.")
    D_ci95_high: float | None = optional("Upper 95 % bound of D, cm2/s.")
    D_std_cm2_s: float | None = optional("Standard error of D, cm2/s.")
    D_interval_method: str | None = optional("How the 95 % interval of D was computed.")
    diffusive: bool | None = optional(
        "Verdict on D_cm2_s from the ion-averaged MSD: true when it "
        "is diffusive over the fit window (log-log slope in the band, MSD at "
        "the window start beyond the length scale); false: D_cm2_s is not a "
        "long-time D (for caged or sub-diffusive motion an upper bound)."
    )
    diffusive_reason: str | None = optional("One line: why D is (not) diffusive.")
    diffusion_outcome: str | None = optional(
        "'diffusive', 'not diffusive' or 'undetermined' "
        "(run too short; diffusive null): docs/verdict.md."
    )
    msd_loglog_slope_std: float | None = optional(
        "Sampling std of the log-log slope of free diffusers."
    )
    regime: list[dict[str, str]] = Field(
        default_factory=list,
        description="Physical-regime flags [{flag, reason}]: above_boiling_point, "
        "fluid_ions, small_cell (hcflow.descriptors.regime; empty: none).",
    )
    msd_loglog_slope: float | None = optional(
        "Least-squares slope of log MSD vs log t of the ion-averaged "
        "MSD over the fit window."
    )
    min_ion_pair_A: float | None = optional(
        "Closest distance between two mobile ions over the run "
        "(up to 200 evenly spaced frames), A; null: none within 4 A."
    )
    ion_contacts_ok: bool | None = optional(
        "False when two mobile ions came closer than 0.6 x twice "
        "their covalent radius (Na: 2.0 A; the Na2 bond is 3.08 A): the "
        "potential let them merge and D is not physical (left out of "
        "Arrhenius fits)."
    )
    msd_at_fit_start_A2: float | None = optional(
        "Ion-averaged MSD at the start of the fit window, A^2."
    )
    fit_window_auto: bool | None = optional(
        "True when the fit window start was chosen from the MSD "
        "(fit_window='auto'), false when fixed by the settings."
    )
    D_sigma_cm2_s: float | None = optional(
        "Centre-of-mass (collective) D of the Na ions: MSD of their "
        "summed displacement over 6 N t, cm2/s (same fit window as D)."
    )
    D_sigma_ci95_low: float | None = optional("Lower 95 % bound of D_sigma, cm2/s.")
    D_sigma_ci95_high: float | None = optional("Upper 95 % bound of D_sigma, cm2/s.")
    haven_ratio: float | None = optional(
        "Haven ratio D_cm2_s / D_sigma_cm2_s (1: uncorrelated ions; "
        "null when either is 0)."
    )
    haven_ci95_low: float | None = optional("Lower 95 % bound of the Haven ratio.")
    haven_ci95_high: float | None = optional("Upper 95 % bound of the Haven ratio.")
    descriptor_means: dict[str, float | None] = Field(
        default_factory=dict, description="Mean over ions of every descriptor."
    )
    descriptor_stds: dict[str, float | None] = Field(
        default_factory=dict, description="Std over ions of every descriptor."
    )
    msd_lag_ps: list[float] = Field(
        default_factory=list, description="Lag times of the MSD curve, ps."
    )
    msd_A2: list[float] = Field(
        default_factory=list, description="Ion-averaged MSD at msd_lag_ps, A^2."
    )
    residence_km: dict[str, Any] = Field(
        default_factory=dict,
        description="Kaplan-Meier survival of the residences of all ions: "
        "time_ps, survival, median_ps (null when the curve stays above 0.5), "
        "mean_ps (censoring-aware: time in visits / complete residences), "
        "n_residences, n_complete.",
    )
    van_hove_lag_ps: list[float] = Field(
        default_factory=list, description="Lags of van_hove_P, ps."
    )
    van_hove_dr_A: float | None = optional("Bin width, A.")
    van_hove_P: list[list[float]] = Field(
        default_factory=list,
        description="Ion-averaged self van Hove function per lag, P(r, t) dr "
        "(see IonDescriptorDoc.van_hove_P).",
    )
    rdf_min_na_c_A: float | None = optional(
        "First minimum of g_NaC(r), A (null when g(r) shows none): "
        "compare with na_c_cutoff_A."
    )
    rdf_min_na_na_A: float | None = optional(
        "First minimum of g_NaNa(r), A (null when g(r) shows none): "
        "compare with na_na_cutoff_A."
    )
    compute_time_s: float | None = optional("Seconds spent computing the descriptors.")
    # model deviation (hcflow.md.model_deviation), copied from md_tasks
    model_deviation: dict[str, Any] | None = Field(
        None,
        description="The md_tasks model_deviation: the model's forces against "
        "a reference potential on evenly spaced frames (null: off or absent).",
    )
    forces_ok: bool | None = Field(
        None,
        description="False when a sampled frame's max |dF| against the "
        "reference exceeds the threshold (left out of Arrhenius fits); null: "
        "not computed.",
    )
