"""Diffusion modes: unsupervised clustering of per-ion descriptors.

Method: the chosen descriptors are standardised (z-scores), optionally reduced
by PCA, and clustered with a Gaussian mixture whose number of components k is
chosen by the lowest BIC over k = 2..k_max (model selection on a random
subsample of at most ``fit_max`` ions, then every ion is labelled by the fitted
model: this keeps 100,000 ions within seconds). HDBSCAN is the alternative
(``method="hdbscan"``; noise ions get label -1).

Stability: the model is refitted on ``n_bootstrap`` bootstrap resamples and
the adjusted Rand index (ARI) between each refit's labels and the reference
labels on the same ions is averaged. Well-separated modes give ARI near 1;
structureless data give a low ARI.

Names come from the centroid in physical units, compared with the mean over
all ions (z-score of the centroid), by these rules, first match wins:

- ``hopping``: hop rate z > 0.5 and log10 D z > 0;
- ``clustered``: Na-Na coordination or cluster size z > 0.5;
- ``void-trapped``: pore size or distance to C z > 0.5 and log10 D z < 0;
- ``carbon-bound``: Na-C coordination z > 0.5 and log10 D z < 0;
- ``fast``: log10 D z > 0.5; ``slow``: log10 D z < -0.5;
- otherwise ``intermediate``. Repeated names get a suffix (-2, -3).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.decomposition import PCA
from sklearn.metrics import adjusted_rand_score
from sklearn.mixture import GaussianMixture
from sklearn.preprocessing import StandardScaler

from hcflow.errors import HcflowError


@dataclass
class ModeSettings:
    """Settings of the mode analysis."""

    features: list[str] | None = None
    method: str = "gmm"  # gmm | hdbscan
    k_min: int = 2
    k_max: int = 12
    pca_components: int | None = None
    fit_max: int = 5000
    n_bootstrap: int = 10
    seed: int = 0
    min_cluster_size: int = 20  # hdbscan


@dataclass
class ModeResult:
    k: int
    labels: np.ndarray
    bic: dict[int, float]
    stability_ari: float
    stability_ari_std: float
    centroids: pd.DataFrame
    names: dict[int, str]
    fractions: dict[int, float]
    embedding: np.ndarray
    features: list[str]
    notes: list[str] = field(default_factory=list)


def _fit_gmm(x, k, seed):
    return GaussianMixture(
        k, covariance_type="full", n_init=2, random_state=seed, reg_covar=1e-4
    ).fit(x)


def select_k(x: np.ndarray, k_min: int, k_max: int, seed: int) -> dict[int, float]:
    """BIC of a Gaussian mixture for each k (lower is better)."""
    return {k: float(_fit_gmm(x, k, seed).bic(x)) for k in range(k_min, k_max + 1)}


def name_modes(centroids: pd.DataFrame, overall_mean, overall_std) -> dict[int, str]:
    """Physical names from centroids by the rules in the module docstring."""
    z = (centroids - overall_mean) / overall_std.replace(0, 1)

    def g(row, col):
        return float(row[col]) if col in row and np.isfinite(row[col]) else 0.0

    names, seen = {}, {}
    for k, row in z.iterrows():
        d = g(row, "log10_D")
        if g(row, "hop_rate_per_ps") > 0.5 and d > 0:
            name = "hopping"
        elif max(g(row, "cn_na_na"), g(row, "cluster_size")) > 0.5:
            name = "clustered"
        elif max(g(row, "pore_size"), g(row, "d_nearest_c")) > 0.5 and d < 0:
            name = "void-trapped"
        elif g(row, "cn_na_c") > 0.5 and d < 0:
            name = "carbon-bound"
        elif d > 0.5:
            name = "fast"
        elif d < -0.5:
            name = "slow"
        else:
            name = "intermediate"
        seen[name] = seen.get(name, 0) + 1
        names[int(k)] = name if seen[name] == 1 else f"{name}-{seen[name]}"
    return names


def find_modes(table: pd.DataFrame, settings: ModeSettings) -> ModeResult:
    """Cluster ions (rows of ``table``, physical units) into diffusion modes."""
    n = len(table)
    if n < max(3, settings.k_min * 2):
        raise HcflowError(
            f"{n} ions are too few for {settings.k_min}+ modes "
            f"(need at least {max(3, settings.k_min * 2)})"
        )
    rng = np.random.default_rng(settings.seed)
    k_max = max(settings.k_min, min(settings.k_max, n // 10 or settings.k_min))
    scaler = StandardScaler().fit(table.to_numpy(float))
    x = scaler.transform(table.to_numpy(float))
    if settings.pca_components:
        x = PCA(settings.pca_components, random_state=settings.seed).fit_transform(x)
    fit_idx = rng.choice(n, min(n, settings.fit_max), replace=False)
    xf = x[fit_idx]
    notes = []
    bic: dict[int, float] = {}
    if settings.method == "hdbscan":
        from sklearn.cluster import HDBSCAN

        labels_fit = HDBSCAN(min_cluster_size=settings.min_cluster_size).fit_predict(xf)
        from sklearn.neighbors import KNeighborsClassifier

        labels = KNeighborsClassifier(5).fit(xf, labels_fit).predict(x)
        k = len(set(labels_fit.tolist()) - {-1})

        def refit(xb):
            return HDBSCAN(min_cluster_size=settings.min_cluster_size).fit_predict(xb)
    elif settings.method == "gmm":
        bic = select_k(xf, settings.k_min, k_max, settings.seed)
        k = min(bic, key=bic.get)
        model = _fit_gmm(xf, k, settings.seed)
        labels = model.predict(x)

        def refit(xb):
            return _fit_gmm(xb, k, settings.seed).predict(xb)
    else:
        raise HcflowError(
            f"unknown mode method {settings.method!r}; use gmm or hdbscan"
        )
    aris = []
    ref = labels[fit_idx]
    for b in range(settings.n_bootstrap):
        boot = rng.choice(len(xf), len(xf), replace=True)
        aris.append(adjusted_rand_score(ref[boot], refit(xf[boot])))
        del b
    frame = table.assign(_mode=labels)
    centroids = frame[frame["_mode"] >= 0].groupby("_mode").mean()
    centroids.index.name = "mode"
    names = name_modes(centroids, table.mean(), table.std(ddof=0))
    counts = pd.Series(labels).value_counts(normalize=True)
    pcs = (
        PCA(2, random_state=settings.seed).fit_transform(x)
        if x.shape[1] >= 2
        else (np.column_stack([x[:, 0], np.zeros(n)]))
    )
    return ModeResult(
        k=int(k),
        labels=labels,
        bic=bic,
        stability_ari=float(np.mean(aris)) if aris else float("nan"),
        stability_ari_std=float(np.std(aris)) if aris else float("nan"),
        centroids=centroids,
        names=names,
        fractions={int(i): float(v) for i, v in counts.items()},
        embedding=pcs,
        features=list(table.columns),
        notes=notes,
    )
