"""The site network one system's MD shows: sites, observed hops, rates.

Per trajectory (one temperature) the ions' smoothed unwrapped positions give
visits (:func:`hcflow.descriptors.sites.ion_sites`); the centre of a visit is
the median position over it. Visit centres of all runs are wrapped into the
cell and grouped (leader clustering, minimum image, ``cluster_A``) into
sites. Two consecutive visits of an ion joined by a transit of at most
``hop_max_transit_ps`` are a hop: an edge (source, target, lattice image).

Rates account for what the detector cannot see. A residence shorter than
the dwell window tau_d is never a visit: the ion seems to go straight from
one visit to the next, and that transition is the edge (its vector and the
time in between are those the ion really took). So every transition between
consecutive visits is a hop, and the exposure of a site is the time of its
visits plus the gaps after them: the KMC walk then reproduces the MD one,
merged hops included (a network of detected nearest-neighbour hops with
their naive rates gives D about 30 % low). The exit rate of a site is also
given by maximum likelihood for residences truncated at tau_d (exits /
sum(duration - tau_d)); the naive exits / sum(duration) is k / (1 + k tau_d).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from hcflow.descriptors.sites import (
    SiteParams,
    ion_sites,
    localized_frames,
    moving_average,
)
from hcflow.errors import HcflowError


@dataclass(frozen=True)
class IonRun:
    """Mobile-ion positions of one MD run of one system."""

    x: np.ndarray  #: (n_frames, n_ions, 3) unwrapped positions, A
    dt_ps: float  #: frame interval
    cell: np.ndarray  #: (3, 3) A
    temperature_K: float
    system: str  #: the host's identity (runs of different systems are refused)
    task_id: str = ""


@dataclass
class ObservedNetwork:
    """Sites and directed edges seen in MD, with counts per temperature."""

    cell: np.ndarray
    sites: np.ndarray  #: (n_sites, 3) wrapped positions, A
    source: np.ndarray  #: (n_edges,)
    target: np.ndarray
    image: np.ndarray  #: (n_edges, 3) int
    temperatures: list[float]
    counts: dict[float, np.ndarray] = field(default_factory=dict)  #: per edge
    exposure_ps: dict[float, np.ndarray] = field(default_factory=dict)  #: per site
    residence_ps: dict[float, np.ndarray] = field(default_factory=dict)
    beyond_dwell_ps: dict[float, np.ndarray] = field(default_factory=dict)
    exits: dict[float, np.ndarray] = field(default_factory=dict)  #: per site
    long_transits: dict[float, int] = field(default_factory=dict)
    dwell_ps: float = 0.0
    system: str = ""
    task_ids: list[str] = field(default_factory=list)

    @property
    def reverse(self) -> np.ndarray:
        """Index of the reverse of every edge (every edge has one)."""
        key = {
            (int(a), int(b), tuple(int(v) for v in i)): k
            for k, (a, b, i) in enumerate(
                zip(self.source, self.target, self.image, strict=True)
            )
        }
        return np.array(
            [
                key[(int(b), int(a), tuple(-int(v) for v in i))]
                for a, b, i in zip(self.source, self.target, self.image, strict=True)
            ],
            int,
        )

    def pair_counts(self, temperature_K: float) -> np.ndarray:
        """Hops a->b plus b->a of every edge's pair at an MD temperature."""
        t = float(temperature_K)
        if t not in self.counts:
            raise HcflowError(f"no MD run at {t:g} K in this network")
        return self.counts[t] + self.counts[t][self.reverse]

    def rates_per_ps(self, temperature_K: float) -> np.ndarray:
        """Rate of every edge at an MD temperature, with detailed balance.

        k_ab = (n_ab + n_ba) / (2 E_a) (E: exposure): the flux between two
        sites is the same both ways, as at equilibrium; raw directed counts
        of a finite run carry net currents around the periodic cell that
        make a KMC walk drift.
        """
        n = self.pair_counts(temperature_K)
        exposure = self.exposure_ps[float(temperature_K)][self.source]
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(exposure > 0, 0.5 * n / exposure, 0.0)

    def exit_rate_per_ps(self, temperature_K: float) -> float:
        """Exit rate of all sites pooled: truncated-exponential MLE, 1/ps."""
        t = float(temperature_K)
        beyond = self.beyond_dwell_ps[t].sum()
        return float(self.exits[t].sum() / beyond) if beyond > 0 else float("nan")

    def hop_lengths(self) -> np.ndarray:
        return np.linalg.norm(
            self.sites[self.target] + self.image @ self.cell - self.sites[self.source],
            axis=1,
        )


