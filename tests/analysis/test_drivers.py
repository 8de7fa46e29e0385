"""Mobility drivers on planted data: ranking, intervals, honest grouped CV,
within-system models, proxies, censoring and the noise ceiling."""

import numpy as np
import pytest

from hcflow.analysis.driver_checks import (
    brownian_log10_spread,
    censor_log10_d,
    detection_limit,
)
from hcflow.analysis.drivers import DriverSettings, find_drivers
from hcflow.descriptors.dynamic import fit_slopes, msd_fft
from hcflow.errors import HcflowError
from tests.analysis.planted import planted_drivers, planted_systems

FAST = {"n_splits": 3, "n_repeats": 3, "max_iter": 60}


def test_planted_drivers_ranked_first_with_separated_intervals():
    x, y, groups = planted_drivers()
    res = find_drivers(x, y, groups, DriverSettings(**FAST))
    imp = res.importance
    assert imp["descriptor"][:2].tolist() == ["f2", "f5"]  # 1.5 f2 > 1.0 f5
    assert imp["low"][:2].min() > imp["high"][2:].max()
    assert res.r2_mean > 0.8 and res.r2_linear_mean > 0.9  # linear truth
    assert "GroupKFold" in res.cv and res.n_folds == 3 and res.n_groups == 12
    assert res.accuracy_mean > 0.8 and abs(res.mobile_fraction - 0.5) < 0.01
    assert set(res.importance_class["descriptor"][:2]) == {"f2", "f5"}
    pd2 = res.partial_dependence["f2"]
    slope = np.polyfit(pd2["grid"], pd2["average"], 1)[0]
    assert 1.0 < slope < 2.0  # planted slope 1.5
    assert (
        res.partial_dependence["f5"]["average"][0]
        > (res.partial_dependence["f5"]["average"][-1])
    )


def test_grouped_cv_is_honest_under_leakage():
    x, y, groups = planted_drivers(seed=1, leak=2.0)
    res = find_drivers(x, y, groups, DriverSettings(**FAST))
    assert res.r2_mean < res.r2_random_cv_mean - 0.1
    # without leakage the two agree
    x, y, groups = planted_drivers(seed=1)
    res = find_drivers(x, y, groups, DriverSettings(**FAST))
    assert abs(res.r2_mean - res.r2_random_cv_mean) < 0.05


def test_missing_values_and_fallbacks():
    x, y, groups = planted_drivers(seed=2)
    x.loc[::7, "f3"] = np.nan  # e.g. pore_tortuosity null: no percolating path
    res = find_drivers(x, y, np.zeros(len(y)), DriverSettings(**FAST))
    assert "one trajectory" in res.notes[0] and "KFold" in res.cv
    assert np.isfinite(res.r2_linear_mean)
    with pytest.raises(HcflowError, match="constant"):
        find_drivers(x, np.ones(len(y)), groups, DriverSettings(**FAST))
    with pytest.raises(HcflowError, match="need >= 10"):
        find_drivers(x[:5], y[:5], groups[:5], DriverSettings(**FAST))
    with pytest.raises(HcflowError, match="unknown driver setting"):
        DriverSettings.from_dict({"folds": 3})


def test_within_system_model_finds_the_driver_and_names_the_proxy():
    x, y, groups, systems, variables = planted_systems()
    res = find_drivers(
        x, y, groups, DriverSettings(**FAST), systems=systems, variables=variables
    )
    # across systems the density proxy carries the between-system spread
    assert res.r2_clears_zero and res.r2_ci95_low > 0.5
    assert res.importance["descriptor"][0] == "tortuosity"
    assert res.proxies["tortuosity"]["variable"] == "density_g_cm3"
    assert res.proxies["tortuosity"]["between_fraction"] > 0.9
    assert res.importance.set_index("descriptor")["proxy_of"]["tortuosity"] == (
        "density_g_cm3"
    )
    assert "f_drive" not in res.proxies and "Proxies" in res.verdict
    # within systems (density held fixed) the real driver comes first
    w = res.within
    assert w["n_systems"] == 6 and w["r2_clears_zero"]
    assert w["importance"][0]["descriptor"] == "f_drive"
    imp = {r["descriptor"]: r for r in w["importance"]}
    assert imp["f_drive"]["low"] > imp["tortuosity"]["high"]
    # planted within-system R2: 0.64 / (0.64 + 0.09)
    assert w["r2_pooled"] == pytest.approx(0.64 / 0.73, abs=0.1)


