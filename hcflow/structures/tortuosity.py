"""Geometric tortuosity of the accessible pore network along each cell axis.

Definitions: :mod:`hcflow.structures.pores`.
"""

from __future__ import annotations

import numpy as np

from hcflow.structures.pore_grid import DEFAULT_PROBE_RADIUS, DistanceGrid

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
