"""Sites, hops and residences of each ion, and the self van Hove function.

Pure numpy on **unwrapped** positions ``x`` (n_frames, n_ions, 3) in A with a
frame interval ``dt`` in ps. Settings: :class:`SiteParams` (its field names
are those of :class:`hcflow.descriptors.settings.DescriptorSettings`, which
builds it). An ion is *localized* when its smoothed positions stay compact
(``site_radius_A``) and stationary (``site_drift_A``) over ``site_dwell_ps``;
runs of localized frames are dwells, dwells closer than ``hop_threshold_A``
are one visit, and a departure between visits whose transit is at most
``hop_max_transit_ps`` is a hop. Residences are censoring-aware
(:mod:`hcflow.descriptors.residence`). The full definitions:
docs/descriptors.md; known answers: tests/descriptors/test_sites.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from hcflow.descriptors.residence import residence_summary
from hcflow.schemas.names import SITES


@dataclass(frozen=True)
class SiteParams:
    """Site and hop settings (A, ps); see the module docstring."""

    site_smooth_ps: float = 0.5
    site_dwell_ps: float = 2.0
    site_radius_A: float = 0.75
    site_drift_A: float = 0.3
    hop_threshold_A: float = 2.0
    hop_max_transit_ps: float = 2.0

    def frames(self, dt: float) -> tuple[int, int, int]:
        """(smoothing, dwell, max transit) in frames for frame interval ``dt``."""
        smooth = max(1, int(round(self.site_smooth_ps / dt)))
        dwell = max(2, int(round(self.site_dwell_ps / dt)))
        transit = max(0, int(round(self.hop_max_transit_ps / dt)))
        return smooth, dwell, transit


@dataclass
class IonSites:
    """Sites, visits and hops of one ion (times in ps, lengths in A)."""

    visits: list[tuple[float, float, bool]] = field(default_factory=list)
    #: (start, end, complete) per visit
    hop_times: list[float] = field(default_factory=list)
    hop_lengths: list[float] = field(default_factory=list)
    n_sites: int = 0
    site_fraction: float = 0.0


def moving_average(x: np.ndarray, frames: int) -> np.ndarray:
    """Centred moving average along axis 0 over ``frames`` (shrinks at the ends)."""
    if frames <= 1:
        return np.asarray(x, float).copy()
    n = x.shape[0]
    c = np.concatenate([np.zeros((1, *x.shape[1:])), np.cumsum(x, axis=0)])
    lo = np.clip(np.arange(n) - frames // 2, 0, n)
    hi = np.clip(np.arange(n) - frames // 2 + frames, 0, n)
    shape = (n,) + (1,) * (x.ndim - 1)
    return (c[hi] - c[lo]) / (hi - lo).reshape(shape)


def window_spread(y: np.ndarray, frames: int) -> np.ndarray:
    """RMS distance from the window mean over centred windows of ``frames``.

    Returns (n_frames, n_ions); NaN where the window does not fit in the run.
    """
    n = y.shape[0]
    out = np.full(y.shape[:2], np.nan)
    if frames > n:
        return out
    c1 = np.concatenate([np.zeros((1, *y.shape[1:])), np.cumsum(y, axis=0)])
    sq = np.einsum("tid,tid->ti", y, y)
    c2 = np.concatenate([np.zeros((1, y.shape[1])), np.cumsum(sq, axis=0)])
    starts = np.arange(n - frames + 1)
    m1 = (c1[starts + frames] - c1[starts]) / frames
    m2 = (c2[starts + frames] - c2[starts]) / frames
    var = np.maximum(m2 - np.einsum("tid,tid->ti", m1, m1), 0.0)
    out[starts + frames // 2] = np.sqrt(var)
    return out


def window_drift(y: np.ndarray, frames: int) -> np.ndarray:
    """Distance between the means of the two halves of centred windows.

    Returns (n_frames, n_ions); NaN where the window does not fit in the run.
    """
    n = y.shape[0]
    out = np.full(y.shape[:2], np.nan)
    if frames > n or frames < 2:
        return out
    c1 = np.concatenate([np.zeros((1, *y.shape[1:])), np.cumsum(y, axis=0)])
    h = frames // 2
    starts = np.arange(n - frames + 1)
    first = (c1[starts + h] - c1[starts]) / h
    second = (c1[starts + frames] - c1[starts + h]) / (frames - h)
    out[starts + h] = np.linalg.norm(second - first, axis=2)
    return out


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(first, last) frame of every run of True."""
    if not mask.any():
        return []
    d = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(d == 1), np.flatnonzero(d == -1) - 1, strict=True))


