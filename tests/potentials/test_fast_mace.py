"""The fast MACE calculator gives the stock MACECalculator's numbers."""

import numpy as np
import pytest

from hcflow.errors import HcflowError
from hcflow.potentials.fast_mace import FastMACECalculator


def test_matches_stock_calculator(tiny_mace_model, nac_cell):
    from mace.calculators import MACECalculator

    stock = MACECalculator(
        model_paths=tiny_mace_model, device="cpu", default_dtype="float32"
    )
    fast = FastMACECalculator(tiny_mace_model, skin=1.0)
    rng = np.random.default_rng(0)
    atoms = nac_cell.copy()
    for _ in range(4):  # moves below and beyond the skin: list reused and rebuilt
        atoms.positions += rng.normal(0, 0.2, atoms.positions.shape)
        a, b = atoms.copy(), atoms.copy()
        a.calc, b.calc = stock, fast
        assert b.get_potential_energy() == pytest.approx(
            a.get_potential_energy(), abs=1e-4
        )
        assert np.abs(a.get_forces() - b.get_forces()).max() < 1e-4
    assert 1 <= fast.n_builds <= 4


def test_unknown_element(tiny_mace_model):
    from ase.build import bulk

    atoms = bulk("Cu", cubic=True)
    atoms.calc = FastMACECalculator(tiny_mace_model)
    with pytest.raises(HcflowError, match="does not know element"):
        atoms.get_potential_energy()


def test_forces_are_minus_energy_gradient(tiny_mace_model, nac_cell):
    atoms = nac_cell.copy()
    atoms.calc = FastMACECalculator(tiny_mace_model)
    forces = atoms.get_forces()
    h = 1e-2
    for i, k in [(0, 0), (41, 2)]:
        p = atoms.copy()
        p.calc = atoms.calc
        p.positions[i, k] += h
        e_plus = p.get_potential_energy()
        p.positions[i, k] -= 2 * h
        e_minus = p.get_potential_energy()
        assert forces[i, k] == pytest.approx(-(e_plus - e_minus) / (2 * h), abs=2e-2)
