"""Connectivity of a periodic site network: components and percolation.

A component *percolates* along a lattice translation when a closed loop of
hops inside it carries that translation (the loop leaves a site and comes back
to one of its periodic images). The breadth-first search gives every site of a
component an image offset; each hop that closes a loop adds the vector
``offset[source] + image - offset[target]``. The rank of those vectors is the
dimension of the percolation (0 = closed cluster, 3 = bulk); the axes with a
non-zero component are the directions an ion can travel without limit.
Components are strongly connected (every site reachable from every other
following the hop directions), as KMC needs.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from hcflow.kmc.network import SiteNetwork

AXES = ("x", "y", "z")


@dataclass(frozen=True)
class Component:
    """One strongly connected component of a network."""

    sites: np.ndarray  #: site indices
    dimension: int  #: rank of the loop translations (0-3)
    directions: tuple[bool, bool, bool]  #: axes with unbounded travel
    translations: np.ndarray  #: (k, 3) int basis of the loop translations

    @property
    def percolates(self) -> bool:
        return self.dimension > 0

    def direction_text(self) -> str:
        axes = [a for a, d in zip(AXES, self.directions, strict=True) if d]
        return ", ".join(axes) if axes else "none"


def strong_components(network: SiteNetwork) -> np.ndarray:
    """Label of the strongly connected component of every site."""
    n = network.n_sites
    adj = coo_matrix(
        (np.ones(network.n_hops), (network.source, network.target)), shape=(n, n)
    )
    return connected_components(adj, directed=True, connection="strong")[1]


def _basis(vectors: list[np.ndarray]) -> np.ndarray:
    """A row basis (integer rows kept as given) of the loop translations."""
    basis: list[np.ndarray] = []
    for v in vectors:
        trial = np.array(basis + [v], float)
        if np.linalg.matrix_rank(trial) > len(basis):
            basis.append(v)
        if len(basis) == 3:
            break
    return np.array(basis, int).reshape(-1, 3)


def components(network: SiteNetwork) -> list[Component]:
    """Every strongly connected component with its percolation, largest first."""
    labels = strong_components(network)
    src, tgt = np.asarray(network.source), np.asarray(network.target)
    img = np.asarray(network.image, int)
    internal = labels[src] == labels[tgt]
    out_hops: dict[int, list[int]] = {}
    for k in np.flatnonzero(internal):
        out_hops.setdefault(int(src[k]), []).append(int(k))
    offset = np.zeros((network.n_sites, 3), int)
    seen = np.zeros(network.n_sites, bool)
    result = []
    for label in np.unique(labels):
        members = np.flatnonzero(labels == label)
        root = int(members[0])
        seen[root], loops = True, []
        queue = deque([root])
        while queue:
            i = queue.popleft()
            for k in out_hops.get(i, []):
                j = int(tgt[k])
                if not seen[j]:
                    seen[j], offset[j] = True, offset[i] + img[k]
                    queue.append(j)
                else:
                    t = offset[i] + img[k] - offset[j]
                    if t.any():
                        loops.append(t)
        basis = _basis(loops)
        dirs = tuple(bool(basis[:, a].any()) if len(basis) else False for a in range(3))
        result.append(Component(members, len(basis), dirs, basis))
    return sorted(result, key=lambda c: (-c.dimension, -len(c.sites)))


def percolating_component(network: SiteNetwork) -> Component | None:
    """The largest percolating component (highest dimension first), or None."""
    best = components(network)[0] if network.n_hops else None
    return best if best is not None and best.percolates else None
