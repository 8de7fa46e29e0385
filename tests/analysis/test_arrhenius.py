"""Arrhenius fit: known activation energy from synthetic Brownian trajectories."""

from __future__ import annotations

import math

import numpy as np
import pytest

from hcflow.analysis.arrhenius import KB_EV_K, ArrheniusPoint, fit_arrhenius
from hcflow.descriptors.settings import DescriptorSettings
from hcflow.descriptors.synthetic import brownian
from hcflow.descriptors.transport import analyse_transport
from hcflow.schemas.arrhenius import ArrheniusDoc

EA, D0 = 0.25, 1e-3  # eV, cm2/s


def _d(temperature):
    return D0 * math.exp(-EA / (KB_EV_K * temperature))


def _summary(temperature, n_frames=2000, dt=0.1, n_ions=100, seed=0):
    """Tracer D, interval and verdict of Brownian ions at D(T) (A^2/ps = 1e4 x)."""
    x = brownian(
        n_na=n_ions,
        n_c=0,
        n_frames=n_frames,
        d_A2_ps=_d(temperature) * 1e4,
        dt_ps=dt,
        seed=seed,
    )[1]
    s = DescriptorSettings()
    t = analyse_transport(x, s.resolve(n_frames, dt), s).trajectory
    return t | {"temperature_K": temperature, "task_id": f"T{temperature}"}


def test_known_activation_energy_recovered_from_brownian_trajectories():
    temps = [600, 750, 900, 1050, 1200]
    points = [_summary(t, seed=i) for i, t in enumerate(temps)]
    # a short run at 500 K is too short to judge: excluded with its reason
    points.append(_summary(500, n_frames=100, seed=9))
    res = fit_arrhenius(points, t_extrapolate_K=300.0)
    assert res["state"] == "fitted" and res["reason"] is None
    assert res["n_points_used"] == 5 and res["n_temperatures_used"] == 5
    excluded = [p for p in res["points"] if not p["used"]]
    assert len(excluded) == 1 and excluded[0]["temperature_K"] == 500
    assert excluded[0]["reason"] == "undetermined (run too short)"
    assert res["Ea_eV"] == pytest.approx(EA, abs=0.02)
    assert res["Ea_ci95_low"] <= EA <= res["Ea_ci95_high"]
    lo, hi = res["D_extrapolated_ci95_low"], res["D_extrapolated_ci95_high"]
    assert lo <= _d(300.0) <= hi
    assert res["prefactor_ci95_low"] <= D0 <= res["prefactor_ci95_high"]
    doc = ArrheniusDoc(arrhenius_key="k", settings_hash="h", mobile_species="Na", **res)
    assert doc.points[0].used and doc.n_points_excluded == 1


def _exact(temps, ea=EA, rel=0.05, **kw):
    return [
        ArrheniusPoint(
            temperature_K=t,
            D_cm2_s=_d(t) if ea == EA else D0 * math.exp(-ea / (KB_EV_K * t)),
            D_ci95_low=_d(t) * math.exp(-1.96 * rel),
            D_ci95_high=_d(t) * math.exp(1.96 * rel),
            diffusive=True,
            **kw,
        )
        for t in temps
    ]


def test_exact_points_give_exact_line_and_propagated_interval():
    temps = [500.0, 700.0, 900.0, 1100.0]
    res = fit_arrhenius(_exact(temps))
    assert res["Ea_eV"] == pytest.approx(EA, rel=1e-9)
    assert res["prefactor_cm2_s"] == pytest.approx(D0, rel=1e-9)
    assert res["chi2_reduced"] == pytest.approx(0.0, abs=1e-12)
    # no excess scatter: standard errors from the per-point sigma = 0.05 alone;
    # without replicas the quantile is Student-t with n - 2 dof (Knapp-Hartung)
    x = 1 / (KB_EV_K * np.array(temps))
    se = 0.05 / np.sqrt(np.sum((x - x.mean()) ** 2))
    assert res["Ea_ci95_high"] - EA == pytest.approx(4.3027 * se, rel=1e-4)
    assert res["interval_scale"] == 1.0
    assert res["between_structure_sd_ln"] == 0.0


def test_scatter_beyond_the_intervals_widens_them():
    pts = _exact([500.0, 700.0, 900.0, 1100.0, 1300.0], rel=0.01)
    noisy = [
        ArrheniusPoint(
            p.temperature_K, p.D_cm2_s * f, p.D_ci95_low * f, p.D_ci95_high * f, True
        )
        for p, f in zip(pts, [1.3, 0.8, 1.2, 0.75, 1.1], strict=True)
    ]
    res = fit_arrhenius(noisy)
    assert res["chi2_reduced"] > 1 and res["interval_scale"] > 1
    assert res["between_structure_source"] == "residuals"
    assert res["between_structure_sd_ln"] > 0.1


def _widths(factor):
    """Ea interval width of 5 points whose scatter is scaled by ``factor``."""
    pts = _exact([500.0, 700.0, 900.0, 1100.0, 1300.0], rel=0.1)
    offsets = np.array([0.1, -0.1, 0.1, -0.1, 0.05]) * factor
    scaled = [
        ArrheniusPoint(
            p.temperature_K,
            p.D_cm2_s * math.exp(o),
            p.D_ci95_low * math.exp(o),
            p.D_ci95_high * math.exp(o),
            True,
        )
        for p, o in zip(pts, offsets, strict=True)
    ]
    res = fit_arrhenius(scaled)
    return res["chi2_reduced"], res["Ea_ci95_high"] - res["Ea_ci95_low"]


