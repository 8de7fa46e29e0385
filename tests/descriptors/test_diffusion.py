"""The diffusive-regime verdict and the automatic fit window: known answers."""

from __future__ import annotations

import numpy as np
import pytest

from hcflow.descriptors.diffusion import (
    DIFFUSIVE,
    NOT_DIFFUSIVE,
    UNDETERMINED,
    DiffusiveCriteria,
    choose_fit_start,
    judge,
    loglog_slope,
)
from hcflow.descriptors.settings import DescriptorSettings
from hcflow.descriptors.synthetic import (
    brownian,
    caged,
    confined_brownian,
    fractional_brownian,
    langevin,
)
from hcflow.descriptors.transport import analyse_transport

DT = 0.01  # ps: 10 fs frames


def _analyse(x, dt=DT, **settings):
    s = DescriptorSettings(**settings)
    return analyse_transport(x, s.resolve(len(x), dt), s)


def _free(n_ions, n_frames, d_A2_ps, seed, dt=DT):
    return brownian(
        n_na=n_ions, n_c=0, n_frames=n_frames, d_A2_ps=d_A2_ps, dt_ps=dt, seed=seed
    )[1]


def test_loglog_slope_of_power_laws():
    lags = np.arange(1, 200)
    for alpha in (0.0, 0.5, 1.0, 2.0):
        assert loglog_slope(3.0 * lags**alpha, lags) == pytest.approx(alpha)


def test_judge_exact_curves():
    """Noise-free curves (huge particle count): the bare thresholds decide."""
    lags = np.arange(0, 1001, dtype=float)
    c = DiffusiveCriteria(msd_min_A2=4.0)
    cases = {
        "diffusive": (0.1 * lags, True, "diffusive:"),
        "plateau": (5.0 * (1 - np.exp(-lags / 50.0)), False, "confined"),
        "ballistic": (1e-3 * lags**2, False, "ballistic"),
        "too small": (0.001 * lags, None, "run too short"),
    }
    for name, (msd, ok, words) in cases.items():
        v = judge(msd, 100, 1000, DT, 1001, 10**9, c)[0]
        assert v.diffusive is ok, name
        assert (
            v.outcome == {True: DIFFUSIVE, False: NOT_DIFFUSIVE, None: UNDETERMINED}[ok]
        )
        assert words in v.reason, name
        assert "\n" not in v.reason
    # a vibrational offset lowers the slope: 2 + 0.01 t has slope < 0.85 early
    v = judge(2.0 + 0.01 * lags, 100, 1000, DT, 1001, 10**9, c)[0]
    assert not v.diffusive and 0.6 < v.slope < 0.85


def test_less_data_never_passes_more_easily():
    """Equivalence: a slope of 1 with a wide sampling interval is undetermined,
    the same curve with a narrow one is diffusive (the old test inverted this)."""
    msd = 0.1 * np.arange(0, 131, dtype=float)  # exact line, 2.6 ps at 20 fs
    few = judge(msd, 40, 65, 0.02, 131, 1, DiffusiveCriteria())[0]
    many = judge(msd, 40, 65, 0.02, 131, 10**6, DiffusiveCriteria())[0]
    assert few.outcome == UNDETERMINED and few.diffusive is None
    assert "run too short" in few.reason and "longer" in few.reason
    assert many.outcome == DIFFUSIVE


def test_choose_fit_start_known_answer():
    """MSD = 0.1 lag (A^2): the first grid lag with MSD >= 4 A^2, i.e. >= 40."""
    msd = 0.1 * np.arange(0, 2001, dtype=float)
    start = choose_fit_start(msd, 1000, 2001, 10**9, DiffusiveCriteria())
    grid = np.unique(np.geomspace(1, 500, 60).round().astype(int))
    assert start == grid[grid >= 40][0]
    # an offset a = 2 A^2: the local slope b t / (a + b t) passes 0.85 at
    # b t = 5.7 a; the least-squares slope over [t0, 2 t0] averages it, so the
    # start lies between b t0 = 3.7 a (slope at 2 t0 is 0.85) and 5.7 a, and it
    # is the earliest grid lag passing both slope tests
    c = DiffusiveCriteria()
    msd = 2.0 + 0.1 * np.arange(0, 4001, dtype=float)
    start = choose_fit_start(msd, 2000, 4001, 10**9, c)
    assert 3.7 * 2.0 <= 0.1 * start <= 5.7 * 2.0
    grid = np.unique(np.geomspace(1, 1000, 60).round().astype(int))
    before = grid[grid < start][-1]
    assert not judge(msd, before, 2 * before, DT, 4001, 10**9, c)[0].diffusive
    assert judge(msd, start, 2 * start, DT, 4001, 10**9, c)[0].diffusive
    assert choose_fit_start(0.001 * msd, 2000, 4001, 10**9) is None


