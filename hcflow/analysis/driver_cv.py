"""Cross-validation of the mobility-driver models (:mod:`hcflow.analysis.drivers`).

Folds grouped by trajectory, the boosted model and its linear baseline per
fold for regression and classification alike (:func:`fit_fold`), pooled
permutation importances, the noise ceiling and the verdict in words.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.impute import SimpleImputer
from sklearn.inspection import permutation_importance
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import GroupKFold, KFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler


def grouped_folds(n, groups, n_splits, seed, notes) -> tuple[list, str]:
    """GroupKFold by trajectory (shuffled KFold for one trajectory) and its name."""
    n_groups = len(set(groups.tolist()))
    if n_groups >= 2:
        k = min(n_splits, n_groups)
        if k < n_splits:
            notes.append(f"{n_groups} trajectories: {k} grouped folds")
        return list(GroupKFold(k).split(np.zeros(n), groups=groups)), (
            f"GroupKFold by trajectory ({k} folds)"
        )
    notes.append("one trajectory only: shuffled KFold (grouping impossible)")
    k = min(n_splits, n)
    splits = KFold(k, shuffle=True, random_state=seed).split(np.zeros(n))
    return list(splits), f"KFold shuffled ({k} folds; one trajectory)"


def linear_model(kind: str):
    """Ridge / logistic regression on median-imputed, standardised inputs."""
    model = Ridge(1.0) if kind == "reg" else LogisticRegression(max_iter=500)
    return make_pipeline(
        SimpleImputer(strategy="median", add_indicator=True), StandardScaler(), model
    )


def importance_table(names, pooled: np.ndarray) -> pd.DataFrame:
    """Mean, std and 2.5-97.5 percentiles of pooled importances, best first."""
    return (
        pd.DataFrame(
            {
                "descriptor": list(names),
                "mean": pooled.mean(axis=1),
                "std": pooled.std(axis=1),
                "low": np.percentile(pooled, 2.5, axis=1),
                "high": np.percentile(pooled, 97.5, axis=1),
            }
        )
        .sort_values("mean", ascending=False)
        .reset_index(drop=True)
    )


def mean_std(v) -> tuple[float, float]:
    """Mean and std of the finite values (NaN, NaN when there are none)."""
    v = [a for a in v if np.isfinite(a)]
    return (float(np.mean(v)), float(np.std(v))) if v else (np.nan, np.nan)


def noise_ceiling(noise_var, y) -> float | None:
    """1 - mean noise variance / variance of the target (None without noise)."""
    if noise_var is None:
        return None
    nv = np.asarray(noise_var, float)
    nv = nv[np.isfinite(nv)]
    var = float(np.var(y))
    if not len(nv) or not var > 0:
        return None
    return float(1.0 - nv.mean() / var)


def verdict_text(kind: str, lo: float, hi: float, ceiling: float | None) -> str:
    """What the R2 interval allows to claim, in words."""
    cap = "" if ceiling is None else f"; noise ceiling {ceiling:.2f}"
    if lo > 0:
        return (
            f"{kind}: R2 95 % interval [{lo:.2f}, {hi:.2f}] is above zero"
            f"{cap}: importances are reported"
        )
    return (
        f"{kind}: R2 95 % interval [{lo:.2f}, {hi:.2f}] does not clear zero"
        f"{cap}: the descriptors do not predict mobility out of sample, so no "
        "driver is named"
    )


def fit_fold(kind: str, hgb, xa, target, train, test, sub, s) -> tuple:
    """One fold of one task (``"reg"`` or ``"cls"``): the boosted model, its
    held-out score, the linear baseline's and the permutation importances on
    the held-out ions ``sub``."""
    model = hgb(kind).fit(xa[train], target[train])
    linear = linear_model(kind).fit(xa[train], target[train])
    pi = permutation_importance(
        model, xa[sub], target[sub], n_repeats=s.n_repeats, random_state=s.seed
    )
    score = model.score(xa[test], target[test])
    return model, score, linear.score(xa[test], target[test]), pi.importances


def cross_validate(xa, y, folds, s, rng, hgb, classify: bool) -> dict:
    """Per fold R2 (boosted and linear), out-of-fold predictions, importances;
    with ``classify``, the same for mobile/immobile (accuracy)."""
    out = {"r2": [], "r2_lin": [], "acc": [], "acc_lin": [], "imp": [], "imp_c": []}
    pred = np.full(len(y), np.nan)
    thr = float(np.median(y)) if s.mobile_threshold is None else s.mobile_threshold
    cls = (y > thr).astype(int)
    out["thr"], out["cls"] = thr, cls
    two = classify and len(set(cls.tolist())) == 2
    for train, test in folds:
        sub = test
        if len(test) > s.importance_max:
            sub = rng.choice(test, s.importance_max, replace=False)
        reg, r2, r2_lin, imp = fit_fold("reg", hgb, xa, y, train, test, sub, s)
        pred[test] = reg.predict(xa[test])
        out["r2"].append(r2)
        out["r2_lin"].append(r2_lin)
        out["imp"].append(imp)
        if two and len(set(cls[train].tolist())) == 2:
            _, acc, acc_lin, imp_c = fit_fold("cls", hgb, xa, cls, train, test, sub, s)
            out["acc"].append(acc)
            out["acc_lin"].append(acc_lin)
            out["imp_c"].append(imp_c)
    out["pred"] = pred
    out["two_classes"] = len(set(cls.tolist())) == 2
    return out
