"""Connected voids of the accessible space, merged across periodic faces.

Definitions: :mod:`hcflow.structures.pores`. Lengths in A, volumes in A^3.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hcflow.structures.pore_grid import DEFAULT_PROBE_RADIUS, DistanceGrid, grid_points


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
