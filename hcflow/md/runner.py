"""The MD runner behind hcflow's MD Maker: equilibration, production, checkpoints.

:func:`run_md` runs one cell with any ASE calculator or potential spec (a MACE
model runs on hcflow's fast path, :func:`hcflow.potentials.load_calculator`)
and an :class:`~hcflow.md.settings.MDSettings`: equilibration in its own
thermostat until stationary (:mod:`hcflow.md.equilibration`), then production,
one frame every ``frame_interval`` steps (positions never wrapped), a progress
bar with ns/day, and a checkpoint every ``checkpoint_every`` steps: a killed
run started again with the same arguments resumes and gives the same
trajectory. A run that blows up (:mod:`hcflow.md.health`) stops at once with
``state="failed"``, the reason and the frames so far.
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any

from hcflow.md.dynamics import make_dynamics
from hcflow.md.health import blow_up_reason
from hcflow.md.resources import available_cores
from hcflow.md.settings import (
    MDSettings,
    as_md_settings,
    check_temperature,
    check_thermostat_temperature,
)
from hcflow.md.state import MDResult, MDTiming, RunState, ns_per_day

SMALL_CELL = 48  # atoms: below this the fast path runs on one torch thread


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


def _integrate(
    atoms, run: RunState, min_distance: float, checkpoint_every: int, bar
) -> tuple[str | None, int]:
    """Advance event by event to the end of production; (blow-up reason, steps).

    Equilibration hands over to production at the step
    :class:`~hcflow.md.equilibration.Equilibration` decides.
    """
    md = run.md

    def dynamics(production: bool):
        name, params = md.thermostat(production)
        return make_dynamics(
            atoms, name, run.temperature_K, md.timestep_fs, params, run.rng
        )

    t0, steps_done, reason = time.perf_counter(), 0, None
    dyn = dynamics(run.in_production)
    try:
        if run.frame_missing():
            reason = blow_up_reason(atoms, min_distance)
            if reason is None:
                run.record(atoms.positions, atoms.get_potential_energy())
        while reason is None and not run.finished():
            nxt = run.next_event(checkpoint_every)
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
                run.record(atoms.positions, atoms.get_potential_energy())
            run.save(atoms, checkpoint_every)
            if bar is not None:
                elapsed = time.perf_counter() - t0
                rate = steps_done / elapsed if elapsed > 0 else 0.0
                bar.set_postfix_str(f"{ns_per_day(rate, md.timestep_fs):.3f} ns/day")
                bar.update(run.step - bar.n)
    finally:
        if bar is not None:
            bar.close()
    return reason, steps_done


def run_md(
    atoms,
    potential: Any = None,
    md: MDSettings | dict | None = None,
    temperature_K: float = 300.0,
    seed: int = 0,
    *,
    checkpoint_path: str | os.PathLike | None = None,
    checkpoint_every: int = 200,
    progress: bool = True,
    min_distance: float = 0.5,
) -> MDResult:
    """Run equilibration then production MD; see the module docstring.

    Parameters
    ----------
    atoms
        Periodic ASE Atoms (copied, not changed).
    potential
        A potential spec (see :mod:`hcflow.potentials`) or an ASE calculator;
        None means the configured default (the shipped model).
    md
        The MD settings (steps, time step, thermostats, threads, device, dtype):
        an :class:`~hcflow.md.settings.MDSettings`, a dict of its fields, or
        None for its defaults.
    temperature_K
        Thermostat temperature, K.
    seed
        Seeds the Maxwell-Boltzmann velocities and the thermostat noise.
    checkpoint_path, checkpoint_every
        File for restart data (resumed from when it exists and matches) and
        steps between writes.
    progress
        Show a progress bar.
    min_distance
        Two atoms closer than this (A) mean the run blew up.
    """
    md = as_md_settings(md, "MD settings")
    temperature_K = check_temperature(temperature_K)
    check_thermostat_temperature(md, temperature_K)
    n_threads = thread_count(len(atoms), md.threads)
    calc, info = _calculator(potential, n_threads[0], md.device, md.dtype)
    if info.get("elements"):
        from hcflow.potentials import PotentialInfo, check_elements

        check_elements(
            atoms, PotentialInfo(**{k: v for k, v in info.items() if k != "device"})
        )
    atoms = atoms.copy()
    atoms.calc = calc
    run = RunState.start(atoms, info, md, temperature_K, seed, checkpoint_path)
    expected = md.equilibration_steps + md.production_steps
    bar = _bar(progress, run.total or expected, run.step, len(atoms))
    t0 = time.perf_counter()
    reason, steps_done = _integrate(atoms, run, min_distance, checkpoint_every, bar)
    seconds = time.perf_counter() - t0
    timing = MDTiming.measure(seconds, steps_done, len(atoms), md.timestep_fs)
    return run.result(atoms, reason, timing, info, n_threads)
