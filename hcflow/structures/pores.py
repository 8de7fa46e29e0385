"""Pore analysis of carbon frameworks on a periodic grid (pure numpy/scipy).

Every function takes carbon positions (A) and a cell (3x3 rows or 3 lengths)
and works with periodic boundaries. This module is the stable API (used by
:mod:`hcflow.descriptors.pore_bridge`) that gathers the public functions of
:mod:`.pore_grid`, :mod:`.pore_sizes`, :mod:`.voids`, :mod:`.tortuosity` and
:mod:`.pore_analysis`. Accessible means at least ``probe_radius`` (2.3 A,
the Na-C contact distance) from every carbon centre.

Details (the functions, definitions): docs/structures.md.
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
