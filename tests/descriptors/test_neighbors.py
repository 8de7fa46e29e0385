"""Coordination numbers, clusters and nearest distances vs brute force / ASE."""

from __future__ import annotations

import numpy as np
import pytest
from ase import Atoms
from ase.neighborlist import neighbor_list

from hcflow.descriptors.neighbors import PaddedTree, cluster_sizes, nearest_distance
from hcflow.descriptors.settings import DescriptorSettings
from hcflow.descriptors.structural import frame_structural

CELLS = {
    "cubic_large": np.eye(3) * 14.0,
    "cubic_small": np.eye(3) * 4.5,  # smaller than 2 x cutoff: images matter
    "triclinic_small": np.array([[5.0, 0.0, 0.0], [1.8, 4.6, 0.0], [-1.2, 1.1, 5.2]]),
    "triclinic": np.array([[10.0, 0.0, 0.0], [3.0, 9.0, 0.0], [2.0, -2.5, 11.0]]),
}


def _random_config(cell, n_c, n_na, rng):
    frac = rng.uniform(-0.5, 1.5, (n_c + n_na, 3))  # also outside the cell
    numbers = [6] * n_c + [11] * n_na
    return Atoms(numbers=numbers, positions=frac @ cell, cell=cell, pbc=True)


def _ase_counts(atoms, centre_z, other_z, cutoff):
    """Neighbours of species other_z around each atom of centre_z (ASE)."""
    i, j = neighbor_list("ij", atoms, cutoff, self_interaction=False)
    z = atoms.numbers
    keep = (z[i] == centre_z) & (z[j] == other_z)
    centres = np.flatnonzero(z == centre_z)
    counts = np.bincount(i[keep], minlength=len(atoms))
    return counts[centres]


@pytest.mark.parametrize("name", list(CELLS))
def test_coordination_numbers_match_ase(name, rng):
    cell = CELLS[name]
    settings = DescriptorSettings(na_c_cutoff=3.0, na_na_cutoff=4.0, local_radius=5.0)
    for _ in range(3):
        n_c = 60 if "small" in name else 300
        atoms = _random_config(cell, n_c, 12, rng)
        z = atoms.numbers
        out = frame_structural(
            atoms.positions[z == 11], atoms.positions[z == 6], cell, settings
        )
        np.testing.assert_array_equal(out["cn_na_c"], _ase_counts(atoms, 11, 6, 3.0))
        np.testing.assert_array_equal(out["cn_na_na"], _ase_counts(atoms, 11, 11, 4.0))
        n_local = _ase_counts(atoms, 11, 6, 5.0)
        rho = n_local * 12.011 * 1.66053906660e-24 / (4 / 3 * np.pi * 125 * 1e-24)
        np.testing.assert_allclose(out["local_c_density"], rho, rtol=1e-3)


def test_self_image_counts_in_tiny_cell():
    """One Na in a 3 A cube sees 6 images of itself within 3.5 A."""
    cell = np.eye(3) * 3.0
    settings = DescriptorSettings(na_na_cutoff=3.5)
    out = frame_structural(
        np.array([[1.0, 1.0, 1.0]]), np.zeros((0, 3)), cell, settings
    )
    assert out["cn_na_na"][0] == 6
    assert out["cluster_size"][0] == 1
    # no carbon host: the carbon descriptors are not applicable (NaN -> null)
    assert np.isnan(out["cn_na_c"][0]) and np.isnan(out["d_nearest_c"][0])
    assert np.isnan(out["local_c_density"][0])


def test_nearest_distance_brute_force(rng):
    cell = CELLS["triclinic"]
    pts = rng.uniform(0, 1, (30, 3)) @ cell
    atoms = rng.uniform(0, 1, (5, 3)) @ cell  # few atoms: some far away
    shifts = np.array(np.meshgrid(*[range(-2, 3)] * 3)).reshape(3, -1).T @ cell
    images = (atoms[:, None, :] + shifts[None]).reshape(-1, 3)
    brute = np.linalg.norm(pts[:, None] - images[None], axis=2).min(axis=1)
    np.testing.assert_allclose(nearest_distance(pts, atoms, cell, 1.0), brute)


def test_clusters_connect_across_the_boundary():
    cell = np.eye(3) * 20.0
    # a chain 0-1-2 crossing x = 0, and 3-4 separate, 5 alone
    na = np.array(
        [
            [19.0, 5, 5],
            [1.5, 5, 5],
            [4.5, 5, 5],
            [10, 10, 10],
            [12, 10, 10],
            [5, 15, 15],
        ]
    )
    settings = DescriptorSettings(na_na_cutoff=3.6)
    out = frame_structural(na, np.zeros((0, 3)), cell, settings)
    np.testing.assert_array_equal(out["cluster_size"], [3, 3, 3, 2, 2, 1])
    np.testing.assert_array_equal(out["cn_na_na"], [1, 2, 1, 1, 1, 0])


def test_cluster_sizes_brute_force(rng):
    n = 40
    i = rng.integers(0, n, 30)
    j = rng.integers(0, n, 30)
    sizes = cluster_sizes(i, j, n)
    # union-find reference
    parent = list(range(n))

    def find(a):
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for a, b in zip(i, j, strict=True):
        parent[find(a)] = find(b)
    roots = [find(a) for a in range(n)]
    expected = [roots.count(r) for r in roots]
    np.testing.assert_array_equal(sizes, expected)


def test_padded_tree_rejects_radius_beyond_padding():
    tree = PaddedTree(np.zeros((1, 3)), np.eye(3) * 10, pad=2.0)
    with pytest.raises(ValueError):
        tree.count(np.zeros((1, 3)), 3.0)
