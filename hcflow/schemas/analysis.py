"""Documents of the query-driven analyses: modes, ion_modes, drivers, correlations.

Each result is keyed by ``result_id = <kind>-<hash>``, the hash of (query,
settings, input ion keys and their last_updated): re-running with nothing
changed finds the same id and does nothing; new inputs or new settings give a
new id (a new document beside the old ones).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from hcflow.schemas.common import Provenance, utcnow


class AnalysisDoc(BaseModel):
    """Fields every analysis result shares."""

    result_id: str = Field(description="<kind>-<hash of query, settings, inputs>.")
    kind: str = Field(description="modes, drivers or correlations.")
    query: dict[str, Any] = Field(description="Filter on ion_descriptors.")
    query_hash: str = Field(description="Hash of the query alone.")
    settings: dict[str, Any] = Field(description="Analysis settings.")
    settings_hash: str = Field(description="Hash of the settings alone.")
    input_hash: str = Field(description="Hash of input ion keys + last_updated.")
    n_inputs: int = Field(description="Ions analysed.")
    n_trajectories: int = Field(description="Trajectories the ions come from.")
    notes: list[str] = Field(default_factory=list, description="Fallbacks taken.")
    provenance: Provenance = Field(description="Where this came from.")
    last_updated: datetime = Field(default_factory=utcnow, description="UTC time.")


class ModeResultDoc(AnalysisDoc):
    """Diffusion modes (Gaussian mixture / HDBSCAN over ion descriptors)."""

    method: str = Field(description="gmm or hdbscan.")
    k: int = Field(description="Chosen number of modes.")
    bic: dict[str, float] = Field(description="BIC for each k tried (lower better).")
    stability_ari: float = Field(description="Mean bootstrap adjusted Rand index.")
    stability_ari_std: float = Field(description="Std of the bootstrap ARI.")
    features: list[str] = Field(description="Descriptors used.")
    centroids: list[dict[str, Any]] = Field(
        description="Per mode: centroid in physical units (descriptor units)."
    )
    names: dict[str, str] = Field(description="Mode label -> physical name.")
    fractions: dict[str, float] = Field(description="Mode label -> ion fraction.")


class IonModeDoc(BaseModel):
    """The mode of one ion in one modes result."""

    ion_mode_key: str = Field(description="'<result_id>:<ion_key>'.")
    result_id: str
    ion_key: str
    task_id: str
    mode: int = Field(description="Mode label (-1: HDBSCAN noise).")
    mode_name: str = Field(description="Physical name of the mode.")
    pc1: float = Field(description="First principal component (standardised).")
    pc2: float = Field(description="Second principal component.")
    last_updated: datetime = Field(default_factory=utcnow)


class DriverResultDoc(AnalysisDoc):
    """Structural drivers of per-ion mobility."""

    target: str = Field(description="Regression target (log10 D_i).")
    cv: str = Field(description="Cross-validation scheme.")
    r2_mean: float = Field(description="Boosted model R2 on held-out folds.")
    r2_std: float
    r2_linear_mean: float = Field(description="Linear baseline R2.")
    r2_linear_std: float
    r2_random_cv_mean: float = Field(
        description="R2 with shuffled (leaky) KFold, for comparison."
    )
    accuracy_mean: float = Field(description="Mobile/immobile accuracy (boosted).")
    accuracy_std: float
    accuracy_linear_mean: float
    importance: list[dict[str, Any]] = Field(
        description="descriptor, mean, low, high (permutation importance, 95 %)."
    )
    partial_dependence: dict[str, dict] = Field(
        description="Top descriptors: grid and average predicted log10 D."
    )


class CorrelationDoc(AnalysisDoc):
    """Mode fractions / mobility vs density, Na content and temperature."""

    rho: dict[str, dict[str, float | None]] = Field(
        description="target -> variable -> Spearman rho."
    )
    p: dict[str, dict[str, float | None]] = Field(description="Matching p-values.")
    maps: dict[str, list[dict[str, Any]]] = Field(
        description="target -> density x Na-content table (records)."
    )
    per_trajectory: list[dict[str, Any]] = Field(
        description="Per task: variables, mean log10 D, mode fractions."
    )
