"""Mobility drivers: which structural descriptors predict per-ion mobility.

Targets: log10 D_i (regression) and mobile/immobile (classification: above
``mobile_threshold``, by default the median). Inputs: structural descriptors
only; a dynamic descriptor as input is refused (it would predict mobility
from mobility). Models: histogram gradient boosting and a linear baseline,
cross-validated by :mod:`hcflow.analysis.driver_cv` with folds grouped by
trajectory (a shuffled KFold score beside it measures the leakage that
grouping prevents). Permutation importances and partial dependence are
reported only when the 95 % interval of the pooled out-of-fold R2 clears
zero; a within-system model, the noise ceiling and proxies of processing
variables (:mod:`hcflow.analysis.driver_checks`) say what may be claimed.
The full method: docs/analysis-methods.md.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd
from sklearn.ensemble import (
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
)
from sklearn.inspection import partial_dependence
from sklearn.model_selection import KFold

from hcflow.analysis.driver_checks import demean_by, proxies, r2_interval
from hcflow.analysis.driver_cv import (
    cross_validate,
    grouped_folds,
    importance_table,
    mean_std,
    noise_ceiling,
    verdict_text,
)
from hcflow.errors import HcflowError
from hcflow.inputs import known_keys


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
    detection_A: float = 0.5  #: A; D_lim = detection_A^2 / (6 t_stop)
    n_noise: int = 200  #: Brownian ions simulated per run length (noise ceiling)
    n_bootstrap: int = 1000  #: resamples of the R2 interval
    proxy_rho: float = 0.8  #: |Spearman rho| of system means vs a variable
    proxy_between: float = 0.5  #: share of a descriptor's variance between systems
    seed: int = 0

    @classmethod
    def from_dict(cls, d: dict | None) -> DriverSettings:
        """Validated settings; unknown keys or bad values are one-line errors."""
        d = known_keys(d, cls, "driver setting(s)")
        s = cls(**d)
        ints = ("n_splits", "n_repeats", "max_iter", "importance_max", "n_top")
        for name in (*ints, "n_noise", "n_bootstrap"):
            v = getattr(s, name)
            if not isinstance(v, int) or isinstance(v, bool) or v < 1:
                raise HcflowError(f"driver setting {name} must be an integer >= 1")
        if s.n_splits < 2:
            raise HcflowError("driver setting n_splits must be >= 2")
        for name in ("detection_A", "proxy_rho", "proxy_between"):
            v = getattr(s, name)
            if isinstance(v, bool) or not isinstance(v, int | float) or v <= 0:
                raise HcflowError(f"driver setting {name} must be a number > 0")
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
    importance: pd.DataFrame  # descriptor, mean, std, low, high, proxy_of
    importance_class: pd.DataFrame  # the same for the classifier
    partial_dependence: dict[str, dict]
    r2_pooled: float = float("nan")  #: R2 of the pooled out-of-fold predictions
    r2_ci95_low: float = float("nan")
    r2_ci95_high: float = float("nan")
    r2_clears_zero: bool = False  #: the whole 95 % interval is above zero
    noise_ceiling_r2: float | None = None  #: largest R2 noise allows
    verdict: str = ""  #: what may be claimed, in words
    importance_withheld: str | None = None  #: why importances are not reported
    proxies: dict[str, dict] = field(default_factory=dict)
    within: dict = field(default_factory=dict)  #: the within-system model
    notes: list[str] = field(default_factory=list)


def _empty_importance() -> pd.DataFrame:
    return pd.DataFrame(columns=["descriptor", "mean", "std", "low", "high"])


def find_drivers(
    x: pd.DataFrame,
    y,
    groups,
    settings: DriverSettings | None = None,
    systems=None,
    variables: pd.DataFrame | None = None,
    noise_var=None,
    censored=None,
) -> DriverResult:
    """Fit, cross-validate and rank the structural drivers of mobility.

    Parameters
    ----------
    x
        One row per ion, structural descriptor columns (NaN allowed).
    y
        Per-ion target (log10 D_i, censored ions at their detection limit);
        ions with a non-finite value are dropped.
    groups
        Trajectory (task_id) of each ion.
    settings
        :class:`DriverSettings`.
    systems
        System of each ion (one density, loading and temperature); None: no
        within-system model.
    variables
        Processing variables of each ion (density_g_cm3, na_content,
        temperature_K) to detect proxies; None: no proxy check.
    noise_var
        Per-ion noise variance of the target
        (:func:`hcflow.analysis.driver_checks.noise_variance`); None: no
        noise ceiling.
    censored
        Per-ion flag: the target is at the detection limit (reported only).
    """
    s = settings or DriverSettings()
    y = np.asarray(y, float)
    groups = np.asarray(groups)
    ok = np.isfinite(y)
    n_all = len(y)
    x, y, groups = x[ok].reset_index(drop=True), y[ok], groups[ok]
    systems = None if systems is None else np.asarray(systems)[ok]
    noise = None if noise_var is None else np.asarray(noise_var, float)[ok]
    if variables is not None:
        variables = variables[ok].reset_index(drop=True)
    if len(x) < 10:
        raise HcflowError(f"{len(x)} ions with a finite {s.target}: need >= 10")
    if np.ptp(y) == 0:
        raise HcflowError(f"{s.target} is constant over the ions: nothing to predict")
    notes: list[str] = []
    if len(x) < n_all:
        notes.append(f"{n_all - len(x)} ions without a finite {s.target} left out")
    if censored is not None:
        frac = float(np.mean(np.asarray(censored, bool)[ok]))
        notes.append(
            f"{100 * frac:.0f} % of the ions below the detection limit (censored "
            "at the limit)"
        )
    xa = x.to_numpy(float)
    rng = np.random.default_rng(s.seed)
    folds, cv_name = grouped_folds(len(xa), groups, s.n_splits, s.seed, notes)

    def hgb(kind):
        m = (
            HistGradientBoostingRegressor
            if kind == "reg"
            else (HistGradientBoostingClassifier)
        )
        return m(max_iter=s.max_iter, random_state=s.seed)

    cv = cross_validate(xa, y, folds, s, rng, hgb, classify=True)
    if not cv["two_classes"]:
        notes.append(f"all ions on one side of the mobile threshold {cv['thr']:.3g}")
    r2p, lo, hi = r2_interval(y, cv["pred"], groups, s.n_bootstrap, s.seed)
    ceiling = noise_ceiling(noise, y)
    prox = (
        proxies(x, systems, variables, s.proxy_rho, s.proxy_between)
        if systems is not None
        else {}
    )
    clears = bool(lo > 0)
    importance = importance_table(x.columns, np.concatenate(cv["imp"], axis=1))
    importance["proxy_of"] = [
        prox[d]["variable"] if d in prox else None for d in importance["descriptor"]
    ]
    importance_class = (
        importance_table(x.columns, np.concatenate(cv["imp_c"], axis=1))
        if cv["imp_c"]
        else _empty_importance()
    )
    withheld = None
    if not clears:
        withheld = "grouped-CV R2 95 % interval does not clear zero"
        importance, importance_class = _empty_importance(), _empty_importance()
    random_r2 = []
    shuffled = KFold(len(folds), shuffle=True, random_state=s.seed)
    for train, test in shuffled.split(xa):
        m = hgb("reg").fit(xa[train], y[train])
        random_r2.append(m.score(xa[test], y[test]))
    pdp = {}
    if clears:
        full = hgb("reg").fit(xa, y)
        for name in importance["descriptor"][: s.n_top]:
            j = list(x.columns).index(name)
            col = xa[:, j][np.isfinite(xa[:, j])]
            grid = np.unique(np.percentile(col, np.linspace(5, 95, s.grid_resolution)))
            res = partial_dependence(
                full, xa, [j], custom_values={j: grid}, kind="average"
            )
            pdp[name] = {
                "grid": res["grid_values"][0].tolist(),
                "average": res["average"][0].tolist(),
            }
    verdict = verdict_text("across systems", lo, hi, ceiling)
    within = _within(x, y, groups, systems, s, rng, hgb, noise, notes)
    if within:
        verdict += ". " + within["verdict"]
    if prox:
        verdict += ". Proxies of processing variables: " + ", ".join(
            f"{d} ({p['variable']}, rho {p['rho']:.2f})" for d, p in prox.items()
        )
    return DriverResult(
        features=list(x.columns),
        target=s.target,
        cv=cv_name,
        n_folds=len(folds),
        n_groups=len(set(groups.tolist())),
        n_ions=len(x),
        r2_mean=mean_std(cv["r2"])[0],
        r2_std=mean_std(cv["r2"])[1],
        r2_folds=[float(v) for v in cv["r2"]],
        r2_linear_mean=mean_std(cv["r2_lin"])[0],
        r2_linear_std=mean_std(cv["r2_lin"])[1],
        r2_random_cv_mean=mean_std(random_r2)[0],
        r2_random_cv_std=mean_std(random_r2)[1],
        mobile_threshold=cv["thr"],
        mobile_fraction=float(cv["cls"].mean()),
        accuracy_mean=mean_std(cv["acc"])[0],
        accuracy_std=mean_std(cv["acc"])[1],
        accuracy_linear_mean=mean_std(cv["acc_lin"])[0],
        accuracy_linear_std=mean_std(cv["acc_lin"])[1],
        importance=importance,
        importance_class=importance_class,
        partial_dependence=pdp,
        r2_pooled=r2p,
        r2_ci95_low=lo,
        r2_ci95_high=hi,
        r2_clears_zero=clears,
        noise_ceiling_r2=ceiling,
        verdict=verdict,
        importance_withheld=withheld,
        proxies=prox,
        within=within,
        notes=notes,
    )


def _within(x, y, groups, systems, s, rng, hgb, noise, notes) -> dict:
    """The within-system model (target and descriptors minus system means)."""
    if systems is None:
        return {}
    keys, counts = np.unique(systems.astype(str), return_counts=True)
    if len(keys) < 1 or counts.max() < 2:
        notes.append("no system holds two ions: no within-system model")
        return {}
    yw = demean_by(y[:, None], systems)[:, 0]
    xw = demean_by(x.to_numpy(float), systems)
    if not np.ptp(yw) > 0:
        notes.append("target constant within every system: no within-system model")
        return {}
    folds, cv_name = grouped_folds(len(xw), groups, s.n_splits, s.seed, [])
    cv = cross_validate(xw, yw, folds, s, rng, hgb, classify=False)
    r2p, lo, hi = r2_interval(yw, cv["pred"], groups, s.n_bootstrap, s.seed)
    ceiling = noise_ceiling(noise, yw)
    clears = bool(lo > 0)
    imp = importance_table(x.columns, np.concatenate(cv["imp"], axis=1))
    return {
        "cv": cv_name,
        "n_systems": int(len(keys)),
        "r2_mean": mean_std(cv["r2"])[0],
        "r2_folds": [float(v) for v in cv["r2"]],
        "r2_linear_mean": mean_std(cv["r2_lin"])[0],
        "r2_pooled": r2p,
        "r2_ci95_low": lo,
        "r2_ci95_high": hi,
        "r2_clears_zero": clears,
        "noise_ceiling_r2": ceiling,
        "verdict": verdict_text("within systems", lo, hi, ceiling),
        "importance": imp.to_dict("records") if clears else [],
        "importance_withheld": None
        if clears
        else "within-system R2 95 % interval does not clear zero",
    }
