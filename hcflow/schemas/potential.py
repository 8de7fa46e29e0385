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
