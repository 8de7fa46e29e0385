"""Transport of each diffusion mode: D with its verdict, hops, residences, G_s.

Per mode, from the ion_descriptors of its members: the mean D_i with a
bootstrap 95 % interval, the share of long-range diffusive members and the
verdict (``diffusive`` when at least half are), hop rate, hop length and site
fraction, the pooled Kaplan-Meier residences
(:func:`hcflow.descriptors.residence.km_curve`) and the member-averaged self
van Hove function (:func:`mode_van_hove`). Activation energies per mode come
from the Arrhenius builder (:mod:`hcflow.analysis.arrhenius_groups`).
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd

from hcflow.descriptors.residence import km_curve

#: ion_descriptors fields read here.
TRANSPORT_FIELDS = [
    "D_cm2_s",
    "hop_rate_per_ps",
    "hop_length_A",
    "site_fraction",
    "residence_durations_ps",
    "residence_complete",
    "van_hove_lag_ps",
    "van_hove_dr_A",
    "van_hove_P",
]


def _mean_ci(values: np.ndarray, n_bootstrap: int, rng) -> dict[str, float | None]:
    v = values[np.isfinite(values)]
    if len(v) == 0:
        return {"mean": None, "ci95_low": None, "ci95_high": None, "n": 0}
    idx = rng.integers(0, len(v), (n_bootstrap, len(v)))
    boot = v[idx].mean(axis=1)
    lo, hi = np.percentile(boot, [2.5, 97.5])
    return {
        "mean": float(v.mean()),
        "ci95_low": float(lo),
        "ci95_high": float(hi),
        "n": len(v),
    }


def _lists(ions: pd.DataFrame, name: str) -> list:
    if name not in ions:
        return [[] for _ in range(len(ions))]
    return [v if isinstance(v, list | tuple | np.ndarray) else [] for v in ions[name]]


def _num(ions: pd.DataFrame, name: str) -> np.ndarray:
    if name not in ions:
        return np.full(len(ions), np.nan)
    return pd.to_numeric(ions[name], errors="coerce").to_numpy(float)


def mode_transport(
    ions: pd.DataFrame,
    labels,
    names: dict[int, str],
    diffusive,
    n_bootstrap: int = 1000,
    seed: int = 0,
) -> list[dict]:
    """Per-mode transport (see the module docstring), one dict per mode.

    Parameters
    ----------
    ions
        One row per ion with the :data:`TRANSPORT_FIELDS` that exist.
    labels
        Mode label of every ion (same order).
    names
        Mode label -> name.
    diffusive
        Long-range diffusive verdict of every ion (bool).
    """
    rng = np.random.default_rng(seed)
    labels = np.asarray(labels)
    diffusive = np.asarray(diffusive, bool)
    d = _num(ions, "D_cm2_s")
    rate, length = _num(ions, "hop_rate_per_ps"), _num(ions, "hop_length_A")
    site = _num(ions, "site_fraction")
    durations = _lists(ions, "residence_durations_ps")
    complete = _lists(ions, "residence_complete")
    out = []
    for label in sorted(set(labels.tolist())):
        sel = labels == label
        members = np.flatnonzero(sel)
        frac = float(diffusive[sel].mean())
        dur = [float(t) for i in members for t in durations[i]]
        ok = [bool(c) for i in members for c in complete[i]]
        if len(dur) != len(ok):  # malformed lists: leave the curve out
            dur, ok = [], []
        out.append(
            {
                "mode": int(label),
                "name": names.get(int(label), str(label)),
                "n_ions": int(sel.sum()),
                "D_mean_cm2_s": _mean_ci(d[sel], n_bootstrap, rng),
                "diffusive_fraction": frac,
                "verdict": "diffusive" if frac >= 0.5 else "not diffusive",
                "hop_rate_per_ps": _mean_ci(rate[sel], n_bootstrap, rng),
                "hop_length_A": _nanmean(length[sel]),
                "site_fraction": _nanmean(site[sel]),
                "residence": km_curve(dur, ok),
            }
        )
    return out


def _nanmean(v: np.ndarray) -> float | None:
    v = v[np.isfinite(v)]
    return float(v.mean()) if len(v) else None


def mode_van_hove(ions: pd.DataFrame, labels, names: dict[int, str]) -> dict:
    """Member-averaged self van Hove function P(r, t) dr per mode.

    Only ions with the most common (lags, bin width) are averaged (one
    descriptor setting). Returns ``lag_ps``, ``dr_A``, ``r_A`` (bin centres)
    and ``modes``: name -> (n_lags x n_bins) list; empty when no ion has one.
    """
    lags = _lists(ions, "van_hove_lag_ps")
    p = _lists(ions, "van_hove_P")
    dr = _num(ions, "van_hove_dr_A")
    keys = [
        (tuple(round(float(t), 6) for t in lag), round(float(w), 6))
        if len(lag) and np.isfinite(w) and len(pi) == len(lag)
        else None
        for lag, w, pi in zip(lags, dr, p, strict=True)
    ]
    counts = Counter(k for k in keys if k is not None)
    if not counts:
        return {}
    (lag_key, dr_key), _ = counts.most_common(1)[0]
    labels = np.asarray(labels)
    use = np.array([k == (lag_key, dr_key) for k in keys])
    out: dict[str, list] = {}
    n_bins = None
    for label in sorted(set(labels.tolist())):
        rows = [
            np.asarray(p[i], float) for i in np.flatnonzero(use & (labels == label))
        ]
        if not rows:
            continue
        mean = np.mean(rows, axis=0)
        n_bins = mean.shape[1]
        out[names.get(int(label), str(label))] = mean.tolist()
    if n_bins is None:
        return {}
    return {
        "lag_ps": list(lag_key),
        "dr_A": dr_key,
        "r_A": ((np.arange(n_bins) + 0.5) * dr_key).tolist(),
        "modes": out,
    }
