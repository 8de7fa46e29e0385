"""Where an MD run is, and what it gives back: shared by both MD runners.

:class:`RunState` is one run's step, equilibration, frames, energies, random
generator and checkpoint file; :meth:`RunState.start` draws the starting
velocities or restores a checkpoint, :meth:`RunState.result` turns the state
into an :class:`MDResult` (trajectory, timing, thermostat records). The single
runner (:mod:`hcflow.md.runner`) and every batched replica
(:mod:`hcflow.md.batched`) use the same state, schedule and checkpoint key, so
a checkpoint written by one is resumed by the other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from hcflow.md.checkpoint import (
    read_checkpoint,
    restore_checkpoint,
    run_key,
    write_checkpoint,
)
from hcflow.md.dynamics import init_velocities, thermostat_record
from hcflow.md.equilibration import Equilibration, next_stop
from hcflow.md.settings import (
    MDSettings,
    check_temperature,
    check_thermostat_temperature,
)
from hcflow.md.trajectory import CompactTrajectory


def ns_per_day(steps_per_s: float, timestep_fs: float) -> float:
    """Simulated ns per day at ``steps_per_s`` steps of ``timestep_fs``."""
    return steps_per_s * timestep_fs * 86400 / 1e6


@dataclass
class MDTiming:
    """Measured speed of a run (production + equilibration steps)."""

    seconds: float
    n_steps: int
    n_atoms: int
    atom_steps_per_s: float
    ns_per_day: float

    @classmethod
    def measure(cls, seconds, n_steps, n_atoms, timestep_fs) -> MDTiming:
        rate = n_steps / seconds if seconds > 0 else 0.0
        return cls(
            seconds=seconds,
            n_steps=n_steps,
            n_atoms=n_atoms,
            atom_steps_per_s=rate * n_atoms,
            ns_per_day=ns_per_day(rate, timestep_fs),
        )


@dataclass
class MDResult:
    """Outcome of an MD run (:func:`hcflow.md.runner.run_md`, batched replicas)."""

    trajectory: CompactTrajectory | None
    atoms: Any
    state: str  # successful | failed
    reason: str | None
    timing: MDTiming
    potential: dict = field(default_factory=dict)
    resumed_from_step: int = 0
    threads: tuple[int, str] = (1, "")
    #: :meth:`hcflow.md.equilibration.Equilibration.record`
    equilibration: dict = field(default_factory=dict)
    #: :func:`hcflow.md.dynamics.thermostat_record` of production
    thermostat: dict = field(default_factory=dict)

    @property
    def potential_id(self) -> str | None:
        return self.potential.get("file_hash")


@dataclass(kw_only=True)
class RunState:
    """One run's progress: step, equilibration, stored frames and energies
    (what a checkpoint holds), its generator and its checkpoint file."""

    md: MDSettings
    temperature_K: float
    rng: np.random.Generator
    key: str
    ckpt: Path | None
    eq: Equilibration
    step: int = 0
    resumed: int = 0
    frames: list = field(default_factory=list)
    energies: list = field(default_factory=list)

    @classmethod
    def start(
        cls,
        atoms,
        info: dict,
        md: MDSettings,
        temperature_K: float,
        seed: int,
        checkpoint_path=None,
        /,
        **extra: Any,
    ) -> RunState:
        """Check the inputs, then restore ``checkpoint_path`` into ``atoms`` (a
        copy the run owns) when it belongs to this run, else draw velocities."""
        temperature_K = check_temperature(temperature_K)
        check_thermostat_temperature(md, temperature_K)
        rng = np.random.default_rng(seed)
        key = run_key(atoms, info, temperature_K, seed, md.hashed())
        eq = Equilibration(
            md.equilibration_steps,
            md.max_equilibration_steps,
            md.equilibration_ensemble,
        )
        ckpt = Path(checkpoint_path) if checkpoint_path else None
        run = cls(
            md=md,
            temperature_K=temperature_K,
            rng=rng,
            key=key,
            ckpt=ckpt,
            eq=eq,
            **extra,
        )
        saved = read_checkpoint(ckpt, key)
        if saved is None:
            init_velocities(atoms, temperature_K, rng, zero_momentum=True)
        else:
            restore_checkpoint(saved, atoms, rng, run)
            run.resumed = run.step
        return run

    @property
    def in_production(self) -> bool:
        return self.eq.done_at is not None

    @property
    def total(self) -> int | None:
        """Last step of the run (None while equilibrating)."""
        start = self.eq.done_at
        return None if start is None else start + self.md.production_steps

    def expected_total(self) -> int:
        """The last step as now known (grows while equilibration goes on)."""
        if self.total is not None:
            return self.total
        return max(self.step, self.md.equilibration_steps) + self.md.production_steps

    def at_frame(self, k: int) -> bool:
        start = self.eq.done_at
        return (
            start is not None
            and k >= start
            and (k - start) % self.md.frame_interval == 0
        )

    def frame_missing(self) -> bool:
        """The current step is a frame step whose frame is not stored yet."""
        return self.at_frame(self.step) and len(self.frames) == (
            (self.step - self.eq.done_at) // self.md.frame_interval
        )

    def record(self, positions: np.ndarray, energy: float) -> None:
        self.frames.append(positions.copy())
        self.energies.append(float(energy))

    def finished(self) -> bool:
        return self.total is not None and self.step >= self.total

    def next_event(self, checkpoint_every: int | None) -> int:
        """The next step to stop at (:func:`hcflow.md.equilibration.next_stop`);
        checkpoint steps count only for a run with a checkpoint file."""
        return next_stop(
            self.step,
            self.eq,
            self.md.frame_interval,
            self.md.production_steps,
            checkpoint_every if self.ckpt is not None else None,
        )

    def save(self, atoms, checkpoint_every: int) -> None:
        """Write the checkpoint when this step is a checkpoint step."""
        if self.ckpt is None or self.step % checkpoint_every or self.finished():
            return
        extra = {"equilibration": self.eq.state()}
        write_checkpoint(
            self.ckpt,
            self.key,
            atoms,
            self.rng,
            self.step,
            self.frames,
            self.energies,
            extra,
        )

    def trajectory(self, atoms) -> CompactTrajectory | None:
        """The stored production frames as a trajectory (None without frames)."""
        if not self.frames:
            return None
        md = self.md
        dt_frame_ps = md.timestep_fs * md.frame_interval / 1000.0
        return CompactTrajectory(
            atoms.numbers,
            np.array(self.frames),
            np.asarray(atoms.cell[:]),
            np.arange(len(self.frames)) * dt_frame_ps,
            energies=self.energies,
            pbc=atoms.pbc,
        )

    def result(
        self,
        atoms,
        reason: str | None,
        timing: MDTiming,
        info: dict,
        threads: tuple[int, str],
    ) -> MDResult:
        """The run's :class:`MDResult`; a successful run's checkpoint is deleted."""
        state = "failed" if reason is not None else "successful"
        if state == "successful" and self.ckpt is not None:
            self.ckpt.unlink(missing_ok=True)
        md = self.md
        return MDResult(
            self.trajectory(atoms),
            atoms,
            state,
            reason,
            timing,
            info,
            self.resumed,
            threads,
            equilibration=self.eq.record(md.thermostat(False)[1]),
            thermostat=thermostat_record(*md.thermostat(True)),
        )
