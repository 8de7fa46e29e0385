"""Diffusion modes on planted data: k, ARI, stability, bad input.

Mode names: test_naming.py.
"""

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

from hcflow.analysis.modes import ModeSettings, find_modes
from hcflow.analysis.table import feature_matrix
from hcflow.errors import HcflowError
from tests.analysis.planted import MODE_COLS, noise, planted_modes


@pytest.mark.parametrize("k", [3, 4, 5, 6])
def test_planted_modes_recovered(k):
    table, truth = planted_modes(k, seed=k)
    res = find_modes(table, ModeSettings(k_max=8, n_bootstrap=4, seed=1))
    assert res.k == k
    assert adjusted_rand_score(truth, res.labels) >= 0.9
    assert res.stability_ari >= 0.9 and res.confident and res.structure_supported
    assert sorted(res.bic) == list(range(2, 9))  # the selection curve
    assert min(res.bic, key=res.bic.get) == k
    # centroids in physical units: each planted centre is found within 0.3
    found = res.centroids[MODE_COLS].to_numpy()
    for g in range(k):
        centre = table[truth == g].mean().to_numpy()
        assert np.min(np.linalg.norm(found - centre, axis=1)) < 0.3
    assert abs(sum(res.fractions.values()) - 1) < 1e-9


def test_noise_gives_low_stability_and_no_confident_modes():
    for seed in (0, 1):
        res = find_modes(noise(seed=seed), ModeSettings(k_max=6, n_bootstrap=5))
        assert res.stability_ari < 0.5
        assert not res.structure_supported  # one Gaussian beats k >= 2 on BIC
        assert not res.confident
        assert any("no modes" in n for n in res.notes)


def test_subsampled_selection_labels_every_ion():
    table, truth = planted_modes(4, n_per=2000, seed=7)
    res = find_modes(table, ModeSettings(fit_max=1000, k_max=6, n_bootstrap=2))
    assert res.n_fit == 1000 and len(res.labels) == 8000
    assert res.k == 4 and adjusted_rand_score(truth, res.labels) >= 0.95
    assert res.embedding.shape == (8000, 2)
    assert (res.probability > 0.5).mean() > 0.99


def test_hdbscan_option():
    table, truth = planted_modes(4, seed=4)
    res = find_modes(table, ModeSettings(method="hdbscan", n_bootstrap=2))
    assert res.k == 4 and adjusted_rand_score(truth, res.labels) >= 0.9
    res = find_modes(noise(), ModeSettings(method="hdbscan", n_bootstrap=2))
    assert res.k <= 1 and not res.confident


def test_pca_option():
    table, truth = planted_modes(3, seed=3)
    res = find_modes(table, ModeSettings(pca_components=0.9, k_max=5, n_bootstrap=2))
    assert res.k == 3 and adjusted_rand_score(truth, res.labels) >= 0.9


def test_fewer_ions_than_clusters():
    with pytest.raises(HcflowError, match="too few"):
        find_modes(planted_modes(2, n_per=1)[0], ModeSettings())
    table, _ = planted_modes(3, n_per=10, seed=0)  # 30 ions: modes of >= 10 -> k <= 3
    res = find_modes(table, ModeSettings(k_max=12, n_bootstrap=1))
    assert max(res.bic) == 3 and any("k_max capped" in n for n in res.notes)
    with pytest.raises(HcflowError, match="too few for 4 modes"):
        find_modes(table, ModeSettings(k_min=4, k_max=6))


def test_bad_settings_and_descriptors():
    with pytest.raises(HcflowError, match="unknown mode setting"):
        ModeSettings.from_dict({"kmax": 3})
    with pytest.raises(HcflowError, match="unknown mode method"):
        ModeSettings.from_dict({"method": "kmeans"})
    with pytest.raises(HcflowError, match="k_min"):
        ModeSettings.from_dict({"k_min": 5, "k_max": 3})
    table = planted_modes(2)[0]
    with pytest.raises(HcflowError, match="unknown descriptor"):
        feature_matrix(table, ["bogus"])
    t = table.assign(cn_na_c=1.0)
    _, kept, notes = feature_matrix(t, MODE_COLS)
    assert "cn_na_c" not in kept and "constant" in notes[0]
    with pytest.raises(HcflowError, match="no usable descriptor"):
        feature_matrix(t, ["cn_na_c"])
