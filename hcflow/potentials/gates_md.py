"""MD gates (expensive, behind ``--md``): liquid Na diffusion and NVE drift.

- Liquid Na: 54 atoms at the experimental liquid density (Fink and
  Leibowitz), melted at 1000 K, then Langevin MD (weak friction) at 450 K
  and 700 K; D from the mean-squared displacement against Meyer-Nachtrieb
  (factor 2 window on log10 D).
- NVE drift: a small Na/C cell (carbon at 1.5 g/cm3 with 4 Na) melted at
  3000 K and quenched to 1000 K, then NVE at 1 fs and 2 fs for 1 ps each;
  the drift is the slope of the total energy, meV/atom/ps.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from ase import Atoms, units

from hcflow.potentials.gates import GateResult, result


def liquid_na_density(temperature_K: float) -> float:
    """Liquid Na density, g/cm3 (Fink and Leibowitz, 1995)."""
    tau = 1 - temperature_K / 2503.7
    return (219 + 275.32 * tau + 511.58 * np.sqrt(tau)) / 1000


def liquid_na(temperature_K: float, n_side: int = 3) -> Atoms:
    """bcc Na, ``2 n_side^3`` atoms, scaled to the liquid density."""
    from ase.build import bulk

    atoms = bulk("Na", "bcc", a=4.23, cubic=True).repeat(n_side)
    volume = len(atoms) * 22.98977 / liquid_na_density(temperature_K) / 0.602214
    atoms.set_cell(np.eye(3) * volume ** (1 / 3), scale_atoms=True)
    return atoms


def _langevin(atoms, calc, temperature_K, steps, dt_fs, friction=0.01, seed=1):
    from ase.md.langevin import Langevin

    atoms.calc = calc
    dyn = Langevin(
        atoms,
        dt_fs * units.fs,
        temperature_K=temperature_K,
        friction=friction / units.fs,
        rng=np.random.default_rng(seed),
    )
    dyn.run(steps)
    return atoms


def diffusion(
    calc: Any, temperature_K: int, steps: int = 2000, equil_steps: int = 300
) -> GateResult:
    """Liquid Na self-diffusion (log10 cm2/s) at one temperature: melt at
    1000 K and equilibrate at ``temperature_K`` (``equil_steps`` each, 2 fs),
    then ``steps`` of weak-friction Langevin for the MSD."""
    from ase.md.velocitydistribution import MaxwellBoltzmannDistribution

    atoms = liquid_na(temperature_K)
    MaxwellBoltzmannDistribution(
        atoms, temperature_K=1000, rng=np.random.default_rng(0)
    )
    _langevin(atoms, calc, 1000, equil_steps, 2.0)
    _langevin(atoms, calc, temperature_K, equil_steps, 2.0, seed=2)
    from ase.md.langevin import Langevin

    dyn = Langevin(
        atoms,
        2.0 * units.fs,
        temperature_K=temperature_K,
        friction=0.002 / units.fs,
        rng=np.random.default_rng(3),
    )
    start = atoms.get_positions().copy()
    msd, every = [], 20
    dyn.attach(
        lambda: msd.append(((atoms.get_positions() - start) ** 2).sum(1).mean()),
        interval=every,
    )
    dyn.run(steps)
    t_ps = np.arange(len(msd)) * every * 2.0e-3
    half = len(msd) // 4
    slope = np.polyfit(t_ps[half:], np.asarray(msd)[half:], 1)[0]  # A2/ps
    d_cm2_s = slope / 6 * 1e-4
    name = f"na_liquid_D_{temperature_K}K"
    if d_cm2_s <= 0:
        return result(name, None, "no diffusion (MSD does not grow)")
    return result(name, np.log10(d_cm2_s), f"D = {d_cm2_s:.2e} cm2/s")


def na_c_cell(n_carbon: int = 40, n_na: int = 4, seed: int = 0) -> Atoms:
    """Random C (1.5 g/cm3) + Na, no pair closer than 1.4 A."""
    rng = np.random.default_rng(seed)
    mass = n_carbon * 12.011 + n_na * 22.98977
    length = (mass / 1.5 / 0.602214) ** (1 / 3)
    pos: list[np.ndarray] = []
    while len(pos) < n_carbon + n_na:
        p = rng.random(3) * length
        if pos:
            d = np.asarray(pos) - p
            d -= length * np.round(d / length)
            if np.min(np.linalg.norm(d, axis=1)) < 1.4:
                continue
        pos.append(p)
    symbols = ["C"] * n_carbon + ["Na"] * n_na
    return Atoms(symbols, positions=pos, cell=[length] * 3, pbc=True)


def nve_drift(calc: Any, ps: float = 1.0) -> list[GateResult]:
    """Total-energy drift of NVE MD at 1 and 2 fs on a melt-quenched Na/C
    cell started at 1000 K."""
    from ase.md.verlet import VelocityVerlet

    atoms = na_c_cell()
    _langevin(atoms, calc, 3000, 400, 0.5, friction=0.05)
    _langevin(atoms, calc, 1000, 400, 1.0, friction=0.05, seed=2)
    start = atoms.copy()
    out = []
    for dt in (1.0, 2.0):
        a = start.copy()
        a.set_velocities(atoms.get_velocities())
        a.calc = calc
        e = []
        dyn = VelocityVerlet(a, dt * units.fs)
        dyn.attach(lambda a=a, e=e: e.append(a.get_total_energy()), interval=5)
        dyn.run(int(round(ps * 1000 / dt)))
        t = np.arange(len(e)) * 5 * dt * 1e-3
        slope = np.polyfit(t, np.asarray(e) / len(a), 1)[0] * 1000
        spread = (max(e) - min(e)) / len(a) * 1000
        note = f"max-min {spread:.2f} meV/atom over {ps:g} ps"
        out.append(result(f"nve_drift_{dt:g}fs", slope, note))
    return out
