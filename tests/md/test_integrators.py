"""Split-step integrators reproduce ASE's Langevin and VelocityVerlet."""

import numpy as np
import pytest
from ase import Atoms, units
from ase.calculators.lj import LennardJones
from ase.md.langevin import Langevin
from ase.md.verlet import VelocityVerlet

from hcflow.md.integrators import LangevinStep, VerletStep


def _cluster():
    pos = np.array([[0, 0, 0], [1.2, 0, 0], [0, 1.2, 0], [0.1, 0.2, 1.15]], float)
    atoms = Atoms("Ar4", positions=pos)
    atoms.set_momenta(np.random.default_rng(0).normal(0, 0.05, (4, 3)))
    atoms.calc = LennardJones(sigma=1.0, epsilon=0.01, rc=3.0)
    return atoms


def _split_run(atoms, integrator, n):
    x, p = atoms.positions.copy(), atoms.get_momenta()
    f = atoms.get_forces()
    for _ in range(n):
        x = integrator.begin(x, p, f)
        atoms.positions = x
        f = atoms.get_forces()
        p = integrator.finish(x, f)
    return x, p


@pytest.mark.parametrize("kind", ["nve", "nvt"])
def test_split_step_matches_ase(kind):
    dt, n = 2.0 * units.fs, 50
    ref, mine = _cluster(), _cluster()
    masses = mine.get_masses()[:, None]
    if kind == "nve":
        dyn = VelocityVerlet(ref, timestep=dt)
        integ = VerletStep(dt, masses)
    else:
        fr = 0.01 / units.fs
        dyn = Langevin(
            ref,
            dt,
            temperature_K=300,
            friction=fr,
            fixcm=False,
            rng=np.random.default_rng(7),
        )
        integ = LangevinStep(dt, 300, fr, masses, np.random.default_rng(7))
    dyn.run(n)
    x, p = _split_run(mine, integ, n)
    np.testing.assert_allclose(x, ref.positions, atol=1e-10)
    np.testing.assert_allclose(p, ref.get_momenta(), atol=1e-10)


def test_verlet_conserves_energy():
    atoms = _cluster()
    e0 = atoms.get_total_energy()
    x, p = _split_run(
        atoms, VerletStep(1.0 * units.fs, atoms.get_masses()[:, None]), 200
    )
    atoms.set_momenta(p)
    assert abs(atoms.get_total_energy() - e0) < 1e-4
