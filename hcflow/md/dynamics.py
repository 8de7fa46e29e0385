"""The thermostat table: one row per ensemble, serving every MD in hcflow.

:data:`THERMOSTATS` maps an ensemble name to its ASE dynamics, its split-step
integrator (:mod:`hcflow.md.integrators`, for batched replicas) and the
parameters it reads (user units; :data:`PARAMETERS` converts them to ASE's
once). Production and equilibration (:mod:`hcflow.md.runner`,
:mod:`hcflow.md.batched`), the anneal before a relaxation and the distillation
MD all go through :func:`make_dynamics` or :func:`make_integrator`.

``nvt-bussi`` (production default): global stochastic velocity rescaling, no
per-atom friction, so single-ion dynamics are those of NVE to O(1/N_dof).
``nvt-langevin``: friction on every atom; fast to equilibrate, but it damps
each ion's velocity memory and biases D (``benchmarks/bench_thermostat.py``).
``nve``: velocity Verlet. Old spellings (``nvt``, the md_tasks labels
``bussi``/``langevin``) are mapped in :data:`ALIASES`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from ase import units

from hcflow.errors import HcflowError
from hcflow.md import integrators

#: Friction of the Langevin thermostat unless given, ps^-1.
DEFAULT_FRICTION_PER_PS = 10.0
#: Time constant of the Bussi thermostat unless given, fs: long against the
#: ~10-50 fs of a Na velocity autocorrelation, short against a production run.
DEFAULT_TAUT_FS = 100.0
#: The production thermostat of studies and of run_md.
DEFAULT_ENSEMBLE = "nvt-bussi"
#: The thermostat of equilibration, relaxation anneals and distillation MD.
DEFAULT_EQUILIBRATION_ENSEMBLE = "nvt-langevin"


@dataclass(frozen=True)
class Parameter:
    """A thermostat parameter: its default (user units), its name in ASE and
    the conversion to ASE units."""

    default: float
    ase_name: str
    to_ase: Callable[[float], float]
    check: Callable[[float], bool] = lambda v: v > 0


#: parameter (MDSettings field, user units) -> default and ASE conversion
PARAMETERS: dict[str, Parameter] = {
    "friction_per_ps": Parameter(
        DEFAULT_FRICTION_PER_PS, "friction", lambda v: v / (1000.0 * units.fs)
    ),
    "taut_fs": Parameter(DEFAULT_TAUT_FS, "taut", lambda v: v * units.fs),
}


def _langevin(atoms, dt, temperature_K, rng, fix_com, friction):
    from ase.md.langevin import Langevin

    return Langevin(
        atoms,
        dt,
        temperature_K=temperature_K,
        friction=friction,
        fixcm=fix_com,
        rng=rng,
    )


def _bussi(atoms, dt, temperature_K, rng, fix_com, taut):
    from ase.md.bussi import Bussi

    return Bussi(atoms, dt, temperature_K=temperature_K, taut=taut, rng=rng)


def _verlet(atoms, dt, temperature_K, rng, fix_com):
    from ase.md.verlet import VelocityVerlet

    return VelocityVerlet(atoms, dt)


def _langevin_step(dt, temperature_K, masses, rng, friction):
    return integrators.LangevinStep(dt, temperature_K, friction, masses, rng)


def _bussi_step(dt, temperature_K, masses, rng, taut):
    return integrators.BussiStep(dt, temperature_K, taut, masses, rng)


def _verlet_step(dt, temperature_K, masses, rng):
    return integrators.VerletStep(dt, masses)


@dataclass(frozen=True)
class Thermostat:
    """One row of :data:`THERMOSTATS`.

    ``dynamics(atoms, dt, temperature_K, rng, fix_com, **ase_params)`` builds
    the ASE object; ``split(dt, temperature_K, masses, rng, **ase_params)``
    the split-step twin. ``params`` are keys of :data:`PARAMETERS`; ``label``
    is what md_tasks calls the thermostat.
    """

    label: str | None
    params: tuple[str, ...]
    dynamics: Callable[..., Any]
    split: Callable[..., Any]
    #: rescales the kinetic energy, so it needs a temperature above 0 K
    rescales: bool = False


#: ensemble name -> thermostat (the one dispatch table)
THERMOSTATS: dict[str, Thermostat] = {
    "nvt-bussi": Thermostat("bussi", ("taut_fs",), _bussi, _bussi_step, True),
    "nvt-langevin": Thermostat(
        "langevin", ("friction_per_ps",), _langevin, _langevin_step
    ),
    "nve": Thermostat(None, (), _verlet, _verlet_step),
}
#: old or other spellings -> ensemble name (study files, md_tasks documents)
ALIASES = {"nvt": "nvt-langevin", "langevin": "nvt-langevin", "bussi": "nvt-bussi"}


def check_ensemble(ensemble: str) -> str:
    """The canonical ensemble name (lower case, aliases resolved), or a one-line
    error naming the known ones."""
    name = str(getattr(ensemble, "value", ensemble)).strip().lower()
    name = ALIASES.get(name, name)
    if name not in THERMOSTATS:
        known = ", ".join(repr(k) for k in THERMOSTATS)
        raise HcflowError(
            f"ensemble must be one of {known} ('nvt' = 'nvt-langevin'), "
            f"got {ensemble!r}"
        )
    return name


def thermostat_params(ensemble: str, source: Any = None) -> dict[str, float]:
    """The parameters ``ensemble`` reads (user units), taken from ``source`` (a
    mapping or an object such as MDSettings; absent ones: defaults)."""
    values: dict[str, float] = {}
    for name in THERMOSTATS[check_ensemble(ensemble)].params:
        if isinstance(source, Mapping):
            value = source.get(name)
        else:
            value = getattr(source, name, None)
        value = PARAMETERS[name].default if value is None else float(value)
        if not PARAMETERS[name].check(value):
            raise HcflowError(f"{ensemble}: {name} must be > 0, got {value}")
        values[name] = value
    return values


def _ase_params(ensemble: str, source: Any) -> dict[str, float]:
    """:func:`thermostat_params` converted to ASE names and units (once)."""
    return {
        PARAMETERS[k].ase_name: PARAMETERS[k].to_ase(v)
        for k, v in thermostat_params(ensemble, source).items()
    }


def thermostat_record(ensemble: str, source: Any = None) -> dict[str, Any]:
    """The thermostat of an ensemble and its parameters, as md_tasks records it
    (every parameter of the table, None where this thermostat has none)."""
    name = check_ensemble(ensemble)
    used = thermostat_params(name, source)
    return {
        "ensemble": name,
        "thermostat": THERMOSTATS[name].label,
        **{k: used.get(k) for k in PARAMETERS},
    }


def make_dynamics(
    atoms,
    ensemble: str,
    temperature_K: float,
    timestep_fs: float,
    params: Any = None,
    rng: np.random.Generator | None = None,
    fix_com: bool = False,
):
    """The ASE dynamics object of an ensemble, for ``atoms`` (with a calculator).

    Parameters
    ----------
    atoms
        ASE Atoms, integrated in place (Bussi needs non-zero velocities).
    ensemble
        A key of :data:`THERMOSTATS` or an alias.
    temperature_K, timestep_fs
        Thermostat temperature (K) and time step (fs).
    params
        Thermostat parameters in user units (a mapping or an MDSettings;
        :func:`thermostat_params`); missing ones take the table's defaults.
    rng
        Random generator of the thermostat noise (seeded runs are reproducible).
    fix_com
        Keep the centre of mass fixed (Langevin's ``fixcm``; Bussi rescales
        all momenta by one factor, so a zero total momentum stays zero).
    """
    name = check_ensemble(ensemble)
    return THERMOSTATS[name].dynamics(
        atoms,
        timestep_fs * units.fs,
        temperature_K,
        rng,
        fix_com,
        **_ase_params(name, params),
    )


def make_integrator(
    ensemble: str,
    timestep_fs: float,
    temperature_K: float,
    masses: np.ndarray,
    rng: np.random.Generator,
    params: Any = None,
):
    """The split-step twin of :func:`make_dynamics` (``masses``: (n, 1), amu)."""
    name = check_ensemble(ensemble)
    return THERMOSTATS[name].split(
        timestep_fs * units.fs,
        temperature_K,
        masses,
        rng,
        **_ase_params(name, params),
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
