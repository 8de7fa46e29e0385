"""The optional relaxation keeps the cell (density) and records its result."""

from __future__ import annotations

import numpy as np
from ase.calculators.lj import LennardJones

from hcflow.structures.hardcarbon import density_of, generate_hard_carbon
from hcflow.structures.relax import relax_structure


def test_relax_with_lj_keeps_cell_and_count():
    atoms = generate_hard_carbon(60, 1.0, seed=1)
    calc = LennardJones(sigma=3.4 / 2 ** (1 / 6), epsilon=0.002, rc=6.0)
    out = relax_structure(
        atoms, calc, steps=3, anneal_temperature_K=300, anneal_steps=3
    )
    assert len(out) == 60 and np.allclose(out.cell.array, atoms.cell.array)
    assert abs(density_of(out) - 1.0) < 1e-9
    info = out.info["hcflow_relax"]
    assert np.isfinite(info["energy_eV"]) and info["anneal_steps"] == 3
    assert out.calc is None and len(atoms) == 60


def test_relax_records_steps_taken_and_energy_change():
    """Known answer: FIRE from a packed cell lowers the LJ energy; the record
    says how many steps ran, the force reached and the energy change."""
    atoms = generate_hard_carbon(60, 1.0, seed=1)
    calc = LennardJones(sigma=3.4 / 2 ** (1 / 6), epsilon=0.002, rc=6.0)
    out = relax_structure(atoms, calc, steps=20, fmax=1e-6)
    info = out.info["hcflow_relax"]
    assert info["steps_taken"] == 20 and info["converged"] is False
    assert info["energy_eV"] < info["energy_initial_eV"]
    assert info["energy_change_eV_atom"] == (
        (info["energy_eV"] - info["energy_initial_eV"]) / 60
    )
    done = relax_structure(atoms, calc, steps=500, fmax=1e3)  # already below
    assert done.info["hcflow_relax"]["steps_taken"] == 0
    assert done.info["hcflow_relax"]["converged"] is True


def test_study_relax_settings_default_on_and_hashed():
    from hcflow.structures.relax import RelaxSettings

    s = RelaxSettings()
    assert (s.steps, s.fmax, s.enabled) == (200, 0.2, True)
    assert not RelaxSettings(steps=0).enabled
    assert not RelaxSettings(host=False, sodiated=False).enabled
