"""Time settings in frames for one trajectory: known answers."""

import pytest

from hcflow.descriptors.settings import DescriptorSettings
from hcflow.descriptors.windows import ResolvedWindows


def test_fraction_window_of_a_100_frame_run():
    s = DescriptorSettings(fit_window="fraction", coarse_ps=1.0)
    w = s.resolve(n_frames=101, frame_dt_ps=0.5)  # a 50 ps run
    assert isinstance(w, ResolvedWindows)
    assert (w.fit_lag_start, w.fit_lag_stop) == (5, 50)  # 2.5 ps .. 25 ps
    assert w.fit_window_ps == (2.5, 25.0)
    assert w.coarse_frames == 2 and w.coarse_time_ps == 1.0
    assert w.max_lag == 50 and not w.auto_fit
    assert w.as_dict()["max_lag_ps"] == pytest.approx(25.0)


def test_auto_window_is_flagged():
    w = DescriptorSettings().resolve(n_frames=201, frame_dt_ps=0.1)
    assert w.auto_fit and w.duration_ps == pytest.approx(20.0)


def test_cutoff_defaults_do_not_read_the_environment(monkeypatch):
    monkeypatch.setenv("HCFLOW_NA_C_CUTOFF", "3.7")
    assert DescriptorSettings().na_c_cutoff == 3.0


def test_services_fill_the_cutoffs_from_the_hcflow_settings():
    from hcflow.builders.descriptors import with_default_cutoffs
    from hcflow.settings import Settings

    s = with_default_cutoffs({"fit_stop_fraction": 0.4}, Settings(na_c_cutoff=3.2))
    assert (s.na_c_cutoff, s.na_na_cutoff, s.fit_stop_fraction) == (3.2, 4.0, 0.4)
    given = with_default_cutoffs({"na_c_cutoff": 2.9}, Settings(na_c_cutoff=3.2))
    assert given.na_c_cutoff == 2.9
    assert with_default_cutoffs(None, Settings()).hash == "3df421377591"
