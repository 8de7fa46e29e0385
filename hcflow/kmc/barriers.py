"""Barriers from MD hop rates, and the SiteNetwork KMC runs on.

At one MD temperature the network is the observed one with each edge's rate
(:meth:`ObservedNetwork.rates_per_ps`, detailed balance) as its prefactor
and a zero barrier. Across temperatures the barrier comes from the exit rate
of the source site, the maximum-likelihood rate for residences truncated at
the dwell window (exits / time beyond the dwell), which stays unbiased when
the detector merges hops, unlike the visible edge rates: ln k(T) = ln nu -
Ea / kT with Poisson weights (var ln k = 1 / exits), Ea with its standard
error (scaled by the reduced chi2 when above 1). Sites with enough exits get
their own fit (classes = source sites), the others the pooled one. Every
edge's rate pools its hops over the temperatures: its exposure at T counts
as exposure at the highest temperature times k(T)/k(T_ref). Temperatures
where the mean residence is under two dwell windows are left out
(:func:`resolved_temperatures`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hcflow.errors import HcflowError
from hcflow.kmc.from_md import ObservedNetwork
from hcflow.kmc.network import KB_EV_PER_K, SiteNetwork


@dataclass(frozen=True)
class ClassFit:
    """Arrhenius fit of one edge class (or all edges pooled: ``label`` 'all')."""

    label: str
    barrier_eV: float
    barrier_err_eV: float
    prefactor_per_ps: float
    temperatures_K: tuple[float, ...]
    hops: tuple[int, ...]


NO_SITES = (
    "no sites: the ions never stay within the site radius for the dwell "
    "window (a fluid or free flight), so there is no network and KMC does not "
    "apply; the MD D stands"
)


def network_at(obs: ObservedNetwork, temperature_K: float) -> SiteNetwork:
    """The observed edges at one MD temperature, each at its MD rate."""
    if len(obs.sites) == 0:
        raise HcflowError(NO_SITES)
    r = obs.rates_per_ps(temperature_K)
    keep = r > 0
    if not keep.any():
        raise HcflowError(
            f"no hop seen at {temperature_K:g} K: the MD D there is an upper bound"
        )
    return SiteNetwork(
        cell=obs.cell,
        sites=obs.sites,
        source=obs.source[keep],
        target=obs.target[keep],
        image=obs.image[keep],
        barrier_eV=np.zeros(int(keep.sum())),
        prefactor_per_ps=r[keep],
        hop_count=0.5 * obs.pair_counts(temperature_K)[keep],
    )


def _fit(label, counts, exposure, temps) -> ClassFit | None:
    ok = (counts > 0) & (exposure > 0)
    if ok.sum() < 2:
        return None
    x = -1.0 / (KB_EV_PER_K * temps[ok])
    y = np.log(counts[ok] / exposure[ok])
    w = counts[ok].astype(float)
    a = np.vstack([np.ones_like(x), x]).T
    cov = np.linalg.inv(a.T @ (a * w[:, None]))
    coef = cov @ (a.T @ (w * y))
    resid = y - a @ coef
    dof = ok.sum() - 2
    scale = max(1.0, float(w @ resid**2) / dof) if dof > 0 else 1.0
    return ClassFit(
        label,
        float(coef[1]),
        float(np.sqrt(cov[1, 1] * scale)),
        float(np.exp(coef[0])),
        tuple(float(t) for t in temps[ok]),
        tuple(int(c) for c in counts[ok]),
    )


def resolved_temperatures(obs: ObservedNetwork, factor: float = 2.0) -> list[float]:
    """MD temperatures whose mean residence (1 / exit-rate MLE) is at least
    ``factor`` dwell windows: above that the detector merges most hops and
    the visible rates stop following the true ones."""
    return [
        t
        for t in obs.temperatures
        if obs.exit_rate_per_ps(t) * factor * obs.dwell_ps <= 1.0
    ]


def arrhenius_network(
    obs: ObservedNetwork, min_exits: int = 20
) -> tuple[SiteNetwork, list[ClassFit]]:
    """A network valid at any temperature, and the fits behind it.

    Classes are source sites: a site with at least ``min_exits`` exits at two
    or more resolved temperatures whose barrier differs from the pooled one
    by more than three times their combined error gets its own exit barrier (a trap
    is a site with a high one); the others share the pooled fit (``all``).
    """
    if len(obs.sites) == 0:
        raise HcflowError(NO_SITES)
    if len(obs.source) == 0:
        raise HcflowError("no hop seen in MD: the MD D is an upper bound")
    temps = np.array(resolved_temperatures(obs), float)
    exits = np.array([obs.exits[t] for t in temps])  # (n_T, n_sites)
    beyond = np.array([obs.beyond_dwell_ps[t] for t in temps])
    pooled = _fit("all", exits.sum(1), beyond.sum(1), temps)
    if pooled is None:
        raise HcflowError(
            "barriers need hops at two or more MD temperatures where the "
            f"detector resolves residences; {len(temps)} of "
            f"{len(obs.temperatures)} qualify (use KMC at an MD temperature, "
            "or NEB barriers)"
        )
    fits, site_fit = [pooled], {}
    for site in range(len(obs.sites)):
        if (exits[:, site] >= min_exits).sum() >= 2:
            f = _fit(f"site {site}", exits[:, site], beyond[:, site], temps)
            gap = abs(f.barrier_eV - pooled.barrier_eV) if f else 0.0
            if f is not None and gap > 3 * np.hypot(
                f.barrier_err_eV, pooled.barrier_err_eV
            ):
                site_fit[site] = f
                fits.append(f)
    src = obs.source
    fit_of = [site_fit.get(int(s), pooled) for s in src]
    barrier = np.array([f.barrier_eV for f in fit_of])
    err = np.array([f.barrier_err_eV for f in fit_of])
    classes = np.array([int(s) if int(s) in site_fit else -1 for s in src])
    # each edge's rate at the highest temperature from its hops at every
    # resolved temperature: exposure at T counts as exposure at T_ref times
    # k(T) / k(T_ref) (the edge's own barrier), so sparse samples at several
    # temperatures pool into one rate instead of adding up
    t_ref = float(temps.max())
    counts = np.array([0.5 * obs.pair_counts(t) for t in temps])  # (n_T, n_edges)
    exposure = np.array([obs.exposure_ps[t][src] for t in temps])
    boltz = np.exp(-barrier[None, :] / KB_EV_PER_K * (1 / temps[:, None] - 1 / t_ref))
    hops = counts.sum(0)
    effective = (exposure * boltz).sum(0)
    seen = (hops > 0) & (effective > 0)
    rate_ref = np.where(seen, hops / np.where(effective > 0, effective, 1.0), 0.0)
    prefactor = rate_ref * np.exp(barrier / (KB_EV_PER_K * t_ref))
    net = SiteNetwork(
        cell=obs.cell,
        sites=obs.sites,
        source=src[seen],
        target=obs.target[seen],
        image=obs.image[seen],
        barrier_eV=barrier[seen],
        prefactor_per_ps=prefactor[seen],
        barrier_err_eV=err[seen],
        edge_class=classes[seen],
        hop_count=hops[seen],
    )
    return net, fits
