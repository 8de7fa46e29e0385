"""The ``potentials`` document: one per model used (keyed by file hash)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from hcflow.schemas.common import Provenance, utcnow


class PotentialDoc(BaseModel):
    """A machine-learned potential and where it came from."""

    potential_id: str = Field(description="sha256 of the model file (or name).")
    name: str = Field(description="Name or spec, e.g. hcflow-nac-small.")
    kind: str = Field(description="mace-file, mace-foundation, chgnet or ase-dict.")
    path: str | None = Field(None, description="Model file on the machine that ran.")
    file_hash: str | None = Field(None, description="sha256 of the model file.")
    elements: list[str] = Field(default_factory=list, description="Known elements.")
    r_max: float | None = Field(None, description="Cutoff radius, A.")
    dtype: str = Field("float32", description="Floating-point precision.")
    teacher: str | None = Field(None, description="Teacher model of a distillation.")
    training_set_size: int | None = Field(None, description="Training configs.")
    validation: dict[str, Any] = Field(
        default_factory=dict,
        description="Validation metrics (force MAE eV/A, energy MAE meV/atom...).",
    )
    metadata: dict[str, Any] = Field(default_factory=dict, description="Model card.")
    provenance: Provenance = Field(description="Where this document came from.")
    last_updated: datetime = Field(default_factory=utcnow, description="UTC time.")

    @classmethod
    def from_info(cls, info) -> PotentialDoc:
        """Build from :class:`hcflow.potentials.PotentialInfo`."""
        meta = dict(info.metadata or {})
        return cls(
            potential_id=info.file_hash or info.name,
            **{k: getattr(info, k) for k in ("name", "kind", "path", "file_hash")},
            elements=list(info.elements),
            r_max=info.r_max,
            dtype=info.dtype,
            teacher=meta.get("teacher"),
            training_set_size=meta.get("training_set_size"),
            validation=meta.get("validation", {}),
            metadata=meta,
            provenance=Provenance.make("potential", {"spec": info.name}),
        )


class GateRow(BaseModel):
    """One physics gate of a potential (:mod:`hcflow.potentials.gates`)."""

    name: str = Field(description="Gate, e.g. na_bcc_a.")
    family: str = Field(description="na_metal, na2, carbon, na_carbon or md.")
    value: float | None = Field(None, description="The model's number.")
    unit: str = Field(description="Unit of value and reference.")
    reference: float | None = Field(None, description="Cited value (None: a sign).")
    window: str = Field(description="Accepted window, e.g. 4.13..4.33 or > 0.")
    source: str = Field(description="Where the reference comes from.")
    status: str = Field(description="pass, fail, not applicable or error.")
    note: str = Field("", description="How it was measured, or why it failed.")


class PotentialValidationDoc(BaseModel):
    """The physics gates of one potential (+ dispersion flag): one document."""

    validation_id: str = Field(description="potential_id:dispersion.")
    potential_id: str = Field(description="sha256 of the model file (or name).")
    name: str = Field(description="Spec the gates ran on.")
    kind: str = Field(description="Kind of potential (mace-file, chgnet...).")
    dispersion: str | None = Field(None, description="None or d3bj.")
    functional: str | None = Field(None, description="D3 parameters used (pbe...).")
    md: bool = Field(False, description="Whether the MD gates ran.")
    elements: list[str] = Field(default_factory=list, description="Known elements.")
    gates: list[GateRow] = Field(default_factory=list, description="Every gate.")
    summary: dict[str, int] = Field(default_factory=dict, description="By status.")
    wall_s: float = Field(0.0, description="Seconds the gates took.")
    provenance: Provenance = Field(description="Where this document came from.")
    last_updated: datetime = Field(default_factory=utcnow, description="UTC time.")
