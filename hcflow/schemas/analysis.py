"""Documents of the query-driven analyses: modes, ion_modes, drivers, correlations.

Each result is keyed by ``result_id = <kind>-<hash>``, the hash of (query
filter, resolved settings, input ion keys with their last_updated): re-running
with nothing changed finds the same id and does nothing; new inputs or new
settings give a new id (a new document beside the old ones, never an
overwrite). Units: log10 D in log10(cm2/s), distances in A, densities in
g/cm3, temperatures in K; z-scores are dimensionless.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from hcflow.schemas.common import Provenance, optional, utcnow


class AnalysisDoc(BaseModel):
    """Fields every analysis result shares."""

    result_id: str = Field(description="<kind>-<hash of query, settings, inputs>.")
    kind: str = Field(description="modes, drivers or correlations.")
    query: dict[str, Any] = Field(description="MongoDB filter on ion_descriptors.")
    query_name: str | None = optional("Saved query name (file stem).")
    query_description: str = Field("", description="Saved query description.")
    query_hash: str = Field(description="Hash of the filter alone.")
    settings: dict[str, Any] = Field(description="Resolved analysis settings.")
    settings_hash: str = Field(description="Hash of the resolved settings alone.")
    input_hash: str = Field(
        description="Hash of the input ion keys with their last_updated."
    )
    n_inputs: int = Field(description="Ions analysed (documents).")
    n_trajectories: int = Field(description="Trajectories the ions come from.")
    descriptor_settings: list[str] = Field(
        default_factory=list,
        description="settings_hash values of the ion_descriptors analysed.",
    )
    notes: list[str] = Field(
        default_factory=list, description="Fallbacks taken, one line each."
    )
    provenance: Provenance = Field(description="Where this came from.")
    last_updated: datetime = Field(default_factory=utcnow, description="UTC time.")


class ModeResultDoc(AnalysisDoc):
    """Diffusion modes (Gaussian mixture + BIC, or HDBSCAN) of ion descriptors."""

    method: str = Field(description="gmm or hdbscan.")
    k: int = Field(description="Chosen number of modes (HDBSCAN: clusters found).")
    bic: dict[str, float] = Field(
        description="Selection curve: k -> BIC of the mixture (lower is better)."
    )
    bic_one: float | None = optional(
        "BIC of a single Gaussian (no-structure reference)."
    )
    structure_supported: bool = Field(
        description="True when the chosen k beats one Gaussian (BIC) / >= 2 clusters."
    )
    stability_ari: float | None = Field(
        description="Mean adjusted Rand index over bootstrap refits (0-1)."
    )
    stability_ari_std: float | None = Field(description="Std of the bootstrap ARI.")
    confident: bool = Field(
        description="structure_supported and stability_ari >= stable_ari."
    )
    n_fit: int = Field(description="Ions in the model-selection subsample.")
    features: list[str] = Field(description="Descriptors clustered on.")
    centroids: list[dict[str, Any]] = Field(
        description="Per mode: 'mode' and the mean of each clustered descriptor "
        "in its physical unit (see hcflow.schemas.names)."
    )
    profiles: list[dict[str, Any]] = Field(
        default_factory=list,
        description="Per mode: z-score of its mean of every available descriptor "
        "against all ions (what the names are derived from).",
    )
    names: dict[str, str] = Field(description="Mode label -> physical name.")
    name_basis: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description="Mode label -> class (majority class of the members, by "
        "the absolute criteria of hcflow.analysis.naming), purity (its share "
        "of the members), class_fractions and criterion (the rule that gives "
        "that class; thresholds in settings.naming).",
    )
    transport: list[dict[str, Any]] = Field(
        default_factory=list,
        description="Per mode: n_ions; D_mean_cm2_s {mean, ci95_low, "
        "ci95_high, n} (cm2/s; bootstrap over ions); diffusive_fraction and "
        "verdict ('diffusive' or 'not diffusive'); hop_rate_per_ps {mean, "
        "ci95_low, ci95_high, n} (1/ps); hop_length_A; site_fraction; "
        "residence: pooled Kaplan-Meier curve (time_ps, survival), median_ps, "
        "mean_ps (censoring-aware), restricted_mean_ps, n_residences, "
        "n_complete.",
    )
    van_hove: dict[str, Any] = Field(
        default_factory=dict,
        description="Self van Hove function per mode: lag_ps, dr_A, r_A (bin "
        "centres, A) and modes: name -> per lag the member-averaged P(r, t) dr.",
    )
    fractions: dict[str, float] = Field(description="Mode label -> ion fraction.")
    counts: dict[str, int] = Field(
        default_factory=dict, description="Mode label -> ions."
    )


class IonModeDoc(BaseModel):
    """The mode of one ion in one modes result."""

    ion_mode_key: str = Field(description="'<result_id>:<ion_key>'.")
    result_id: str = Field(description="The modes result this label belongs to.")
    ion_key: str = Field(description="ion_descriptors key of the ion.")
    task_id: str = Field(description="Trajectory of the ion.")
    mode: int = Field(description="Mode label (-1: HDBSCAN noise).")
    mode_name: str = Field(description="Physical name of the mode.")
    ion_class: str | None = optional(
        "The ion's own class by the absolute naming criteria "
        "(independent of the other ions analysed)."
    )
    class_reason: str | None = optional(
        "The criterion and numbers that decided ion_class."
    )
    probability: float | None = optional("Posterior probability of the mode (0-1).")
    pc1: float = Field(description="First principal component (standardised).")
    pc2: float = Field(description="Second principal component (standardised).")
    last_updated: datetime = Field(default_factory=utcnow, description="UTC time.")


class DriverResultDoc(AnalysisDoc):
    """Structural drivers of per-ion mobility (grouped cross-validation)."""

    target: str = Field(description="Regression target, e.g. log10_D (log10 cm2/s).")
    features: list[str] = Field(
        default_factory=list, description="Structural descriptors used as inputs."
    )
    cv: str = Field(description="Cross-validation scheme.")
    n_folds: int = Field(0, description="Folds.")
    n_groups: int = Field(0, description="Trajectories (CV groups).")
    r2_mean: float | None = Field(description="Boosted model R2 on held-out folds.")
    r2_std: float | None = Field(description="Std of R2 over folds.")
    r2_folds: list[float] = Field(default_factory=list, description="R2 per fold.")
    r2_linear_mean: float | None = Field(description="Linear baseline R2 (ridge).")
    r2_linear_std: float | None = Field(description="Std of the baseline R2.")
    r2_random_cv_mean: float | None = Field(
        description="Boosted R2 with shuffled (leaky) KFold, for comparison."
    )
    r2_random_cv_std: float | None = optional("Its std over folds.")
    mobile_threshold: float | None = optional(
        "Target value above which an ion is mobile."
    )
    mobile_fraction: float | None = optional("Fraction mobile.")
    accuracy_mean: float | None = Field(
        description="Mobile/immobile accuracy (boosted)."
    )
    accuracy_std: float | None = Field(description="Std over folds.")
    accuracy_linear_mean: float | None = Field(
        description="Accuracy of the logistic baseline."
    )
    accuracy_linear_std: float | None = optional("Std over folds.")
    importance: list[dict[str, Any]] = Field(
        description="descriptor, mean, std, low, high, proxy_of: permutation "
        "importance (drop in held-out R2), 95 % interval over folds x repeats; "
        "best first; empty when the R2 interval does not clear zero."
    )
    importance_class: list[dict[str, Any]] = Field(
        default_factory=list,
        description="The same for the classifier (drop in accuracy).",
    )
    partial_dependence: dict[str, dict] = Field(
        description="Top descriptors: grid (descriptor unit) and average "
        "predicted target (empty when importances are withheld)."
    )
    r2_pooled: float | None = optional(
        "R2 of the pooled out-of-fold predictions (grouped CV)."
    )
    r2_ci95_low: float | None = optional(
        "Lower 95 % bound of r2_pooled (trajectories resampled)."
    )
    r2_ci95_high: float | None = optional("Upper 95 % bound.")
    r2_clears_zero: bool = Field(
        False,
        description="The whole R2 interval is above zero; importances are "
        "reported only then.",
    )
    noise_ceiling_r2: float | None = optional(
        "Largest R2 reachable when per-ion log10 D scatter like "
        "identical Brownian ions of the same run length (1 - noise variance / "
        "target variance)."
    )
    verdict: str = Field("", description="What may be claimed, in words.")
    importance_withheld: str | None = optional(
        "Why importances are not reported (None: reported)."
    )
    proxies: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description="Descriptor -> variable (processing variable it mostly "
        "re-encodes across systems), rho (Spearman of its system means with "
        "it), between_fraction (share of its variance between systems).",
    )
    within: dict[str, Any] = Field(
        default_factory=dict,
        description="The within-system model (target and descriptors minus "
        "their system means; a system = one density, Na content and "
        "temperature): n_systems, r2_mean, r2_folds, r2_pooled, r2_ci95_low, "
        "r2_ci95_high, r2_clears_zero, noise_ceiling_r2, verdict, importance "
        "(withheld unless the interval clears zero).",
    )
    censored_fraction: float | None = optional(
        "Share of ions whose D is below the detection limit "
        "(log10_D target: entered at the limit, not at an arbitrary floor)."
    )


class CorrelationDoc(AnalysisDoc):
    """Mode fractions / mobility vs density, Na content and temperature."""

    mode_source: str = Field(
        "", description="modes result the labels came from, or 'inline'."
    )
    rho: dict[str, dict[str, float | None]] = Field(
        description="target -> variable -> Spearman rho (None: undefined)."
    )
    p: dict[str, dict[str, float | None]] = Field(
        description="Matching two-sided p-values."
    )
    maps: dict[str, dict[str, Any]] = Field(
        description="target -> density x Na-content grid: density_g_cm3 (rows), "
        "na_content (columns), values (mean), n_trajectories."
    )
    temperatures: list[float] = Field(
        default_factory=list, description="Temperatures in the selection, K."
    )
    per_trajectory: list[dict[str, Any]] = Field(
        description="Per task: variables, mean log10 D, mode fractions."
    )
