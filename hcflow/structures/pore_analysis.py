"""Full pore analysis and its evaluation at arbitrary points (e.g. Na ions).

:func:`analyze_pores` runs every pore analysis (grid, pore sizes, voids,
tortuosity) once per framework and keeps the fields (:func:`pore_summary`:
its summary for a structure's carbon); :func:`pore_info_at`
reads local pore size, distance to the nearest void centre and local
tortuosity at any points. Both are also reachable from
:mod:`hcflow.structures.pores`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

from hcflow.structures.pore_grid import (
    DEFAULT_PROBE_RADIUS,
    DistanceGrid,
    cell_matrix,
    distance_grid,
    grid_points,
    is_orthorhombic,
    minimum_image,
)
from hcflow.structures.pore_sizes import (
    accessible_volume_fraction,
    largest_cavity_diameter,
    pore_size_distribution,
    pore_size_field,
)
from hcflow.structures.tortuosity import tortuosity
from hcflow.structures.voids import Voids, find_voids
from hcflow.units import CARBON


@dataclass
class PoreAnalysis:
    """Everything :func:`analyze_pores` computes (lengths A, volumes A^3)."""

    grid: DistanceGrid
    probe_radius: float
    pore_size: np.ndarray  # local pore diameter field, A
    voids: Voids
    tortuosity: list  # per axis
    percolates: list  # per axis
    local_tortuosity: np.ndarray | None  # (nx, ny, nz) min over axes, coarse grid
    tortuosity_grid: DistanceGrid | None
    largest_cavity_diameter: float
    accessible_volume_fraction: float
    psd: dict

    def summary(self) -> dict:
        """Scalar statistics for documents (A, A^3, fractions)."""
        v = self.voids
        return {
            "probe_radius": self.probe_radius,
            "grid_spacing": float(self.grid.spacing.max()),
            "largest_cavity_diameter": self.largest_cavity_diameter,
            "accessible_volume_fraction": self.accessible_volume_fraction,
            "accessible_volume": self.accessible_volume_fraction
            * abs(float(np.linalg.det(self.grid.cell))),
            "n_voids": v.n_voids,
            "void_volumes": [round(float(x), 3) for x in v.volumes],
            "void_radii": [round(float(x), 3) for x in v.radii],
            "largest_void_volume": float(v.volumes.max()) if v.n_voids else 0.0,
            "tortuosity": [
                float(t) if np.isfinite(t) else None for t in self.tortuosity
            ],
            "percolates": [bool(p) for p in self.percolates],
            "mean_pore_diameter": self.psd["mean_diameter"],
            "median_pore_diameter": self.psd["median_diameter"],
            "psd_bin_edges": self.psd["bin_edges"],
            "psd_fraction": [round(float(x), 5) for x in self.psd["fraction"]],
        }


def analyze_pores(
    carbon_positions,
    cell,
    spacing: float = 0.3,
    probe_radius: float = DEFAULT_PROBE_RADIUS,
    tortuosity_spacing: float = 0.5,
    min_void_volume: float = 0.0,
    local_tortuosity: bool = True,
) -> PoreAnalysis:
    """Full pore analysis of a carbon framework (see the module docstring).

    The tortuosity runs on its own grid (``tortuosity_spacing``, default 0.5 A)
    to keep the shortest-path graph small.
    """
    c = cell_matrix(cell)
    grid = distance_grid(carbon_positions, c, spacing)
    field = pore_size_field(grid)
    voids = find_voids(grid, probe_radius, min_void_volume)
    tgrid = (
        grid
        if tortuosity_spacing <= spacing
        else distance_grid(carbon_positions, c, tortuosity_spacing)
    )
    tort = tortuosity(tgrid, probe_radius, local=local_tortuosity)
    loc = np.min(tort["local"], axis=0) if local_tortuosity else None
    return PoreAnalysis(
        grid=grid,
        probe_radius=float(probe_radius),
        pore_size=field,
        voids=voids,
        tortuosity=tort["tortuosity"],
        percolates=tort["percolates"],
        local_tortuosity=loc,
        tortuosity_grid=tgrid,
        largest_cavity_diameter=largest_cavity_diameter(grid, carbon_positions),
        accessible_volume_fraction=accessible_volume_fraction(grid, probe_radius),
        psd=pore_size_distribution(grid, probe_radius, field=field),
    )


def pore_summary(
    atoms, spacing: float, probe_radius: float = DEFAULT_PROBE_RADIUS
) -> dict:
    """Pore statistics of a structure's carbon (:meth:`PoreAnalysis.summary`).

    What structure documents and the realism validation store: the pore
    analysis of the carbon of ``atoms`` on a ``spacing`` grid (tortuosity on
    a grid no finer than 0.5 A, no local tortuosity).
    """
    carbon = atoms.numbers == CARBON
    return analyze_pores(
        atoms.positions[carbon],
        atoms.cell.array,
        spacing=spacing,
        probe_radius=probe_radius,
        tortuosity_spacing=max(spacing, 0.5),
        local_tortuosity=False,
    ).summary()


def pore_info_at(points, analysis: PoreAnalysis, snap: float = 1.5) -> dict:
    """Pore descriptors at arbitrary points (e.g. Na positions), periodic.

    Returns arrays (n,): ``pore_size`` (local pore diameter, A),
    ``distance_to_carbon`` (A), ``void_label`` (0: not in a void),
    ``distance_to_void_centre`` (A, to the nearest void centre; inf if none)
    and ``local_tortuosity`` (min over axes of the shortest crossing path
    through the nearest accessible voxel within ``snap`` A; inf if none).
    """
    pts = np.asarray(points, float).reshape(-1, 3)
    g = analysis.grid
    ijk = g.index_of(pts)
    lin = np.ravel_multi_index(ijk.T, g.shape)
    c = g.cell
    inv = np.linalg.inv(c)

    out = {
        "pore_size": analysis.pore_size.ravel()[lin],
        "distance_to_carbon": g.distances.ravel()[lin],
        "void_label": analysis.voids.labels.ravel()[lin],
    }
    centres = analysis.voids.centres
    if len(centres):
        dv = pts[:, None, :] - centres[None]
        dist = np.linalg.norm(minimum_image(dv.reshape(-1, 3), c, inv), axis=1).reshape(
            len(pts), -1
        )
        out["distance_to_void_centre"] = dist.min(axis=1)
    else:
        out["distance_to_void_centre"] = np.full(len(pts), np.inf)
    tau = np.full(len(pts), np.inf)
    if analysis.local_tortuosity is not None:
        tg = analysis.tortuosity_grid
        field = analysis.local_tortuosity.ravel()
        finite = np.flatnonzero(np.isfinite(field))
        if len(finite):
            vpts = grid_points(tg.cell, tg.shape)[finite]
            if is_orthorhombic(tg.cell):
                box = np.diag(tg.cell)
                tree = cKDTree(np.mod(vpts, box), boxsize=box)
                d, k = tree.query(np.mod(pts, box), distance_upper_bound=snap)
            else:
                tree = cKDTree(vpts)
                d, k = tree.query(pts, distance_upper_bound=snap)
            hit = np.isfinite(d)
            tau[hit] = field[finite[k[hit]]]
    out["local_tortuosity"] = tau
    return out
