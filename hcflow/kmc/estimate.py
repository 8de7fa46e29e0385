"""D from rejection-free kinetic Monte Carlo on a :class:`SiteNetwork`.

CONTRACT STUB (the kmc-core branch implements it): tracer D of one ion, the
collective D with site exclusion when several ions share the network, each
with a bootstrap interval over edges and barrier uncertainty.
"""

from __future__ import annotations

from dataclasses import dataclass

from hcflow.kmc.network import SiteNetwork


@dataclass(frozen=True)
class KMCEstimate:
    """KMC transport at one temperature (D in cm2/s; intervals at ``confidence``)."""

    temperature_K: float
    n_ions: int
    tracer_D_cm2_s: float
    tracer_D_interval_cm2_s: tuple[float, float]
    collective_D_cm2_s: float | None
    collective_D_interval_cm2_s: tuple[float, float] | None
    percolates: bool
    percolating_directions: tuple[bool, bool, bool]
    n_hops: int
    simulated_time_ps: float
    confidence: float
    note: str  #: plain words, e.g. "network does not percolate: long-range D = 0"


def kmc_diffusion(
    network: SiteNetwork,
    temperature_K: float,
    *,
    n_ions: int = 1,
    n_hops: int = 100_000,
    n_bootstrap: int = 50,
    confidence: float = 0.95,
    seed: int = 0,
) -> KMCEstimate:
    """Tracer (and collective, n_ions > 1) D by BKL KMC at ``temperature_K``."""
    raise NotImplementedError("kmc_diffusion: implemented on the kmc-core branch")
