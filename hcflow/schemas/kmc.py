"""Documents of the ``site_networks`` and ``kmc`` collections."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from hcflow.schemas.common import Provenance, utcnow


class SiteNetworkDoc(BaseModel):
    """The site network one system's MD shows (hcflow.kmc.from_md)."""

    network_key: str = Field(description="Hash of the trajectories and settings.")
    system: str = Field(description="The system: structure, potential, species.")
    task_ids: list[str] = Field(description="MD trajectories it was built from.")
    study_id: str | None = Field(None, description="Study, when all share one.")
    mobile_species: str = Field("Na", description="The hopping ion.")
    temperatures_K: list[float] = Field(description="MD temperatures.")
    resolved_temperatures_K: list[float] = Field(
        description="Those whose residences the detector resolves (fits use them)."
    )
    n_sites: int = Field(description="Sites.")
    n_edges: int = Field(description="Directed edges (every edge has its reverse).")
    hops: dict[str, int] = Field(description="Hops seen per temperature.")
    exit_rate_per_ps: dict[str, float] = Field(
        description="Pooled site exit rate per temperature (truncated-exponential MLE)."
    )
    site_coordination: list[int] = Field(
        description="Carbon atoms within coordination_cutoff_A of every site."
    )
    site_void: list[int | None] = Field(
        default_factory=list,
        description="Void (pore) label of every site in the first frame's host "
        "(hcflow.structures.pores; null: in no void).",
    )
    site_void_radius_A: list[float | None] = Field(
        default_factory=list, description="Equivalent-sphere radius of that void."
    )
    percolation_dimension: int = Field(description="0 closed ... 3 bulk.")
    percolation_directions: str = Field(description="Axes of unbounded travel.")
    barriers: list[dict[str, Any]] = Field(
        description="Exit-barrier fits (label, Ea, error, prefactor, hops per T)."
    )
    barrier_note: str = Field(description="How the barriers came out, in words.")
    neb: list[dict[str, Any]] = Field(
        default_factory=list, description="NEB barriers of representative edges."
    )
    network: dict[str, Any] = Field(description="Sites, edges, counts, exposures.")
    settings: dict[str, Any] = Field(description="Site and network settings.")
    provenance: Provenance
    last_updated: datetime = Field(default_factory=utcnow)


class KMCDoc(BaseModel):
    """D from kinetic Monte Carlo on one site network at one temperature."""

    kmc_key: str = Field(description="network_key, temperature and settings.")
    network_key: str
    system: str
    study_id: str | None = None
    temperature_K: float
    source: str = Field(description="md_rates (an MD temperature) or arrhenius.")
    n_ions: int
    tracer_D_cm2_s: float
    tracer_D_ci_low: float
    tracer_D_ci_high: float
    collective_D_cm2_s: float | None = None
    collective_D_ci_low: float | None = None
    collective_D_ci_high: float | None = None
    confidence: float
    percolates: bool
    n_hops: int
    simulated_time_ps: float
    md_D_cm2_s: float | None = Field(None, description="MD tracer D at this T.")
    md_D_ci_low: float | None = None
    md_D_ci_high: float | None = None
    agrees_with_md: bool | None = Field(
        None, description="KMC and MD intervals overlap (MD temperatures only)."
    )
    note: str
    settings: dict[str, Any]
    provenance: Provenance
    last_updated: datetime = Field(default_factory=utcnow)
