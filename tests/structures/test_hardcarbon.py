"""Known answers for the hard-carbon generator."""

from __future__ import annotations

import numpy as np
import pytest
from matscipy.neighbours import neighbour_list

from hcflow.errors import HcflowError
from hcflow.structures.analysis import hybridisation, ring_statistics
from hcflow.structures.hardcarbon import cell_length, density_of, generate_hard_carbon


@pytest.mark.parametrize("density", [0.8, 1.2, 1.5, 2.0])
def test_density_count_and_no_short_contacts(density):
    atoms = generate_hard_carbon(600, density, seed=2)
    assert len(atoms) == 600 and set(atoms.get_chemical_symbols()) == {"C"}
    assert abs(density_of(atoms) - density) / density < 0.01
    cell = atoms.cell.array
    assert np.allclose(cell, np.diag(np.diag(cell))) and np.ptp(np.diag(cell)) < 1e-9
    assert len(neighbour_list("d", atoms, 1.2)) == 0


def test_sp2_fraction_at_1p5():
    atoms = generate_hard_carbon(1000, 1.5, seed=1)
    h = hybridisation(atoms)
    assert h["sp2_fraction"] >= 0.6
    assert abs(h["sp_fraction"] + h["sp2_fraction"] + h["sp3_fraction"] - 1) < 1e-12


def test_cell_length_known_answer():
    # 1000 C at 1 g/cm3: V = 1000 * 12.011 / 6.02214076e23 cm3 = 19944.7 A^3
    assert cell_length(1000, 1.0) == pytest.approx(19944.7 ** (1 / 3), rel=1e-5)


def test_same_seed_same_structure_other_seed_differs():
    a = generate_hard_carbon(300, 1.1, seed=5)
    b = generate_hard_carbon(300, 1.1, seed=5)
    c = generate_hard_carbon(300, 1.1, seed=6)
    assert np.array_equal(a.positions, b.positions)
    assert not np.allclose(a.positions, c.positions)


@pytest.mark.parametrize("n,density", [(40, 0.7), (56, 1.5), (64, 2.0), (70, 1.0)])
def test_small_cells(n, density):
    atoms = generate_hard_carbon(n, density, seed=3)
    assert len(atoms) == n
    assert abs(density_of(atoms) - density) / density < 0.01
    assert len(neighbour_list("d", atoms, 1.2)) == 0


def test_stone_wales_rings_present():
    atoms = generate_hard_carbon(1000, 1.2, seed=1)
    counts = ring_statistics(atoms)["counts"]
    assert counts["6"] > 100 and counts["5"] > 0 and counts["7"] > 0


@pytest.mark.parametrize(
    "args",
    [(0, 1.0), (-5, 1.0), (100, 0.2), (100, 3.5), (100, float("nan")), (1.5, 1.0)],
)
def test_bad_inputs(args):
    with pytest.raises(HcflowError):
        generate_hard_carbon(*args, seed=0)


def test_unknown_parameter():
    with pytest.raises(HcflowError, match="unknown"):
        generate_hard_carbon(100, 1.0, seed=0, banana=1)


def test_honeycomb_is_graphene():
    """Every interior site of the patch has 3 neighbours at 1.42 A."""
    from scipy.spatial import cKDTree

    from hcflow.structures.hardcarbon_layers import CC_BOND_A, honeycomb

    xy = honeycomb(10.0, angle=0.3, shift=(0.2, 0.1))
    d, _ = cKDTree(xy).query(xy, k=4)
    interior = np.linalg.norm(xy - [0.2, 0.1] @ np.eye(2), axis=1) < 7.0
    assert np.allclose(d[interior, 1:], CC_BOND_A, atol=1e-9)


def test_stone_wales_keeps_atoms_and_bonds():
    """A rotated bond keeps the atom count; every atom keeps >= 2 neighbours."""
    from hcflow.structures.hardcarbon_domains import bond_neighbours, stone_wales
    from hcflow.structures.hardcarbon_layers import periodic_layers

    rng = np.random.default_rng(0)
    atoms = periodic_layers(120, 1.5, cell_length(120, 1.5), rng, 0.35, {}, 0)
    pos = atoms.positions.copy()
    L = atoms.cell[0, 0]
    stone_wales(pos, 0.05, np.random.default_rng(1), L)
    assert len(pos) == 120 and not np.allclose(pos, np.mod(atoms.positions, L))
    assert min(len(v) - 1 for v in bond_neighbours(pos, L)) >= 2
