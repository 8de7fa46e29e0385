"""Pieces every hcflow document shares: provenance and timestamps."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import numpy as np
from pydantic import BaseModel, Field

from hcflow.hashing import settings_hash

__all__ = ["Provenance", "json_safe", "optional", "settings_hash", "utcnow"]


def json_safe(value: Any) -> Any:
    """JSON/BSON-safe copy: numpy to Python, NaN/inf to None, str keys.

    The one NaN -> None cleaning of documents, tables and JSON output; goes
    into dicts, lists, tuples and arrays.
    """
    if isinstance(value, dict):
        return {str(k): json_safe(x) for k, x in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(x) for x in value]
    if isinstance(value, np.ndarray):
        return json_safe(value.tolist())
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


def optional(description: str) -> Any:
    """An optional document field: ``Field(None, description=description)``."""
    return Field(None, description=description)


def utcnow() -> datetime:
    """Timezone-aware now (UTC); maggma compares ``last_updated`` with it."""
    return datetime.now(UTC)


class Provenance(BaseModel):
    """Where a document came from."""

    hcflow_version: str = Field(description="hcflow version that wrote it.")
    created_at: datetime = Field(default_factory=utcnow, description="UTC time.")
    settings_hash: str | None = Field(None, description="Hash of the settings used.")
    settings: dict[str, Any] = Field(default_factory=dict, description="Settings used.")
    input_ids: list[str] = Field(
        default_factory=list, description="ids of the input documents."
    )
    source: str | None = Field(
        None, description="What produced it: hcflow-md, ingest:<file>, builder:<name>."
    )

    @classmethod
    def make(cls, source: str, settings: dict | None = None, inputs=()) -> Provenance:
        from hcflow import __version__

        settings = settings or {}
        return cls(
            hcflow_version=__version__,
            settings=settings,
            settings_hash=settings_hash(settings) if settings else None,
            input_ids=list(inputs),
            source=source,
        )
