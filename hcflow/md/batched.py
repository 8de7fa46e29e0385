"""Batched replicas: several independent cells integrated with one model call per step.

A study runs many small cells (grid points, replicas). For a cell of ~100 atoms
a MACE force call on a CPU carries a fixed cost (Python dispatch of a few
thousand small torch ops, thread start-up per op) that batching pays once for
all cells; on a GPU a single small cell leaves the device mostly idle.

- :class:`~hcflow.md.fast_mace.BatchedMACECalculator` evaluates many cells as
  one graph: nodes
  concatenated, per-cell ``batch``/``ptr``, each cell's own Verlet list
  (:class:`hcflow.md.fast_mace.VerletList`), edges laid out as ``[all pairs;
  all pairs reversed]`` so the fused radial MLP still evaluates one half. The
  model's per-graph output gives one energy per cell; forces are per atom. A
  batch of one cell is exactly :class:`~hcflow.md.fast_mace.FastMACECalculator`.
- :func:`run_batched_md` integrates :class:`Replica` objects together. Each
  replica keeps its own integrator objects (:mod:`hcflow.md.integrators`:
  Bussi, Langevin or NVE; one for equilibration, one for production; its own
  temperature, friction, time constant, time step), its own equilibration
  criterion (:mod:`hcflow.md.equilibration`), its own seed and
  random stream, its own frames, blow-up checks, checkpoint file and
  :class:`~hcflow.md.trajectory.CompactTrajectory`. The integrators, the
  initial velocities, the event schedule (checks, frames, checkpoints) and the
  checkpoint files are those of :func:`hcflow.md.runner.run_md`, so a replica
  gives run_md's trajectory with the same seed, to float32 round-off (the
  batched graph sums energies in another order), and a checkpoint written by
  one can be resumed by the other. A replica that finishes or blows up leaves
  the batch; the others go on.

- :func:`plan_batches` groups cells into batches by the measured rule below.

Whether batching pays depends on the cell size and the device
(``benchmarks/bench_batched.py``, ``benchmarks/results/batched.json``). On a
CPU a MACE force call costs about ``a + b * atoms`` with a fixed part ``a``
worth ~35 atoms (small-op dispatch); batching ``k`` cells of ``n`` atoms pays
it once, so the gain is about ``k (a + b n) / (a + b k n)``: measured with 6
cells, 1.8x at 32 atoms, 1.4x at 64 and 130, 1.1x at 260. Cells below
``CPU_BATCH_BELOW`` atoms are batched on a CPU, up to ``CPU_BATCH_ATOMS`` atoms
per batch. On a GPU one small cell leaves the device idle, so every cell is
batched up to ``GPU_BATCH_ATOMS`` atoms (not measured here: no GPU).
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
from ase import units

from hcflow.errors import HcflowError
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
    thermostat_record,
)
from hcflow.md.equilibration import Equilibration, next_stop
from hcflow.md.health import state_problem
from hcflow.md.integrators import make_integrator
from hcflow.md.runner import MDResult, MDTiming, thread_count
from hcflow.md.settings import (
    MDSettings,
    check_temperature,
    check_thermostat_temperature,
)
from hcflow.md.trajectory import CompactTrajectory
from hcflow.potentials.fast_mace import BatchedMACECalculator


@dataclass
class Replica:
    """One system of a batched run: what :func:`hcflow.md.runner.run_md` takes
    per run. ``atoms`` is copied, not changed."""

    atoms: Any
    temperature_K: float = 300.0
    production_steps: int = 1000
    frame_interval: int = 10
    seed: int = 0
    ensemble: str = DEFAULT_ENSEMBLE
    friction_per_ps: float = DEFAULT_FRICTION_PER_PS
    taut_fs: float = DEFAULT_TAUT_FS
    equilibration_steps: int = 0
    equilibration_max_steps: int | None = None
    equilibration_ensemble: str = DEFAULT_EQUILIBRATION_ENSEMBLE
    timestep_fs: float = 1.0
    checkpoint_path: str | os.PathLike | None = None


@dataclass
class _Run:
    """A replica's live state during run_batched_md."""

    index: int
    spec: Replica
    md: MDSettings
    atoms: Any
    rng: np.random.Generator
    integrator: Any
    key: str
    ckpt: Path | None
    eq: Equilibration
    step: int = 0
    resumed: int = 0
    next_event: int = 0
    frames: list = field(default_factory=list)
    energies: list = field(default_factory=list)
    energy: float = 0.0
    forces: np.ndarray | None = None
    reason: str | None = None
    steps_done: int = 0
    seconds: float = 0.0

    @property
    def total(self) -> int | None:
        """Last step (None while equilibrating)."""
        start = self.eq.done_at
        return None if start is None else start + self.md.production_steps

    def finished(self) -> bool:
        return self.total is not None and self.step >= self.total

    def at_frame(self, k: int) -> bool:
        start = self.eq.done_at
        return (
            start is not None
            and k >= start
            and (k - start) % self.md.frame_interval == 0
        )

    def record(self) -> None:
        self.frames.append(self.atoms.positions.copy())
        self.energies.append(float(self.energy))

    def integrator_for(self, production: bool):
        """The split-step integrator of a phase (run_md's make_dynamics twin)."""
        md = self.md
        return make_integrator(
            md.ensemble if production else md.equilibration_ensemble,
            md.timestep_fs * units.fs,
            self.spec.temperature_K,
            self.atoms.get_masses()[:, None],
            self.rng,
            md.friction_per_ps,
            md.taut_fs,
        )


