"""Pore sizes on a distance grid: local pore size, PSD, largest cavity, access.

Definitions: :mod:`hcflow.structures.pores`. Lengths in A, volumes in A^3.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree

from hcflow.structures.pore_grid import (
    DEFAULT_PROBE_RADIUS,
    DistanceGrid,
    PeriodicTree,
    grid_points,
    is_orthorhombic,
)


def _local_maxima(d: np.ndarray) -> np.ndarray:
    from scipy.ndimage import maximum_filter

    return (d >= maximum_filter(d, size=3, mode="wrap")) & (d > 0)


def pore_size_field(grid: DistanceGrid, min_radius: float = 1.0) -> np.ndarray:
    """Local pore size (diameter, A) at every grid point.

    The diameter of the largest carbon-free sphere containing the point, from
    maximal balls centred on the local maxima of the distance field with
    radius >= ``min_radius`` (points covered by none get ``2 d``).
    """
    d = grid.distances
    field = 2.0 * d.ravel().copy()
    centres = np.flatnonzero(_local_maxima(d).ravel() & (d.ravel() >= min_radius))
    if len(centres) == 0:
        return field.reshape(d.shape)
    pts = grid.points()
    radius = d.ravel()[centres]
    order = np.argsort(-radius, kind="stable")
    centres, radius = centres[order], radius[order]
    ortho = is_orthorhombic(grid.cell)
    if ortho:
        tree = cKDTree(np.mod(pts, np.diag(grid.cell)), boxsize=np.diag(grid.cell))
        cpos = pts[centres]
    else:  # triclinic: query the 27 images of the centres
        tree = cKDTree(pts)
        sh = np.array(
            [(i, j, k) for i in (-1, 0, 1) for j in (-1, 0, 1) for k in (-1, 0, 1)]
        )
        cpos = (pts[centres][None] + (sh @ grid.cell)[:, None]).reshape(-1, 3)
        radius = np.tile(radius, 27)
    covered = np.zeros(len(field), bool)
    for c, r in zip(cpos, radius, strict=True):
        idx = tree.query_ball_point(c, r, return_sorted=False)
        if not idx:
            continue
        idx = np.asarray(idx)
        if covered[idx].all() and ortho:
            continue  # already inside an equal or larger ball (descending order)
        field[idx] = np.maximum(field[idx], 2.0 * r)
        covered[idx] = True
    return field.reshape(d.shape)


def pore_size_distribution(
    grid: DistanceGrid,
    probe_radius: float = DEFAULT_PROBE_RADIUS,
    bin_width: float = 0.5,
    field: np.ndarray | None = None,
) -> dict:
    """Volume-weighted distribution of local pore diameters in accessible space.

    Returns ``{"bin_edges": A, "volume": A^3 per bin, "fraction": share of the
    accessible volume per bin, "mean_diameter": A, "median_diameter": A}``.
    """
    field = pore_size_field(grid) if field is None else field
    acc = grid.distances >= probe_radius
    values = field[acc]
    top = max(float(values.max()) if values.size else 0.0, bin_width)
    edges = np.arange(0.0, top + bin_width, bin_width)
    counts, _ = np.histogram(values, bins=edges)
    vol = counts * grid.voxel_volume
    total = vol.sum()
    return {
        "bin_edges": edges.tolist(),
        "volume": vol.tolist(),
        "fraction": (vol / total if total else vol).tolist(),
        "mean_diameter": float(values.mean()) if values.size else 0.0,
        "median_diameter": float(np.median(values)) if values.size else 0.0,
    }


def largest_cavity_diameter(grid: DistanceGrid, carbon_positions=None) -> float:
    """Diameter (A) of the largest carbon-free sphere (centre-to-centre).

    With ``carbon_positions`` the grid maximum is refined off-grid (Nelder-Mead).
    """
    d = grid.distances
    k = int(np.argmax(d))
    best = float(d.ravel()[k])
    if carbon_positions is not None:
        from scipy.optimize import minimize

        tree = PeriodicTree(carbon_positions, grid.cell)
        x0 = grid.points()[k] if d.size < 2e6 else grid_points(grid.cell, d.shape)[k]
        res = minimize(
            lambda x: -tree.query(x[None])[0][0],
            x0,
            method="Nelder-Mead",
            options={"xatol": 1e-3, "fatol": 1e-4, "initial_simplex": None},
        )
        best = max(best, float(-res.fun))
    return 2.0 * best


def accessible_volume_fraction(
    grid: DistanceGrid, probe_radius: float = DEFAULT_PROBE_RADIUS
) -> float:
    """Share of the cell volume a Na centre can reach (distance to C >= probe)."""
    return float(np.mean(grid.distances >= probe_radius))
