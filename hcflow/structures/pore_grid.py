"""The periodic distance-to-carbon grid every pore statistic is computed on.

- :class:`PeriodicTree`: nearest-carbon queries with periodic boundaries
  (``scipy.spatial.cKDTree(boxsize=...)`` for orthorhombic cells, the 27
  nearest periodic images for triclinic ones);
- :class:`DistanceGrid` and :func:`distance_grid`: the distance (A) from
  every point of a cell-centred periodic grid to the nearest carbon centre;
- :func:`distance_to_carbon`: the same distance at arbitrary points.

Definitions of what is computed on the grid: :mod:`hcflow.structures.pores`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

from hcflow.errors import HcflowError

DEFAULT_PROBE_RADIUS = 2.3


def cell_matrix(cell) -> np.ndarray:
    c = np.asarray(getattr(cell, "array", cell), dtype=float)
    if c.shape == (3,):
        c = np.diag(c)
    if c.shape != (3, 3) or abs(np.linalg.det(c)) < 1e-6:
        raise HcflowError("cell must be 3 lengths or a non-singular 3x3 matrix")
    return c


def minimum_image(
    vectors: np.ndarray, cell: np.ndarray, inv: np.ndarray | None = None
) -> np.ndarray:
    """Difference vectors (n, 3) mapped to their shortest periodic image, A."""
    f = vectors @ (np.linalg.inv(cell) if inv is None else inv)
    return (f - np.round(f)) @ cell


def is_orthorhombic(c: np.ndarray) -> bool:
    return bool(np.allclose(c - np.diag(np.diag(c)), 0.0, atol=1e-8))


class PeriodicTree:
    """Nearest-carbon queries with periodic boundaries."""

    def __init__(self, carbon_positions, cell):
        self.cell = cell_matrix(cell)
        pos = np.asarray(carbon_positions, dtype=float).reshape(-1, 3)
        if len(pos) == 0:
            raise HcflowError("no carbon atoms: the pore analysis needs carbon")
        self.n = len(pos)
        self.ortho = is_orthorhombic(self.cell)
        if self.ortho:
            self.box = np.diag(self.cell).copy()
            self.tree = cKDTree(np.mod(pos, self.box), boxsize=self.box)
        else:
            frac = np.mod(np.linalg.solve(self.cell.T, pos.T).T, 1.0)
            shifts = np.array(
                [(i, j, k) for i in (-1, 0, 1) for j in (-1, 0, 1) for k in (-1, 0, 1)]
            )
            imgs = (frac[None] + shifts[:, None]).reshape(-1, 3) @ self.cell
            self.tree = cKDTree(imgs)

    def wrap(self, points: np.ndarray) -> np.ndarray:
        if self.ortho:
            return np.mod(points, self.box)
        frac = np.mod(np.linalg.solve(self.cell.T, points.T).T, 1.0)
        return frac @ self.cell

    def query(self, points, k: int = 1):
        pts = self.wrap(np.asarray(points, dtype=float).reshape(-1, 3))
        return self.tree.query(pts, k=k, workers=-1)

    def within(self, point, r: float) -> np.ndarray:
        """Indices of the tree's points within ``r`` (A) of ``point`` (periodic)."""
        x = self.wrap(np.asarray(point, dtype=float).reshape(1, 3))[0]
        idx = np.asarray(self.tree.query_ball_point(x, r), int)
        return np.unique(idx % self.n)  # triclinic: 27 images of each point


@dataclass
class DistanceGrid:
    """Distance (A) from each point of a periodic grid to the nearest C centre.

    Attributes
    ----------
    distances
        Array (nx, ny, nz), A. Point (i, j, k) sits at fractional coordinates
        ((i + 0.5) / nx, (j + 0.5) / ny, (k + 0.5) / nz).
    cell
        3x3 cell matrix (rows are lattice vectors), A.
    shape
        (nx, ny, nz).
    """

    distances: np.ndarray
    cell: np.ndarray

    @property
    def shape(self) -> tuple[int, int, int]:
        return tuple(self.distances.shape)

    @property
    def spacing(self) -> np.ndarray:
        """Grid spacing along each lattice vector, A."""
        return np.linalg.norm(self.cell, axis=1) / np.array(self.shape)

    @property
    def voxel_volume(self) -> float:
        """Volume of one grid cell, A^3."""
        return abs(np.linalg.det(self.cell)) / self.distances.size

    def points(self) -> np.ndarray:
        """Cartesian coordinates of all grid points, (nx*ny*nz, 3), A (C order)."""
        return grid_points(self.cell, self.shape)

    def index_of(self, positions) -> np.ndarray:
        """Nearest grid index (n, 3) of Cartesian positions (wrapped)."""
        frac = np.linalg.solve(
            self.cell.T, np.asarray(positions, float).reshape(-1, 3).T
        ).T
        n = np.array(self.shape)
        return np.mod(np.floor(np.mod(frac, 1.0) * n).astype(int), n)


def grid_shape(cell, spacing: float) -> tuple[int, int, int]:
    """Number of grid points along each lattice vector for a target spacing."""
    c = cell_matrix(cell)
    if not spacing > 0:
        raise HcflowError(f"grid spacing must be positive, got {spacing}")
    n = np.maximum(1, np.ceil(np.linalg.norm(c, axis=1) / spacing - 1e-9)).astype(int)
    if np.prod(n) > 6e7:
        raise HcflowError(f"grid of {tuple(n)} points is too large; raise the spacing")
    return tuple(int(x) for x in n)


def shifted_grid_points(cell, spacing: float, rng: np.random.Generator) -> np.ndarray:
    """Grid points (N, 3), A, of ``spacing`` with an origin drawn from ``rng``.

    The candidate sites of Na insertion (:mod:`hcflow.structures.sodiation`):
    one uniform draw of 3 numbers shifts the whole grid.
    """
    c = cell_matrix(cell)
    shape = grid_shape(c, spacing)
    offset = rng.uniform(0, 1, 3)
    axes = [(np.arange(n) + offset[i]) / n for i, n in enumerate(shape)]
    frac = np.stack(np.meshgrid(*axes, indexing="ij"), -1).reshape(-1, 3)
    return frac @ c


def grid_points(cell, shape) -> np.ndarray:
    """Cartesian grid points at cell-centred fractional positions, (N, 3), A."""
    c = cell_matrix(cell)
    axes = [(np.arange(n) + 0.5) / n for n in shape]
    f = np.stack(np.meshgrid(*axes, indexing="ij"), -1).reshape(-1, 3)
    return f @ c


def distance_grid(carbon_positions, cell, spacing: float = 0.3) -> DistanceGrid:
    """Periodic distance-to-nearest-carbon grid.

    Parameters
    ----------
    carbon_positions
        (n, 3) carbon positions, A (need not be wrapped).
    cell
        3x3 cell (rows = lattice vectors) or 3 lengths, A.
    spacing
        Target grid spacing, A (the actual one is ``cell length / n``, <= spacing).

    Returns
    -------
    DistanceGrid
    """
    c = cell_matrix(cell)
    shape = grid_shape(c, spacing)
    tree = PeriodicTree(carbon_positions, c)
    d, _ = tree.query(grid_points(c, shape))
    return DistanceGrid(distances=d.reshape(shape), cell=c)


def distance_to_carbon(points, carbon_positions, cell) -> np.ndarray:
    """Distance (A) from arbitrary points to the nearest carbon centre (periodic)."""
    d, _ = PeriodicTree(carbon_positions, cell).query(points)
    return np.asarray(d)