def _next_event(run: _Run, checkpoint_every: int) -> int:
    """The next step at which run_md stops to check: same schedule as run_md."""
    return next_stop(
        run.step,
        run.eq,
        run.md.frame_interval,
        run.md.production_steps,
        checkpoint_every if run.ckpt is not None else None,
    )


def _check(run: _Run, min_distance: float) -> str | None:
    """run_md's blow-up check on a replica (energy/forces already computed)."""
    return state_problem(run.energy, run.forces, run.atoms, min_distance)


def _start(index: int, spec: Replica, info: dict, dtype: str) -> _Run:
    from ase.md.velocitydistribution import MaxwellBoltzmannDistribution, Stationary

    md = parse_model(
        MDSettings,
        {
            name: getattr(spec, name)
            for name in (
                "timestep_fs",
                "production_steps",
                "frame_interval",
                "ensemble",
                "friction_per_ps",
                "taut_fs",
                "equilibration_steps",
                "equilibration_max_steps",
                "equilibration_ensemble",
            )
        }
        | {"dtype": dtype},
        "MD settings",
    )
    temperature_K = check_temperature(spec.temperature_K)
    check_thermostat_temperature(md, temperature_K)
    spec = replace(spec, temperature_K=temperature_K)  # the caller's is not changed
    atoms = spec.atoms.copy()
    atoms.calc = None
    rng = np.random.default_rng(spec.seed)
    key = run_key(  # run_md's key: a checkpoint of one is resumed by the other
        atoms,
        info,
        temperature_K,
        spec.seed,
        md.model_dump(exclude={"threads", "device"}),
    )
    ckpt = Path(spec.checkpoint_path) if spec.checkpoint_path else None
    eq = Equilibration(
        md.equilibration_steps, md.max_equilibration_steps, md.equilibration_ensemble
    )
    run = _Run(index, spec, md, atoms, rng, None, key, ckpt, eq)
    saved = read_checkpoint(ckpt, key)
    if saved is not None:
        restore_checkpoint(saved, atoms, rng, run)
        run.resumed = run.step
    else:
        MaxwellBoltzmannDistribution(atoms, temperature_K=temperature_K, rng=rng)
        Stationary(atoms)
    run.integrator = run.integrator_for(eq.done_at is not None)
    return run


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
    potential: Any = None,
    checkpoint_every: int = 200,
    progress: bool = True,
    min_distance: float = 0.5,
    threads: int | None = None,
    device: str = "auto",
    dtype: str = "float32",
    calculator: BatchedMACECalculator | None = None,
) -> list[MDResult]:
    """Run replicas side by side, one model call per step for all of them.

    Parameters
    ----------
    replicas
        The systems and their run settings (see :class:`Replica`).
    potential
        A MACE potential spec (model file, shipped or foundation name); None
        means the configured default.
    checkpoint_every
        Steps between checkpoints of replicas that have a ``checkpoint_path``.
    min_distance
        Two atoms closer than this (A) mean a replica blew up.
    threads
        torch threads; None: as :func:`hcflow.md.runner.thread_count` for the
        whole batch (1 below ``SMALL_CELL`` atoms, else the cores the
        scheduler gave the job); recorded in every result's ``threads``.
    device, dtype
        Where and in what precision the model runs
        (:mod:`hcflow.potentials.device`).
    calculator
        A ready :class:`BatchedMACECalculator` for ``potential`` (reused
        between calls; ``threads``, ``device`` and ``dtype`` are then its own).

    Returns
    -------
    list[MDResult]
        One per replica, in order; ``timing.seconds`` is the wall time the
        replica spent in the batch, ``potential["device"]`` where it ran.
    """
    from hcflow.potentials import PotentialInfo, check_elements, resolve_potential
    from hcflow.potentials.device import device_record

    if not replicas:
        raise HcflowError("no replicas to run")
    if potential is None:
        from hcflow.settings import get_settings

        potential = get_settings().model
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
    if calculator is None:
        used = thread_count(sum(len(s.atoms) for s in replicas), threads)
        calculator = BatchedMACECalculator(
            pinfo.path, threads=used[0], device=device, dtype=dtype
        )
    else:
        import torch

        used = (torch.get_num_threads(), "calculator")
    runs = [_start(i, spec, info, calculator.dtype) for i, spec in enumerate(replicas)]
    active = list(runs)
    every = int(checkpoint_every)

    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(
            total=_expected_last_step(runs),
            initial=min(r.step for r in runs),
            desc=f"MD {len(runs)} x {sum(len(r.atoms) for r in runs)} atoms",
            unit="step",
            dynamic_ncols=True,
        )
    t0 = time.perf_counter()
    try:
        _evaluate(calculator, active)
        for r in active:
            if (
                r.reason is None
                and r.at_frame(r.step)
                and len(r.frames) == (r.step - r.eq.done_at) // r.md.frame_interval
            ):
                r.reason = _check(r, min_distance)
                if r.reason is None:
                    r.record()
            r.next_event = _next_event(r, every)
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
                elif r.step == r.next_event:
                    _event(r, every, min_distance)
            active = _retire(active, t0)
            if bar is not None and active:
                elapsed = time.perf_counter() - t0
                done = sum(r.steps_done * len(r.atoms) for r in runs)
                bar.set_postfix_str(f"{done / elapsed:.0f} atom-steps/s")
                bar.total = _expected_last_step(runs)  # grows if equilibration does
                bar.update(max(r.step for r in active) - bar.n)
    finally:
        if bar is not None:
            bar.close()
    record = {**device_record(calculator.device), "requested": device}
    return [_result(r, {**info, "device": record}, used) for r in runs]


