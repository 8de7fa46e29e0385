"""Split-step MD integrators for batched runs: one object per replica.

The batched runner (:mod:`hcflow.md.batched`) advances every replica by one
step around a single model call, so an integrator is split at the force call:
``begin(x, p, f)`` gives the positions at which the next forces are needed,
``finish(x_new, f_new)`` the momenta at the end of the step. Each object holds
its own constants and random generator, so replicas at different temperatures
or thermostats share a batch. ``LangevinStep``, ``BussiStep`` and
``VerletStep`` do what ASE's ``Langevin`` (``fixcm=False``), ``Bussi`` and
``VelocityVerlet`` do, in the same order of floating-point operations and
random draws, so a replica reproduces :func:`hcflow.md.runner.run_md`. They
are rows of the thermostat table (:data:`hcflow.md.dynamics.THERMOSTATS`).
Units are ASE's (A, eV, amu, ASE time); ``masses`` has shape (n_atoms, 1).
"""

from __future__ import annotations

import math

import numpy as np
from ase import units


class VerletStep:
    """Velocity Verlet (NVE), as ASE's ``VelocityVerlet``."""

    def __init__(self, dt: float, masses: np.ndarray):
        self.dt = float(dt)
        self.masses = masses
        self._p = None

    def begin(self, x: np.ndarray, p: np.ndarray, f: np.ndarray) -> np.ndarray:
        p = p + 0.5 * self.dt * f
        self._p = p
        return x + self.dt * p / self.masses

    def finish(self, x_new: np.ndarray, f_new: np.ndarray) -> np.ndarray:
        return self._p + 0.5 * self.dt * f_new


class LangevinStep:
    """Langevin dynamics (NVT), as ASE's ``Langevin`` with ``fixcm=False``.

    Parameters
    ----------
    dt
        Time step (ASE units).
    temperature_K
        Bath temperature, K.
    friction
        Friction (1 / ASE time).
    masses
        (n_atoms, 1) masses, amu.
    rng
        This replica's generator (two ``standard_normal`` draws per step).
    """

    def __init__(
        self,
        dt: float,
        temperature_K: float,
        friction: float,
        masses: np.ndarray,
        rng: np.random.Generator,
    ):
        self.dt, self.fr = float(dt), float(friction)
        self.masses = masses
        self.rng = rng
        temp = units.kB * float(temperature_K)
        dt, fr = self.dt, self.fr
        sigma = np.sqrt(2 * temp * fr / masses)
        self.c1 = dt / 2.0 - dt * dt * fr / 8.0
        self.c2 = dt * fr / 2 - dt * dt * fr * fr / 8.0
        self.c3 = np.sqrt(dt) * sigma / 2.0 - dt**1.5 * fr * sigma / 8.0
        self.c5 = dt**1.5 * sigma / (2 * np.sqrt(3))
        self.c4 = fr / 2.0 * self.c5
        self._rnd_vel = self._rnd_pos = self._x = None

    def begin(self, x: np.ndarray, p: np.ndarray, f: np.ndarray) -> np.ndarray:
        n = len(x)
        v = p / self.masses
        xi = self.rng.standard_normal(size=(n, 3))
        eta = self.rng.standard_normal(size=(n, 3))
        self._rnd_pos = self.c5 * eta
        self._rnd_vel = self.c3 * xi - self.c4 * eta
        v += self.c1 * f / self.masses - self.c2 * v + self._rnd_vel
        x_new = x + self.dt * v + self._rnd_pos
        self._x = np.array(x)  # callers may overwrite x in place
        return x_new

    def finish(self, x_new: np.ndarray, f_new: np.ndarray) -> np.ndarray:
        # ASE recomputes v from the positions (RATTLE); the same round-off here
        v = (x_new - self._x - self._rnd_pos) / self.dt
        v += self.c1 * f_new / self.masses - self.c2 * v + self._rnd_vel
        return v * self.masses


class BussiStep(VerletStep):
    """Stochastic velocity rescaling (NVT), as ASE's ``Bussi``.

    Each step first rescales all momenta by one factor (Bussi, Donadio and
    Parrinello, J. Chem. Phys. 126, 014101 (2007), eq. A7), then takes a
    velocity Verlet step.

    Parameters
    ----------
    dt
        Time step (ASE units).
    temperature_K
        Bath temperature, K.
    taut
        Time constant (ASE time units).
    masses
        (n_atoms, 1) masses, amu.
    rng
        This replica's generator (one ``standard_normal`` and one
        ``standard_gamma`` draw per step).
    """

    def __init__(
        self,
        dt: float,
        temperature_K: float,
        taut: float,
        masses: np.ndarray,
        rng: np.random.Generator,
    ):
        super().__init__(dt, masses)
        self.rng = rng
        self.ndof = 3 * len(masses)  # ASE: 3 N without constraints
        self.target_kinetic_energy = 0.5 * units.kB * float(temperature_K) * self.ndof
        self._exp_term = math.exp(-self.dt / float(taut))

    def _alpha(self, kinetic_energy: float) -> float:
        scale = (
            (1 - self._exp_term)
            * self.target_kinetic_energy
            / kinetic_energy
            / self.ndof
        )
        r1 = self.rng.standard_normal()
        r2 = 2.0 * self.rng.standard_gamma(0.5 * (self.ndof - 1))
        return math.sqrt(
            self._exp_term
            + scale * (r2 + r1**2)
            + 2 * r1 * math.sqrt(self._exp_term * scale)
        )

    def begin(self, x: np.ndarray, p: np.ndarray, f: np.ndarray) -> np.ndarray:
        kinetic_energy = 0.5 * np.vdot(p, p / self.masses)
        return super().begin(x, self._alpha(kinetic_energy) * p, f)
