"""D from rejection-free kinetic Monte Carlo on a :class:`SiteNetwork`.

:func:`kmc_diffusion` first finds the largest percolating strongly connected
component (:mod:`hcflow.kmc.percolation`); a network without one has
long-range D = 0, said in ``note``. One ion: independent walkers
(:func:`hcflow.kmc.bkl.tracer_walk`). Several ions: site exclusion
(:func:`hcflow.kmc.bkl.exclusion_walk`), tracer D and the collective (jump,
centre-of-mass) D; for the simple lattice gas the collective D is D0 (1 - c)
and the chemical D (collective x thermodynamic factor 1/(1 - c)) is D0.
The interval is the percentile range of bootstrap replicates: every replicate
redraws the barriers (N(barrier, barrier_err) once per edge class, by default
per hop pair i<->j) and, with ``resample_edges``, the rates: a hop seen n
times in MD (both ways) gets its rates times Gamma(n, 1)/n; without counts
every hop pair is weighted by a Poisson(1) count (a pair drawn 0 times is
removed). The nominal run's own sampling error widens it. Known answers:
tests/kmc/test_kmc.py, docs/kmc.md.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import norm

from hcflow.errors import HcflowError
from hcflow.kmc.bkl import exclusion_walk, hop_table, tracer_D, tracer_walk
from hcflow.kmc.network import SiteNetwork
from hcflow.kmc.percolation import percolating_component

A2PS_TO_CM2S = 1e-4  #: 1 A^2/ps in cm2/s


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
    resample_edges: bool = True,
    progress: bool = False,
) -> KMCEstimate:
    """Tracer (and collective, n_ions > 1) D by BKL KMC at ``temperature_K``.

    Parameters
    ----------
    network
        Sites and directed hops with barriers and prefactors.
    temperature_K
        Temperature of the rates.
    n_ions
        1: independent tracers; more: that many ions with site exclusion on
        the percolating component.
    n_hops
        Hops of the nominal run (each bootstrap replicate makes a tenth, at
        least 10,000).
    n_bootstrap, confidence, seed
        Replicates, interval level and random seed.
    resample_edges
        Bootstrap over hop pairs (right for networks observed in MD; off for
        a lattice that is known exactly).
    progress
        A tqdm bar over the replicates.
    """
    _check(network, temperature_K, n_ions, n_hops, confidence)
    comp = percolating_component(network)
    if comp is None:
        rate = float(network.rates_per_ps(temperature_K).mean())
        return _no_percolation(temperature_K, n_ions, confidence, rate)
    if n_ions > len(comp.sites):
        raise HcflowError(
            f"KMC: {n_ions} ions do not fit the {len(comp.sites)} sites of the "
            "percolating component"
        )
    rng = np.random.default_rng(seed)
    nominal = _run(network, comp.sites, temperature_K, n_ions, n_hops, rng)
    pairs = pair_ids(network)
    classes = pairs if network.edge_class is None else np.asarray(network.edge_class)
    boot: list[tuple[float, float | None]] = []
    if network.barrier_err_eV is None and not resample_edges:
        n_bootstrap = 0  # nothing to resample: the interval is the sampling error
    steps = range(n_bootstrap)
    if progress:
        from tqdm.auto import tqdm

        steps = tqdm(steps, desc=f"KMC bootstrap {temperature_K:g} K", unit="rep")
    for _ in steps:
        net = _replicate(network, pairs, classes, resample_edges, rng)
        c = percolating_component(net)
        if c is None or n_ions > len(c.sites):
            boot.append((0.0, 0.0 if n_ions > 1 else None))
            continue
        boot.append(
            _run(net, c.sites, temperature_K, n_ions, max(n_hops // 10, 10_000), rng)[
                :2
            ]
        )
    return _estimate(temperature_K, n_ions, confidence, comp, nominal, boot)


def pair_ids(network: SiteNetwork) -> np.ndarray:
    """One id per hop pair: i->j (image I) and j->i (image -I) share it."""
    s, t = np.asarray(network.source), np.asarray(network.target)
    img = np.asarray(network.image, int)
    flip = (s > t) | ((s == t) & (_lex_negative(img)))
    a, b = np.where(flip, t, s), np.where(flip, s, t)
    im = np.where(flip[:, None], -img, img)
    key = np.column_stack([a, b, im])
    return np.unique(key, axis=0, return_inverse=True)[1].ravel()


def _lex_negative(img: np.ndarray) -> np.ndarray:
    """True where the first non-zero component of an image is negative."""
    out = np.zeros(len(img), bool)
    done = np.zeros(len(img), bool)
    for ax in range(3):
        v = img[:, ax]
        out |= ~done & (v < 0)
        done |= v != 0
    return out


def _check(network, temperature_K, n_ions, n_hops, confidence) -> None:
    if network.n_hops == 0:
        raise HcflowError(
            "KMC: the network has no hops (no hop was seen in MD: the MD D is "
            "an upper bound, KMC cannot say more)"
        )
    if not temperature_K > 0:
        raise HcflowError(f"KMC: temperature must be > 0 K, got {temperature_K}")
    if n_ions < 1 or n_hops < 1:
        raise HcflowError("KMC: n_ions and n_hops must be >= 1")
    if not 0 < confidence < 1:
        raise HcflowError(f"KMC: confidence must be in (0, 1), got {confidence}")


def _run(network, sites, temperature_K, n_ions, n_hops, rng):
    """(tracer D, collective D or None, its standard errors, hops, time) A^2/ps."""
    table = hop_table(
        network.source,
        network.target,
        network.hop_vectors(),
        network.rates_per_ps(temperature_K),
        network.n_sites,
    )
    if n_ions == 1:
        # the spread of |r|^2 over walkers sets the error: many short walkers
        walkers = int(np.clip(n_hops // 200, 10, 5000))
        steps = max(1, n_hops // walkers)
        starts = rng.choice(sites, walkers)
        disp, time = tracer_walk(table, starts, steps, rng, burn_in=steps // 5)
        d, se = tracer_D(disp, time)
        return d, None, se, None, walkers * steps, float(time.mean())
    starts = rng.choice(sites, n_ions, replace=False)
    warm = exclusion_walk(table, starts, max(n_hops // 5, 1), rng, n_blocks=1)
    blocks = int(np.clip(n_hops // (100 * n_ions), 10, 200))
    r = exclusion_walk(table, warm["sites"], n_hops, rng, n_blocks=blocks)
    b = len(r["tracer"])
    se = [float(np.std(r[k], ddof=1) / np.sqrt(b)) for k in ("tracer", "collective")]
    return (
        float(r["tracer"].mean()),
        float(r["collective"].mean()),
        se[0],
        se[1],
        r["n_hops"],
        r["time_ps"],
    )


def _replicate(network, pairs, classes, resample_edges, rng) -> SiteNetwork:
    barrier = np.asarray(network.barrier_eV, float).copy()
    if network.barrier_err_eV is not None:
        _, inv = np.unique(classes, return_inverse=True)
        err = np.asarray(network.barrier_err_eV, float)
        barrier = barrier + rng.standard_normal(inv.max() + 1)[inv.ravel()] * err
    keep = np.ones(network.n_hops, bool)
    prefactor = np.asarray(network.prefactor_per_ps, float).copy()
    if resample_edges and network.hop_count is not None:
        n = np.maximum(np.bincount(pairs, np.asarray(network.hop_count, float)), 1)
        prefactor = prefactor * (rng.gamma(n) / n)[pairs]  # a Poisson count's rate
    elif resample_edges:
        w = rng.poisson(1.0, pairs.max() + 1)[pairs]
        keep = w > 0
        prefactor = prefactor * w
    return SiteNetwork(
        cell=network.cell,
        sites=network.sites,
        source=np.asarray(network.source)[keep],
        target=np.asarray(network.target)[keep],
        image=np.asarray(network.image)[keep],
        barrier_eV=barrier[keep],
        prefactor_per_ps=prefactor[keep],
    )


def _interval(nominal: float, se: float, values, confidence: float):
    z = float(norm.ppf(0.5 + confidence / 2))
    lo, hi = nominal - z * se, nominal + z * se
    if len(values):
        q = np.quantile(values, [(1 - confidence) / 2, (1 + confidence) / 2])
        lo, hi = min(lo, q[0]), max(hi, q[1])
    return (max(lo, 0.0) * A2PS_TO_CM2S, hi * A2PS_TO_CM2S)


def _estimate(temperature_K, n_ions, confidence, comp, nominal, boot) -> KMCEstimate:
    d, dc, se, sec, hops, time = nominal
    tracer = _interval(d, se, [b[0] for b in boot], confidence)
    coll = None
    if dc is not None:
        coll = _interval(dc, sec, [b[1] for b in boot if b[1] is not None], confidence)
    lost = sum(1 for b in boot if b[0] == 0.0)
    note = f"percolates along {comp.direction_text()} ({len(comp.sites)} sites)"
    if lost:
        note += f"; {lost} of {len(boot)} bootstrap networks did not percolate"
    return KMCEstimate(
        temperature_K=float(temperature_K),
        n_ions=n_ions,
        tracer_D_cm2_s=d * A2PS_TO_CM2S,
        tracer_D_interval_cm2_s=tracer,
        collective_D_cm2_s=None if dc is None else dc * A2PS_TO_CM2S,
        collective_D_interval_cm2_s=coll,
        percolates=True,
        percolating_directions=comp.directions,
        n_hops=int(hops),
        simulated_time_ps=float(time),
        confidence=confidence,
        note=note,
    )


def _no_percolation(temperature_K, n_ions, confidence, rate) -> KMCEstimate:
    return KMCEstimate(
        temperature_K=float(temperature_K),
        n_ions=n_ions,
        tracer_D_cm2_s=0.0,
        tracer_D_interval_cm2_s=(0.0, 0.0),
        collective_D_cm2_s=0.0 if n_ions > 1 else None,
        collective_D_interval_cm2_s=(0.0, 0.0) if n_ions > 1 else None,
        percolates=False,
        percolating_directions=(False, False, False),
        n_hops=0,
        simulated_time_ps=0.0,
        confidence=confidence,
        note=(
            "network does not percolate: long-range D = 0 (ions hop locally at "
            f"{rate:.3g} /ps on average)"
        ),
    )
