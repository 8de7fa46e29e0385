"""Pore analysis of carbon frameworks on a periodic grid (pure numpy/scipy).

Every function takes carbon positions (A) and a cell (3x3 rows or 3 lengths)
and works with periodic boundaries. Orthorhombic cells use
``scipy.spatial.cKDTree(boxsize=...)``; triclinic cells fall back to the 27
nearest periodic images.

Stable API (used by :mod:`hcflow.descriptors.pore_bridge`)
-----------------------------------------------------------
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

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

from hcflow.errors import HcflowError

DEFAULT_PROBE_RADIUS = 2.3


def _cell_matrix(cell) -> np.ndarray:
    c = np.asarray(getattr(cell, "array", cell), dtype=float)
    if c.shape == (3,):
        c = np.diag(c)
    if c.shape != (3, 3) or abs(np.linalg.det(c)) < 1e-6:
        raise HcflowError("cell must be 3 lengths or a non-singular 3x3 matrix")
    return c


def _is_orthorhombic(c: np.ndarray) -> bool:
    return bool(np.allclose(c - np.diag(np.diag(c)), 0.0, atol=1e-8))


class _PeriodicTree:
    """Nearest-carbon queries with periodic boundaries."""

    def __init__(self, carbon_positions, cell):
        self.cell = _cell_matrix(cell)
        pos = np.asarray(carbon_positions, dtype=float).reshape(-1, 3)
        if len(pos) == 0:
            raise HcflowError("no carbon atoms: the pore analysis needs carbon")
        self.ortho = _is_orthorhombic(self.cell)
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
    c = _cell_matrix(cell)
    if not spacing > 0:
        raise HcflowError(f"grid spacing must be positive, got {spacing}")
    n = np.maximum(1, np.ceil(np.linalg.norm(c, axis=1) / spacing - 1e-9)).astype(int)
    if np.prod(n) > 6e7:
        raise HcflowError(f"grid of {tuple(n)} points is too large; raise the spacing")
    return tuple(int(x) for x in n)


def grid_points(cell, shape) -> np.ndarray:
    """Cartesian grid points at cell-centred fractional positions, (N, 3), A."""
    c = _cell_matrix(cell)
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
    c = _cell_matrix(cell)
    shape = grid_shape(c, spacing)
    tree = _PeriodicTree(carbon_positions, c)
    d, _ = tree.query(grid_points(c, shape))
    return DistanceGrid(distances=d.reshape(shape), cell=c)


def distance_to_carbon(points, carbon_positions, cell) -> np.ndarray:
    """Distance (A) from arbitrary points to the nearest carbon centre (periodic)."""
    d, _ = _PeriodicTree(carbon_positions, cell).query(points)
    return np.asarray(d)


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
    ortho = _is_orthorhombic(grid.cell)
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

        tree = _PeriodicTree(carbon_positions, grid.cell)
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


@dataclass
class Voids:
    """Connected accessible regions with periodic boundaries.

    Attributes
    ----------
    labels
        (nx, ny, nz) int: 0 outside the accessible space, 1..n the void.
    centres
        (n, 3) A: the point of each void farthest from carbon.
    radii
        (n,) A: that largest distance (radius of the largest inscribed sphere).
    volumes
        (n,) A^3: accessible volume of each void.
    percolates
        (n, 3) bool: the void connects to its own periodic image along x, y, z.
    """

    labels: np.ndarray
    centres: np.ndarray
    radii: np.ndarray
    volumes: np.ndarray
    percolates: np.ndarray

    @property
    def n_voids(self) -> int:
        return len(self.radii)


def find_voids(
    grid: DistanceGrid,
    probe_radius: float = DEFAULT_PROBE_RADIUS,
    min_volume: float = 0.0,
) -> Voids:
    """Connected accessible voids (26-connectivity, merged across periodic faces).

    Voids smaller than ``min_volume`` (A^3) are dropped (label 0).
    """
    from scipy import ndimage

    d = grid.distances
    acc = d >= probe_radius
    raw, n = ndimage.label(acc, structure=np.ones((3, 3, 3), int))
    parent = np.arange(n + 1)
    offset = np.zeros((n + 1, 3), int)  # shift of a node relative to its parent

    def find(u):
        path = []
        while parent[u] != u:
            path.append(u)
            u = parent[u]
        root, acc_off = u, np.zeros(3, int)
        for v in reversed(path):  # compress, accumulating offsets to the root
            acc_off = acc_off + offset[v]
            offset[v], parent[v] = acc_off.copy(), root
        return root

    wind = np.zeros((n + 1, 3), bool)
    shape = d.shape
    for ax in range(3):
        hi = np.take(raw, shape[ax] - 1, axis=ax)
        lo = np.take(raw, 0, axis=ax)
        others = [a for a in range(3) if a != ax]
        n1, n2 = hi.shape
        j1, j2 = np.indices(hi.shape)
        found = []
        for s1 in (-1, 0, 1):  # also the diagonal neighbours across the face
            for s2 in (-1, 0, 1):
                lo_s = np.roll(np.roll(lo, s1, axis=0), s2, axis=1)
                m = (hi > 0) & (lo_s > 0)
                if not m.any():
                    continue
                # where the roll wrapped, the lo voxel is a periodic image too
                w1 = np.where((s1 == 1) & (j1 == 0), -1, 0)
                w1 = np.where((s1 == -1) & (j1 == n1 - 1), 1, w1)
                w2 = np.where((s2 == 1) & (j2 == 0), -1, 0)
                w2 = np.where((s2 == -1) & (j2 == n2 - 1), 1, w2)
                sh = np.zeros((int(m.sum()), 3), int)
                sh[:, ax] = 1
                sh[:, others[0]] = w1[m]
                sh[:, others[1]] = w2[m]
                found.append(np.column_stack([hi[m], lo_s[m], sh]))
        if not found:
            continue
        for u, v, *shift in np.unique(np.vstack(found), axis=0).tolist():
            shift = np.array(shift)  # v's image at +shift touches u
            ru, rv = find(u), find(v)
            ou = offset[u] if u != ru else np.zeros(3, int)
            ov = offset[v] if v != rv else np.zeros(3, int)
            if ru == rv:
                w = ou - (ov + shift)
                if np.any(w != 0):
                    wind[ru] |= w != 0
            else:
                parent[rv] = ru
                offset[rv] = ou - ov - shift
                wind[ru] |= wind[rv]
    roots = np.array([find(u) for u in range(n + 1)])
    for u in range(1, n + 1):
        wind[roots[u]] |= wind[u]
    uniq = np.unique(roots[1:]) if n else np.array([], int)
    lab_of_root = np.zeros(n + 1, int)
    lab_of_root[uniq] = np.arange(1, len(uniq) + 1)
    comp = np.concatenate([[0], lab_of_root[roots[1:]]]) if n else np.array([0])
    labels = comp[raw]
    flat_l, flat_d = labels.ravel(), d.ravel()
    nv = len(uniq)
    counts = np.bincount(flat_l, minlength=nv + 1)[1:]
    volumes = counts * grid.voxel_volume
    order = np.lexsort((flat_d, flat_l))  # per label, the largest d is last
    last = np.searchsorted(flat_l[order], np.arange(1, nv + 1), side="right") - 1
    best = order[last] if nv else np.array([], int)
    radii = flat_d[best] if nv else np.empty(0)
    pts = grid_points(grid.cell, d.shape)[best] if nv else np.empty((0, 3))
    perc = wind[uniq] if nv else np.empty((0, 3), bool)
    keep = volumes >= min_volume
    if not keep.all():
        remap = np.zeros(nv + 1, int)
        remap[1:][keep] = np.arange(1, keep.sum() + 1)
        labels = remap[labels]
    return Voids(labels, pts[keep], radii[keep], volumes[keep], perc[keep])


_DIRS = [
    (i, j, k)
    for i in (-1, 0, 1)
    for j in (-1, 0, 1)
    for k in (-1, 0, 1)
    if (i, j, k) > (0, 0, 0)
]


def _crossing_graph(acc: np.ndarray, cell: np.ndarray, axis: int):
    """Sparse graph of accessible voxels; crossings of ``axis`` go to copies."""
    from scipy import sparse

    shape = acc.shape
    idx = -np.ones(shape, int)
    n = int(acc.sum())
    idx[acc] = np.arange(n)
    plane0 = np.take(idx, 0, axis=axis)
    src = plane0[plane0 >= 0]
    copy_of = -np.ones(n, int)
    copy_of[src] = n + np.arange(len(src))
    h = cell / np.array(shape)[:, None]  # grid step vectors (rows)
    rows, cols, w = [], [], []
    coords = np.indices(shape)
    for dvec in _DIRS:
        length = float(np.linalg.norm(np.array(dvec) @ h))
        nb = idx
        for ax in range(3):
            nb = np.roll(nb, -dvec[ax], axis=ax)
        m = (idx >= 0) & (nb >= 0)
        a, b = idx[m], nb[m]
        c_ax = coords[axis][m]
        step = dvec[axis]
        if step == 1:  # a at n-1 -> b at 0 crosses forward
            cross = c_ax == shape[axis] - 1
            b = np.where(cross, copy_of[b], b)
        elif step == -1:  # a at 0 -> b at n-1: b crosses forward to a's copy
            cross = c_ax == 0
            a = np.where(cross, copy_of[a], a)
        rows.append(a)
        cols.append(b)
        w.append(np.full(len(a), length))
    rows, cols, w = np.concatenate(rows), np.concatenate(cols), np.concatenate(w)
    ok = (rows >= 0) & (cols >= 0)
    total = n + len(src)
    g = sparse.coo_matrix((w[ok], (rows[ok], cols[ok])), shape=(total, total)).tocsr()
    return g, src, n + np.arange(len(src)), n


def tortuosity(
    grid: DistanceGrid,
    probe_radius: float = DEFAULT_PROBE_RADIUS,
    local: bool = False,
) -> dict:
    """Geometric tortuosity of the accessible network along x, y and z.

    Returns ``{"tortuosity": [tx, ty, tz] (inf when not percolating),
    "percolates": [bool] * 3}``; with ``local=True`` also ``"local"``: an
    (3, nx, ny, nz) array, for each axis the tortuosity of the shortest
    crossing path through each voxel (inf where none passes).
    """
    from scipy.sparse.csgraph import dijkstra

    acc = grid.distances >= probe_radius
    lengths = np.linalg.norm(grid.cell, axis=1)
    out = {"tortuosity": [], "percolates": []}
    fields = np.full((3, *acc.shape), np.inf) if local else None
    for ax in range(3):
        if not acc.any():
            out["tortuosity"].append(float("inf"))
            out["percolates"].append(False)
            continue
        g, src, tgt, n = _crossing_graph(acc, grid.cell, ax)
        if len(src) == 0:
            out["tortuosity"].append(float("inf"))
            out["percolates"].append(False)
            continue
        d_s = dijkstra(g, directed=False, indices=src, min_only=True)
        best = float(d_s[tgt].min())
        tau = best / lengths[ax]
        out["tortuosity"].append(tau)
        out["percolates"].append(bool(np.isfinite(tau)))
        if local and np.isfinite(tau):
            d_t = dijkstra(g, directed=False, indices=tgt, min_only=True)
            f = np.full(acc.shape, np.inf)
            f[acc] = (d_s[:n] + d_t[:n]) / lengths[ax]
            fields[ax] = f
    if local:
        out["local"] = fields
    return out


def __getattr__(name: str):
    """``PoreAnalysis``, ``analyze_pores``, ``pore_info_at`` live in
    :mod:`hcflow.structures.pore_analysis`; reachable from here too."""
    if name in ("PoreAnalysis", "analyze_pores", "pore_info_at"):
        from hcflow.structures import pore_analysis

        return getattr(pore_analysis, name)
    raise AttributeError(name)