def test_free_brownian_ions_are_diffusive_and_D_recovered():
    x = _free(400, 1001, 1.0, seed=4)  # 10 ps, D = 1e-4 cm2/s (std ~1.6 %)
    r = _analyse(x)
    t = r.trajectory
    assert t["diffusive"] is True and t["diffusive_reason"].startswith("diffusive:")
    assert t["diffusion_outcome"] == DIFFUSIVE
    assert t["fit_window_auto"] is True
    assert t["D_cm2_s"] == pytest.approx(1e-4, rel=0.05)
    assert t["D_ci95_low"] <= 1e-4 <= t["D_ci95_high"]
    assert 0.85 < t["msd_loglog_slope"] < 1.15
    # the window starts where the MSD reaches the length scale (6 D t = 4 A^2)
    assert r.windows.fit_window_ps[0] == pytest.approx(4.0 / 6.0, rel=0.2)
    assert r.windows.fit_window_ps[1] == pytest.approx(5.0)
    # one ion's slope is too noisy for the equivalence test over 10 ps:
    # undetermined, but (almost) never called not diffusive
    outcomes = [v.outcome for v in r.ion_verdicts]
    assert outcomes.count(NOT_DIFFUSIVE) <= 0.05 * len(outcomes)


@pytest.mark.parametrize("kind", ["sphere", "harmonic"])
@pytest.mark.parametrize("n_frames", [301, 1001])
def test_ions_rattling_in_closed_voids_are_flagged(kind, n_frames):
    """3 A voids, short-time D 6.7e-5 cm2/s (the issue's case): long-time D = 0."""
    x = caged(n_ions=40, n_frames=n_frames, dt_ps=DT, radius_A=1.5, kind=kind)
    r = _analyse(x)
    t = r.trajectory
    assert t["diffusive"] is False and t["diffusion_outcome"] == NOT_DIFFUSIVE
    assert t["diffusive_reason"].startswith("not diffusive: confined")
    assert "automatic window: none consistent" in t["diffusive_reason"]
    assert "upper bound" in t["diffusive_reason"]
    assert t["D_cm2_s"] > 0  # kept, but marked: an upper bound
    assert not any(v.diffusive for v in r.ion_verdicts)


@pytest.mark.parametrize("radius", [3.0, 5.0])
def test_fast_ions_in_closed_spheres_are_not_called_diffusive(radius):
    """The issue's case: 12 fast ions in closed spheres, 2.6 ps at 20 fs frames
    (true long-range D = 0): never diffusive; at 10 ps called confined."""
    for seed in range(5):
        x = confined_brownian(12, radius, 5.0, 131, 0.02, seed)
        t = _analyse(x, dt=0.02).trajectory
        assert t["diffusive"] is not True, t["diffusive_reason"]
        x = confined_brownian(12, radius, 5.0, 501, 0.02, seed)
        t = _analyse(x, dt=0.02).trajectory
        assert t["diffusion_outcome"] == NOT_DIFFUSIVE, t["diffusive_reason"]
        assert "confined" in t["diffusive_reason"]


def test_fractional_brownian_ions_are_sub_diffusive():
    x = fractional_brownian(50, 2501, 0.02, alpha=0.5, seed=1)
    t = _analyse(x, dt=0.02).trajectory
    assert t["diffusion_outcome"] == NOT_DIFFUSIVE
    assert 0.4 < t["msd_loglog_slope"] < 0.6


def test_short_run_of_a_slow_diffuser_is_undetermined():
    x = _free(50, 501, 0.01, seed=2)  # D = 1e-6 cm2/s for 5 ps: MSD <= 0.15 A^2
    t = _analyse(x).trajectory
    assert t["diffusive"] is None and t["diffusion_outcome"] == UNDETERMINED
    assert "run too short" in t["diffusive_reason"]
    # the same diffuser observed 100 times longer is diffusive
    x = _free(50, 5001, 0.01, seed=2, dt=0.1)  # 500 ps at 0.1 ps frames
    assert _analyse(x, dt=0.1).trajectory["diffusive"] is True


def test_auto_window_skips_the_ballistic_regime():
    """Velocity memory tau = 0.5 ps: a window from 0.5 ps underestimates D."""
    x = langevin(n_ions=500, n_frames=1001, dt_ps=DT, d_A2_ps=1.0, tau_ps=0.5)
    auto = _analyse(x)
    fixed = _analyse(x, fit_window="fraction")
    assert auto.windows.fit_window_ps[0] > 3 * 0.5
    assert auto.trajectory["D_cm2_s"] == pytest.approx(1e-4, rel=0.05)
    assert fixed.trajectory["D_cm2_s"] < 0.8e-4
    assert fixed.trajectory["diffusive"] is False
    assert "ballistic" in fixed.trajectory["diffusive_reason"]


def test_per_ion_verdicts_separate_trapped_from_free_ions():
    free = _free(30, 1001, 1.0, seed=8)
    trapped = caged(n_ions=30, n_frames=1001, dt_ps=DT, radius_A=1.2, seed=8)
    r = _analyse(np.concatenate([free, trapped], axis=1))
    out = [v.outcome for v in r.ion_verdicts]
    assert out[30:].count(NOT_DIFFUSIVE) >= 20  # one ion's slope is noisy
    assert out[:30].count(NOT_DIFFUSIVE) <= 2
    slopes = np.array([v.slope for v in r.ion_verdicts])
    assert np.median(slopes[30:]) < 0.5 < np.median(slopes[:30])


def test_explicit_window_is_judged_not_moved():
    x = _free(50, 1001, 1.0, seed=3)
    r = _analyse(x, fit_start_ps=0.05, fit_stop_ps=2.0)
    assert r.windows.fit_window_ps == pytest.approx((0.05, 2.0))
    assert r.trajectory["fit_window_auto"] is False
    assert r.trajectory["diffusive"] is not True  # MSD 0.3 A^2 at 0.05 ps
    assert "MSD only" in r.trajectory["diffusive_reason"]
