"""The stationarity criterion of equilibration, on series with known answers."""

import numpy as np
import pytest

from hcflow.md.equilibration import (
    CHECK_EVERY,
    SAMPLE_EVERY,
    Equilibration,
    compare_windows,
    next_stop,
    window_stats,
)


def _feed(eq: Equilibration, temperatures, energies) -> int | None:
    """Stop at every sample step as a runner does; the step production starts."""
    step = 0
    for t, e in zip(temperatures, energies, strict=True):
        step = eq.next_stop(step)
        if eq.observe(step, t, e):
            return step
    return None


def test_window_stats_standard_error_of_white_noise():
    rng = np.random.default_rng(0)
    ses = [window_stats(rng.normal(5.0, 2.0, 500))[1] for _ in range(400)]
    # SE of the mean of 500 samples of sd 2: 2 / sqrt(500) = 0.089
    assert np.mean(ses) == pytest.approx(2 / np.sqrt(500), rel=0.1)


def test_compare_windows_flags_a_drift():
    rng = np.random.default_rng(1)
    flat = rng.normal(0, 1, 200)
    assert compare_windows(flat, 100)["agree"]
    drift = flat + np.linspace(0, 10, 200)  # 5 sd between the window means
    out = compare_windows(drift, 100)
    assert not out["agree"] and out["means"][1] > out["means"][0] + 3


def test_stationary_series_starts_production_at_the_minimum():
    rng = np.random.default_rng(2)
    eq = Equilibration(min_steps=1000, max_steps=5000)
    n = 500
    start = _feed(eq, rng.normal(300, 10, n), rng.normal(-50, 0.1, n))
    assert start == 1000 and eq.stationary is True and eq.done_at == 1000
    rec = eq.record({"friction_per_ps": 10.0, "taut_fs": 100.0})
    assert rec["steps"] == 1000 and rec["stationary"] is True
    assert rec["thermostat"] == "langevin" and rec["taut_fs"] is None
    assert "windows of 500 steps" in rec["criterion"]


def test_relaxing_energy_equilibrates_later():
    """An exponential relaxation (time constant 800 steps) fails the first
    checks and passes once the remaining drift is below the noise."""
    rng = np.random.default_rng(3)
    steps = np.arange(1, 1001) * SAMPLE_EVERY
    energy = -50 + 5 * np.exp(-steps / 800) + rng.normal(0, 0.1, len(steps))
    temps = rng.normal(300, 10, len(steps))
    eq = Equilibration(min_steps=400, max_steps=10000)
    start = _feed(eq, temps, energy)
    assert eq.stationary is True
    assert 1000 < start < 8000 and start % CHECK_EVERY == 0  # not at 400
    # the drift left over a window is now within ~2 combined SEs
    assert eq.last_check["energy_eV"]["agree"]


def test_never_stationary_stops_at_the_maximum():
    steps = np.arange(1, 301) * SAMPLE_EVERY
    eq = Equilibration(min_steps=200, max_steps=1500)
    start = _feed(eq, 300 + 0.5 * steps, -50 + 0.0 * steps)  # heating steadily
    assert start == 1500 and eq.stationary is False
    assert eq.record()["stationary"] is False


def test_short_and_no_equilibration_are_not_judged():
    eq = Equilibration(min_steps=50, max_steps=250)
    assert _feed(eq, [300.0] * 10, [-5.0] * 10) == 50
    assert eq.stationary is None and "fixed length" in eq.record()["criterion"]
    none = Equilibration(min_steps=0, max_steps=0)
    assert none.done_at == 0 and none.record()["steps"] == 0


def test_schedule_and_checkpoint_state():
    eq = Equilibration(min_steps=155, max_steps=400)
    assert [eq.next_stop(s) for s in (0, 150, 155, 390)] == [10, 155, 160, 400]
    # production: frames and checkpoints
    eq.done_at = 160
    assert next_stop(160, eq, 25, 100, None) == 185
    assert next_stop(250, eq, 25, 100, 200) == 260  # the run's last step
    assert next_stop(170, eq, 25, 100, 180) == 180  # a checkpoint first
    copy = Equilibration(min_steps=155, max_steps=400)
    eq.temperatures = [1.0, 2.0]
    copy.restore(eq.state())
    assert copy.done_at == 160 and copy.temperatures == [1.0, 2.0]
