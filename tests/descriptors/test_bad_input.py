"""Bad input: one-line HcflowErrors that name the problem."""

from __future__ import annotations

import numpy as np
import pytest

from hcflow.descriptors.compute import compute_descriptors
from hcflow.descriptors.settings import DescriptorSettings
from hcflow.descriptors.synthetic import brownian
from hcflow.errors import HcflowError


def _traj(n_frames=50, n_na=4):
    _, pos, cells, numbers = brownian(n_na=n_na, n_c=10, n_frames=n_frames, box=10.0)
    return pos, cells, numbers


def _one_line(exc_info) -> str:
    msg = str(exc_info.value)
    assert "\n" not in msg
    return msg


def test_trajectory_shorter_than_fit_window_names_both_lengths():
    pos, cells, numbers = _traj(n_frames=50)  # 4.9 ps
    with pytest.raises(HcflowError) as exc:
        compute_descriptors(
            pos, cells, numbers, 0.1, {"fit_start_ps": 1.0, "fit_stop_ps": 20.0}
        )
    msg = _one_line(exc)
    assert "4.9 ps" in msg and "1-20 ps" in msg


def test_too_few_frames_for_fraction_window():
    pos, cells, numbers = _traj(n_frames=8)
    with pytest.raises(HcflowError, match="fewer than min_fit_points"):
        compute_descriptors(pos, cells, numbers, 0.1)


def test_no_na():
    pos, cells, numbers = _traj()
    with pytest.raises(HcflowError, match="no Na atoms"):
        compute_descriptors(pos, cells, np.full_like(numbers, 6), 0.1)


@pytest.mark.parametrize("field", ["na_c_cutoff", "na_na_cutoff", "local_radius"])
@pytest.mark.parametrize("value", [0.0, -1.0])
def test_nonpositive_cutoffs(field, value):
    with pytest.raises(HcflowError, match=f"{field} must be > 0") as exc:
        DescriptorSettings.from_any({field: value})
    _one_line(exc)


def test_unknown_and_inconsistent_settings():
    with pytest.raises(HcflowError, match="unknown descriptor settings"):
        DescriptorSettings.from_any({"cutoff": 3})
    with pytest.raises(HcflowError, match="fit_start_ps and fit_stop_ps"):
        DescriptorSettings(fit_start_ps=1.0)
    with pytest.raises(HcflowError, match="fit window fractions"):
        DescriptorSettings(fit_start_fraction=0.5, fit_stop_fraction=0.2)
    with pytest.raises(HcflowError, match="invalid descriptor setting"):
        DescriptorSettings.from_any({"na_c_cutoff": "abc"})
    with pytest.raises(HcflowError, match="fit_weighting"):
        DescriptorSettings.from_any({"fit_weighting": "bootstrap"})
    with pytest.raises(HcflowError, match="diffusive slope band"):
        DescriptorSettings.from_any({"diffusive_slope_min": 1.2})
    with pytest.raises(HcflowError, match="fit_min_span"):
        DescriptorSettings.from_any({"fit_min_span": 1.0})


def test_explicit_window_longer_than_run_fails_in_every_mode():
    pos, cells, numbers = _traj(n_frames=50)  # 4.9 ps
    for mode in ("auto", "fraction"):
        with pytest.raises(HcflowError, match="shorter than the fit window") as exc:
            compute_descriptors(
                pos,
                cells,
                numbers,
                0.1,
                {"fit_window": mode, "fit_start_ps": 0.5, "fit_stop_ps": 6.0},
            )
        _one_line(exc)


def test_settings_hash_changes_with_any_setting():
    base = DescriptorSettings()
    assert base.hash == DescriptorSettings().hash
    assert base.hash != DescriptorSettings(na_c_cutoff=3.2).hash
    assert base.hash != DescriptorSettings(fit_stop_fraction=0.4).hash
    assert len(base.hash) == 12
