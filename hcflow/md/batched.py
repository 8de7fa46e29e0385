"""Batched replicas: several cells integrated with one model call per step.

A study runs many small cells; a MACE force call on one small cell carries a
fixed cost (dispatch of thousands of small torch ops; an idle GPU) that a
batch pays once (:mod:`hcflow.md.batch_plan` decides which cells share one).
:func:`run_batched_md` integrates :class:`Replica` objects together on a
:class:`~hcflow.potentials.fast_mace.BatchedMACECalculator`. Each replica has
its own MD settings, temperature, seed, split-step integrators (the thermostat
table of :mod:`hcflow.md.dynamics`), equilibration, frames, blow-up checks and
checkpoint: the run state of :mod:`hcflow.md.state`, the one of
:func:`hcflow.md.runner.run_md`, so a replica gives run_md's trajectory with
the same seed (to float32 round-off) and a checkpoint of one resumes in the
other. A replica that finishes or blows up leaves the batch.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from hcflow.errors import HcflowError
from hcflow.md.dynamics import make_integrator
from hcflow.md.health import state_problem
from hcflow.md.runner import thread_count
from hcflow.md.settings import CALCULATOR_FIELDS, MDSettings, as_md_settings
from hcflow.md.state import MDResult, MDTiming, RunState
from hcflow.potentials.fast_mace import BatchedMACECalculator


@dataclass
class Replica:
    """One system of a batched run: what :func:`hcflow.md.runner.run_md` takes
    per run (``md``: an MDSettings or a dict of its fields). ``atoms`` is
    copied, not changed."""

    atoms: Any
    md: MDSettings | Mapping = field(default_factory=MDSettings)
    temperature_K: float = 300.0
    seed: int = 0
    checkpoint_path: str | os.PathLike | None = None


@dataclass(kw_only=True)
class _Run(RunState):
    """A replica's live state during run_batched_md."""

    index: int
    atoms: Any
    integrator: Any = None
    next_stop: int = 0
    energy: float = 0.0
    forces: np.ndarray | None = None
    reason: str | None = None
    steps_done: int = 0
    seconds: float = 0.0

    def integrator_for(self, production: bool):
        """The split-step integrator of a phase (run_md's make_dynamics twin)."""
        name, params = self.md.thermostat(production)
        return make_integrator(
            name,
            self.md.timestep_fs,
            self.temperature_K,
            self.atoms.get_masses()[:, None],
            self.rng,
            params,
        )

    def check(self, min_distance: float) -> str | None:
        """run_md's blow-up check (energy and forces already computed)."""
        return state_problem(self.energy, self.forces, self.atoms, min_distance)


def _start(index: int, spec: Replica, md: MDSettings, info: dict) -> _Run:
    atoms = spec.atoms.copy()
    atoms.calc = None
    run = _Run.start(
        atoms,
        info,
        md,
        spec.temperature_K,
        spec.seed,
        spec.checkpoint_path,
        index=index,
        atoms=atoms,
    )
    run.integrator = run.integrator_for(run.in_production)
    return run


def _settings(replicas: Sequence[Replica]) -> list[MDSettings]:
    """Each replica's MDSettings; one-line error when they cannot share one
    calculator (``CALCULATOR_FIELDS`` differ)."""
    mds = [
        as_md_settings(r.md, f"replica {i} MD settings") for i, r in enumerate(replicas)
    ]
    for key in CALCULATOR_FIELDS:
        values = {getattr(md, key) for md in mds}
        if len(values) > 1:
            raise HcflowError(
                f"replicas differ in {key} ({sorted(map(str, values))}); "
                "batched replicas share one calculator"
            )
    return mds


def _evaluate(calc: BatchedMACECalculator, runs: list[_Run]) -> None:
    """Energies and forces of every run, in one call; a failing cell is found
    by evaluating the cells one by one and leaves with the reason."""
    try:
        energies, forces = calc.compute(
            [r.atoms for r in runs], [r.index for r in runs]
        )
        for r, e, f in zip(runs, energies, forces, strict=True):
            r.energy, r.forces = float(e), f
        return
    except Exception:  # noqa: BLE001 - isolate the cell that fails
        pass
    for r in runs:
        try:
            (e,), (f,) = calc.compute([r.atoms], [r.index])
            r.energy, r.forces = float(e), f
        except Exception as exc:  # noqa: BLE001 - a calculator failing = blow-up
            r.reason = f"calculator failed: {str(exc).splitlines()[0][:120]}"