def _n_clusters(points: np.ndarray, cut: float) -> int:
    """Single-linkage clusters of ``points`` at distance ``cut``."""
    if len(points) <= 1:
        return len(points)
    from scipy.cluster.hierarchy import fcluster, linkage

    return int(fcluster(linkage(points, "single"), cut, "distance").max())


def localized_frames(y: np.ndarray, dt: float, params: SiteParams) -> np.ndarray:
    """(n_frames, n_ions) bool: localized frames (see the module docstring)."""
    _, dwell_f, _ = params.frames(dt)
    spread = np.nan_to_num(window_spread(y, dwell_f), nan=np.inf)
    drift = np.nan_to_num(window_drift(y, dwell_f), nan=np.inf)
    return (spread <= params.site_radius_A) & (drift <= params.site_drift_A)


def ion_sites(
    y: np.ndarray, localized: np.ndarray, dt: float, params: SiteParams
) -> IonSites:
    """Dwells, visits and hops of one ion from its smoothed positions.

    Parameters
    ----------
    y
        (n_frames, 3) smoothed positions (A).
    localized
        (n_frames,) bool: localized frames of this ion (:func:`localized_frames`).
    dt
        Frame interval (ps).
    params
        :class:`SiteParams`.
    """
    n = len(y)
    _, dwell_f, transit_f = params.frames(dt)
    half = dwell_f // 2
    dwells = []
    for a, b in _runs(localized):
        s, e = max(0, a - half), min(n - 1, b - half + dwell_f - 1)
        dwells.append((s, e, np.median(y[s : e + 1], axis=0)))
    out = IonSites()
    if not dwells:
        return out
    in_dwell = np.zeros(n, bool)
    for s, e, _ in dwells:
        in_dwell[s : e + 1] = True
    out.site_fraction = float(in_dwell.mean())
    # group consecutive dwells into visits; a departure between distinct sites
    visits = [[dwells[0][0], dwells[0][1], [dwells[0][2]]]]
    for (_, e0, c0), (s1, e1, c1) in zip(dwells[:-1], dwells[1:], strict=True):
        dist = float(np.linalg.norm(c1 - c0))
        if dist < params.hop_threshold_A:
            visits[-1][1] = e1
            visits[-1][2].append(c1)
            continue
        gap = max(0, s1 - e0)
        if gap <= transit_f:
            out.hop_times.append(0.5 * (e0 + s1) * dt)
            out.hop_lengths.append(dist)
        visits.append([s1, e1, [c1]])
    last = len(visits) - 1
    for k, (s, e, _) in enumerate(visits):  # first and last: censored
        out.visits.append((s * dt, e * dt, 0 < k < last))
    centres = np.array([np.mean(c, axis=0) for _, _, c in visits])
    out.n_sites = _n_clusters(centres, params.hop_threshold_A)
    return out


def van_hove_self(
    x: np.ndarray, lags: np.ndarray, dr: float, r_max: float, max_origins: int = 2000
) -> np.ndarray:
    """Radial self van Hove probabilities per ion: (n_lags, n_ions, n_bins).

    ``P[k, i, b]``: fraction of time origins at which ion ``i`` moved a
    distance in bin ``b`` (width ``dr``, from 0 to ``r_max``) over ``lags[k]``
    frames; at most ``max_origins`` evenly spread origins per lag. Lags not
    shorter than the run give NaN rows.
    """
    n, n_ions, _ = x.shape
    edges = np.arange(0.0, r_max + 0.5 * dr, dr)
    nb = len(edges) - 1
    out = np.full((len(lags), n_ions, nb), np.nan)
    for k, lag in enumerate(np.asarray(lags, int)):
        if lag < 1 or lag >= n:
            continue
        n_or = n - lag
        n_use = min(n_or, max_origins)
        origins = np.unique(np.linspace(0, n_or - 1, n_use).astype(int))
        r = np.linalg.norm(x[origins + lag] - x[origins], axis=2)  # (o, ions)
        idx = np.floor(r / dr).astype(int)
        ok = idx < nb
        counts = np.zeros((n_ions, nb))
        ions = np.broadcast_to(np.arange(n_ions), r.shape)
        np.add.at(counts, (ions[ok], idx[ok]), 1.0)
        out[k] = counts / len(origins)
    return out


