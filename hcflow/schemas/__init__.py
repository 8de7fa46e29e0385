"""Pydantic documents stored in the hcflow collections (fields carry units)."""

from hcflow.schemas.common import Provenance
from hcflow.schemas.md_task import MDTaskDoc, TrajectoryRef

__all__ = ["MDTaskDoc", "Provenance", "TrajectoryRef"]
