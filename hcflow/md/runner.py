"""The MD runner behind hcflow's MD Makers: equilibration, production, checkpoints.

``run_md`` runs NVT (Langevin) or NVE (velocity Verlet) MD with ASE's
integrators and any ASE calculator; a MACE model file (or the shipped model)
runs on :class:`hcflow.md.fast_mace.FastMACECalculator`, hcflow's fast CPU
path. It stores one production frame every ``frame_interval`` steps (positions
are never wrapped, so they are unwrapped by construction), shows a progress bar
with ns/day and ETA, and writes a checkpoint (positions, momenta, step, frames
so far, the random generator's state) every ``checkpoint_every`` steps: a
killed run started again with the same arguments resumes from the checkpoint
and gives the same trajectory as an uninterrupted run.

A run that blows up (NaN/inf energy or forces, two atoms closer than
``min_distance``) stops at once: the result has ``state="failed"``, the reason,
and the frames up to that point. It never silently continues.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from ase import units

from hcflow.errors import HcflowError
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

    @property
    def potential_id(self) -> str | None:
        return self.potential.get("file_hash")


def make_calculator(potential: Any, threads: int | None = None):
    """(ASE calculator, info dict) for a spec or a ready calculator."""
    from ase.calculators.calculator import BaseCalculator

    if isinstance(potential, BaseCalculator):
        name = getattr(potential, "name", None) or type(potential).__name__
        return potential, {"name": str(name), "kind": "ase"}
    from hcflow.potentials import get_calculator, resolve_potential

    info = resolve_potential(potential)
    if (
        info.kind in ("mace-file", "mace-foundation")
        and info.path
        and Path(info.path).is_file()
    ):
        from hcflow.md.fast_mace import FastMACECalculator

        return FastMACECalculator(info.path, threads=threads), info.as_dict()
    return get_calculator(potential), info.as_dict()


def _validate(temperature_K, timestep_fs, n_steps, frame_interval, ensemble, eq):
    if not np.isfinite(timestep_fs) or timestep_fs <= 0 or timestep_fs > 5:
        raise HcflowError(f"timestep must be in (0, 5] fs, got {timestep_fs}")
    if not np.isfinite(temperature_K) or temperature_K < 0:
        raise HcflowError(f"temperature must be >= 0 K, got {temperature_K}")
    if int(n_steps) < 1:
        raise HcflowError(f"n_steps must be >= 1, got {n_steps}")
    if int(frame_interval) < 1:
        raise HcflowError(f"frame_interval must be >= 1, got {frame_interval}")
    if int(eq) < 0:
        raise HcflowError(f"equilibration_steps must be >= 0, got {eq}")
    if ensemble not in ("nvt", "nve"):
        raise HcflowError(f"ensemble must be 'nvt' or 'nve', got {ensemble!r}")


def _min_pair_distance_below(atoms, cutoff: float) -> float | None:
    from matscipy.neighbours import neighbour_list

    d = neighbour_list("d", atoms, cutoff)
    return float(d.min()) if len(d) else None


def run_md(
    atoms,
    potential: Any = None,
    temperature_K: float = 300.0,
    timestep_fs: float = 1.0,
    n_steps: int = 1000,
    frame_interval: int = 10,
    seed: int = 0,
    ensemble: str = "nvt",
    friction_per_ps: float = 10.0,
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
        Thermostat temperature (K) and time step (fs, 0 < dt <= 5).
    n_steps, frame_interval
        Production steps and steps between stored frames.
    seed
        Seeds the Maxwell-Boltzmann velocities and the Langevin noise.
    ensemble
        ``"nvt"`` (Langevin, ``friction_per_ps``) or ``"nve"``.
    equilibration_steps
        Steps run before production (frames not stored).
    checkpoint_path
        File for restart data; resumed from when it exists and matches.
    min_distance
        Two atoms closer than this (A) mean the run blew up.
    threads
        torch threads; None: 1 below ``SMALL_CELL`` atoms, else all cores.
    """
    from ase.md.langevin import Langevin
    from ase.md.velocitydistribution import MaxwellBoltzmannDistribution, Stationary
    from ase.md.verlet import VelocityVerlet

    ensemble = str(ensemble).lower()
    _validate(
        temperature_K,
        timestep_fs,
        n_steps,
        frame_interval,
        ensemble,
        equilibration_steps,
    )
    if potential is None:
        from hcflow.settings import get_settings

        potential = get_settings().model
    if threads is None:
        # small cells: one thread is faster (no sync cost) and safe on busy machines
        threads = 1 if len(atoms) < SMALL_CELL else None
    calc, info = make_calculator(potential, threads)
    if info.get("elements"):
        from hcflow.potentials import PotentialInfo, check_elements

        check_elements(atoms, PotentialInfo(**info))
    atoms = atoms.copy()
    atoms.calc = calc
    n_steps, frame_interval = int(n_steps), int(frame_interval)
    eq = int(equilibration_steps)
    total = eq + n_steps
    rng = np.random.default_rng(seed)
    key = _run_key(
        atoms,
        info,
        temperature_K,
        timestep_fs,
        n_steps,
        frame_interval,
        seed,
        ensemble,
        friction_per_ps,
        eq,
    )
    ckpt = Path(checkpoint_path) if checkpoint_path else None
    step, frames, energies = 0, [], []
    resumed = 0
    saved = _read_checkpoint(ckpt, key)
    if saved is not None:
        atoms.positions = saved["positions"]
        atoms.set_momenta(saved["momenta"])
        rng.bit_generator.state = saved["rng"]
        step, frames, energies = saved["step"], saved["frames"], saved["energies"]
        resumed = step
    else:
        MaxwellBoltzmannDistribution(atoms, temperature_K=temperature_K, rng=rng)
        Stationary(atoms)
    dt = timestep_fs * units.fs
    if ensemble == "nvt":
        dyn = Langevin(
            atoms,
            dt,
            temperature_K=temperature_K,
            friction=friction_per_ps / (1000.0 * units.fs),
            fixcm=False,
            rng=rng,
        )
    else:
        dyn = VelocityVerlet(atoms, dt)

    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(
            total=total,
            initial=step,
            desc=f"MD {len(atoms)} atoms",
            unit="step",
            dynamic_ncols=True,
        )
    t0, steps_done = time.perf_counter(), 0
    state, reason = "successful", None

    def record():
        frames.append(atoms.positions.copy())
        energies.append(float(atoms.get_potential_energy()))

    def at_frame(k: int) -> bool:
        return k >= eq and (k - eq) % frame_interval == 0

    try:
        if at_frame(step) and len(frames) == (step - eq) // frame_interval:
            reason = _check(atoms, min_distance)
            if reason is None:
                record()
        while reason is None and step < total:
            # advance to the next event: a frame, a check, a checkpoint or the end
            if step < eq:
                nxt = min(eq, step + CHECK_EVERY)
            else:
                nxt = step + frame_interval - (step - eq) % frame_interval
            nxt = min(nxt, total)
            if ckpt is not None:
                nxt = min(nxt, (step // checkpoint_every + 1) * checkpoint_every)
            dyn.run(nxt - step)
            steps_done += nxt - step
            step = nxt
            reason = _check(atoms, min_distance)
            if reason is not None:
                break
            if at_frame(step):
                record()
            if ckpt is not None and step % checkpoint_every == 0 and step < total:
                _write_checkpoint(ckpt, key, atoms, rng, step, frames, energies)
            if bar is not None:
                elapsed = time.perf_counter() - t0
                rate = steps_done / elapsed if elapsed > 0 else 0.0
                bar.set_postfix_str(f"{rate * timestep_fs * 86400 / 1e6:.3f} ns/day")
                bar.update(step - bar.n)
    finally:
        if bar is not None:
            bar.close()
    if reason is not None:
        state = "failed"
    seconds = time.perf_counter() - t0
    rate = steps_done / seconds if seconds > 0 else 0.0
    timing = MDTiming(
        seconds=seconds,
        n_steps=steps_done,
        n_atoms=len(atoms),
        atom_steps_per_s=rate * len(atoms),
        ns_per_day=rate * timestep_fs * 86400 / 1e6,
    )
    traj = None
    if frames:
        dt_frame_ps = timestep_fs * frame_interval / 1000.0
        traj = CompactTrajectory(
            atoms.numbers,
            np.array(frames),
            np.asarray(atoms.cell[:]),
            np.arange(len(frames)) * dt_frame_ps,
            energies=energies,
            pbc=atoms.pbc,
        )
    if state == "successful" and ckpt is not None:
        ckpt.unlink(missing_ok=True)
    return MDResult(traj, atoms, state, reason, timing, info, resumed)


def _check(atoms, min_distance: float) -> str | None:
    """Reason the run blew up, or None when it is fine."""
    try:
        e = atoms.get_potential_energy()
        f = atoms.get_forces()
    except Exception as exc:  # noqa: BLE001 - a calculator failing = blow-up
        return f"calculator failed: {str(exc).splitlines()[0][:120]}"
    if not np.isfinite(e) or not np.all(np.isfinite(f)):
        return "NaN or infinite energy/forces"
    if not np.all(np.isfinite(atoms.positions)):
        return "NaN positions"
    dmin = _min_pair_distance_below(atoms, min_distance)
    if dmin is not None:
        return f"atoms overlap ({dmin:.2f} A < {min_distance} A)"
    return None


def _run_key(atoms, info, *args) -> str:
    h = hashlib.sha256()
    h.update(np.ascontiguousarray(atoms.numbers).tobytes())
    h.update(np.round(atoms.positions, 6).tobytes())
    h.update(
        json.dumps(
            [info.get("file_hash") or info.get("name"), *args], default=str
        ).encode()
    )
    return h.hexdigest()[:16]


def _write_checkpoint(path: Path, key, atoms, rng, step, frames, energies) -> None:
    payload = {
        "key": key,
        "positions": atoms.positions.copy(),
        "momenta": atoms.get_momenta().copy(),
        "rng": rng.bit_generator.state,
        "step": step,
        "frames": list(frames),
        "energies": list(energies),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    with open(tmp, "wb") as fh:
        pickle.dump(payload, fh)
    os.replace(tmp, path)


def _read_checkpoint(path: Path | None, key: str) -> dict | None:
    if path is None or not path.is_file():
        return None
    try:
        with open(path, "rb") as fh:
            payload = pickle.load(fh)
    except Exception:  # noqa: BLE001 - a corrupt checkpoint: start over
        return None
    return payload if payload.get("key") == key else None