def site_descriptors(
    x: np.ndarray, dt: float, params: SiteParams
) -> tuple[dict[str, np.ndarray], list[IonSites]]:
    """Site and hop descriptors of every ion.

    Parameters
    ----------
    x
        (n_frames, n_ions, 3) unwrapped positions (A).
    dt
        Frame interval (ps).
    params
        :class:`SiteParams`.

    Returns
    -------
    (values, per_ion)
        ``values``: name -> (n_ions,) arrays for the names of
        :data:`hcflow.schemas.names.SITES` (NaN where undefined: no
        visit, no hop);
        ``per_ion``: the :class:`IonSites` of every ion (visits with their
        censoring, hop times and lengths).
    """
    x = np.asarray(x, float)
    n, n_ions, _ = x.shape
    smooth_f, _, _ = params.frames(dt)
    y = moving_average(x, smooth_f)
    localized = localized_frames(y, dt, params)
    duration = max((n - 1) * dt, dt)
    values = {name: np.full(n_ions, np.nan) for name in SITES}
    per_ion = []
    for i in range(n_ions):
        s = ion_sites(y[:, i], localized[:, i], dt, params)
        per_ion.append(s)
        values["n_hops"][i] = len(s.hop_times)
        values["hop_rate_per_ps"][i] = len(s.hop_times) / duration
        if s.hop_lengths:
            values["hop_length_A"][i] = float(np.mean(s.hop_lengths))
        if s.visits:
            d = [e - a for a, e, _ in s.visits]
            res = residence_summary(d, [c for *_, c in s.visits])
            for key in ("residence_time_ps", "residence_median_ps"):
                values[key][i] = res[key]
            values["residence_censored"][i] = res["residence_censored"]
        values["n_sites"][i] = s.n_sites
        values["site_fraction"][i] = s.site_fraction
    values["explored_radius_A"] = np.linalg.norm(y - y.mean(axis=0), axis=2).max(axis=0)
    return values, per_ion


@dataclass
class SiteResult:
    """Everything the site analysis gives for one trajectory."""

    values: dict[str, np.ndarray]  #: name -> (n_ions,) (names.SITES)
    per_ion: list[IonSites]  #: visits, hop times and lengths of every ion
    van_hove_lag_ps: np.ndarray  #: lags of the van Hove function (ps)
    van_hove_dr_A: float  #: bin width (A), bins from 0
    van_hove: np.ndarray  #: (n_lags, n_ions, n_bins) P(r, t) dr per ion

    def pooled_residences(self) -> tuple[np.ndarray, np.ndarray]:
        """(durations, complete) of the residences of all ions together."""
        d = [e - a for s in self.per_ion for a, e, _ in s.visits]
        c = [ok for s in self.per_ion for *_, ok in s.visits]
        return np.asarray(d, float), np.asarray(c, bool)


def site_result(
    x: np.ndarray,
    dt: float,
    params: SiteParams,
    van_hove_lags_ps=(0.5, 5.0, 50.0),
    van_hove_dr_A: float = 0.25,
    van_hove_rmax_A: float = 10.0,
) -> SiteResult:
    """Site descriptors and the self van Hove function of every ion.

    Lags longer than half the run are dropped from the van Hove function
    (too few independent origins).
    """
    values, per_ion = site_descriptors(x, dt, params)
    n = x.shape[0]
    lags = np.unique(np.round(np.asarray(van_hove_lags_ps, float) / dt).astype(int))
    lags = lags[(lags >= 1) & (lags <= (n - 1) // 2)]
    vh = van_hove_self(x, lags, van_hove_dr_A, van_hove_rmax_A)
    lag_ps = np.round(lags * dt, 9)  # 5 * 0.1 is 0.5, not 0.5000000000000004
    return SiteResult(values, per_ion, lag_ps, float(van_hove_dr_A), vh)
