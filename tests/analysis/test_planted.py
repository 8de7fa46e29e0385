"""Known-answer tests on planted data: modes, drivers, correlations."""

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score

from hcflow.analysis.correlations import correlate, per_trajectory
from hcflow.analysis.drivers import DriverSettings, find_drivers
from hcflow.analysis.modes import ModeSettings, find_modes, name_modes
from hcflow.analysis.table import feature_matrix
from hcflow.errors import HcflowError

FEATS = ["cn_na_c", "cn_na_na", "pore_size", "log10_D", "hop_rate_per_ps"]


def planted(k, n_per=150, seed=0, sep=6.0):
    rng = np.random.default_rng(seed)
    centers = rng.normal(0, sep, (k, len(FEATS)))
    x = np.concatenate([c + rng.normal(0, 1, (n_per, len(FEATS))) for c in centers])
    labels = np.repeat(np.arange(k), n_per)
    return pd.DataFrame(x, columns=FEATS), labels


@pytest.mark.parametrize("k", [3, 4, 6])
def test_planted_modes_recovered(k):
    table, truth = planted(k, seed=k)
    res = find_modes(table, ModeSettings(k_max=8, n_bootstrap=4, seed=1))
    assert res.k == k
    assert adjusted_rand_score(truth, res.labels) >= 0.9
    assert res.stability_ari > 0.9
    assert set(res.bic) == set(range(2, 9))


def test_noise_is_not_stable():
    rng = np.random.default_rng(3)
    table = pd.DataFrame(rng.normal(size=(400, len(FEATS))), columns=FEATS)
    res = find_modes(table, ModeSettings(k_max=5, n_bootstrap=5, seed=0))
    planted_res = find_modes(
        planted(3, seed=2)[0], ModeSettings(k_max=5, n_bootstrap=5)
    )
    assert res.stability_ari < planted_res.stability_ari - 0.2 or res.k == 2


def test_mode_names_follow_rules():
    cent = pd.DataFrame(
        {
            "hop_rate_per_ps": [2.0, 0.1, 0.1],
            "log10_D": [-4.0, -6.0, -5.0],
            "cn_na_na": [0.5, 0.4, 3.0],
            "pore_size": [5.0, 9.0, 5.0],
        },
    )
    names = name_modes(cent, cent.mean(), cent.std(ddof=0))
    assert names == {0: "hopping", 1: "void-trapped", 2: "clustered"}


def test_too_few_ions_and_bad_names():
    with pytest.raises(HcflowError, match="too few"):
        find_modes(planted(2, n_per=1)[0], ModeSettings())
    with pytest.raises(HcflowError, match="unknown descriptor"):
        feature_matrix(planted(2)[0], ["bogus"])
    t = planted(2)[0].assign(cn_na_c=1.0)
    _, kept, notes = feature_matrix(t, FEATS)
    assert "cn_na_c" not in kept and "constant" in notes[0]


def drivers_data(seed=0, n_traj=12, per=30, leak=0.0):
    rng = np.random.default_rng(seed)
    names = [f"f{i}" for i in range(10)]
    x = rng.normal(size=(n_traj * per, 10))
    groups = np.repeat(np.arange(n_traj), per)
    offset = rng.normal(0, 1, n_traj)[groups] * leak
    if leak:  # a trajectory fingerprint visible in one feature: leaks the offset
        x[:, 9] = rng.normal(0, 1, n_traj)[groups] + 0.01 * rng.normal(size=len(x))
    y = 1.5 * x[:, 2] - 1.0 * x[:, 5] + 0.2 * rng.normal(size=len(x)) + offset
    return pd.DataFrame(x, columns=names), y, groups


def test_planted_drivers_ranked_first():
    x, y, groups = drivers_data()
    res = find_drivers(
        x, y, groups, DriverSettings(n_splits=3, n_repeats=3, max_iter=60)
    )
    top = res.importance["descriptor"][:2].tolist()
    assert set(top) == {"f2", "f5"}
    third_high = res.importance["high"][2:].max()
    assert res.importance["low"][:2].min() > third_high
    assert res.r2_mean > 0.8 and "GroupKFold" in res.cv


def test_grouped_cv_is_honest_under_leakage():
    x, y, groups = drivers_data(seed=1, leak=2.0)
    res = find_drivers(
        x, y, groups, DriverSettings(n_splits=3, n_repeats=2, max_iter=60)
    )
    assert res.r2_mean < res.r2_random_cv_mean - 0.1


def test_monotone_density_dependence():
    rng = np.random.default_rng(0)
    rows = []
    for t, rho in enumerate(np.linspace(0.8, 1.8, 12)):
        frac_trapped = 0.1 + 0.5 * (rho - 0.8)
        for i in range(50):
            rows.append(
                {
                    "task_id": f"t{t}",
                    "density_g_cm3": rho,
                    "na_content": 0.1,
                    "temperature_K": 1000.0,
                    "log10_D": -5 - rho + 0.1 * rng.normal(),
                    "_mode": "void-trapped" if i < frac_trapped * 50 else "hopping",
                }
            )
    ions = pd.DataFrame(rows)
    table = per_trajectory(ions, ions["_mode"])
    out = correlate(table)
    assert out["rho"].loc["frac_void-trapped", "density_g_cm3"] > 0.9
    assert out["rho"].loc["mean_log10_D", "density_g_cm3"] < -0.9
    assert np.isnan(out["rho"].loc["mean_log10_D", "na_content"])
