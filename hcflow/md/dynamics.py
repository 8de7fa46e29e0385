"""The one integrator/thermostat setup: production MD, relaxation anneals, distillation.

:func:`make_dynamics` turns an ensemble name into an ASE ``MolecularDynamics``
object; :func:`init_velocities` draws Maxwell-Boltzmann velocities. The MD
runner (:mod:`hcflow.md.runner`), the optional anneal before a relaxation
(:mod:`hcflow.structures.relax`) and the exploration and active-learning MD
of :mod:`hcflow.potentials.distill` all go through them, so a thermostat is
set up, and its friction converted, in one place.

The ensembles (:data:`ENSEMBLES`):

- ``nvt-bussi`` (the production default): Bussi-Donadio-Parrinello stochastic
  velocity rescaling (ASE's ``Bussi``), a *global* thermostat: it rescales all
  momenta by one factor every step so the kinetic energy samples the canonical
  distribution with relaxation time ``taut_fs``. It adds no per-atom friction,
  so single-ion dynamics (and hence D) are those of NVE to O(1/N_dof).
- ``nvt-langevin``: Langevin on every atom (friction ``friction_per_ps``). Fast
  and robust for equilibration, but it damps each ion's velocity memory: the
  tracer D is capped at kT/(m*gamma) (4.3e-4 cm2/s for Na at 1200 K and
  10 ps^-1) and suppressed well below the cap (measured in
  ``benchmarks/bench_thermostat.py``). Not for production transport.
- ``nve``: velocity Verlet, no thermostat.

``nvt`` is accepted as an alias of ``nvt-langevin`` (its meaning before the
thermostats were named), so stored study files and md_tasks documents that say
``nvt`` keep meaning what they meant; names are normalised to the canonical
key (:func:`check_ensemble`).

Units: temperature K, time step fs, friction per ps (a Langevin friction of
10 ps^-1 relaxes velocities in 0.1 ps), Bussi time constant fs.

To add an ensemble (a thermostat), write ``_name(atoms, dt, temperature_K, rng,
fix_com, friction_per_ps, taut_fs) -> MolecularDynamics``, add it to
:data:`ENSEMBLES` and its split-step twin to :mod:`hcflow.md.integrators`;
study files, the runner and the Maker accept every key of that table.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from ase import units

from hcflow.errors import HcflowError

#: Friction of the Langevin thermostat unless given, ps^-1.
DEFAULT_FRICTION_PER_PS = 10.0
#: Time constant of the Bussi thermostat unless given, fs: long against the
#: ~10-50 fs of a Na velocity autocorrelation, short against a production run.
DEFAULT_TAUT_FS = 100.0
#: The production thermostat of studies and of run_md.
DEFAULT_ENSEMBLE = "nvt-bussi"
#: The thermostat of equilibration (fast, any is fine before production).
DEFAULT_EQUILIBRATION_ENSEMBLE = "nvt-langevin"
#: Old names still accepted (stored study files and md_tasks documents).
ALIASES = {"nvt": "nvt-langevin"}


def friction_ase(friction_per_ps: float) -> float:
    """A friction in ps^-1 as ASE's Langevin wants it (inverse ASE time units)."""
    return friction_per_ps / (1000.0 * units.fs)


def _langevin(atoms, dt, temperature_K, rng, fix_com, friction_per_ps, taut_fs):
    from ase.md.langevin import Langevin

    return Langevin(
        atoms,
        dt,
        temperature_K=temperature_K,
        friction=friction_ase(friction_per_ps),
        fixcm=fix_com,
        rng=rng,
    )


def _bussi(atoms, dt, temperature_K, rng, fix_com, friction_per_ps, taut_fs):
    from ase.md.bussi import Bussi

    if taut_fs is None or not taut_fs > 0:
        raise HcflowError(f"Bussi time constant must be > 0 fs, got {taut_fs}")
    return Bussi(
        atoms, dt, temperature_K=temperature_K, taut=taut_fs * units.fs, rng=rng
    )


def _velocity_verlet(atoms, dt, temperature_K, rng, fix_com, friction_per_ps, taut_fs):
    from ase.md.verlet import VelocityVerlet

    return VelocityVerlet(atoms, dt)


#: ensemble name -> builder of its ASE dynamics (the dispatch table).
ENSEMBLES: dict[str, Callable] = {
    "nvt-bussi": _bussi,  # global stochastic velocity rescaling (production)
    "nvt-langevin": _langevin,  # Langevin on every atom (equilibration)
    "nve": _velocity_verlet,  # microcanonical, velocity Verlet
}


def check_ensemble(ensemble: str) -> str:
    """The canonical ensemble name (lower case, aliases resolved), or a one-line
    error naming the known ones."""
    name = str(getattr(ensemble, "value", ensemble)).strip().lower()
    name = ALIASES.get(name, name)
    if name not in ENSEMBLES:
        known = ", ".join(repr(k) for k in ENSEMBLES)
        raise HcflowError(
            f"ensemble must be one of {known} ('nvt' = 'nvt-langevin'), "
            f"got {ensemble!r}"
        )
    return name


def thermostat_record(
    ensemble: str, friction_per_ps: float, taut_fs: float
) -> dict[str, float | str | None]:
    """The thermostat of an ensemble and its parameters, as md_tasks records it."""
    name = check_ensemble(ensemble)
    return {
        "ensemble": name,
        "thermostat": {"nvt-bussi": "bussi", "nvt-langevin": "langevin"}.get(name),
        "friction_per_ps": float(friction_per_ps) if name == "nvt-langevin" else None,
        "taut_fs": float(taut_fs) if name == "nvt-bussi" else None,
    }


def make_dynamics(
    atoms,
    ensemble: str,
    temperature_K: float,
    timestep_fs: float,
    friction_per_ps: float = DEFAULT_FRICTION_PER_PS,
    rng: np.random.Generator | None = None,
    fix_com: bool = False,
    taut_fs: float = DEFAULT_TAUT_FS,
):
    """The ASE dynamics object of an ensemble, for ``atoms`` (with a calculator).

    Parameters
    ----------
    atoms
        ASE Atoms, integrated in place (Bussi needs non-zero velocities).
    ensemble
        A key of :data:`ENSEMBLES` or an alias (``"nvt"`` = ``"nvt-langevin"``).
    temperature_K, timestep_fs
        Thermostat temperature (K) and time step (fs).
    friction_per_ps
        Langevin friction, ps^-1.
    rng
        Random generator of the thermostat noise (seeded runs are reproducible).
    fix_com
        Keep the centre of mass fixed (ASE's Langevin ``fixcm``; Bussi rescales
        all momenta by one factor, so a zero total momentum stays zero).
    taut_fs
        Bussi time constant, fs.
    """
    build = ENSEMBLES[check_ensemble(ensemble)]
    return build(
        atoms,
        timestep_fs * units.fs,
        temperature_K,
        rng,
        fix_com,
        friction_per_ps,
        taut_fs,
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
