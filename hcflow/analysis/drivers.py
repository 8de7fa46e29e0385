"""Mobility drivers: which structural descriptors predict per-ion mobility.

Targets: log10 D_i (regression) and mobile/immobile (class: log10 D_i above
the median, or above ``mobile_threshold``). Inputs: structural descriptors
only. Models: histogram gradient boosting and a linear baseline (ridge /
logistic regression on standardised inputs).

Validation: GroupKFold by trajectory (task_id), so no trajectory is in both
train and test; a plain shuffled KFold score is reported beside it to show how
much trajectory-level leakage would inflate the score. Importance: permutation
importance on each held-out fold (``n_repeats`` shuffles), pooled over folds
and repeats; the interval is the 2.5-97.5 percentile of the pooled values.
Partial dependence of the boosted model (fitted on all ions) for the top three.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.ensemble import (
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
)
from sklearn.inspection import partial_dependence, permutation_importance
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import GroupKFold, KFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from hcflow.errors import HcflowError


@dataclass
class DriverSettings:
    features: list[str] | None = None
    target: str = "log10_D"
    n_splits: int = 5
    n_repeats: int = 5
    mobile_threshold: float | None = None
    max_iter: int = 150
    seed: int = 0


@dataclass
class DriverResult:
    features: list[str]
    r2_mean: float
    r2_std: float
    r2_linear_mean: float
    r2_linear_std: float
    r2_random_cv_mean: float
    accuracy_mean: float
    accuracy_std: float
    accuracy_linear_mean: float
    importance: pd.DataFrame  # descriptor, mean, low, high
    partial_dependence: dict[str, dict]
    cv: str
    n_groups: int
    notes: list[str] = field(default_factory=list)


def _folds(x, groups, n_splits, seed):
    n_groups = len(set(groups))
    if n_groups >= 2:
        return list(GroupKFold(min(n_splits, n_groups)).split(x, groups=groups)), (
            f"GroupKFold by trajectory ({min(n_splits, n_groups)} folds)"
        )
    splits = KFold(min(n_splits, len(x)), shuffle=True, random_state=seed).split(x)
    return list(splits), "KFold (one trajectory only: grouping impossible)"


def find_drivers(
    x: pd.DataFrame, y: np.ndarray, groups, settings: DriverSettings
) -> DriverResult:
    """Fit, cross-validate and rank structural drivers of mobility."""
    y = np.asarray(y, float)
    groups = np.asarray(groups)
    ok = np.isfinite(y)
    x, y, groups = x[ok].reset_index(drop=True), y[ok], groups[ok]
    if len(x) < 10:
        raise HcflowError(f"{len(x)} ions with a finite {settings.target}: need >= 10")
    xa = x.to_numpy(float)
    folds, cv_name = _folds(xa, groups, settings.n_splits, settings.seed)
    thr = settings.mobile_threshold
    if thr is None:
        thr = float(np.median(y))
    cls = (y > thr).astype(int)
    r2, r2_lin, acc, acc_lin, imps = [], [], [], [], []
    for train, test in folds:
        hgb = HistGradientBoostingRegressor(
            max_iter=settings.max_iter, random_state=settings.seed
        )
        hgb.fit(xa[train], y[train])
        r2.append(hgb.score(xa[test], y[test]))
        lin = make_pipeline(StandardScaler(), Ridge(1.0)).fit(xa[train], y[train])
        r2_lin.append(lin.score(xa[test], y[test]))
        if len(set(cls[train])) == 2:
            c = HistGradientBoostingClassifier(
                max_iter=settings.max_iter, random_state=settings.seed
            )
            acc.append(c.fit(xa[train], cls[train]).score(xa[test], cls[test]))
            cl = make_pipeline(StandardScaler(), LogisticRegression(max_iter=500))
            acc_lin.append(cl.fit(xa[train], cls[train]).score(xa[test], cls[test]))
        pi = permutation_importance(
            hgb,
            xa[test],
            y[test],
            n_repeats=settings.n_repeats,
            random_state=settings.seed,
        )
        imps.append(pi.importances)  # (n_features, n_repeats)
    pooled = np.concatenate(imps, axis=1)
    importance = (
        pd.DataFrame(
            {
                "descriptor": list(x.columns),
                "mean": pooled.mean(axis=1),
                "low": np.percentile(pooled, 2.5, axis=1),
                "high": np.percentile(pooled, 97.5, axis=1),
            }
        )
        .sort_values("mean", ascending=False)
        .reset_index(drop=True)
    )
    random_r2 = []
    for train, test in KFold(
        len(folds), shuffle=True, random_state=settings.seed
    ).split(xa):
        m = HistGradientBoostingRegressor(
            max_iter=settings.max_iter, random_state=settings.seed
        )
        random_r2.append(m.fit(xa[train], y[train]).score(xa[test], y[test]))
    full = HistGradientBoostingRegressor(
        max_iter=settings.max_iter, random_state=settings.seed
    ).fit(x, y)
    pdp = {}
    for name in importance["descriptor"][:3]:
        res = partial_dependence(full, x, [name], grid_resolution=20)
        pdp[name] = {
            "grid": res["grid_values"][0].tolist(),
            "average": res["average"][0].tolist(),
        }

    def ms(v):
        return (float(np.mean(v)), float(np.std(v))) if v else (np.nan, np.nan)

    return DriverResult(
        features=list(x.columns),
        r2_mean=ms(r2)[0],
        r2_std=ms(r2)[1],
        r2_linear_mean=ms(r2_lin)[0],
        r2_linear_std=ms(r2_lin)[1],
        r2_random_cv_mean=ms(random_r2)[0],
        accuracy_mean=ms(acc)[0],
        accuracy_std=ms(acc)[1],
        accuracy_linear_mean=ms(acc_lin)[0],
        importance=importance,
        partial_dependence=pdp,
        cv=cv_name,
        n_groups=len(set(groups)),
    )
