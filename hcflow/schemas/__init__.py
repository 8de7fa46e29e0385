"""Pydantic documents stored in the hcflow collections (fields carry units)."""

from hcflow.schemas.analysis import (
    CorrelationDoc,
    DriverResultDoc,
    IonModeDoc,
    ModeResultDoc,
)
from hcflow.schemas.common import Provenance
from hcflow.schemas.ion import IonDescriptorDoc, TrajectorySummaryDoc
from hcflow.schemas.md_task import MDTaskDoc, TrajectoryRef
from hcflow.schemas.structure import StructureDoc

__all__ = [
    "CorrelationDoc",
    "DriverResultDoc",
    "IonModeDoc",
    "ModeResultDoc",
    "IonDescriptorDoc",
    "MDTaskDoc",
    "Provenance",
    "StructureDoc",
    "TrajectoryRef",
    "TrajectorySummaryDoc",
]
