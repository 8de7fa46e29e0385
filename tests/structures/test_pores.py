"""Known answers for the pore analysis."""

from __future__ import annotations

import time

import numpy as np
import pytest
from ase.build import bulk

from hcflow.errors import HcflowError
from hcflow.structures import (
    pore_analysis,
    pore_grid,
    pore_sizes,
    pores,
    tortuosity,
    voids,
)
from hcflow.structures.hardcarbon import generate_hard_carbon


@pytest.fixture(scope="module")
def void_block():
    """Diamond block with a sphere of radius 5 A cut out at the centre."""
    a = bulk("C", "diamond", a=3.567, cubic=True).repeat((6, 6, 6))
    centre = np.full(3, a.cell[0, 0] / 2)
    r = np.linalg.norm(a.positions - centre, axis=1)
    a = a[r > 5.0]
    true_radius = np.linalg.norm(a.positions - centre, axis=1).min()
    return a, centre, true_radius


def test_distance_grid_known_answer():
    # one atom at the origin of a 10 A cube: distance is the min-image norm
    g = pore_grid.distance_grid([[0, 0, 0]], [10, 10, 10], spacing=1.0)
    assert g.shape == (10, 10, 10)
    pts = g.points()
    ref = np.linalg.norm(pts - 10 * np.round(pts / 10), axis=1)
    assert np.allclose(g.distances.ravel(), ref)
    assert g.distances.max() == pytest.approx(np.sqrt(3) * 4.5)


def test_single_spherical_void(void_block):
    atoms, centre, true_radius = void_block
    g = pore_grid.distance_grid(atoms.positions, atoms.cell, spacing=0.3)
    h = g.spacing.max()
    v = voids.find_voids(g, probe_radius=2.3)
    assert v.n_voids == 1
    assert abs(v.radii[0] - true_radius) <= h
    assert np.linalg.norm(v.centres[0] - centre) <= 2 * h
    assert not v.percolates.any()
    # between the accessible spheres of the smooth void (R - probe) and of a
    # wall one C-C bond rougher (the cut diamond surface is not smooth)
    lo, hi = (4 / 3 * np.pi * (true_radius + x - 2.3) ** 3 for x in (0.0, 1.54))
    assert lo <= v.volumes[0] <= hi
    lcd = pore_sizes.largest_cavity_diameter(g, atoms.positions)
    assert abs(lcd / 2 - true_radius) < 0.01
    t = tortuosity.tortuosity(g)
    assert t["percolates"] == [False] * 3 and np.isinf(t["tortuosity"]).all()


def test_straight_channel_tortuosity_one():
    # carbon walls at x = 0 with a slit of 8 A: channel open along y and z
    yz = np.arange(0, 12, 1.0)
    y, z = np.meshgrid(yz, yz)
    walls = np.column_stack([np.zeros(y.size), y.ravel(), z.ravel()])
    g = pore_grid.distance_grid(walls, [12, 12, 12], spacing=0.5)
    t = tortuosity.tortuosity(g, probe_radius=2.3)
    assert t["percolates"] == [False, True, True]
    assert t["tortuosity"][1] == pytest.approx(1.0, abs=1e-9)
    assert np.isinf(t["tortuosity"][0])


def test_accessible_volume_decreases_with_density():
    fr = []
    for rho in (0.8, 1.2, 1.6, 2.0):
        a = generate_hard_carbon(500, rho, seed=1)
        g = pore_grid.distance_grid(a.positions, a.cell, spacing=0.5)
        fr.append(pore_sizes.accessible_volume_fraction(g))
    assert all(x > y for x, y in zip(fr, fr[1:], strict=False)), fr


def test_pore_info_at_points(void_block):
    atoms, centre, true_radius = void_block
    pa = pore_analysis.analyze_pores(atoms.positions, atoms.cell, spacing=0.4)
    info = pore_analysis.pore_info_at([centre, centre + [1.0, 0, 0]], pa)
    assert info["void_label"].tolist() == [1, 1]
    assert info["distance_to_void_centre"][0] < 0.7
    assert abs(info["pore_size"][0] / 2 - true_radius) < 0.4
    assert np.isinf(info["local_tortuosity"]).all()  # closed void
    s = pa.summary()
    assert s["n_voids"] == 1 and s["percolates"] == [False] * 3