def test_no_jump_at_reduced_chi2_of_one():
    """The interval widens continuously as the scatter grows through chi2 = 1
    (the old rule switched from the normal to the t quantile: 11x at 1)."""
    factors = np.linspace(0.5, 3.0, 60)
    chi2, width = np.array([_widths(f) for f in factors]).T
    assert chi2.min() < 1.0 < chi2.max()
    k = int(np.searchsorted(chi2, 1.0))
    assert width[k] / width[k - 1] < 1.05
    assert np.all(np.diff(width) >= -1e-12)
    assert np.max(width[1:] / width[:-1]) < 1.2


def test_replicas_estimate_the_between_structure_variance():
    """3 replicas per temperature scattering by tau = 0.4 in ln D around the
    line, each with a tight interval: tau comes from the replicas."""
    rng = np.random.default_rng(0)
    temps = np.repeat([600.0, 800.0, 1000.0, 1200.0], 3)
    pts = []
    for t in temps:
        d = _d(t) * math.exp(rng.normal(0, 0.4))
        pts.append(ArrheniusPoint(t, d, d * math.exp(-0.1), d * math.exp(0.1), True))
    res = fit_arrhenius(pts, max_decades=50)
    assert res["between_structure_source"] == "replicas"
    assert 0.2 < res["between_structure_sd_ln"] < 0.7
    assert res["Ea_ci95_low"] <= EA <= res["Ea_ci95_high"]


def test_wide_extrapolation_is_not_estimable():
    """Three temperatures at 1100-1500 K with 30 % errors: D(300 K) spans many
    decades, so the fit is not estimable (not valid) and says why."""
    pts = _exact([1100.0, 1300.0, 1500.0], rel=0.3)
    res = fit_arrhenius(pts)
    assert res["state"] == "fitted" and res["D_extrapolated_decades"] > 2
    assert res["estimable"] is False and res["valid"] is False
    assert res["validity"].startswith("not estimable:")
    assert "hcflow study plan" in res["validity"]
    ok = fit_arrhenius(_exact([500.0, 700.0, 900.0, 1100.0], rel=0.05))
    assert ok["estimable"] is True and ok["valid"] is True


def test_regime_flags_leave_points_out_or_mark_them():
    pts = _exact([500.0, 700.0, 900.0, 1100.0, 1200.0])
    boil = [{"flag": "above_boiling_point", "reason": "x"}]
    fluid = [{"flag": "fluid_ions", "reason": "y"}]
    pts[-1] = ArrheniusPoint(**{**pts[-1].__dict__, "regime": boil})
    pts[0] = ArrheniusPoint(**{**pts[0].__dict__, "regime": fluid})
    res = fit_arrhenius(pts)
    assert res["n_points_used"] == 4
    assert res["points"][-1]["reason"] == "regime: above_boiling_point"
    assert res["regime_marked"] == ["fluid_ions"]
    assert "points flagged fluid_ions" in res["validity"]
    doc = ArrheniusDoc(arrhenius_key="k", settings_hash="h", **res)
    assert doc.points[0].regime == fluid


def test_every_replica_undetermined_is_a_result_with_a_reason():
    pts = [
        ArrheniusPoint(t, 1e-5, 1e-6, 2e-5, None, diffusion_outcome="undetermined")
        for t in (600.0, 600.0, 800.0, 1000.0)
    ]
    res = fit_arrhenius(pts)
    assert res["state"] == "insufficient"
    assert "4 undetermined (run too short)" in res["reason"]


def test_too_few_temperatures_is_a_result_with_a_reason():
    pts = _exact([600.0, 900.0])
    pts.append(ArrheniusPoint(1200.0, 1e-5, 1e-6, 2e-5, False, "sub-diffusive: x"))
    pts.append(ArrheniusPoint(1300.0, None, None, None, None))
    res = fit_arrhenius(pts)
    assert res["state"] == "insufficient"
    assert res["reason"].startswith("2 usable temperature(s)")
    assert "\n" not in res["reason"]
    reasons = [p["reason"] for p in res["points"]]
    assert reasons == [None, None, "not diffusive (sub-diffusive: x)", "no D"]
    assert "Ea_eV" not in res
    doc = ArrheniusDoc(arrhenius_key="k", settings_hash="h", **res)
    assert doc.Ea_eV is None and doc.state == "insufficient"


def test_point_checks():
    ok = dict(temperature_K=800.0, D_cm2_s=1e-5, D_ci95_low=0.0, D_ci95_high=2e-5)
    cases = {
        "no temperature": ok | {"temperature_K": None},
        "no diffusive verdict": ok | {"diffusive": None},
        "D <= 0": ok | {"D_cm2_s": 0.0, "diffusive": True},
        "no usable 95 % interval": ok | {"D_ci95_high": None, "diffusive": True},
    }
    for reason, fields in cases.items():
        fields.setdefault("diffusive", True)
        res = fit_arrhenius([fields])
        assert res["points"][0]["reason"] == reason
    # a zero lower bound: sigma from the upper half of the interval
    res = fit_arrhenius([ok | {"diffusive": True}])
    assert res["points"][0]["sigma_ln_D"] == pytest.approx(math.log(2) / 1.96, rel=1e-4)


def test_band_at_the_extrapolation_temperature_matches_its_interval():
    from hcflow.analysis.arrhenius import ln_d_band

    res = fit_arrhenius(_exact([500.0, 700.0, 900.0, 1100.0]), t_extrapolate_K=300.0)
    ln_d, lo, hi = ln_d_band(res, np.array([300.0, 700.0]))
    assert math.exp(ln_d[0]) == pytest.approx(res["D_extrapolated_cm2_s"])
    assert math.exp(lo[0]) == pytest.approx(res["D_extrapolated_ci95_low"])
    assert math.exp(hi[0]) == pytest.approx(res["D_extrapolated_ci95_high"])
    assert hi[1] - lo[1] < hi[0] - lo[0]  # narrower inside the fitted range
