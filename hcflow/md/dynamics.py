"""The one integrator/thermostat setup: production MD, relaxation anneals, distillation.

:func:`make_dynamics` turns an ensemble name into an ASE ``MolecularDynamics``
object; :func:`init_velocities` draws Maxwell-Boltzmann velocities. The MD
runner (:mod:`hcflow.md.runner`), the optional anneal before a relaxation
(:mod:`hcflow.structures.relax`) and the exploration and active-learning MD
of :mod:`hcflow.potentials.distill` all go through them, so a thermostat is
set up, and its friction converted, in one place.

Units: temperature K, time step fs, friction per ps (a Langevin friction of
10 ps^-1 relaxes velocities in 0.1 ps).

To add an ensemble (a thermostat), write ``_name(atoms, dt, temperature_K,
friction_per_ps, rng, fix_com) -> MolecularDynamics`` and add it to
:data:`ENSEMBLES`; study files, the runner and the Maker accept every key of
that table.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from ase import units

from hcflow.errors import HcflowError

#: Friction of the Langevin thermostat unless given, ps^-1.
DEFAULT_FRICTION_PER_PS = 10.0


def friction_ase(friction_per_ps: float) -> float:
    """A friction in ps^-1 as ASE's Langevin wants it (inverse ASE time units)."""
    return friction_per_ps / (1000.0 * units.fs)


def _langevin(atoms, dt, temperature_K, friction_per_ps, rng, fix_com):
    from ase.md.langevin import Langevin

    return Langevin(
        atoms,
        dt,
        temperature_K=temperature_K,
        friction=friction_ase(friction_per_ps),
        fixcm=fix_com,
        rng=rng,
    )


def _velocity_verlet(atoms, dt, temperature_K, friction_per_ps, rng, fix_com):
    from ase.md.verlet import VelocityVerlet

    return VelocityVerlet(atoms, dt)


#: ensemble name -> builder of its ASE dynamics (the dispatch table).
ENSEMBLES: dict[str, Callable] = {
    "nvt": _langevin,  # Langevin thermostat on every atom
    "nve": _velocity_verlet,  # microcanonical, velocity Verlet
}


def check_ensemble(ensemble: str) -> str:
    """The ensemble name in lower case, or a one-line error naming the known ones."""
    name = str(getattr(ensemble, "value", ensemble)).lower()
    if name not in ENSEMBLES:
        known = " or ".join(repr(k) for k in ENSEMBLES)
        raise HcflowError(f"ensemble must be {known}, got {ensemble!r}")
    return name


def make_dynamics(
    atoms,
    ensemble: str,
    temperature_K: float,
    timestep_fs: float,
    friction_per_ps: float = DEFAULT_FRICTION_PER_PS,
    rng: np.random.Generator | None = None,
    fix_com: bool = False,
):
    """The ASE dynamics object of an ensemble, for ``atoms`` (with a calculator).

    Parameters
    ----------
    atoms
        ASE Atoms, integrated in place.
    ensemble
        A key of :data:`ENSEMBLES` (``"nvt"``: Langevin, ``"nve"``).
    temperature_K, timestep_fs
        Thermostat temperature (K) and time step (fs).
    friction_per_ps
        Langevin friction, ps^-1.
    rng
        Random generator of the thermostat noise (seeded runs are reproducible).
    fix_com
        Keep the centre of mass fixed (ASE's ``fixcm``).
    """
    build = ENSEMBLES[check_ensemble(ensemble)]
    return build(
        atoms, timestep_fs * units.fs, temperature_K, friction_per_ps, rng, fix_com
    )


def init_velocities(
    atoms,
    temperature_K: float,
    rng: np.random.Generator | None = None,
    zero_momentum: bool = False,
) -> None:
    """Maxwell-Boltzmann velocities at ``temperature_K`` (optionally zero total
    momentum), drawn from ``rng``."""
    from ase.md.velocitydistribution import MaxwellBoltzmannDistribution, Stationary

    MaxwellBoltzmannDistribution(atoms, temperature_K=temperature_K, rng=rng)
    if zero_momentum:
        Stationary(atoms)