def _expected_last_step(runs) -> int:
    """Progress total: the longest run's last step as now known (grows)."""
    return max(
        r.total
        if r.total is not None
        else max(r.step, r.md.equilibration_steps) + r.md.production_steps
        for r in runs
    )


def _event(r: _Run, every: int, min_distance: float) -> None:
    r.reason = _check(r, min_distance)
    if r.reason is not None:
        return
    if r.eq.done_at is None and r.eq.observe(
        r.step, r.atoms.get_temperature(), r.energy
    ):
        r.integrator = r.integrator_for(True)
    if r.at_frame(r.step):
        r.record()
    if r.ckpt is not None and r.step % every == 0 and not r.finished():
        extra = {"equilibration": r.eq.state()}
        write_checkpoint(
            r.ckpt, r.key, r.atoms, r.rng, r.step, r.frames, r.energies, extra
        )
    r.next_event = _next_event(r, every)


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

    state = "failed" if r.reason is not None else "successful"
    spec = r.md
    rate = r.steps_done / r.seconds if r.seconds > 0 else 0.0
    timing = MDTiming(
        seconds=r.seconds,
        n_steps=r.steps_done,
        n_atoms=len(r.atoms),
        atom_steps_per_s=rate * len(r.atoms),
        ns_per_day=rate * spec.timestep_fs * 86400 / 1e6,
    )
    traj = None
    if r.frames:
        dt_frame_ps = spec.timestep_fs * spec.frame_interval / 1000.0
        traj = CompactTrajectory(
            r.atoms.numbers,
            np.array(r.frames),
            np.asarray(r.atoms.cell[:]),
            np.arange(len(r.frames)) * dt_frame_ps,
            energies=r.energies,
            pbc=r.atoms.pbc,
        )
    atoms = r.atoms
    if r.forces is not None:
        atoms.calc = SinglePointCalculator(atoms, energy=r.energy, forces=r.forces)
    if state == "successful" and r.ckpt is not None:
        r.ckpt.unlink(missing_ok=True)
    md = r.md
    return MDResult(
        traj,
        atoms,
        state,
        r.reason,
        timing,
        info,
        r.resumed,
        threads=threads,
        equilibration=r.eq.record(md.friction_per_ps, md.taut_fs),
        thermostat=thermostat_record(md.ensemble, md.friction_per_ps, md.taut_fs),
    )


CPU_BATCH_BELOW = 200  # atoms per cell: batched on a CPU below this
CPU_BATCH_ATOMS = 1000  # atoms per batch on a CPU (the gain saturates)
GPU_BATCH_ATOMS = 20000  # atoms per batch on a GPU (memory bound; unmeasured)


def plan_batches(
    n_atoms: Sequence[int], device: str = "cpu", max_atoms: int | None = None
) -> list[list[int]]:
    """Group cells into batches that run faster together than one by one.

    Parameters
    ----------
    n_atoms
        Atoms per cell (cells that may share a batch: same potential).
    device
        The resolved device (``"cpu"`` or ``"cuda..."``).
    max_atoms
        Atoms per batch (default: ``CPU_BATCH_ATOMS`` / ``GPU_BATCH_ATOMS``).

    Returns
    -------
    list[list[int]]
        Cell indices per batch, in input order; cells not worth batching (on a
        CPU, ``CPU_BATCH_BELOW`` atoms or more) are batches of one.
    """
    gpu = str(device).startswith("cuda")
    budget = max_atoms or (GPU_BATCH_ATOMS if gpu else CPU_BATCH_ATOMS)
    batches: list[list[int]] = []
    current: list[int] = []
    total = 0
    for i, n in enumerate(n_atoms):
        if not gpu and n >= CPU_BATCH_BELOW:
            batches.append([i])
            continue
        if current and total + n > budget:
            batches.append(current)
            current, total = [], 0
        current.append(i)
        total += n
    if current:
        batches.append(current)
    return sorted(batches)
