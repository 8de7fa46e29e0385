"""The MD runner behind hcflow's MD Maker: equilibration, production, checkpoints.

``run_md`` runs MD in any ensemble of :mod:`hcflow.md.dynamics` (NVT
Langevin, NVE velocity Verlet) with any ASE calculator; a MACE model file (or
the shipped model) runs on hcflow's fast CPU path (the calculator comes from
:func:`hcflow.potentials.load_calculator`). It stores one production frame
every ``frame_interval`` steps (positions are never wrapped, so they are
unwrapped by construction), shows a progress bar with ns/day and ETA, and
writes a checkpoint (:mod:`hcflow.md.checkpoint`) every ``checkpoint_every``
steps: a killed run started again with the same arguments resumes from the
checkpoint and gives the same trajectory as an uninterrupted run.

A run that blows up (:mod:`hcflow.md.health`: NaN/inf energy or forces, two
atoms closer than ``min_distance``) stops at once: the result has
``state="failed"``, the reason, and the frames up to that point. It never
silently continues.
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from hcflow.inputs import parse_model
from hcflow.md.checkpoint import read_checkpoint, run_key, write_checkpoint
from hcflow.md.dynamics import (
    DEFAULT_FRICTION_PER_PS,
    init_velocities,
    make_dynamics,
)
from hcflow.md.health import blow_up_reason
from hcflow.md.resources import available_cores
from hcflow.md.settings import MDSettings, check_temperature
from hcflow.md.trajectory import CompactTrajectory

CHECK_EVERY = 100  # equilibration steps between blow-up checks
SMALL_CELL = 48  # atoms: below this the fast path runs on one torch thread


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


def ns_per_day(steps_per_s: float, timestep_fs: float) -> float:
    """Simulated ns per day at ``steps_per_s`` steps of ``timestep_fs``."""
    return steps_per_s * timestep_fs * 86400 / 1e6


@dataclass
class MDResult:
    """Outcome of :func:`run_md`."""

    trajectory: CompactTrajectory | None
    atoms: Any
    state: str  # successful | failed
    reason: str | None
    timing: MDTiming
    potential: dict = field(default_factory=dict)
    resumed_from_step: int = 0
    threads: tuple[int, str] = (1, "")

    @property
    def potential_id(self) -> str | None:
        return self.potential.get("file_hash")


@dataclass
class _Progress:
    """Where a run is: step, stored frames and energies (what a checkpoint holds)."""

    eq: int
    frame_interval: int
    step: int = 0
    frames: list = field(default_factory=list)
    energies: list = field(default_factory=list)

    def at_frame(self, k: int) -> bool:
        return k >= self.eq and (k - self.eq) % self.frame_interval == 0

    def frame_missing(self) -> bool:
        """The current step is a frame step whose frame is not stored yet."""
        return self.at_frame(self.step) and len(self.frames) == (
            (self.step - self.eq) // self.frame_interval
        )

    def record(self, atoms) -> None:
        self.frames.append(atoms.positions.copy())
        self.energies.append(float(atoms.get_potential_energy()))

    def next_event(self, total: int, checkpoint_every: int | None) -> int:
        """The next step to stop at: a frame, a check, a checkpoint or the end."""
        step, eq, fi = self.step, self.eq, self.frame_interval
        nxt = min(eq, step + CHECK_EVERY) if step < eq else step + fi - (step - eq) % fi
        nxt = min(nxt, total)
        if checkpoint_every:
            nxt = min(nxt, (step // checkpoint_every + 1) * checkpoint_every)
        return nxt


def thread_count(n_atoms: int, threads: int | None = None) -> tuple[int, str]:
    """torch threads of a run and why: (count, source).

    An explicit ``threads`` wins; a cell below ``SMALL_CELL`` atoms runs on one
    thread (no sync cost, safe on busy machines); otherwise the cores the
    scheduler gave the job (:func:`hcflow.md.resources.available_cores`),
    never every core of a shared node.
    """
    if threads is not None:
        return int(threads), "threads"
    if n_atoms < SMALL_CELL:
        return 1, "small cell"
    return available_cores()


def _calculator(potential, threads: int):
    """(calculator, potential info dict); the configured default when None."""
    from hcflow.potentials import load_calculator

    calc, info = load_calculator(potential, threads=threads)
    if "torch" in sys.modules:  # every torch calculator, not only the fast path
        sys.modules["torch"].set_num_threads(threads)
    return calc, info


def _bar(progress: bool, total: int, initial: int, n_atoms: int):
    if not progress:
        return None
    from tqdm import tqdm

    return tqdm(
        total=total,
        initial=initial,
        desc=f"MD {n_atoms} atoms",
        unit="step",
        dynamic_ncols=True,
    )


def _resume_or_start(atoms, rng, saved: dict | None, run: _Progress, temperature_K):
    """Restore a checkpoint's state, or draw the starting velocities."""
    if saved is None:
        init_velocities(atoms, temperature_K, rng, zero_momentum=True)
        return
    atoms.positions = saved["positions"]
    atoms.set_momenta(saved["momenta"])
    rng.bit_generator.state = saved["rng"]
    run.step, run.frames, run.energies = (
        saved["step"],
        saved["frames"],
        saved["energies"],
    )