def test_no_signal_withholds_importances_and_says_so():
    x, _, groups, systems, variables = planted_systems(seed=3)
    y = np.random.default_rng(4).normal(size=len(x))  # nothing predicts it
    res = find_drivers(
        x, y, groups, DriverSettings(**FAST), systems=systems, variables=variables
    )
    assert not res.r2_clears_zero and res.r2_ci95_low <= 0
    assert res.importance.empty and res.importance_class.empty
    assert res.importance_withheld and "does not clear zero" in res.verdict
    assert not res.within["r2_clears_zero"] and res.within["importance"] == []
    assert res.partial_dependence == {}


def test_censoring_at_the_detection_limit():
    d = np.array([1e-5, 2e-7, 0.0, -3e-6, np.nan])
    lim = detection_limit([[1.0, 10.0]] * 5, 1.0)  # 1 A^2 / 60 ps
    assert lim[0] == pytest.approx(1.0 / 60.0 * 1e-4)
    y, censored, notes = censor_log10_d(d, lim)
    assert censored.tolist() == [False, True, True, True, False]
    np.testing.assert_allclose(y[1:4], np.log10(lim[0]))  # at the limit, not -12
    assert y[0] == pytest.approx(-5.0) and np.isnan(y[4]) and not notes
    y, censored, notes = censor_log10_d(d[:3], [np.nan] * 3)
    assert (
        censored.tolist() == [False, False, True]
        and "without a fit window" in (notes[0])
    )


def test_noise_ceiling_of_identical_brownian_ions():
    # the simulated scatter agrees with the exact OLS variance (test_dynamic)
    from tests.descriptors.test_dynamic import _ols_theory

    var = brownian_log10_spread(400, 20, 100, 1e-6, n_ions=2000, seed=1)
    mean, std = _ols_theory(400, 20, 100, 1.0, 1.0)
    assert np.sqrt(var) == pytest.approx(std / mean / np.log(10), rel=0.25)
    # ions that differ only by noise (another sample of the same Brownian
    # ions, D = 0.3 A^2/ps, detection limit 0.05): the ceiling is about zero
    lim = 0.05 / 0.3
    var = brownian_log10_spread(400, 20, 100, lim, n_ions=1000, seed=1)
    x = np.cumsum(np.random.default_rng(7).normal(0, np.sqrt(0.6), (400, 1000, 3)), 0)
    lags = np.arange(20, 101)
    d = fit_slopes(msd_fft(x)[lags], lags, 1.0) / 6.0
    y = np.log10(np.maximum(d, 0.05))
    assert 1 - var / np.var(y) == pytest.approx(0.0, abs=0.15)


def test_driver_cv_helpers_known_answers():
    import numpy as np

    from hcflow.analysis.driver_cv import grouped_folds, mean_std, verdict_text

    assert mean_std([1.0, 3.0, float("nan")]) == (2.0, 1.0)
    assert all(np.isnan(mean_std([float("nan")])))
    notes: list[str] = []
    folds, name = grouped_folds(6, np.array([0, 0, 1, 1, 2, 2]), 5, 0, notes)
    assert name == "GroupKFold by trajectory (3 folds)" and len(folds) == 3
    assert notes == ["3 trajectories: 3 grouped folds"]
    for train, test in folds:  # a trajectory is never on both sides
        assert len({t // 2 for t in test}) == 1 and not set(train) & set(test)
    assert "importances are reported" in verdict_text("x", 0.1, 0.4, None)
    assert "no driver is named" in verdict_text("x", -0.1, 0.4, 0.5)
