"""Mobility drivers on planted data: ranking, intervals, honest grouped CV."""

import numpy as np
import pytest

from hcflow.analysis.drivers import DriverSettings, find_drivers
from hcflow.errors import HcflowError
from tests.analysis.planted import planted_drivers

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
