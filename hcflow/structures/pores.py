"""Pore analysis of carbon frameworks on a periodic grid (pure numpy/scipy).

Every function takes carbon positions (A) and a cell (3x3 rows or 3 lengths)
and works with periodic boundaries. Orthorhombic cells use
``scipy.spatial.cKDTree(boxsize=...)``; triclinic cells fall back to the 27
nearest periodic images.

Stable API (used by :mod:`hcflow.descriptors.pore_bridge`)
-----------------------------------------------------------
This module gathers the public functions of the modules that hold them:
:mod:`.pore_grid` (the periodic distance grid), :mod:`.pore_sizes` (pore
sizes, PSD, largest cavity, accessible volume), :mod:`.voids`,
:mod:`.tortuosity` and :mod:`.pore_analysis` (everything at once, and its
evaluation at points). They import one another downwards only.

- :func:`distance_grid` (carbon_positions, cell, spacing=0.3) -> :class:`DistanceGrid`:
  distance from every grid point to the nearest carbon centre.
- :func:`distance_to_carbon` (points, carbon_positions, cell): the same at any points.
- :func:`pore_size_distribution`, :func:`largest_cavity_diameter`,
  :func:`accessible_volume_fraction`, :func:`find_voids` (connected voids with
  periodic boundaries: labels, centres, volumes, radii, percolation),
  :func:`tortuosity` (geometric tortuosity of the accessible network per axis,
  ``inf`` when it does not percolate), :func:`analyze_pores` (all at once)
  and :func:`pore_info_at` (local pore size, distance to the nearest void centre
  and local tortuosity at arbitrary points, e.g. the Na positions).

Definitions
-----------
- *Accessible*: a point whose distance to the nearest carbon centre is at least
  ``probe_radius`` (default 2.3 A: the closest a Na centre comes to a C centre,
  the same number as :func:`hcflow.structures.sodiation.sodiate`'s
  ``min_na_c``). The accessible volume fraction is the accessible share of the
  cell volume.
- *Local pore size* at a point: diameter of the largest carbon-free sphere
  (centre-to-centre distances; radius = distance to nearest C centre) that
  contains the point (geometric PSD of Gelb & Gubbins, evaluated with the
  maximal balls centred on local maxima of the distance field).
- *Largest cavity diameter*: twice the largest distance to carbon anywhere
  (refined off-grid).
- *Voids*: connected components of the accessible grid (26-connectivity),
  merged across periodic faces. A void's centre is its point farthest from
  carbon, its radius that distance, its volume the accessible grid volume.
- *Geometric tortuosity* along axis a: shortest path through accessible grid
  points (26-neighbour moves, Euclidean step lengths) that crosses the cell
  once along a (from the plane x_a = 0 to its periodic image), divided by the
  cell length; ``inf`` (and ``percolates[a] = False``) when no such path exists.
"""

from hcflow.structures.pore_analysis import PoreAnalysis, analyze_pores, pore_info_at
from hcflow.structures.pore_grid import (
    DEFAULT_PROBE_RADIUS,
    DistanceGrid,
    PeriodicTree,
    cell_matrix,
    distance_grid,
    distance_to_carbon,
    grid_points,
    grid_shape,
    is_orthorhombic,
)
from hcflow.structures.pore_sizes import (
    accessible_volume_fraction,
    largest_cavity_diameter,
    pore_size_distribution,
    pore_size_field,
)
from hcflow.structures.tortuosity import tortuosity
from hcflow.structures.voids import Voids, find_voids

__all__ = [
    "DEFAULT_PROBE_RADIUS",
    "DistanceGrid",
    "PeriodicTree",
    "PoreAnalysis",
    "Voids",
    "accessible_volume_fraction",
    "analyze_pores",
    "cell_matrix",
    "distance_grid",
    "distance_to_carbon",
    "find_voids",
    "grid_points",
    "grid_shape",
    "is_orthorhombic",
    "largest_cavity_diameter",
    "pore_info_at",
    "pore_size_distribution",
    "pore_size_field",
    "tortuosity",
]
