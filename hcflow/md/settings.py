"""MD settings: one model, used by study files, the MD Maker and the runner.

:class:`MDSettings` is the ``md:`` section of a study file and the set of
MD parameters :class:`~hcflow.md.jobs.NaMDMaker` and
:func:`~hcflow.md.runner.run_md` take, with the same names all the way
(``timestep_fs`` stays ``timestep_fs`` from the study file to the md_tasks
document). Limits come from :mod:`hcflow.limits`, so a setting that passes
``hcflow study plan`` also passes the MD job.
"""

from __future__ import annotations

import math

from pydantic import Field, field_validator

from hcflow.errors import HcflowError
from hcflow.inputs import StrictModel
from hcflow.limits import MAX_TIMESTEP_FS
from hcflow.md.dynamics import check_ensemble


class MDSettings(StrictModel):
    """MD settings shared by every point of a study (fs, steps)."""

    timestep_fs: float = Field(
        1.0, gt=0, le=MAX_TIMESTEP_FS, description="Time step, fs."
    )
    equilibration_steps: int = Field(
        1000, ge=0, description="NVT steps before production (not stored)."
    )
    production_steps: int = Field(10000, ge=1, description="Production MD steps.")
    frame_interval: int = Field(10, ge=1, description="Steps between stored frames.")
    ensemble: str = Field(
        "nvt", description="Ensemble: a key of hcflow.md.dynamics.ENSEMBLES."
    )
    threads: int | None = Field(
        None,
        ge=1,
        description="torch threads per MD job (null: all cores). Not part of the "
        "settings hash. 1 is far faster on small cells or shared cores.",
    )

    @field_validator("ensemble", mode="before")
    @classmethod
    def _known_ensemble(cls, value) -> str:
        try:
            return check_ensemble(value)
        except HcflowError as exc:
            raise ValueError(str(exc)) from None


def check_temperature(temperature_K: float) -> float:
    """A thermostat temperature as a float >= 0 K, or a one-line error."""
    value = float(temperature_K)
    if not math.isfinite(value) or value < 0:
        raise HcflowError(f"temperature must be >= 0 K, got {temperature_K}")
    return value