def test_speed_1000_atoms():
    a = generate_hard_carbon(1000, 1.0, seed=1)
    t = time.perf_counter()
    pore_analysis.analyze_pores(a.positions, a.cell, spacing=0.3)
    assert time.perf_counter() - t < 20  # budget 10 s on an idle machine


def test_no_carbon_is_error():
    with pytest.raises(HcflowError):
        pore_grid.distance_grid(np.empty((0, 3)), [10, 10, 10])


@pytest.mark.parametrize("density,seed", [(1.4, 1), (1.6, 1), (1.6, 2)])
def test_void_percolation_agrees_with_tortuosity_and_doubling(density, seed):
    a = generate_hard_carbon(400, density, seed=seed)
    g = pore_grid.distance_grid(a.positions, a.cell, spacing=0.4)
    v = voids.find_voids(g)
    perc = v.percolates.any(axis=0) if v.n_voids else np.zeros(3, bool)
    assert list(perc) == tortuosity.tortuosity(g)["percolates"]
    for ax in range(3):  # a winding void stays one void in a doubled cell
        cell2 = g.cell.copy()
        cell2[ax] *= 2
        d2 = np.concatenate([g.distances, g.distances], axis=ax)
        v2 = voids.find_voids(pore_grid.DistanceGrid(d2, cell2))
        assert 2 * v.n_voids - v2.n_voids == int(v.percolates[:, ax].sum())


def test_slit_voids_percolate_in_plane():
    yz = np.arange(0, 12, 1.0)
    y, z = np.meshgrid(yz, yz)
    walls = np.column_stack([np.zeros(y.size), y.ravel(), z.ravel()])
    v = voids.find_voids(pore_grid.distance_grid(walls, [12, 12, 12], spacing=0.5))
    assert v.n_voids == 1 and v.percolates.tolist() == [[False, True, True]]


def test_pores_module_gathers_the_pieces():
    """The stable API of hcflow.structures.pores is the functions of its parts."""
    assert pores.analyze_pores is pore_analysis.analyze_pores
    assert pores.distance_grid is pore_grid.distance_grid
    assert pores.find_voids is voids.find_voids
    assert pores.tortuosity is tortuosity.tortuosity
    assert pores.pore_size_field is pore_sizes.pore_size_field


@pytest.mark.parametrize(
    "cell",
    [
        np.diag([9.0, 10.0, 11.0]),
        np.array([[9.0, 0, 0], [3.0, 9.0, 0], [1.0, 2.0, 10.0]]),
    ],
)
def test_periodic_ball_query_matches_brute_force(cell):
    rng = np.random.default_rng(0)
    pts = rng.uniform(0, 1, (200, 3)) @ cell
    tree = pore_grid.PeriodicTree(pts, cell)
    inv = np.linalg.inv(cell)
    for x in rng.uniform(-5, 15, (10, 3)):
        d = np.linalg.norm(pore_grid.minimum_image(pts - x, cell, inv), axis=1)
        assert set(tree.within(x, 2.5)) == set(np.flatnonzero(d <= 2.5))


def test_shifted_grid_points_spacing_and_seeded_offset():
    cell = np.diag([4.0, 4.0, 8.0])
    a = pore_grid.shifted_grid_points(cell, 1.0, np.random.default_rng(3))
    b = pore_grid.shifted_grid_points(cell, 1.0, np.random.default_rng(3))
    assert a.shape == (4 * 4 * 8, 3) and np.array_equal(a, b)
    steps = np.unique(np.round(np.diff(np.unique(a[:, 2])), 9))
    assert steps.tolist() == [1.0]  # spacing kept, whole grid shifted together
    offset = np.random.default_rng(3).uniform(0, 1, 3)
    assert a.min(axis=0) == pytest.approx(offset * [1.0, 1.0, 1.0])
