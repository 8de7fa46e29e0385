"""The time settings of one trajectory in frames (:class:`ResolvedWindows`).

:meth:`hcflow.descriptors.settings.DescriptorSettings.resolve` makes one from
the settings, the frame count and the frame interval.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ResolvedWindows:
    """Time settings of one trajectory in frames (lags counted in frames)."""

    frame_dt_ps: float
    duration_ps: float
    fit_lag_start: int
    fit_lag_stop: int
    coarse_frames: int
    max_lag: int
    #: the start is still to be chosen from the MSD (fit_window="auto")
    auto_fit: bool = False

    @property
    def fit_window_ps(self) -> tuple[float, float]:
        return (
            self.fit_lag_start * self.frame_dt_ps,
            self.fit_lag_stop * self.frame_dt_ps,
        )

    @property
    def coarse_time_ps(self) -> float:
        return self.coarse_frames * self.frame_dt_ps

    def as_dict(self) -> dict[str, Any]:
        return {
            "frame_dt_ps": self.frame_dt_ps,
            "duration_ps": self.duration_ps,
            "fit_window_ps": list(self.fit_window_ps),
            "fit_window_auto": self.auto_fit,
            "coarse_time_ps": self.coarse_time_ps,
            "max_lag_ps": self.max_lag * self.frame_dt_ps,
        }
