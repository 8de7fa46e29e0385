"""Planted hopping on a periodic cubic lattice of sites (known rates).

Every ion waits an exponential residence (total exit rate ``rate_per_ps``) at
a site, then jumps to one of the 6 neighbours (``a`` A away) over
``transit_ps``; it vibrates with Gaussian noise ``noise`` A per coordinate.
The tracer D of this process is a^2 rate / 6 (A^2/ps): each of the 6 hops
has rate rate/6 and D = a^2 Gamma for the simple cubic lattice. Used to test
the network that :mod:`hcflow.kmc.from_md` builds from trajectories.
"""

from __future__ import annotations

import numpy as np

_STEPS = np.vstack([np.eye(3), -np.eye(3)])


def lattice_hoppers(
    n_ions: int,
    rate_per_ps: float,
    n_frames: int = 2000,
    dt_ps: float = 0.1,
    a: float = 3.0,
    n_cells: int = 4,
    noise: float = 0.15,
    transit_ps: float = 0.2,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """(unwrapped positions (n_frames, n_ions, 3) A, cell (3, 3) A)."""
    rng = np.random.default_rng(seed)
    t = np.arange(n_frames) * dt_ps
    x = np.empty((n_frames, n_ions, 3))
    for i in range(n_ions):
        site = rng.integers(0, n_cells, 3) * a
        hops, now = [], rng.exponential(1 / rate_per_ps)
        while now < t[-1]:
            hops.append(now)
            now += transit_ps + rng.exponential(1 / rate_per_ps)
        steps = _STEPS[rng.integers(0, 6, len(hops))] * a
        path = np.vstack([site, site + np.cumsum(steps, axis=0)])
        idx = np.searchsorted(np.array(hops), t, side="right")
        pos = path[idx].astype(float)
        for k, h in enumerate(hops):  # straight-line transit
            inside = (t > h) & (t < h + transit_ps)
            f = (t[inside] - h) / transit_ps
            pos[inside] = path[k] + f[:, None] * (path[k + 1] - path[k])
        x[:, i] = pos + rng.normal(0, noise, (n_frames, 3))
    return x, np.eye(3) * a * n_cells
