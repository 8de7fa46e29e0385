"""Rejection-free kinetic Monte Carlo (BKL / Gillespie) on a site network.

Two engines, both on unwrapped displacements (each hop adds its vector, images
included) and the exact residence-time clock (exponential waiting times):

- :func:`tracer_walk`: independent ions (no exclusion), vectorised over
  walkers: every numpy step moves every walker by one hop, each on its own
  clock. D = sum |r|^2 / (6 sum t) over walkers (a ratio estimator), and its
  sampling error from the spread over walker batches.
- :func:`exclusion_walk`: several ions that cannot share a site; each event
  picks an ion by its allowed rate (hops into empty sites) and then the hop;
  the allowed rates of the ions next to the two sites that changed are
  updated. The run is cut into time blocks; tracer and collective D per block
  are ``sum_i |dr_i|^2 / (6 N tau)`` and ``|sum_i dr_i|^2 / (6 N tau)``.

Rates in 1/ps, lengths in A, D in A^2/ps (x 1e-4 = cm2/s).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from hcflow.errors import HcflowError


@dataclass(frozen=True)
class HopTable:
    """Outgoing hops grouped by source site (CSR layout) for fast sampling."""

    start: np.ndarray  #: (n_sites + 1,) first hop of each site in ``order``
    order: np.ndarray  #: hop indices sorted by source
    cum: np.ndarray  #: cumulative rates along ``order`` (over all sites)
    base: np.ndarray  #: (n_sites,) ``cum`` just before each site's first hop
    total: np.ndarray  #: (n_sites,) total outgoing rate
    target: np.ndarray  #: (n_hops,) arrival site
    vector: np.ndarray  #: (n_hops, 3) displacement, A
    rate: np.ndarray  #: (n_hops,) 1/ps


def hop_table(source, target, vector, rate, n_sites: int) -> HopTable:
    """Group hops by source; sites without a hop have total rate 0."""
    source = np.asarray(source, int)
    order = np.argsort(source, kind="stable")
    counts = np.bincount(source, minlength=n_sites)
    start = np.concatenate([[0], np.cumsum(counts)])
    cum = np.cumsum(np.asarray(rate, float)[order])
    edge = np.concatenate([[0.0], cum])
    base = edge[start[:-1]]
    total = edge[start[1:]] - base
    return HopTable(
        start,
        order,
        cum,
        base,
        total,
        np.asarray(target, int),
        np.asarray(vector, float),
        np.asarray(rate, float),
    )


def _pick(table: HopTable, sites: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Hop index leaving each of ``sites`` for uniform numbers ``u`` in [0, 1)."""
    x = table.base[sites] + u * table.total[sites]
    i = np.searchsorted(table.cum, x, side="right")
    i = np.clip(i, table.start[sites], table.start[sites + 1] - 1)
    return table.order[i]


def tracer_walk(
    table: HopTable,
    starts: np.ndarray,
    n_steps: int,
    rng: np.random.Generator,
    burn_in: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Independent walkers from ``starts``: (displacement (W, 3), time (W,)).

    ``burn_in`` hops are made first and then forgotten (the walkers reach the
    stationary occupation of the network before the clock starts).
    """
    pos = np.asarray(starts, int).copy()
    if np.any(table.total[pos] <= 0):
        raise HcflowError("KMC: a walker starts on a site without an outgoing hop")
    disp = np.zeros((len(pos), 3))
    time = np.zeros(len(pos))
    for step in range(burn_in + n_steps):
        if step == burn_in:
            disp[:], time[:] = 0.0, 0.0
        k = _pick(table, pos, rng.random(len(pos)))
        time -= np.log1p(-rng.random(len(pos))) / table.total[pos]
        disp += table.vector[k]
        pos = table.target[k]
    return disp, time


def tracer_D(disp: np.ndarray, time: np.ndarray, batches: int = 20):
    """(D, standard error) in A^2/ps from independent walkers (3D)."""
    d = float((disp**2).sum() / (6.0 * time.sum()))
    b = max(2, min(batches, len(time)))
    parts = np.array_split(np.arange(len(time)), b)
    per = [(disp[p] ** 2).sum() / (6.0 * time[p].sum()) for p in parts]
    return d, float(np.std(per, ddof=1) / np.sqrt(b))


def exclusion_walk(
    table: HopTable,
    starts: np.ndarray,
    n_events: int,
    rng: np.random.Generator,
    n_blocks: int = 20,
) -> dict:
    """Ions with site exclusion from sites ``starts`` (distinct): D per block.

    Returns ``tracer`` and ``collective`` (arrays of per-block D, A^2/ps), the
    number of hops made, the simulated time (ps) and the final ``sites``.
    Plain Python lists in the event loop: the arrays per site are a few hops
    long, where numpy's call overhead dominates.
    """
    pos = [int(p) for p in starts]
    n_sites = len(table.total)
    if len(set(pos)) != len(pos):
        raise HcflowError("KMC: two ions start on one site")
    occ = [-1] * n_sites
    for m, p in enumerate(pos):
        occ[p] = m
    out = []  # per site: [(hop, target, rate), ...]
    incoming: list[set[int]] = [set() for _ in range(n_sites)]
    for site in range(n_sites):
        hops = table.order[table.start[site] : table.start[site + 1]]
        out.append([(int(k), int(table.target[k]), float(table.rate[k])) for k in hops])
        for _, t, _ in out[-1]:
            incoming[t].add(site)

    def allowed(site: int) -> float:
        return sum(r for _, t, r in out[site] if occ[t] < 0)

    a = [allowed(p) for p in pos]
    n = len(pos)
    disp = np.zeros((n, 3))
    block_len = max(1, n_events // n_blocks)
    tracer, collective = [], []
    t, t_block, d_block = 0.0, 0.0, disp.copy()
    u = rng.random((n_events, 3)).tolist()
    vec = table.vector
    for e in range(n_events):
        u0, u1, u2 = u[e]
        total = sum(a)
        if total <= 0:
            raise HcflowError("KMC: every ion is blocked (the network is full)")
        t -= math.log1p(-u0) / total
        x, m = u1 * total, 0
        while m < n - 1 and x >= a[m]:
            x -= a[m]
            m += 1
        s = pos[m]
        x, choice = u2 * a[m], None
        for k, tgt, r in out[s]:
            if occ[tgt] < 0:
                choice = (k, tgt)
                if x < r:
                    break
                x -= r
        k, new = choice
        occ[s], occ[new], pos[m] = -1, m, new
        disp[m] += vec[k]
        for site in incoming[s] | incoming[new] | {s, new}:
            ion = occ[site]
            if ion >= 0:
                a[ion] = allowed(site)
        if (e + 1) % block_len == 0:
            dr, tau = disp - d_block, t - t_block
            tracer.append((dr**2).sum() / (6 * n * tau))
            collective.append((dr.sum(axis=0) ** 2).sum() / (6 * n * tau))
            t_block, d_block = t, disp.copy()
    return {
        "tracer": np.array(tracer),
        "collective": np.array(collective),
        "n_hops": n_events,
        "time_ps": t,
        "sites": np.array(pos),
    }
