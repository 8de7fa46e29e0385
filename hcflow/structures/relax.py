"""Relaxation / short anneal of a structure with any ASE calculator.

The generators build physically sensible cells without it (no C-C < 1.2 A,
mostly sp2); this is the MLIP "relax and anneal briefly" step. Studies run it
by default on the host and on the sodiated cell (:class:`RelaxSettings`,
bounded FIRE), so Na MD starts from the MLIP's geometry, not REBO's. The cell
is kept fixed, so the density stays exact.
"""

from __future__ import annotations

import numpy as np
from ase import Atoms
from pydantic import BaseModel, ConfigDict, Field


class RelaxSettings(BaseModel):
    """A study's MLIP relaxation of the host and the sodiated cell (FIRE)."""

    model_config = ConfigDict(extra="forbid")

    steps: int = Field(
        200, ge=0, le=100_000, description="FIRE steps at most (0: no relaxation)."
    )
    fmax: float = Field(0.2, gt=0, description="Force threshold, eV/A.")
    host: bool = Field(True, description="Relax the carbon host.")
    sodiated: bool = Field(True, description="Relax the sodiated cell.")

    @property
    def enabled(self) -> bool:
        """Whether any relaxation runs."""
        return self.steps > 0 and (self.host or self.sodiated)


def relax_structure(
    atoms: Atoms,
    calculator,
    steps: int = 100,
    fmax: float = 0.2,
    anneal_temperature_K: float | None = None,
    anneal_steps: int = 0,
    timestep_fs: float = 1.0,
    seed: int = 0,
) -> Atoms:
    """FIRE relaxation (fixed cell), optionally after a Langevin anneal.

    Parameters
    ----------
    atoms
        Structure (not modified).
    calculator
        Any ASE calculator (e.g. ``hcflow.potentials.get_calculator()``).
    steps, fmax
        FIRE steps and force threshold, eV/A.
    anneal_temperature_K, anneal_steps, timestep_fs
        Optional anneal before the final relaxation, in the equilibration
        thermostat of :mod:`hcflow.md.dynamics` (Langevin, 10 ps^-1).
    seed
        Seed of the initial velocities and thermostat noise.

    Returns
    -------
    ase.Atoms
        A relaxed copy; ``info["hcflow_relax"]`` records the settings and the
        final energy (eV) and maximum force (eV/A).
    """
    from ase.optimize import FIRE

    from hcflow.md.dynamics import (
        DEFAULT_EQUILIBRATION_ENSEMBLE,
        init_velocities,
        make_dynamics,
    )

    out = atoms.copy()
    out.calc = calculator
    if anneal_temperature_K and anneal_steps > 0:
        rng = np.random.default_rng(seed)
        init_velocities(out, anneal_temperature_K, rng)
        dyn = make_dynamics(
            out,
            DEFAULT_EQUILIBRATION_ENSEMBLE,
            anneal_temperature_K,
            timestep_fs,
            rng=rng,
            fix_com=True,
        )
        dyn.run(anneal_steps)
    e0 = float(out.get_potential_energy())
    taken, converged = 0, False
    if steps > 0:
        opt = FIRE(out, logfile=None)
        converged = bool(opt.run(fmax=fmax, steps=steps))
        taken = int(opt.nsteps)
    forces = out.get_forces()
    energy = float(out.get_potential_energy())
    out.info["hcflow_relax"] = {
        "steps": steps,
        "steps_taken": taken,
        "converged": converged,
        "fmax": fmax,
        "anneal_temperature_K": anneal_temperature_K,
        "anneal_steps": anneal_steps,
        "timestep_fs": timestep_fs,
        "energy_initial_eV": e0,
        "energy_eV": energy,
        "energy_change_eV_atom": (energy - e0) / len(out),
        "max_force_eV_A": float(np.linalg.norm(forces, axis=1).max()),
    }
    out.calc = None
    out.set_velocities(np.zeros((len(out), 3)))
    out.wrap()
    return out


def relax_with_potential(
    atoms: Atoms,
    potential,
    steps: int = 100,
    anneal_temperature_K: float | None = None,
    anneal_steps: int = 0,
    seed: int = 0,
    fmax: float = 0.2,
) -> Atoms:
    """:func:`relax_structure` with the calculator of a potential spec.

    What the structure Makers call for their optional MLIP relaxation: the
    calculator comes from :func:`hcflow.potentials.get_calculator`, and the
    settings and result are recorded as ``info["hcflow"]["relax"]`` (with
    ``"potential"``) next to the generator's own record.
    """
    from hcflow.potentials import get_calculator

    info = dict(atoms.info.get("hcflow", {}))
    out = relax_structure(
        atoms,
        get_calculator(potential),
        steps=steps,
        fmax=fmax,
        anneal_temperature_K=anneal_temperature_K,
        anneal_steps=anneal_steps,
        seed=seed,
    )
    info["relax"] = {"potential": potential, **out.info.pop("hcflow_relax")}
    out.info["hcflow"] = info
    return out
