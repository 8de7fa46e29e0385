"""The melt-quench-anneal protocol: parameters, stage lengths, content hash.

:class:`MeltQuenchProtocol` holds every number of the protocol run by
:mod:`hcflow.structures.meltquench` (K, ps, fs). ``interlayer`` adds an
interaction between graphene layers from the stage ``interlayer_from`` on
(``"airebo-lj"``: REBO-II plus AIREBO's Lennard-Jones term, which needs no
layer labels; ``"none"``: REBO-II alone, the protocol before issue 28).
:func:`content_hash` keys a cell by method, protocol (less ``threads`` and
``mlip_relax_steps``), seed, density and n_carbon; with ``interlayer="none"``
the interlayer fields are left out of the hash, so cells generated before
the interlayer term existed keep their keys. The choice of the default is
measured in ``benchmarks/screen_potentials.py`` (docs/structures.md).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from hcflow.hashing import settings_hash
from hcflow.inputs import StrictModel, parse_model

METHOD = "lammps-melt-quench-v1"
DEFAULT_POTENTIAL = "rebo"
DEFAULT_INTERLAYER = "airebo-lj"
DEFAULT_INTERLAYER_FROM = "cool"
DEFAULT_INTERLAYER_BELOW_K = 1500.0
NOT_HASHED = ("threads", "mlip_relax_steps")
INTERLAYER_FIELDS = ("interlayer", "interlayer_from", "interlayer_below_K")
STAGES = ("melt", "quench", "anneal", "cool", "final")


class MeltQuenchProtocol(StrictModel):
    """Melt-quench-anneal parameters (K, ps, fs); see hcflow.structures.meltquench."""

    potential: str = Field(
        DEFAULT_POTENTIAL,
        description="LAMMPS carbon potential: tersoff, rebo, airebo, "
        "lcbop, snap (hcflow.structures.lammps_engine.POTENTIALS).",
    )
    interlayer: Literal["none", "airebo-lj"] = Field(
        DEFAULT_INTERLAYER,
        description="Interlayer term from 'interlayer_from' on: airebo-lj "
        "(REBO-II + AIREBO's LJ, 'airebo-lj' in lammps_engine) or none.",
    )
    interlayer_from: Literal["quench", "anneal", "cool", "final"] = Field(
        DEFAULT_INTERLAYER_FROM,
        description="First stage run with the interlayer term (the final "
        "minimisation always uses it when interlayer is set).",
    )
    interlayer_below_K: float | None = Field(
        DEFAULT_INTERLAYER_BELOW_K,
        gt=0,
        description="With interlayer_from 'cool': switch the term on when the "
        "cooling ramp reaches this temperature, K (None, or at least the anneal "
        "temperature: the whole cool). The cool then runs as 'cool' (REBO-II) "
        "and 'cool_interlayer'. Ignored (and not hashed) otherwise.",
    )
    start: Literal["lattice", "random"] = Field(
        "random", description="Initial positions: jittered cubic lattice or random."
    )
    timestep_fs: float = Field(1.0, gt=0, le=2.0, description="MD time step, fs.")
    melt_temperature_K: float = Field(6000.0, gt=0, le=20000, description="Melt T, K.")
    melt_ps: float = Field(5.0, ge=0, description="Time in the melt, ps.")
    quench_rate_K_per_ps: float = Field(
        1000.0, gt=0, description="Melt -> anneal cooling rate, K/ps."
    )
    anneal_temperature_K: float = Field(
        4000.0, gt=0, le=20000, description="Graphitisation temperature, K."
    )
    anneal_ps: float = Field(100.0, ge=0, description="Graphitisation time, ps.")
    cool_rate_K_per_ps: float = Field(
        100.0, gt=0, description="Anneal -> final cooling rate, K/ps."
    )
    final_temperature_K: float = Field(300.0, gt=0, description="Final T, K.")
    final_ps: float = Field(2.0, ge=0, description="Hold at the final T, ps.")
    minimize: bool = Field(True, description="CG minimisation at the end.")
    thermostat_damp_ps: float = Field(
        0.1, gt=0, description="Velocity-rescaling thermostat time constant, ps."
    )
    threads: int = Field(1, ge=1, le=256, description="OpenMP threads (not hashed).")
    mlip_relax_steps: int = Field(
        0,
        ge=0,
        description="FIRE steps with the study's MLIP after the MD (0: none; "
        "not part of the content hash: applied to the stored cell).",
    )

    @field_validator("potential")
    @classmethod
    def _known(cls, v: str) -> str:
        from hcflow.structures.lammps_engine import POTENTIALS

        if v not in POTENTIALS:
            raise ValueError(
                f"unknown LAMMPS carbon potential {v!r}; choose one of "
                f"{', '.join(POTENTIALS)}"
            )
        return v

    def hashed(self) -> dict:
        """The fields that decide the structure (everything but threads/MLIP).

        Without an interlayer term the interlayer fields are dropped, so the
        key equals that of the same protocol before the fields existed.
        """
        skip = set(NOT_HASHED)
        if self.interlayer == "none":
            skip |= set(INTERLAYER_FIELDS)
        elif self._switch_K() is None:
            skip.add("interlayer_below_K")
        return self.model_dump(exclude=skip)

    def _switch_K(self) -> float | None:
        """The temperature of a mid-cool switch, or None when there is none."""
        t = self.interlayer_below_K
        if self.interlayer == "none" or self.interlayer_from != "cool" or t is None:
            return None
        return t if t < self.anneal_temperature_K else None

    def stage_potential(self, stage: str) -> str:
        """LAMMPS potential name of a stage (a name in :data:`STAGES`)."""
        if self.interlayer == "none":
            return self.potential
        if stage in ("minimize", "cool_interlayer"):
            return self.interlayer
        if stage == "cool" and self._switch_K() is not None:
            return self.potential
        if STAGES.index(stage) >= STAGES.index(self.interlayer_from):
            return self.interlayer
        return self.potential

    def cool_segments(self) -> list[tuple[str, float, float, int]]:
        """(stage, T start, T stop, steps) of the cool: one or two ramps."""
        steps = self.stage_steps()["cool"]
        ta, tb, ts = (
            self.anneal_temperature_K,
            self.final_temperature_K,
            self._switch_K(),
        )
        if ts is None:
            return [("cool", ta, tb, steps)]
        ts = max(ts, tb)  # at or below the final T: REBO-II for the whole ramp
        hot = int(round(steps * (ta - ts) / (ta - tb))) if ta != tb else steps
        return [("cool", ta, ts, hot), ("cool_interlayer", ts, tb, steps - hot)]

    def stage_steps(self) -> dict[str, int]:
        """MD steps per stage."""
        dt_ps = self.timestep_fs / 1000.0
        quench = abs(self.melt_temperature_K - self.anneal_temperature_K)
        cool = abs(self.anneal_temperature_K - self.final_temperature_K)
        ps = {
            "melt": self.melt_ps,
            "quench": quench / self.quench_rate_K_per_ps,
            "anneal": self.anneal_ps,
            "cool": cool / self.cool_rate_K_per_ps,
            "final": self.final_ps,
        }
        return {k: int(round(v / dt_ps)) for k, v in ps.items()}

    def total_ps(self) -> float:
        """Simulated time of all MD stages, ps."""
        return sum(self.stage_steps().values()) * self.timestep_fs / 1000.0


#: the protocol before issue 28 (REBO-II alone): hashes as it always did
REBO_ONLY = {"interlayer": "none"}


def parse_protocol(protocol: MeltQuenchProtocol | dict | None) -> MeltQuenchProtocol:
    """A protocol from a model, a dict (unknown keys: HcflowError) or None."""
    if protocol is None:
        return MeltQuenchProtocol()
    return parse_model(MeltQuenchProtocol, protocol, "melt-quench protocol")


def content_hash(
    n_carbon: int, density_g_cm3: float, seed: int, protocol: MeltQuenchProtocol
) -> str:
    """Key of a generated cell: method, protocol (hashed part), seed, rho, n."""
    return settings_hash(
        {
            "method": METHOD,
            "protocol": protocol.hashed(),
            "seed": int(seed),
            "density_g_cm3": round(float(density_g_cm3), 6),
            "n_carbon": int(n_carbon),
        }
    )
