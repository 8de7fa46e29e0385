"""The ``md_tasks`` document: one MD trajectory, produced by our MD or ingested.

Field names follow atomate2's ForceFieldTaskDocument where they fit
(``structure``, ``forcefield_name``, ``dir_name``...), plus study metadata.
The trajectory itself is never inside the document: ``trajectory`` is a
reference ``{"blob_uuid", "store": "data", "@class", "@module"}`` to a
:class:`hcflow.md.trajectory.CompactTrajectory` in the GridFS data store,
in exactly the shape jobflow writes for ``@job(data=...)`` outputs.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from hcflow.schemas.common import Provenance, optional, utcnow


class TrajectoryRef(BaseModel):
    """Pointer to a CompactTrajectory blob in the data store (jobflow format)."""

    model_config = ConfigDict(populate_by_name=True)

    blob_uuid: str = Field(description="Key of the blob in the data store.")
    store: str = Field("data", description="Name of the JobStore additional store.")
    class_: str = Field("CompactTrajectory", alias="@class")
    module_: str = Field("hcflow.md.trajectory", alias="@module")


class EquilibrationRecord(BaseModel):
    """How a run was equilibrated before production, and whether it was
    stationary (:mod:`hcflow.md.equilibration`)."""

    ensemble: str = Field(description="Equilibration ensemble, e.g. nvt-langevin.")
    thermostat: str | None = optional("bussi, langevin or null.")
    friction_per_ps: float | None = optional(
        "Langevin friction, ps^-1 (Langevin only)."
    )
    taut_fs: float | None = optional("Bussi time constant, fs.")
    criterion: str = Field(description="The stationarity criterion, in words.")
    min_steps: int = Field(description="Minimum equilibration steps.")
    max_steps: int = Field(description="Maximum equilibration steps.")
    steps: int | None = optional("Equilibration steps run.")
    stationary: bool | None = optional(
        "true: criterion met; false: stopped at max_steps without "
        "meeting it; null: not evaluated (no or too short equilibration)."
    )
    last_check: dict[str, Any] | None = optional(
        "The last check: step, and per quantity (temperature_K, "
        "energy_eV) the two window means, their standard errors, agree."
    )


class MDTaskDoc(BaseModel):
    """One MD run of a Na/C system (units: K, fs, ps, g/cm3, eV)."""

    model_config = ConfigDict(populate_by_name=True)

    task_id: str = Field(description="Unique id of this MD task.")
    source: Literal["hcflow-md", "ingest"] = Field(
        description="hcflow-md: our MD Maker; ingest: `hcflow ingest`."
    )
    state: Literal["successful", "failed"] = Field(
        "successful", description="failed: the MD stopped early (frames kept)."
    )
    label: str | None = optional("Free-text label.")
    tags: list[str] = Field(default_factory=list, description="Free-text tags.")
    study_id: str | None = optional("Study this task belongs to.")
    point_id: str | None = optional(
        "Grid point (density, loading, T, replica) id in the study."
    )
    structure_id: str | None = optional("Input structure document.")
    potential_id: str | None = optional("Potential document used.")
    forcefield_name: str | None = optional("Potential name or file.")
    replica: int = Field(0, description="Replica index at this grid point.")
    formula: str = Field(description="Reduced formula, e.g. NaC6.")
    n_atoms: int = Field(description="Atoms in the cell.")
    n_na: int = Field(description="Na atoms.")
    n_c: int = Field(description="C atoms.")
    mobile_species: str = Field(
        "Na",
        description="Element symbol of the diffusing ion the descriptors analyse "
        "(Na for hcflow's own MD; named on ingest for other ions: Li, K...).",
    )
    n_mobile: int | None = optional("Atoms of the mobile species (null: as n_na).")
    temperature_K: float = Field(description="Thermostat temperature, K.")
    timestep_fs: float = Field(description="MD integration time step, fs.")
    frame_interval: int = Field(description="MD steps between stored frames.")
    frame_dt_ps: float = Field(description="Time between stored frames, ps.")
    n_frames: int = Field(description="Stored frames.")
    duration_ps: float = Field(description="Time span of the stored frames, ps.")
    ensemble: str | None = optional(
        "Production ensemble: nvt-bussi, nvt-langevin, nve (hcflow "
        "MD); for ingested data what the metadata says ('nvt' in documents "
        "written before the thermostats were named = nvt-langevin)."
    )
    thermostat: str | None = optional(
        "Production thermostat: bussi, langevin, or null (none)."
    )
    taut_fs: float | None = optional("Bussi time constant of production, fs.")
    friction_per_ps: float | None = optional("Langevin friction of production, ps^-1.")
    equilibration: EquilibrationRecord | None = optional(
        "Equilibration before production (hcflow MD)."
    )
    device: dict[str, Any] | None = optional(
        "Where the model ran: device (cpu, cuda, cuda:N), name, "
        "torch version, requested (the setting, e.g. auto)."
    )
    dtype: str | None = optional("Model precision, e.g. float32.")
    density_g_cm3: float = Field(description="Carbon-framework bulk density, g/cm3.")
    total_density_g_cm3: float = Field(description="Density of all atoms, g/cm3.")
    na_content: float = Field(description="Na:C atom ratio, e.g. 0.1667 for NaC6.")
    volume_A3: float = Field(description="Cell volume of the first frame, A^3.")
    settings_hash: str | None = optional(
        "Hash of the MD settings (skips reruns of a grid point)."
    )
    md_settings: dict[str, Any] = Field(
        default_factory=dict, description="MD settings (T, steps, seed...)."
    )
    energy_mean_eV: float | None = optional("Mean potential energy, eV.")
    trajectory: TrajectoryRef = Field(description="Reference to the stored trajectory.")
    trajectory_nbytes: int | None = optional("Stored size, bytes.")
    structure: dict | None = optional(
        "First frame as a pymatgen Structure dict (small cells)."
    )
    metadata: dict[str, Any] = Field(
        default_factory=dict, description="Extra metadata."
    )
    provenance: Provenance = Field(description="Where this document came from.")
    last_updated: datetime = Field(default_factory=utcnow, description="UTC time.")
    # model deviation (hcflow.md.model_deviation)
    model_deviation: dict[str, Any] | None = Field(
        None,
        description="The model's forces against a reference potential (default "
        "its teacher) on evenly spaced frames: reference, frames, force MAE and "
        "max |dF| (eV/A), per-element MAE, energy deviation (meV/atom), frames "
        "above threshold, forces_ok (null: not computed) and reason; null: off.",
    )