def _visits(x: np.ndarray, dt: float, params: SiteParams):
    """Per ion: list of (start frame, end frame, centre) of its visits."""
    smooth, _, _ = params.frames(dt)
    y = moving_average(x, smooth)
    loc = localized_frames(y, dt, params)
    out = []
    for i in range(x.shape[1]):
        s = ion_sites(y[:, i], loc[:, i], dt, params)
        vis = []
        for start, end, _ in s.visits:
            a, b = int(round(start / dt)), int(round(end / dt))
            vis.append((a, b, np.median(y[a : b + 1, i], axis=0)))
        out.append(vis)
    return out


def _mic(d: np.ndarray, cell: np.ndarray, inv: np.ndarray) -> np.ndarray:
    f = d @ inv
    return (f - np.round(f)) @ cell


def _assign(centre, sites: list, cell, inv, cut: float) -> int:
    """Index of the site within ``cut`` of a wrapped centre (new if none)."""
    if sites:
        d = np.linalg.norm(_mic(np.array(sites) - centre, cell, inv), axis=1)
        k = int(np.argmin(d))
        if d[k] <= cut:
            return k
    sites.append(centre)
    return len(sites) - 1


def _check_runs(runs: list[IonRun]) -> None:
    if not runs:
        raise HcflowError("site network: no trajectories")
    systems = {r.system for r in runs}
    if len(systems) > 1:
        raise HcflowError(
            "site network: trajectories of different systems "
            f"({', '.join(sorted(systems))}): build one network per system"
        )
    cell = np.asarray(runs[0].cell, float)
    if any(not np.allclose(r.cell, cell, atol=1e-3) for r in runs):
        raise HcflowError("site network: trajectories with different cells")


def observe_network(
    runs: list[IonRun], params: SiteParams | None = None, cluster_A: float = 1.0
) -> ObservedNetwork:
    """Sites, edges and per-temperature counts and exposures of one system."""
    _check_runs(runs)
    params = params or SiteParams()
    cell = np.asarray(runs[0].cell, float)
    inv = np.linalg.inv(cell)
    sites: list[np.ndarray] = []
    per_run = []
    for run in runs:
        visits = _visits(np.asarray(run.x, float), run.dt_ps, params)
        labelled = []
        for vis in visits:
            lab = []
            for a, b, c in vis:
                wrapped = (c @ inv % 1.0) @ cell
                lab.append((a, b, c, _assign(wrapped, sites, cell, inv, cluster_A)))
            labelled.append(lab)
        per_run.append(labelled)
    site_arr = np.array(sites).reshape(-1, 3)
    n = len(site_arr)
    edges: dict[tuple, int] = {}
    temps = sorted({float(r.temperature_K) for r in runs})
    obs = ObservedNetwork(
        cell, site_arr, *(np.zeros(0, int),) * 2, np.zeros((0, 3), int), temps
    )
    hop_list = []
    for run, labelled in zip(runs, per_run, strict=True):
        t = float(run.temperature_K)
        _, _, transit = params.frames(run.dt_ps)
        for key in ("exposure_ps", "residence_ps", "beyond_dwell_ps", "exits"):
            getattr(obs, key).setdefault(t, np.zeros(n))
        obs.long_transits.setdefault(t, 0)
        for lab in labelled:
            for k, (a, b, c, s) in enumerate(lab):
                dur = (b - a) * run.dt_ps
                obs.residence_ps[t][s] += dur
                obs.beyond_dwell_ps[t][s] += max(dur - params.site_dwell_ps, 0.0)
                obs.exposure_ps[t][s] += dur
                if k + 1 == len(lab):
                    continue  # the last visit is censored: no exit seen
                obs.exits[t][s] += 1
                a2, _, c2, s2 = lab[k + 1]
                obs.exposure_ps[t][s] += (a2 - b) * run.dt_ps
                obs.long_transits[t] += int(a2 - b > transit)
                shift = site_arr[s] + (c2 - c) - site_arr[s2]
                img = tuple(int(v) for v in np.round(shift @ inv))
                if s2 == s and not any(img):
                    continue
                e = edges.setdefault((s, s2, img), len(edges))
                hop_list.append((t, e))
    if not edges:
        obs.counts = {t: np.zeros(0, int) for t in temps}
        obs.system, obs.dwell_ps = runs[0].system, params.site_dwell_ps
        return obs
    for s, s2, img in list(edges):  # every edge gets its reverse
        edges.setdefault((s2, s, tuple(-v for v in img)), len(edges))
    keys = list(edges)
    obs.source = np.array([k[0] for k in keys])
    obs.target = np.array([k[1] for k in keys])
    obs.image = np.array([k[2] for k in keys], int)
    obs.counts = {t: np.zeros(len(keys), int) for t in temps}
    for t, e in hop_list:
        obs.counts[t][e] += 1
    obs.dwell_ps, obs.system = params.site_dwell_ps, runs[0].system
    obs.task_ids = [r.task_id for r in runs]
    return obs