def run_batched_md(
    replicas: Sequence[Replica],
    potential: Any,
    checkpoint_every: int = 200,
    progress: bool = True,
    min_distance: float = 0.5,
    calculator: BatchedMACECalculator | None = None,
) -> list[MDResult]:
    """Run replicas side by side, one model call per step for all of them.

    Parameters
    ----------
    replicas
        The systems and their run settings (see :class:`Replica`); they share
        ``threads``, ``device`` and ``dtype`` of their MD settings.
    potential
        A MACE potential spec (model file, shipped or foundation name).
    checkpoint_every
        Steps between checkpoints of replicas that have a ``checkpoint_path``.
    min_distance
        Two atoms closer than this (A) mean a replica blew up.
    calculator
        A ready :class:`BatchedMACECalculator` for ``potential`` (reused
        between calls; threads, device and dtype are then its own).

    Returns
    -------
    list[MDResult]
        One per replica, in order; ``timing.seconds`` is the wall time the
        replica spent in the batch, ``potential["device"]`` where it ran,
        ``threads`` the torch threads (:func:`hcflow.md.runner.thread_count`
        on the whole batch).
    """
    from hcflow.potentials import PotentialInfo, check_elements, resolve_potential
    from hcflow.potentials.device import device_record

    if not replicas:
        raise HcflowError("no replicas to run")
    mds = _settings(replicas)
    pinfo = resolve_potential(potential)
    if pinfo.kind not in ("mace-file", "mace-foundation") or not (
        pinfo.path and Path(pinfo.path).is_file()
    ):
        raise HcflowError(
            f"batched MD needs a MACE model file; {pinfo.name} is {pinfo.kind}"
        )
    info = pinfo.as_dict()
    for spec in replicas:
        check_elements(spec.atoms, PotentialInfo(**info))
    first = mds[0]
    if calculator is None:
        used = thread_count(sum(len(s.atoms) for s in replicas), first.threads)
        calculator = BatchedMACECalculator(
            pinfo.path, threads=used[0], device=first.device, dtype=first.dtype
        )
    else:
        import torch

        used = (torch.get_num_threads(), "calculator")
    dtype = {"dtype": calculator.dtype}  # what the model runs in (run keys)
    runs = [
        _start(i, spec, md.model_copy(update=dtype), info)
        for i, (spec, md) in enumerate(zip(replicas, mds, strict=True))
    ]
    _integrate(calculator, runs, int(checkpoint_every), min_distance, progress)
    record = {**device_record(calculator.device), "requested": first.device}
    return [_result(r, {**info, "device": record}, used) for r in runs]


def _integrate(
    calculator, runs: list[_Run], every: int, min_distance: float, progress: bool
) -> None:
    """Step every run until it finishes or blows up (run_md's event schedule)."""
    active = list(runs)
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(
            total=max(r.expected_total() for r in runs),
            initial=min(r.step for r in runs),
            desc=f"MD {len(runs)} x {sum(len(r.atoms) for r in runs)} atoms",
            unit="step",
            dynamic_ncols=True,
        )
    t0 = time.perf_counter()
    try:
        _evaluate(calculator, active)
        for r in active:
            if r.reason is None and r.frame_missing():
                r.reason = r.check(min_distance)
                if r.reason is None:
                    r.record(r.atoms.positions, r.energy)
            r.next_stop = r.next_event(every)
        active = _retire(active, t0)
        while active:
            for r in active:
                p = r.atoms.get_momenta()
                r.atoms.positions = r.integrator.begin(r.atoms.positions, p, r.forces)
            _evaluate(calculator, active)
            for r in active:
                if r.reason is not None:
                    continue
                r.atoms.set_momenta(r.integrator.finish(r.atoms.positions, r.forces))
                r.step += 1
                r.steps_done += 1
                if not (np.isfinite(r.energy) and np.all(np.isfinite(r.forces))):
                    r.reason = "NaN or infinite energy/forces"
                elif r.step == r.next_stop:
                    _event(r, every, min_distance)
            active = _retire(active, t0)
            if bar is not None and active:
                elapsed = time.perf_counter() - t0
                done = sum(r.steps_done * len(r.atoms) for r in runs)
                bar.set_postfix_str(f"{done / elapsed:.0f} atom-steps/s")
                bar.total = max(r.expected_total() for r in runs)  # grows
                bar.update(max(r.step for r in active) - bar.n)
    finally:
        if bar is not None:
            bar.close()


def _event(r: _Run, every: int, min_distance: float) -> None:
    r.reason = r.check(min_distance)
    if r.reason is not None:
        return
    if r.eq.done_at is None and r.eq.observe(
        r.step, r.atoms.get_temperature(), r.energy
    ):
        r.integrator = r.integrator_for(True)
    if r.at_frame(r.step):
        r.record(r.atoms.positions, r.energy)
    r.save(r.atoms, every)
    r.next_stop = r.next_event(every)


def _retire(active: list[_Run], t0: float) -> list[_Run]:
    """Runs still going; the others get their wall time."""
    keep = []
    for r in active:
        if r.reason is None and not r.finished():
            keep.append(r)
        else:
            r.seconds = time.perf_counter() - t0
    return keep


def _result(r: _Run, info: dict, threads: tuple[int, str]) -> MDResult:
    from ase.calculators.singlepoint import SinglePointCalculator

    atoms = r.atoms
    if r.forces is not None:
        atoms.calc = SinglePointCalculator(atoms, energy=r.energy, forces=r.forces)
    timing = MDTiming.measure(r.seconds, r.steps_done, len(atoms), r.md.timestep_fs)
    return r.result(atoms, r.reason, timing, info, threads)
