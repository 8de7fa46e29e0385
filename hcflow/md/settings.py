"""MD settings: the one carrier of MD parameters, from study file to md_tasks.

:class:`MDSettings` is the ``md:`` section of a study file, the ``md`` field
of :class:`~hcflow.md.jobs.NaMDMaker`, the argument of
:func:`~hcflow.md.runner.run_md` and of every batched
:class:`~hcflow.md.batched.Replica`, with one default per field (the study
file's: 1,000 equilibration and 10,000 production steps). Limits come from
:mod:`hcflow.limits`; thermostats and their parameters from the table in
:mod:`hcflow.md.dynamics`. :meth:`MDSettings.hashed` is what settings hashes,
checkpoint keys and md_tasks ``md_settings`` see: not ``threads`` or
``device`` (they change results only at round-off), and a field added after
hashes were published only away from its default.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from pydantic import Field, field_validator, model_validator

from hcflow.errors import HcflowError
from hcflow.inputs import StrictModel, parse_model
from hcflow.limits import MAX_MD_STEPS, MAX_TIMESTEP_FS
from hcflow.md.dynamics import (
    DEFAULT_ENSEMBLE,
    DEFAULT_EQUILIBRATION_ENSEMBLE,
    DEFAULT_FRICTION_PER_PS,
    DEFAULT_TAUT_FS,
    THERMOSTATS,
    check_ensemble,
    thermostat_params,
)
from hcflow.potentials.device import DTYPES, check_device_name

#: equilibration_max_steps when not given: this many times equilibration_steps
DEFAULT_MAX_EQUILIBRATION_FACTOR = 5
#: fields that set up the model's calculator (batched replicas share them)
CALCULATOR_FIELDS = ("threads", "device", "dtype")
#: fields that never enter a hash (they change results only at round-off)
NOT_HASHED = frozenset({"threads", "device"})
#: fields added after settings hashes were published: hashed off their default
HASHED_WHEN_SET = frozenset(
    {
        "equilibration_friction_per_ps",
        "reference_potential",
        "model_deviation_frames",
        "model_deviation_threshold_eV_A",
    }
)


class MDSettings(StrictModel):
    """MD settings shared by every point of a study (fs, steps)."""

    timestep_fs: float = Field(
        1.0, gt=0, le=MAX_TIMESTEP_FS, description="Time step, fs."
    )
    equilibration_steps: int = Field(
        1000,
        ge=0,
        le=MAX_MD_STEPS,
        description="Minimum equilibration steps before production (not stored); "
        "equilibration goes on until temperature and potential energy are "
        "stationary (hcflow.md.equilibration). 0: no equilibration.",
    )
    equilibration_max_steps: int | None = Field(
        None,
        ge=0,
        le=MAX_MD_STEPS,
        description="Maximum equilibration steps: production starts there even "
        "when not stationary (recorded). null: 5 x equilibration_steps; equal to "
        "equilibration_steps: a fixed length.",
    )
    equilibration_ensemble: str = Field(
        DEFAULT_EQUILIBRATION_ENSEMBLE,
        description="Thermostat of equilibration: a key of "
        "hcflow.md.dynamics.THERMOSTATS.",
    )
    production_steps: int = Field(
        10000, ge=1, le=MAX_MD_STEPS, description="Production MD steps."
    )
    frame_interval: int = Field(10, ge=1, description="Steps between stored frames.")
    ensemble: str = Field(
        DEFAULT_ENSEMBLE,
        description="Production ensemble: nvt-bussi (default, global stochastic "
        "velocity rescaling: unbiased ion dynamics), nvt-langevin (per-atom "
        "friction: biases D, for equilibration), nve; 'nvt' = nvt-langevin.",
    )
    friction_per_ps: float = Field(
        DEFAULT_FRICTION_PER_PS,
        gt=0,
        description="Langevin friction (nvt-langevin), ps^-1.",
    )
    equilibration_friction_per_ps: float | None = Field(
        None,
        gt=0,
        description="Langevin friction of equilibration, ps^-1 (null: "
        "friction_per_ps): e.g. strong damping to thermalise fast before a "
        "weakly damped Langevin production.",
    )
    taut_fs: float = Field(
        DEFAULT_TAUT_FS,
        gt=0,
        description="Bussi time constant (nvt-bussi), fs: the kinetic energy "
        "relaxes to the bath over this time; 100 fs is long against a Na "
        "velocity autocorrelation and short against production.",
    )
    threads: int | None = Field(
        None,
        ge=1,
        description="torch threads per MD job (null: all cores). Not part of the "
        "settings hash. 1 is far faster on small cells or shared cores.",
    )
    device: str = Field(
        "auto",
        description="Where the model runs: cpu, cuda, cuda:N or auto (the GPU "
        "when there is one). Checked before any job starts; the device used is "
        "recorded in md_tasks. Not part of the settings hash.",
    )
    dtype: str = Field(
        "float32", description="Precision of the model: float32 or float64."
    )
    # model deviation (hcflow.md.model_deviation): hashed only off their defaults
    reference_potential: str | None = Field(
        None,
        description="Reference of the model-deviation figure: a potential spec; "
        "null: the model's teacher (its json); none: off.",
    )
    model_deviation_frames: int = Field(
        8,
        ge=0,
        le=1000,
        description="Evenly spaced production frames the reference evaluates (0: off).",
    )
    model_deviation_threshold_eV_A: float = Field(
        1.0,
        gt=0,
        description="A frame whose max per-atom |dF| exceeds this makes "
        "forces_ok false, eV/A.",
    )

    @field_validator("ensemble", "equilibration_ensemble", "device", mode="before")
    @classmethod
    def _known_name(cls, value, info) -> str:
        """Canonical thermostat and device names (the checks' one-line errors)."""
        check = check_device_name if info.field_name == "device" else check_ensemble
        try:
            return check(value)
        except HcflowError as exc:
            raise ValueError(str(exc)) from None

    @field_validator("dtype", mode="before")
    @classmethod
    def _dtype_name(cls, value) -> str:
        text = str(value).strip().lower()
        if text not in DTYPES:
            raise ValueError(f"unknown dtype {value!r}: use float32 or float64")
        return text

    @model_validator(mode="after")
    def _equilibration_range(self):
        top = self.equilibration_max_steps
        if top is not None and top < self.equilibration_steps:
            raise ValueError(
                f"equilibration_max_steps={top} is below equilibration_steps="
                f"{self.equilibration_steps}"
            )
        return self

    def hashed(self) -> dict:
        """The fields that decide a run's result (see the module docstring)."""
        fields = type(self).model_fields
        default = {k for k in HASHED_WHEN_SET if getattr(self, k) == fields[k].default}
        return self.model_dump(exclude=NOT_HASHED | default)

    def thermostat(self, production: bool) -> tuple[str, dict[str, float]]:
        """(ensemble, its parameters in user units) of production or of
        equilibration (:func:`hcflow.md.dynamics.thermostat_params`)."""
        name = self.ensemble if production else self.equilibration_ensemble
        params = thermostat_params(name, self)
        own = None if production else self.equilibration_friction_per_ps
        if own is not None and "friction_per_ps" in params:
            params["friction_per_ps"] = float(own)
        return name, params

    @property
    def max_equilibration_steps(self) -> int:
        """The resolved maximum equilibration length, steps."""
        if self.equilibration_max_steps is not None:
            return int(self.equilibration_max_steps)
        return DEFAULT_MAX_EQUILIBRATION_FACTOR * int(self.equilibration_steps)


def as_md_settings(value: MDSettings | Mapping | None, source: str) -> MDSettings:
    """An MDSettings from itself, a mapping of its fields (one-line error naming
    ``source`` on a bad value) or None (the defaults)."""
    if isinstance(value, MDSettings):
        return value
    return parse_model(MDSettings, dict(value or {}), source)


def check_temperature(temperature_K: float) -> float:
    """A thermostat temperature as a float >= 0 K, or a one-line error."""
    value = float(temperature_K)
    if not math.isfinite(value) or value < 0:
        raise HcflowError(f"temperature must be >= 0 K, got {temperature_K}")
    return value


def check_thermostat_temperature(md: MDSettings, temperature_K: float) -> None:
    """A rescaling thermostat (Bussi) has no kinetic energy to rescale at 0 K."""
    uses = [md.ensemble] + (
        [md.equilibration_ensemble] if md.equilibration_steps else []
    )
    for name in uses:
        if temperature_K <= 0 and THERMOSTATS[name].rescales:
            others = " or ".join(k for k, t in THERMOSTATS.items() if not t.rescales)
            raise HcflowError(
                f"ensemble {name} needs a temperature above 0 K; use {others} at 0 K"
            )
