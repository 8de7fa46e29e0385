"""Networks with known answers, and their analytic D.

- Simple cubic lattice, spacing ``a``, one barrier: every site has z = 6
  neighbours and each hop has rate Gamma = nu exp(-Ea/kT), so
  D = z a^2 Gamma / (2 d) = a^2 Gamma (d = 3).
- Random traps on that lattice: a trap site lies ``depth`` below a free site,
  the saddle points are shared, so hops leave a free site at Gamma and a trap
  at Gamma exp(-depth/kT), always to any of the 6 neighbours with equal
  probability. The embedded jump chain is then a simple random walk (it visits
  every site equally often) and only the waiting time depends on the site:
  D = a^2 / <1/Gamma_i> (harmonic mean over sites; exact for any periodic trap
  arrangement) = a^2 Gamma / (1 - c + c exp(depth/kT)) for a trap fraction c.
- A lattice cut into closed clusters (no hop crosses the cell) has long-range
  D = 0; a slab (hops in x and y only) percolates in two directions.
"""

from __future__ import annotations

import numpy as np

from hcflow.kmc.network import KB_EV_PER_K, SiteNetwork

_STEPS = np.array([[1, 0, 0], [-1, 0, 0], [0, 1, 0], [0, -1, 0], [0, 0, 1], [0, 0, -1]])


def cubic_lattice(
    n: int,
    a: float = 3.0,
    barrier_eV: float = 0.3,
    prefactor_per_ps: float = 10.0,
    trap_fraction: float = 0.0,
    trap_depth_eV: float = 0.0,
    axes: tuple[int, ...] = (0, 1, 2),
    seed: int = 0,
) -> SiteNetwork:
    """An n x n x n periodic simple cubic network (hops along ``axes`` only).

    Trap sites (a random ``trap_fraction`` of the sites) have their exit
    barriers raised by ``trap_depth_eV``; hops into a trap are unchanged.
    """
    idx = np.indices((n, n, n)).reshape(3, -1).T
    site_of = {tuple(v): i for i, v in enumerate(idx)}
    rng = np.random.default_rng(seed)
    traps = np.zeros(len(idx), bool)
    traps[rng.permutation(len(idx))[: int(round(trap_fraction * len(idx)))]] = True
    src, tgt, img = [], [], []
    steps = [s for s in _STEPS if any(s[ax] for ax in axes)]
    for i, v in enumerate(idx):
        for s in steps:
            w = v + s
            src.append(i)
            tgt.append(site_of[tuple(w % n)])
            img.append(w // n)
    src = np.array(src)
    barrier = barrier_eV + trap_depth_eV * traps[src]
    return SiteNetwork(
        cell=np.eye(3) * a * n,
        sites=idx * float(a),
        source=src,
        target=np.array(tgt),
        image=np.array(img),
        barrier_eV=barrier,
        prefactor_per_ps=np.full(len(src), float(prefactor_per_ps)),
    )


def isolated_clusters(n: int = 4, a: float = 3.0, block: int = 2) -> SiteNetwork:
    """A cubic lattice whose hops never cross between ``block``-sized cubes."""
    net = cubic_lattice(n, a)
    idx = np.rint(net.sites / a).astype(int)
    cube = idx // block
    keep = np.all(cube[net.source] == cube[net.target], axis=1) & ~np.any(
        net.image, axis=1
    )
    return SiteNetwork(
        cell=net.cell,
        sites=net.sites,
        source=net.source[keep],
        target=net.target[keep],
        image=net.image[keep],
        barrier_eV=net.barrier_eV[keep],
        prefactor_per_ps=net.prefactor_per_ps[keep],
    )


def cubic_D_A2_ps(
    a: float, barrier_eV: float, prefactor_per_ps: float, temperature_K: float
) -> float:
    """D = a^2 nu exp(-Ea / kT) of the simple cubic lattice, A^2/ps."""
    return a**2 * prefactor_per_ps * np.exp(-barrier_eV / (KB_EV_PER_K * temperature_K))


def random_trap_D_A2_ps(
    a: float,
    barrier_eV: float,
    prefactor_per_ps: float,
    temperature_K: float,
    trap_fraction: float,
    trap_depth_eV: float,
) -> float:
    """D = a^2 Gamma / (1 - c + c exp(depth / kT)) of the random-trap lattice."""
    kt = KB_EV_PER_K * temperature_K
    slow = 1 - trap_fraction + trap_fraction * np.exp(trap_depth_eV / kt)
    return cubic_D_A2_ps(a, barrier_eV, prefactor_per_ps, temperature_K) / slow
