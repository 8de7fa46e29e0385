"""Arrhenius design estimate and the variance machinery: known answers."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from hcflow.analysis.arrhenius import KB_EV_K, ArrheniusPoint, fit_arrhenius
from hcflow.analysis.arrhenius_design import (
    between_variance,
    design_interval,
    design_line,
    line_fit,
    satterthwaite_quantile,
)


def test_design_of_the_old_demo_is_not_estimable_and_a_wide_design_is():
    demo = design_interval([1100, 1300, 1500], replicas=1, point_sigma_ln=0.5)
    assert demo["D_decades"] > 20 and demo["inv_T_span_1000_per_K"] == pytest.approx(
        1000 / 1100 - 1000 / 1500
    )
    assert "not estimable" in design_line(demo)
    wide = design_interval([450, 550, 650, 750, 900, 1100], replicas=3)
    assert wide["D_decades"] < 2 and "-> estimable" in design_line(wide)
    one = design_interval([900])
    assert one["D_decades"] is None and "fewer than 3" in design_line(one)


def test_design_matches_the_fit_of_exact_points():
    """The expected width is the fit's width when the scatter is the assumed one
    and known (normal quantile vs t: compare standard errors)."""
    temps = [500.0, 700.0, 900.0, 1100.0]
    d = design_interval(temps, 1, point_sigma_ln=0.2, t_extrapolate_K=300.0)
    pts = [
        ArrheniusPoint(
            t, 1e-5, 1e-5 * math.exp(-1.96 * 0.2), 1e-5 * math.exp(1.96 * 0.2), True
        )
        for t in temps
    ]
    res = fit_arrhenius(pts, max_decades=100)
    q_design = d["D_decades"] / (
        res["D_extrapolated_decades"] / res["interval_quantile"]
    )
    assert q_design == pytest.approx(float(stats.t.ppf(0.975, 2)), rel=1e-4)


def test_between_variance_from_replicas_is_unbiased():
    rng = np.random.default_rng(1)
    est = []
    for _ in range(400):
        x = np.repeat([1.0, 2.0, 3.0], 4)
        y = 0.5 * x + rng.normal(0, 0.3, len(x)) + rng.normal(0, 0.1, len(x))
        tau2, dof, src = between_variance(x, y, np.full(len(x), 0.01))
        est.append(tau2)
    assert src == "replicas" and dof == 9
    assert np.mean(est) == pytest.approx(0.09, rel=0.15)


def test_quantile_is_continuous_from_normal_to_t():
    s2 = np.full(5, 0.01)
    assert satterthwaite_quantile(0.0, 3, s2) == pytest.approx(1.959964, rel=1e-5)
    assert satterthwaite_quantile(1e-9, 3, s2) == pytest.approx(1.959964, rel=1e-3)
    assert satterthwaite_quantile(100.0, 3, s2) == pytest.approx(3.182, rel=1e-2)
    qs = [satterthwaite_quantile(t, 3, s2) for t in np.linspace(0, 0.1, 50)]
    assert np.all(np.diff(qs) >= 0) and np.max(np.diff(qs)) < 0.2


def test_line_fit_recovers_a_planted_slope():
    x = 1 / (KB_EV_K * np.array([500.0, 700.0, 900.0, 1100.0]))
    lf = line_fit(x, -0.3 * x + 1.0, np.full(4, 0.1))
    assert lf.coef[1] == pytest.approx(-0.3) and lf.tau2 == 0.0


def test_mode_point_of_undetermined_members_is_undetermined():
    import pandas as pd

    from hcflow.analysis.arrhenius_groups import ArrheniusSettings, mode_points

    rows = [
        {
            "mode_name": "free",
            "task_id": "t1",
            "temperature_K": 900.0,
            "D_cm2_s": 1e-5 * (1 + 0.1 * i),
            "diffusive": None if i < 3 else True,
            "diffusion_outcome": "undetermined" if i < 3 else "diffusive",
            "hop_rate_per_ps": 0.1,
        }
        for i in range(5)
    ]
    (point,) = mode_points(pd.DataFrame(rows), ArrheniusSettings())["free"]["D"]
    assert point.diffusion_outcome == "undetermined" and point.diffusive is None
    res = fit_arrhenius([point])
    assert res["points"][0]["reason"] == "undetermined (run too short)"
