"""Pydantic documents stored in the hcflow collections (fields carry units)."""

from hcflow.schemas.analysis import (
    CorrelationDoc,
    DriverResultDoc,
    IonModeDoc,
    ModeResultDoc,
)
from hcflow.schemas.arrhenius import ArrheniusDoc, ArrheniusPointDoc
from hcflow.schemas.common import Provenance
from hcflow.schemas.ion import IonDescriptorDoc, TrajectorySummaryDoc
from hcflow.schemas.md_task import MDTaskDoc, TrajectoryRef
from hcflow.schemas.structure import StructureDoc

__all__ = [
    "ArrheniusDoc",
    "ArrheniusPointDoc",
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
