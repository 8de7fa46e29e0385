"""The MD runner behind hcflow's MD Maker: equilibration, production, checkpoints.

``run_md`` runs MD in any ensemble of :mod:`hcflow.md.dynamics` (NVT Bussi,
the production default; NVT Langevin; NVE velocity Verlet) with any ASE
calculator; a MACE model file (or the shipped model) runs on hcflow's fast
path on the chosen device (the calculator comes from
:func:`hcflow.potentials.load_calculator`). Equilibration (its own thermostat,
Langevin by default) runs until temperature and potential energy are
stationary (:mod:`hcflow.md.equilibration`); production starts at the step
that criterion picks, and the outcome is returned with the result. It stores
one production frame
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
from hcflow.md.checkpoint import (
    read_checkpoint,
    restore_checkpoint,
    run_key,
    write_checkpoint,
)
from hcflow.md.dynamics import (
    DEFAULT_ENSEMBLE,
    DEFAULT_EQUILIBRATION_ENSEMBLE,
    DEFAULT_FRICTION_PER_PS,
    DEFAULT_TAUT_FS,
    init_velocities,
    make_dynamics,
    thermostat_record,
)
from hcflow.md.equilibration import Equilibration, next_stop
from hcflow.md.health import blow_up_reason
from hcflow.md.resources import available_cores
from hcflow.md.settings import (
    MDSettings,
    check_temperature,
    check_thermostat_temperature,
)
from hcflow.md.trajectory import CompactTrajectory

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
    #: :meth:`hcflow.md.equilibration.Equilibration.record`
    equilibration: dict = field(default_factory=dict)
    #: :func:`hcflow.md.dynamics.thermostat_record` of production
    thermostat: dict = field(default_factory=dict)

    @property
    def potential_id(self) -> str | None:
        return self.potential.get("file_hash")


@dataclass
class _Progress:
    """Where a run is: step, equilibration state, stored frames and energies
    (what a checkpoint holds)."""

    eq: Equilibration
    frame_interval: int
    production_steps: int
    step: int = 0
    frames: list = field(default_factory=list)
    energies: list = field(default_factory=list)

    @property
    def in_production(self) -> bool:
        return self.eq.done_at is not None

    @property
    def total(self) -> int | None:
        """Last step of the run (None while equilibrating)."""
        return (
            None if self.eq.done_at is None else self.eq.done_at + self.production_steps
        )

    def at_frame(self, k: int) -> bool:
        start = self.eq.done_at
        return (
            start is not None and k >= start and (k - start) % self.frame_interval == 0
        )

    def frame_missing(self) -> bool:
        """The current step is a frame step whose frame is not stored yet."""
        return self.at_frame(self.step) and len(self.frames) == (
            (self.step - self.eq.done_at) // self.frame_interval
        )

    def record(self, atoms) -> None:
        self.frames.append(atoms.positions.copy())
        self.energies.append(float(atoms.get_potential_energy()))

    def finished(self) -> bool:
        return self.total is not None and self.step >= self.total

    def next_event(self, checkpoint_every: int | None) -> int:
        """The next step to stop at (:func:`hcflow.md.equilibration.next_stop`)."""
        return next_stop(
            self.step,
            self.eq,
            self.frame_interval,
            self.production_steps,
            checkpoint_every,
        )


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


def _calculator(potential, threads: int, device: str, dtype: str):
    """(calculator, potential info dict with the device used); the configured
    default potential when None."""
    from hcflow.potentials import load_calculator
    from hcflow.potentials.device import device_record, resolve_device

    resolved = resolve_device(device)  # cuda without a GPU: one-line error
    calc, info = load_calculator(
        potential, threads=threads, device=resolved, default_dtype=dtype
    )
    if "torch" in sys.modules:  # every torch calculator, not only the fast path
        sys.modules["torch"].set_num_threads(threads)
    used = getattr(calc, "device", None)
    if used is not None and "torch" in sys.modules:  # fast path and stock MACE
        record = device_record(str(used))
    else:  # a ready ASE calculator: it decides where it runs
        record = {"device": None, "name": type(calc).__name__}
    return calc, {**info, "device": {**record, "requested": device}}


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
    restore_checkpoint(saved, atoms, rng, run)


def _integrate(
    dynamics, atoms, run: _Progress, min_distance, saver, every, bar, timestep_fs
) -> tuple[str | None, int]:
    """Advance event by event to the end of production; (blow-up reason, steps).

    ``dynamics(production)`` builds the ASE dynamics of a phase; equilibration
    hands over to production at the step :class:`Equilibration` decides.
    """
    t0, steps_done, reason = time.perf_counter(), 0, None
    dyn = dynamics(run.in_production)
    try:
        if run.frame_missing():
            reason = blow_up_reason(atoms, min_distance)
            if reason is None:
                run.record(atoms)
        while reason is None and not run.finished():
            nxt = run.next_event(every)
            dyn.run(nxt - run.step)
            steps_done += nxt - run.step
            run.step = nxt
            reason = blow_up_reason(atoms, min_distance)
            if reason is not None:
                break
            if not run.in_production:
                temperature = atoms.get_temperature()
                energy = atoms.get_potential_energy()
                if run.eq.observe(run.step, temperature, energy):
                    dyn = dynamics(True)
                    if bar is not None:
                        bar.total = run.total
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
    ensemble: str = DEFAULT_ENSEMBLE,
    friction_per_ps: float = DEFAULT_FRICTION_PER_PS,
    taut_fs: float = DEFAULT_TAUT_FS,
    equilibration_steps: int = 0,
    equilibration_max_steps: int | None = None,
    equilibration_ensemble: str = DEFAULT_EQUILIBRATION_ENSEMBLE,
    checkpoint_path: str | os.PathLike | None = None,
    checkpoint_every: int = 200,
    progress: bool = True,
    min_distance: float = 0.5,
    threads: int | None = None,
    device: str = "auto",
    dtype: str = "float32",
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
        Production ensemble, a key of :data:`hcflow.md.dynamics.ENSEMBLES`
        (``"nvt-bussi"``: Bussi with ``taut_fs``; ``"nvt-langevin"``: Langevin
        with ``friction_per_ps``; ``"nve"``).
    friction_per_ps, taut_fs
        Langevin friction (ps^-1) and Bussi time constant (fs), for whichever
        phase uses that thermostat.
    equilibration_steps, equilibration_max_steps, equilibration_ensemble
        Equilibration (frames not stored): at least ``equilibration_steps``, at
        most ``equilibration_max_steps`` (None: 5x the minimum), until
        stationary (:mod:`hcflow.md.equilibration`; the outcome is
        ``MDResult.equilibration``).
    checkpoint_path
        File for restart data; resumed from when it exists and matches.
    min_distance
        Two atoms closer than this (A) mean the run blew up.
    threads
        torch threads; None: 1 below ``SMALL_CELL`` atoms, else the cores the
        scheduler gave the job (:func:`thread_count`).
    device, dtype
        Where and in which precision the model runs (``cpu``, ``cuda``,
        ``cuda:N``, ``auto``; float32 or float64); ``cuda`` without a GPU is a
        one-line error. The device used is ``MDResult.potential["device"]``.
    """
    temperature_K = check_temperature(temperature_K)
    md = parse_model(
        MDSettings,
        {
            "timestep_fs": timestep_fs,
            "equilibration_steps": equilibration_steps,
            "equilibration_max_steps": equilibration_max_steps,
            "equilibration_ensemble": equilibration_ensemble,
            "production_steps": production_steps,
            "frame_interval": frame_interval,
            "ensemble": ensemble,
            "friction_per_ps": friction_per_ps,
            "taut_fs": taut_fs,
            "device": device,
            "dtype": dtype,
        },
        "MD settings",
    )
    check_thermostat_temperature(md, temperature_K)
    n_threads = thread_count(len(atoms), threads)
    calc, info = _calculator(potential, n_threads[0], md.device, md.dtype)
    if info.get("elements"):
        from hcflow.potentials import PotentialInfo, check_elements

        check_elements(
            atoms, PotentialInfo(**{k: v for k, v in info.items() if k != "device"})
        )
    atoms = atoms.copy()
    atoms.calc = calc
    rng = np.random.default_rng(seed)
    key = run_key(
        atoms,
        info,
        temperature_K,
        seed,
        md.model_dump(exclude={"threads", "device"}),
    )
    ckpt = Path(checkpoint_path) if checkpoint_path else None
    eq = Equilibration(
        md.equilibration_steps, md.max_equilibration_steps, md.equilibration_ensemble
    )
    run = _Progress(eq, md.frame_interval, md.production_steps)
    _resume_or_start(atoms, rng, read_checkpoint(ckpt, key), run, temperature_K)
    resumed = run.step

    def dynamics(production: bool):
        return make_dynamics(
            atoms,
            md.ensemble if production else md.equilibration_ensemble,
            temperature_K,
            md.timestep_fs,
            md.friction_per_ps,
            rng,
            taut_fs=md.taut_fs,
        )

    saver = None
    if ckpt is not None:

        def saver(step: int) -> None:
            if step % checkpoint_every == 0 and not run.finished():
                extra = {"equilibration": run.eq.state()}
                write_checkpoint(
                    ckpt, key, atoms, rng, step, run.frames, run.energies, extra
                )

    expected = md.equilibration_steps + md.production_steps
    t0 = time.perf_counter()
    reason, steps_done = _integrate(
        dynamics,
        atoms,
        run,
        min_distance,
        saver,
        checkpoint_every if ckpt else None,
        _bar(progress, run.total or expected, run.step, len(atoms)),
        md.timestep_fs,
    )
    timing = MDTiming.measure(
        time.perf_counter() - t0, steps_done, len(atoms), md.timestep_fs
    )
    state = "failed" if reason is not None else "successful"
    if state == "successful" and ckpt is not None:
        ckpt.unlink(missing_ok=True)
    traj = _trajectory(atoms, run, md)
    return MDResult(
        traj,
        atoms,
        state,
        reason,
        timing,
        info,
        resumed,
        n_threads,
        equilibration=eq.record(md.friction_per_ps, md.taut_fs),
        thermostat=thermostat_record(md.ensemble, md.friction_per_ps, md.taut_fs),
    )
