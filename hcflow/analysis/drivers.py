"""Mobility drivers: which structural descriptors predict per-ion mobility.

Targets: log10 D_i (regression) and mobile/immobile (classification: log10
D_i above ``mobile_threshold``, by default the median, so the classes are
balanced). Inputs: structural descriptors only (:data:`STRUCTURAL` and their
``_std`` companions); a dynamic descriptor as input is refused, since it
would predict mobility from mobility.

Models: histogram gradient boosting (``HistGradientBoosting*``: fast on
100,000 ions, takes missing values natively) and a linear baseline (ridge /
logistic regression on median-imputed, standardised inputs with missing-value
indicators).

Validation: GroupKFold by trajectory (``task_id``), so no trajectory is in
both train and test: ions of one trajectory share its density, loading and
temperature, and a model could otherwise memorise trajectories. A shuffled
KFold score of the same model is reported beside it: the gap measures how
much trajectory-level leakage would inflate the score. One trajectory only:
shuffled KFold, with a note (grouping is impossible).

Importance: permutation importance of the boosted regressor on each held-out
fold (at most ``importance_max`` held-out ions per fold, ``n_repeats``
shuffles), pooled over folds and repeats; the interval is the 2.5-97.5
percentile of the pooled values (it covers fold-to-fold variation, not only
shuffle noise). The same for the classifier (drop in accuracy).
Partial dependence of the boosted regressor fitted on all ions, for the
``n_top`` most important descriptors, on a grid between their 5th and 95th
percentiles.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields

import numpy as np
import pandas as pd
from sklearn.ensemble import (
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
)
from sklearn.impute import SimpleImputer
from sklearn.inspection import partial_dependence, permutation_importance
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import GroupKFold, KFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from hcflow.errors import HcflowError


@dataclass
class DriverSettings:
    """Settings of the driver analysis (every field is part of the result key)."""

    features: list[str] | None = None  #: structural descriptors (None: all)
    target: str = "log10_D"
    n_splits: int = 5
    n_repeats: int = 5
    mobile_threshold: float | None = None  #: log10 D; None: the median
    max_iter: int = 150  #: boosting iterations
    importance_max: int = 5000  #: held-out ions per fold for importance
    n_top: int = 3  #: descriptors with partial dependence
    grid_resolution: int = 20
    seed: int = 0

    @classmethod
    def from_dict(cls, d: dict | None) -> DriverSettings:
        """Validated settings; unknown keys or bad values are one-line errors."""
        d = dict(d or {})
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(d) - known)
        if unknown:
            raise HcflowError(
                f"unknown driver setting(s) {', '.join(unknown)}; "
                f"known: {', '.join(sorted(known))}"
            )
        s = cls(**d)
        for name in ("n_splits", "n_repeats", "max_iter", "importance_max", "n_top"):
            v = getattr(s, name)
            if not isinstance(v, int) or isinstance(v, bool) or v < 1:
                raise HcflowError(f"driver setting {name} must be an integer >= 1")
        if s.n_splits < 2:
            raise HcflowError("driver setting n_splits must be >= 2")
        if s.target not in ("log10_D", "D_cm2_s", "hop_rate_per_ps"):
            raise HcflowError(
                f"driver target {s.target!r}: use log10_D, D_cm2_s or hop_rate_per_ps"
            )
        return s

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class DriverResult:
    """Cross-validated scores, importances and partial dependence."""

    features: list[str]
    target: str
    cv: str
    n_folds: int
    n_groups: int
    n_ions: int
    r2_mean: float
    r2_std: float
    r2_folds: list[float]
    r2_linear_mean: float
    r2_linear_std: float
    r2_random_cv_mean: float
    r2_random_cv_std: float
    mobile_threshold: float
    mobile_fraction: float
    accuracy_mean: float
    accuracy_std: float
    accuracy_linear_mean: float
    accuracy_linear_std: float
    importance: pd.DataFrame  # descriptor, mean, std, low, high (regression)
    importance_class: pd.DataFrame  # the same for the classifier
    partial_dependence: dict[str, dict]
    notes: list[str] = field(default_factory=list)


def _folds(n, groups, n_splits, seed, notes):
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


def _linear(kind):
    model = Ridge(1.0) if kind == "reg" else LogisticRegression(max_iter=500)
    return make_pipeline(
        SimpleImputer(strategy="median", add_indicator=True), StandardScaler(), model
    )


def _importance_table(names, pooled: np.ndarray) -> pd.DataFrame:
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


def _ms(v) -> tuple[float, float]:
    v = [a for a in v if np.isfinite(a)]
    return (float(np.mean(v)), float(np.std(v))) if v else (np.nan, np.nan)


def find_drivers(
    x: pd.DataFrame, y, groups, settings: DriverSettings | None = None
) -> DriverResult:
    """Fit, cross-validate and rank the structural drivers of mobility.

    Parameters
    ----------
    x
        One row per ion, structural descriptor columns (NaN allowed).
    y
        Per-ion target (log10 D_i); ions with a non-finite value are dropped.
    groups
        Trajectory (task_id) of each ion.
    settings
        :class:`DriverSettings`.
    """
    s = settings or DriverSettings()
    y = np.asarray(y, float)
    groups = np.asarray(groups)
    ok = np.isfinite(y)
    x, y, groups = x[ok].reset_index(drop=True), y[ok], groups[ok]
    if len(x) < 10:
        raise HcflowError(f"{len(x)} ions with a finite {s.target}: need >= 10")
    if np.ptp(y) == 0:
        raise HcflowError(f"{s.target} is constant over the ions: nothing to predict")
    notes: list[str] = []
    xa = x.to_numpy(float)
    rng = np.random.default_rng(s.seed)
    folds, cv_name = _folds(len(xa), groups, s.n_splits, s.seed, notes)
    thr = float(np.median(y)) if s.mobile_threshold is None else s.mobile_threshold
    cls = (y > thr).astype(int)
    two_classes = len(set(cls.tolist())) == 2
    if not two_classes:
        notes.append(f"all ions on one side of the mobile threshold {thr:.3g}")

    def hgb(kind):
        m = (
            HistGradientBoostingRegressor
            if kind == "reg"
            else (HistGradientBoostingClassifier)
        )
        return m(max_iter=s.max_iter, random_state=s.seed)

    r2, r2_lin, acc, acc_lin, imps, imps_c = [], [], [], [], [], []
    for train, test in folds:
        sub = test
        if len(test) > s.importance_max:
            sub = rng.choice(test, s.importance_max, replace=False)
        reg = hgb("reg").fit(xa[train], y[train])
        r2.append(reg.score(xa[test], y[test]))
        r2_lin.append(_linear("reg").fit(xa[train], y[train]).score(xa[test], y[test]))
        pi = permutation_importance(
            reg, xa[sub], y[sub], n_repeats=s.n_repeats, random_state=s.seed
        )
        imps.append(pi.importances)
        if two_classes and len(set(cls[train].tolist())) == 2:
            c = hgb("cls").fit(xa[train], cls[train])
            acc.append(c.score(xa[test], cls[test]))
            lin = _linear("cls").fit(xa[train], cls[train])
            acc_lin.append(lin.score(xa[test], cls[test]))
            pc = permutation_importance(
                c, xa[sub], cls[sub], n_repeats=s.n_repeats, random_state=s.seed
            )
            imps_c.append(pc.importances)
    importance = _importance_table(x.columns, np.concatenate(imps, axis=1))
    importance_class = (
        _importance_table(x.columns, np.concatenate(imps_c, axis=1))
        if imps_c
        else pd.DataFrame(columns=["descriptor", "mean", "std", "low", "high"])
    )
    random_r2 = []
    shuffled = KFold(len(folds), shuffle=True, random_state=s.seed)
    for train, test in shuffled.split(xa):
        m = hgb("reg").fit(xa[train], y[train])
        random_r2.append(m.score(xa[test], y[test]))
    full = hgb("reg").fit(xa, y)
    pdp = {}
    for name in importance["descriptor"][: s.n_top]:
        j = list(x.columns).index(name)
        col = xa[:, j][np.isfinite(xa[:, j])]
        grid = np.unique(np.percentile(col, np.linspace(5, 95, s.grid_resolution)))
        res = partial_dependence(full, xa, [j], custom_values={j: grid}, kind="average")
        pdp[name] = {
            "grid": res["grid_values"][0].tolist(),
            "average": res["average"][0].tolist(),
        }
    return DriverResult(
        features=list(x.columns),
        target=s.target,
        cv=cv_name,
        n_folds=len(folds),
        n_groups=len(set(groups.tolist())),
        n_ions=len(x),
        r2_mean=_ms(r2)[0],
        r2_std=_ms(r2)[1],
        r2_folds=[float(v) for v in r2],
        r2_linear_mean=_ms(r2_lin)[0],
        r2_linear_std=_ms(r2_lin)[1],
        r2_random_cv_mean=_ms(random_r2)[0],
        r2_random_cv_std=_ms(random_r2)[1],
        mobile_threshold=thr,
        mobile_fraction=float(cls.mean()),
        accuracy_mean=_ms(acc)[0],
        accuracy_std=_ms(acc)[1],
        accuracy_linear_mean=_ms(acc_lin)[0],
        accuracy_linear_std=_ms(acc_lin)[1],
        importance=importance,
        importance_class=importance_class,
        partial_dependence=pdp,
        notes=notes,
    )
