"""Diffusion modes: unsupervised clustering of per-ion descriptors.

Standardised (optionally PCA-reduced) descriptors; a Gaussian mixture is
selected by BIC over ``k_min..k_max`` on a subsample of at most ``fit_max``
ions (a one-component fit that wins says there is no mode structure), then
labels every ion; ``method="hdbscan"`` is the alternative. Stability: the
mean adjusted Rand index of bootstrap refits; ``confident`` when it reaches
``stable_ari`` and the structure is supported. Modes are named by absolute
per-ion criteria (:mod:`hcflow.analysis.naming`), so a name never depends
on which other ions were pooled. The method in full: docs/analysis-methods.md.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd
from sklearn.decomposition import PCA
from sklearn.metrics import adjusted_rand_score
from sklearn.mixture import GaussianMixture
from sklearn.preprocessing import StandardScaler

from hcflow.analysis.naming import (
    NamingCriteria,
    classify_ions,
    name_modes,
    profiles,
)
from hcflow.errors import HcflowError
from hcflow.inputs import known_keys

__all__ = ["ModeResult", "ModeSettings", "find_modes", "name_modes", "select_k"]


@dataclass
class ModeSettings:
    """Settings of the mode analysis (every field is part of the result key)."""

    features: list[str] | None = None  #: descriptors (None: MODE_FEATURES)
    method: str = "gmm"  #: gmm | hdbscan
    k_min: int = 2
    k_max: int = 12
    pca_components: float | None = None  #: n components, or variance fraction
    fit_max: int = 5000  #: ions in the model-selection subsample
    n_bootstrap: int = 10  #: resamples for the stability ARI
    stability_max: int = 2000  #: ions in each stability refit
    min_mode_size: int = 10  #: smallest mode allowed (ions of the subsample)
    stable_ari: float = 0.8  #: ARI at or above which modes count as stable
    min_cluster_size: int = 20  #: hdbscan
    naming: dict | None = None  #: NamingCriteria overrides (thresholds)
    seed: int = 0

    @classmethod
    def from_dict(cls, d: dict | None) -> ModeSettings:
        """Validated settings; unknown keys or bad values are one-line errors."""
        d = known_keys(d, cls, "mode setting(s)")
        s = cls(**d)
        if s.method not in ("gmm", "hdbscan"):
            raise HcflowError(f"unknown mode method {s.method!r}; use gmm or hdbscan")
        ints = ("k_min", "k_max", "fit_max", "n_bootstrap", "min_mode_size")
        for name in ints:
            v = getattr(s, name)
            if not isinstance(v, int) or isinstance(v, bool) or v < 0:
                raise HcflowError(f"mode setting {name} must be an integer >= 0")
        if s.k_min < 2 or s.k_max < s.k_min:
            raise HcflowError(f"need 2 <= k_min <= k_max, got {s.k_min}..{s.k_max}")
        if s.fit_max < 10 or s.min_mode_size < 1:
            raise HcflowError("fit_max must be >= 10 and min_mode_size >= 1")
        if s.pca_components is not None and not s.pca_components > 0:
            raise HcflowError("pca_components must be > 0 (count or variance fraction)")
        if s.naming is not None and not isinstance(s.naming, dict):
            raise HcflowError("mode setting naming must be a mapping of thresholds")
        NamingCriteria.from_dict(s.naming)
        return s

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class ModeResult:
    """Modes of a set of ions (labels in the row order of the input table)."""

    method: str
    k: int
    labels: np.ndarray
    probability: np.ndarray
    bic: dict[int, float]
    bic_one: float | None
    structure_supported: bool
    stability_ari: float
    stability_ari_std: float
    confident: bool
    centroids: pd.DataFrame
    profiles: pd.DataFrame
    names: dict[int, str]
    name_basis: dict[int, dict]  #: per mode: class, purity, class fractions
    classes: pd.DataFrame  #: per ion: ion_class, class_reason, diffusive
    fractions: dict[int, float]
    counts: dict[int, int]
    embedding: np.ndarray
    features: list[str]
    n_fit: int
    notes: list[str] = field(default_factory=list)


def _fit_gmm(x: np.ndarray, k: int, seed: int) -> GaussianMixture:
    return GaussianMixture(
        k, covariance_type="full", n_init=2, random_state=seed, reg_covar=1e-4
    ).fit(x)


def select_k(x: np.ndarray, k_min: int, k_max: int, seed: int) -> dict[int, float]:
    """BIC of a Gaussian mixture for each k (lower is better)."""
    return {k: float(_fit_gmm(x, k, seed).bic(x)) for k in range(k_min, k_max + 1)}


def _reduce(x, settings: ModeSettings, notes: list[str]) -> np.ndarray:
    p = settings.pca_components
    if not p:
        return x
    if p >= 1:
        p = int(p)
        if p > x.shape[1]:
            notes.append(f"pca_components {p} > {x.shape[1]} descriptors: capped")
            p = x.shape[1]
    return PCA(p, random_state=settings.seed).fit_transform(x)


def _gmm(x, xf, s: ModeSettings, notes):
    k_cap = len(xf) // s.min_mode_size
    if k_cap < s.k_min:
        raise HcflowError(
            f"{len(xf)} ions are too few for {s.k_min} modes of at least "
            f"{s.min_mode_size} ions each"
        )
    k_hi = min(s.k_max, k_cap)
    if k_hi < s.k_max:
        notes.append(
            f"k_max capped at {k_hi}: {len(xf)} ions allow modes of "
            f">= {s.min_mode_size} ions only up to k={k_hi}"
        )
    models = {k: _fit_gmm(xf, k, s.seed) for k in range(s.k_min, k_hi + 1)}
    bic = {k: float(m.bic(xf)) for k, m in models.items()}
    k = min(bic, key=bic.get)
    bic_one = float(_fit_gmm(xf, 1, s.seed).bic(xf))
    supported = bool(min(bic.values()) < bic_one)
    if not supported:
        notes.append(
            "one Gaussian fits better (BIC) than any k >= 2: no modes in the data"
        )
    model = models[k]
    labels = model.predict(x)
    prob = model.predict_proba(x).max(axis=1)

    def refit(xb, xs, b):
        return _fit_gmm(xb, k, s.seed + 1 + b).predict(xs)

    return k, labels, prob, bic, bic_one, supported, refit


def _hdbscan(x, xf, s: ModeSettings, notes):
    from sklearn.cluster import HDBSCAN
    from sklearn.neighbors import KNeighborsClassifier

    if len(xf) < 2 * s.min_cluster_size:
        raise HcflowError(
            f"{len(xf)} ions are too few for HDBSCAN clusters of "
            f"min_cluster_size={s.min_cluster_size}"
        )

    def cluster(xb):
        return HDBSCAN(min_cluster_size=s.min_cluster_size, copy=True).fit_predict(xb)

    labels_fit = cluster(xf)
    knn = KNeighborsClassifier(5).fit(xf, labels_fit)
    labels = knn.predict(x)
    prob = knn.predict_proba(x).max(axis=1)
    k = len(set(labels_fit.tolist()) - {-1})
    if k == 0:
        notes.append("HDBSCAN found no clusters: every ion is noise")
    elif k == 1:
        notes.append("HDBSCAN found one cluster (plus noise): no mode structure")

    def refit(xb, xs, b):
        lb = cluster(xb)
        return KNeighborsClassifier(5).fit(xb, lb).predict(xs)

    return k, labels, prob, {}, None, k >= 2, refit


def find_modes(
    table: pd.DataFrame,
    settings: ModeSettings | None = None,
    describe: pd.DataFrame | None = None,
    classes: pd.DataFrame | None = None,
) -> ModeResult:
    """Cluster ions (rows of ``table``, physical units) into diffusion modes.

    Parameters
    ----------
    table
        One row per ion, one column per descriptor used for clustering
        (physical units, no missing values).
    settings
        :class:`ModeSettings`.
    describe
        Optional extra descriptor columns (same rows) used only to describe
        and name the modes (e.g. log10 D when clustering on structure).
    classes
        Per-ion classes (:func:`hcflow.analysis.naming.classify_ions`, same
        rows); when None they are computed from ``table`` and ``describe``.
    """
    s = settings or ModeSettings()
    n = len(table)
    if n < 2 * s.k_min:
        raise HcflowError(f"{n} ions are too few for {s.k_min} or more modes")
    xp = table.to_numpy(float)
    if not np.isfinite(xp).all():
        raise HcflowError("mode descriptors hold missing or infinite values")
    notes: list[str] = []
    x = StandardScaler().fit_transform(xp)
    x = _reduce(x, s, notes)
    rng = np.random.default_rng(s.seed)
    fit_idx = np.sort(rng.choice(n, min(n, s.fit_max), replace=False))
    xf = x[fit_idx]
    if n > len(fit_idx):
        notes.append(f"model selection on {len(fit_idx)} of {n} ions, all labelled")
    run = _gmm if s.method == "gmm" else _hdbscan
    k, labels, prob, bic, bic_one, supported, refit = run(x, xf, s, notes)

    sub = rng.choice(len(xf), min(len(xf), s.stability_max), replace=False)
    xs, ref = xf[sub], labels[fit_idx][sub]
    aris = []
    for b in range(s.n_bootstrap if k >= 1 else 0):
        boot = rng.choice(len(xs), len(xs), replace=True)
        aris.append(adjusted_rand_score(ref, refit(xs[boot], xs, b)))
    ari = float(np.mean(aris)) if aris else float("nan")

    full = table.copy()
    if describe is not None:
        extra = [c for c in describe.columns if c not in full.columns]
        for c in extra:
            full[c] = describe[c].to_numpy()
    full = full.reset_index(drop=True)
    if classes is None:
        classes = classify_ions(full, NamingCriteria.from_dict(s.naming))
    classes = classes.reset_index(drop=True)
    numeric = full.select_dtypes("number")
    grouped = numeric.assign(_mode=labels).groupby("_mode")
    centroids_all = grouped.mean()
    centroids_all.index.name = "mode"
    crit = NamingCriteria.from_dict(s.naming)
    names, basis = name_modes(
        labels, classes["ion_class"], centroids_all, crit.min_purity
    )
    prof = profiles(centroids_all, numeric.mean(), numeric.std(ddof=0))
    centroids = centroids_all[list(table.columns)]
    centroids = centroids[centroids.index >= 0]
    counts = pd.Series(labels).value_counts().sort_index()
    emb = PCA(min(2, x.shape[1]), random_state=s.seed).fit(xf).transform(x)
    if emb.shape[1] < 2:
        emb = np.column_stack([emb[:, 0], np.zeros(n)])
    return ModeResult(
        method=s.method,
        k=int(k),
        labels=np.asarray(labels, int),
        probability=np.asarray(prob, float),
        bic=bic,
        bic_one=bic_one,
        structure_supported=bool(supported),
        stability_ari=ari,
        stability_ari_std=float(np.std(aris)) if aris else float("nan"),
        confident=bool(supported and np.isfinite(ari) and ari >= s.stable_ari),
        centroids=centroids,
        profiles=prof,
        names=names,
        name_basis=basis,
        classes=classes,
        fractions={int(i): float(c / n) for i, c in counts.items()},
        counts={int(i): int(c) for i, c in counts.items()},
        embedding=emb,
        features=list(table.columns),
        n_fit=len(fit_idx),
        notes=notes,
    )
