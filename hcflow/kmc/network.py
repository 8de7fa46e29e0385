"""The site network: sites in a periodic cell and directed hops between them.

One carrier for every KMC input. A hop ``k`` leaves ``source[k]`` and arrives
at ``target[k]`` shifted by the lattice translation ``image[k]`` (integers), so
its vector is ``sites[target] + image @ cell - sites[source]``. Its rate at
temperature T is ``prefactor_per_ps * exp(-barrier_eV / (kB T))`` (Arrhenius,
transition-state theory). ``barrier_err_eV`` (1 sigma, optional) feeds the
bootstrap interval; ``edge_class`` (optional ints) groups hops that share one
barrier estimate (e.g. all trap exits); ``hop_count`` (optional) is how often
each hop was seen in MD (the bootstrap then redraws its rate).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hcflow.errors import HcflowError

KB_EV_PER_K = 8.617333262e-5  #: Boltzmann constant, eV/K


@dataclass(frozen=True)
class SiteNetwork:
    """Sites (A, Cartesian) in a periodic cell and directed hops between them."""

    cell: np.ndarray  #: (3, 3) rows are the lattice vectors, A
    sites: np.ndarray  #: (n_sites, 3) Cartesian positions, A
    source: np.ndarray  #: (n_hops,) int: site a hop leaves
    target: np.ndarray  #: (n_hops,) int: site it arrives at
    image: np.ndarray  #: (n_hops, 3) int: lattice translation of the arrival
    barrier_eV: np.ndarray  #: (n_hops,) barrier of this directed hop
    prefactor_per_ps: np.ndarray  #: (n_hops,) attempt frequency
    barrier_err_eV: np.ndarray | None = None  #: (n_hops,) 1-sigma, optional
    edge_class: np.ndarray | None = None  #: (n_hops,) int groups, optional
    hop_count: np.ndarray | None = None  #: (n_hops,) times seen in MD, optional

    def __post_init__(self) -> None:
        n, m = len(self.sites), len(self.source)
        shapes = {
            "cell": (np.shape(self.cell), (3, 3)),
            "sites": (np.shape(self.sites), (n, 3)),
            "target": (np.shape(self.target), (m,)),
            "image": (np.shape(self.image), (m, 3)),
            "barrier_eV": (np.shape(self.barrier_eV), (m,)),
            "prefactor_per_ps": (np.shape(self.prefactor_per_ps), (m,)),
        }
        for opt in ("barrier_err_eV", "edge_class", "hop_count"):
            if getattr(self, opt) is not None:
                shapes[opt] = (np.shape(getattr(self, opt)), (m,))
        for name, (got, want) in shapes.items():
            if tuple(got) != want:
                raise HcflowError(f"site network: {name} has shape {got}, not {want}")
        if n == 0:
            raise HcflowError("site network: no sites")
        for name in ("source", "target"):
            idx = np.asarray(getattr(self, name))
            if m and (idx.min() < 0 or idx.max() >= n):
                raise HcflowError(f"site network: {name} index outside 0..{n - 1}")
        if m and not np.all(np.asarray(self.prefactor_per_ps) > 0):
            raise HcflowError("site network: prefactor_per_ps must be > 0")
        if not np.all(np.isfinite(self.barrier_eV)):
            raise HcflowError("site network: barrier_eV must be finite")

    @property
    def n_sites(self) -> int:
        return len(self.sites)

    @property
    def n_hops(self) -> int:
        return len(self.source)

    def rates_per_ps(self, temperature_K: float) -> np.ndarray:
        """Rate of every directed hop at ``temperature_K`` (1/ps)."""
        if not temperature_K > 0:
            raise HcflowError(f"temperature must be > 0 K, got {temperature_K}")
        kt = KB_EV_PER_K * float(temperature_K)
        return np.asarray(self.prefactor_per_ps) * np.exp(
            -np.asarray(self.barrier_eV) / kt
        )

    def hop_vectors(self) -> np.ndarray:
        """(n_hops, 3) displacement of every hop, A."""
        cell = np.asarray(self.cell, float)
        sites = np.asarray(self.sites, float)
        return sites[self.target] + np.asarray(self.image) @ cell - sites[self.source]