def _integrate(
    dyn, atoms, run: _Progress, total, min_distance, saver, every, bar, timestep_fs
) -> tuple[str | None, int]:
    """Advance to ``total`` steps event by event; (blow-up reason, steps run)."""
    t0, steps_done, reason = time.perf_counter(), 0, None
    try:
        if run.frame_missing():
            reason = blow_up_reason(atoms, min_distance)
            if reason is None:
                run.record(atoms)
        while reason is None and run.step < total:
            nxt = run.next_event(total, every)
            dyn.run(nxt - run.step)
            steps_done += nxt - run.step
            run.step = nxt
            reason = blow_up_reason(atoms, min_distance)
            if reason is not None:
                break
            if run.at_frame(run.step):
                run.record(atoms)
            if saver is not None:
                saver(run.step)
            if bar is not None:
                elapsed = time.perf_counter() - t0
                rate = steps_done / elapsed if elapsed > 0 else 0.0
                bar.set_postfix_str(f"{ns_per_day(rate, timestep_fs):.3f} ns/day")
                bar.update(run.step - bar.n)
    finally:
        if bar is not None:
            bar.close()
    return reason, steps_done


def _trajectory(atoms, run: _Progress, md: MDSettings) -> CompactTrajectory | None:
    """The stored production frames as a trajectory (None without frames)."""
    if not run.frames:
        return None
    dt_frame_ps = md.timestep_fs * md.frame_interval / 1000.0
    return CompactTrajectory(
        atoms.numbers,
        np.array(run.frames),
        np.asarray(atoms.cell[:]),
        np.arange(len(run.frames)) * dt_frame_ps,
        energies=run.energies,
        pbc=atoms.pbc,
    )


def run_md(
    atoms,
    potential: Any = None,
    temperature_K: float = 300.0,
    timestep_fs: float = 1.0,
    production_steps: int = 1000,
    frame_interval: int = 10,
    seed: int = 0,
    ensemble: str = "nvt",
    friction_per_ps: float = DEFAULT_FRICTION_PER_PS,
    equilibration_steps: int = 0,
    checkpoint_path: str | os.PathLike | None = None,
    checkpoint_every: int = 200,
    progress: bool = True,
    min_distance: float = 0.5,
    threads: int | None = None,
) -> MDResult:
    """Run equilibration then production MD; see the module docstring.

    Parameters
    ----------
    atoms
        Periodic ASE Atoms (copied, not changed).
    potential
        A potential spec (see :mod:`hcflow.potentials`) or an ASE calculator;
        None means the configured default (the shipped model).
    temperature_K, timestep_fs
        Thermostat temperature (K) and time step (fs, limits in
        :class:`~hcflow.md.settings.MDSettings`).
    production_steps, frame_interval
        Production steps and steps between stored frames.
    seed
        Seeds the Maxwell-Boltzmann velocities and the thermostat noise.
    ensemble
        A key of :data:`hcflow.md.dynamics.ENSEMBLES` (``"nvt"``: Langevin with
        ``friction_per_ps``; ``"nve"``).
    equilibration_steps
        Steps run before production (frames not stored).
    checkpoint_path
        File for restart data; resumed from when it exists and matches.
    min_distance
        Two atoms closer than this (A) mean the run blew up.
    threads
        torch threads; None: 1 below ``SMALL_CELL`` atoms, else the cores the
        scheduler gave the job (:func:`thread_count`).
    """
    temperature_K = check_temperature(temperature_K)
    md = parse_model(
        MDSettings,
        {
            "timestep_fs": timestep_fs,
            "equilibration_steps": equilibration_steps,
            "production_steps": production_steps,
            "frame_interval": frame_interval,
            "ensemble": ensemble,
        },
        "MD settings",
    )
    n_threads = thread_count(len(atoms), threads)
    calc, info = _calculator(potential, n_threads[0])
    if info.get("elements"):
        from hcflow.potentials import PotentialInfo, check_elements

        check_elements(atoms, PotentialInfo(**info))
    atoms = atoms.copy()
    atoms.calc = calc
    eq, total = md.equilibration_steps, md.equilibration_steps + md.production_steps
    rng = np.random.default_rng(seed)
    key = run_key(
        atoms,
        info,
        temperature_K,
        md.timestep_fs,
        md.production_steps,
        md.frame_interval,
        seed,
        md.ensemble,
        friction_per_ps,
        eq,
    )
    ckpt = Path(checkpoint_path) if checkpoint_path else None
    run = _Progress(eq, md.frame_interval)
    _resume_or_start(atoms, rng, read_checkpoint(ckpt, key), run, temperature_K)
    resumed = run.step
    dyn = make_dynamics(
        atoms, md.ensemble, temperature_K, md.timestep_fs, friction_per_ps, rng
    )
    saver = None
    if ckpt is not None:

        def saver(step: int) -> None:
            if step % checkpoint_every == 0 and step < total:
                write_checkpoint(ckpt, key, atoms, rng, step, run.frames, run.energies)

    t0 = time.perf_counter()
    reason, steps_done = _integrate(
        dyn,
        atoms,
        run,
        total,
        min_distance,
        saver,
        checkpoint_every if ckpt else None,
        _bar(progress, total, run.step, len(atoms)),
        md.timestep_fs,
    )
    timing = MDTiming.measure(
        time.perf_counter() - t0, steps_done, len(atoms), md.timestep_fs
    )
    state = "failed" if reason is not None else "successful"
    if state == "successful" and ckpt is not None:
        ckpt.unlink(missing_ok=True)
    traj = _trajectory(atoms, run, md)
    return MDResult(traj, atoms, state, reason, timing, info, resumed, n_threads)
