"""What a driver model may claim: detection limit, noise ceiling, R2 interval, proxies.

An ion whose MSD grows by less than ``detection_A``^2 over the fit window is
*censored* at the detection limit ``D_lim = detection_A^2 / (6 t_stop)``
(its log10 D enters at log10 D_lim, never at an arbitrary floor). The noise
ceiling is the largest R2 that identical Brownian ions of the same run
length allow. The R2 interval resamples trajectories of the pooled
out-of-fold predictions. A descriptor whose variance is mostly between
systems and whose system means follow a processing variable is flagged as
that variable's proxy. The definitions in full: docs/analysis-methods.md.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

from hcflow.descriptors.dynamic import fit_slopes, msd_fft

MAX_SIM_FRAMES = 2000


def detection_limit(fit_window_ps, detection_A: float) -> np.ndarray:
    """D_lim (cm2/s) per ion from its fit window [start, stop] (ps); NaN if none."""
    out = []
    for w in fit_window_ps:
        ok = isinstance(w, list | tuple | np.ndarray) and len(w) == 2 and w[1] > 0
        out.append(detection_A**2 / (6.0 * float(w[1])) * 1e-4 if ok else np.nan)
    return np.asarray(out, float)


def censor_log10_d(d_cm2_s, d_lim) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """(log10 D with censored ions at log10 D_lim, censored flags, notes).

    Where an ion has no detection limit (no fit window) only D <= 0 is
    censored, at the smallest positive D of the data.
    """
    d = np.asarray(d_cm2_s, float)
    lim = np.asarray(d_lim, float).copy()
    notes = []
    missing = ~np.isfinite(lim)
    if missing.any():
        pos = d[np.isfinite(d) & (d > 0)]
        floor = float(pos.min()) if len(pos) else 1e-12
        lim[missing] = floor
        notes.append(
            f"{int(missing.sum())} ions without a fit window: only D <= 0 censored, "
            f"at {floor:.3g} cm2/s"
        )
    finite = np.isfinite(d)
    censored = finite & ((d < lim) | (d <= 0))
    with np.errstate(divide="ignore", invalid="ignore"):
        y = np.where(censored, np.log10(lim), np.log10(np.where(finite, d, np.nan)))
    return y, censored, notes


def brownian_log10_spread(
    n_frames: int,
    fit_start: int,
    fit_stop: int,
    lim_over_d: float,
    n_ions: int = 200,
    seed: int = 0,
) -> float:
    """Variance of log10 D_i of identical Brownian ions (censored like the data).

    Parameters
    ----------
    n_frames, fit_start, fit_stop
        Run length and fit window (frames) of the trajectory.
    lim_over_d
        Detection limit over the true D (ions below it are censored there).
    """
    if n_frames > MAX_SIM_FRAMES:
        scale = (MAX_SIM_FRAMES - 1) / (n_frames - 1)
        fit_start = max(1, int(round(fit_start * scale)))
        fit_stop = max(fit_start + 2, int(round(fit_stop * scale)))
        n_frames = MAX_SIM_FRAMES
    rng = np.random.default_rng(seed)
    x = np.cumsum(rng.normal(0.0, np.sqrt(2.0), (n_frames, n_ions, 3)), axis=0)
    lags = np.arange(fit_start, min(fit_stop, n_frames - 1) + 1)
    d = fit_slopes(msd_fft(x)[lags], lags, 1.0) / 6.0  # true D = 1
    return float(np.var(np.log10(np.maximum(d, lim_over_d))))


def noise_variance(
    ions: pd.DataFrame,
    d_cm2_s: np.ndarray,
    d_lim: np.ndarray,
    censored: np.ndarray,
    n_ions: int = 200,
    seed: int = 0,
) -> np.ndarray:
    """Noise variance of log10 D_i for every ion (see the module docstring).

    ``ions`` needs ``task_id``, ``fit_window_ps``, ``frame_dt_ps`` and
    ``duration_ps``; ions of a trajectory without them get NaN.
    """
    out = np.full(len(ions), np.nan)
    cache: dict[tuple, float] = {}
    for idx in ions.groupby("task_id").indices.values():
        row = ions.iloc[idx[0]]
        w, dt = row.get("fit_window_ps"), row.get("frame_dt_ps")
        dur = row.get("duration_ps")
        if not isinstance(w, list | tuple) or not dt or not dur:
            continue
        detected = d_cm2_s[idx][~censored[idx]]
        if len(detected) == 0:
            out[idx] = 0.0  # all at the limit: no spread, noise included
            continue
        ratio = float(np.nanmedian(d_lim[idx]) / np.median(detected))
        n_frames = int(round(dur / dt)) + 1
        key = (
            n_frames,
            int(round(w[0] / dt)),
            int(round(w[1] / dt)),
            round(np.log10(ratio), 2),
        )
        if key not in cache:
            cache[key] = brownian_log10_spread(*key[:3], 10 ** key[3], n_ions, seed)
        out[idx] = cache[key]
    return out


def r2_interval(
    y: np.ndarray, pred: np.ndarray, groups: np.ndarray, n_bootstrap: int, seed: int
) -> tuple[float, float, float]:
    """(pooled R2, 2.5 %, 97.5 %) of out-of-fold predictions, groups resampled."""

    def r2(yy, pp):
        sst = np.sum((yy - yy.mean()) ** 2)
        return 1.0 - np.sum((yy - pp) ** 2) / sst if sst > 0 else np.nan

    rng = np.random.default_rng(seed)
    uniq, inverse = np.unique(groups, return_inverse=True)
    members = [np.flatnonzero(inverse == g) for g in range(len(uniq))]
    if len(uniq) < 2:
        members = [np.array([i]) for i in range(len(y))]
    boots = []
    for _ in range(n_bootstrap):
        pick = rng.integers(0, len(members), len(members))
        idx = np.concatenate([members[k] for k in pick])
        boots.append(r2(y[idx], pred[idx]))
    lo, hi = np.nanpercentile(boots, [2.5, 97.5])
    return float(r2(y, pred)), float(lo), float(hi)


def demean_by(values: np.ndarray, systems: np.ndarray) -> np.ndarray:
    """Values minus their system means (column-wise, NaN kept)."""
    frame = pd.DataFrame(values)
    means = frame.groupby(np.asarray(systems)).transform("mean")
    return (frame - means).to_numpy(float).reshape(values.shape)


def proxies(
    x: pd.DataFrame,
    systems: np.ndarray,
    variables: pd.DataFrame | None,
    min_rho: float = 0.8,
    min_between: float = 0.5,
) -> dict[str, dict]:
    """Descriptors that mostly re-encode a processing variable (see above)."""
    if variables is None or variables.empty:
        return {}
    systems = np.asarray(systems)
    keys = pd.unique(systems)
    if len(keys) < 3:
        return {}
    out = {}
    sys_vars = variables.groupby(systems).first().reindex(keys)
    for col in x.columns:
        v = pd.to_numeric(x[col], errors="coerce")
        total = np.nanvar(v.to_numpy(float))
        if not total > 0:
            continue
        means = v.groupby(systems).transform("mean")
        between = float(np.nanvar(means.to_numpy(float)) / total)
        sys_mean = v.groupby(systems).mean().reindex(keys)
        best = None
        for var in sys_vars.columns:
            z = pd.to_numeric(sys_vars[var], errors="coerce")
            ok = sys_mean.notna().to_numpy() & z.notna().to_numpy()
            if ok.sum() < 3 or z[ok].nunique() < 2:
                continue
            rho = float(spearmanr(sys_mean[ok], z[ok]).statistic)
            if np.isfinite(rho) and (best is None or abs(rho) > abs(best[1])):
                best = (var, rho)
        if best and abs(best[1]) >= min_rho and between >= min_between:
            out[col] = {
                "variable": best[0],
                "rho": best[1],
                "between_fraction": between,
            }
    return out
