"""Settings of the per-ion descriptor analysis (``DescriptorSettings``).

Every value that changes a descriptor is a field here; ``hash`` (12 hex
characters of the sorted JSON) keys the documents, so a changed cutoff or fit
window builds a new, separate set and leaves the old one queryable.

Time settings can be absolute (ps) or fractions of the trajectory duration;
:meth:`DescriptorSettings.resolve` turns them into frame counts for one
trajectory and raises a one-line :class:`~hcflow.errors.HcflowError` when the
trajectory is too short (naming both lengths).

Units: A, ps. Defaults: Na-C cutoff 3.0 A, Na-Na cutoff 4.0 A (the values of
the reference study's scale: the first minimum of Na-C g(r) in Na/C MLIP MD
lies near 3 A, of Na-Na g(r) near 4 A; they were not re-fitted here), local
carbon-density radius 6 A, structural descriptors on every 10th frame,
diffusion fit window from 5 % to 25 % of the trajectory duration (long
lags have few independent time origins: on Brownian test data this window
gives per-ion D_i with about two thirds of the scatter of a 10-50 % window).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from hcflow.errors import HcflowError
from hcflow.schemas.common import settings_hash


def _configured(name: str) -> float:
    """A default from the hcflow settings (environment / stores file): every
    entry point (CLI, builder constructor, maggma runner) gets the same one."""
    from hcflow.settings import get_settings

    return float(getattr(get_settings(), name))


class DescriptorSettings(BaseModel):
    """Cutoffs, windows and hop parameters of the descriptor analysis (A, ps)."""

    model_config = ConfigDict(extra="forbid")

    na_c_cutoff: float = Field(
        default_factory=lambda: _configured("na_c_cutoff"),
        description="Na-C coordination cutoff (A); default HCFLOW_NA_C_CUTOFF.",
    )
    na_na_cutoff: float = Field(
        default_factory=lambda: _configured("na_na_cutoff"),
        description="Na-Na coordination and cluster cutoff (A); default "
        "HCFLOW_NA_NA_CUTOFF.",
    )
    local_radius: float = Field(
        6.0, description="Radius of the sphere for the local carbon density (A)."
    )
    structural_stride: int = Field(
        10,
        description="Structural descriptors are evaluated on every n-th frame of "
        "the analysis window (1 = every frame).",
    )
    pore_frames: int = Field(
        3,
        description="Frames (evenly spread) on which the pore analysis "
        "(distance-to-carbon grid, voids, tortuosity) is run.",
    )
    pore_grid_spacing: float = Field(0.5, description="Pore grid spacing (A).")
    pore_probe_radius: float = Field(
        2.3,
        description="A point is accessible to Na when its distance to the nearest "
        "C centre is at least this (A); defines voids and the pore network.",
    )
    pore_tortuosity_spacing: float = Field(
        0.5, description="Grid spacing of the tortuosity shortest-path graph (A)."
    )
    pore_snap_A: float = Field(
        1.5,
        description="Local tortuosity is read at the nearest accessible voxel "
        "within this distance of the ion (A).",
    )
    fit_start_ps: float | None = Field(
        None, description="Start of the MSD fit window (ps); None: use the fraction."
    )
    fit_stop_ps: float | None = Field(
        None, description="End of the MSD fit window (ps); None: use the fraction."
    )
    fit_start_fraction: float = Field(
        0.05, description="Start of the fit window as a fraction of the duration."
    )
    fit_stop_fraction: float = Field(
        0.25, description="End of the fit window as a fraction of the duration."
    )
    fit_weighting: str = Field(
        "none",
        description="MSD fit weights: 'none' (ordinary least squares) or "
        "'inverse_lag' (weights 1/lag, as pymatgen's DiffusionAnalyzer "
        "smoothed='max').",
    )
    drift_correction: bool = Field(
        True,
        description="Subtract the mean displacement of the non-Na atoms (the "
        "framework) from the Na displacements, as pymatgen does.",
    )
    min_fit_points: int = Field(
        5, description="Fewest lag times in the fit window (else an error)."
    )
    coarse_ps: float = Field(
        1.0,
        description="Coarse-graining time (ps) for hops, path tortuosity and the "
        "non-Gaussian parameter; at least one frame interval is used.",
    )
    hop_threshold_A: float = Field(
        1.5,
        description="A hop: the coarse-grained position leaves its residence "
        "site (running mean of its coarse positions) by more than this (A).",
    )
    msd_points: int = Field(
        60, description="Log-spaced lag times of the MSD curve stored per ion."
    )
    max_lag_fraction: float = Field(
        0.5, description="Longest stored MSD lag as a fraction of the duration."
    )
    n_blocks: int = Field(
        5, description="Time-origin blocks for the bootstrap of the collective D."
    )
    n_bootstrap: int = Field(
        1000, description="Bootstrap resamples (ions x time-origin blocks)."
    )
    bootstrap_lags: int = Field(
        16, description="Lag times in the fit window used for the bootstrap."
    )
    seed: int = Field(0, description="Seed of the bootstrap.")

    @field_validator(
        "na_c_cutoff",
        "na_na_cutoff",
        "local_radius",
        "pore_grid_spacing",
        "pore_probe_radius",
        "pore_tortuosity_spacing",
        "pore_snap_A",
        "coarse_ps",
        "hop_threshold_A",
    )
    @classmethod
    def _positive(cls, value: float, info) -> float:
        if not value > 0:
            raise HcflowError(f"{info.field_name} must be > 0, got {value}")
        return float(value)

    @field_validator(
        "structural_stride",
        "pore_frames",
        "min_fit_points",
        "msd_points",
        "n_blocks",
        "n_bootstrap",
        "bootstrap_lags",
    )
    @classmethod
    def _positive_int(cls, value: int, info) -> int:
        if value < 1:
            raise HcflowError(f"{info.field_name} must be >= 1, got {value}")
        return int(value)

    @model_validator(mode="after")
    def _windows(self) -> DescriptorSettings:
        if not 0 <= self.fit_start_fraction < self.fit_stop_fraction <= 1:
            raise HcflowError(
                "fit window fractions need 0 <= fit_start_fraction < "
                f"fit_stop_fraction <= 1, got {self.fit_start_fraction}, "
                f"{self.fit_stop_fraction}"
            )
        if (self.fit_start_ps is None) != (self.fit_stop_ps is None):
            raise HcflowError("give both fit_start_ps and fit_stop_ps, or neither")
        if self.fit_start_ps is not None and not (
            0 <= self.fit_start_ps < self.fit_stop_ps
        ):
            raise HcflowError(
                f"fit window needs 0 <= fit_start_ps < fit_stop_ps, got "
                f"{self.fit_start_ps}, {self.fit_stop_ps}"
            )
        if self.fit_weighting not in ("none", "inverse_lag"):
            raise HcflowError(
                f"fit_weighting must be 'none' or 'inverse_lag', got "
                f"{self.fit_weighting!r}"
            )
        if not 0 < self.max_lag_fraction <= 1:
            raise HcflowError("max_lag_fraction must be in (0, 1]")
        return self

    @classmethod
    def from_any(cls, value: DescriptorSettings | dict | None) -> DescriptorSettings:
        """Settings from an instance, a dict (one-line error on bad keys) or None."""
        if isinstance(value, cls):
            return value
        value = dict(value or {})
        unknown = set(value) - set(cls.model_fields)
        if unknown:
            raise HcflowError(
                f"unknown descriptor settings {sorted(unknown)}; known: "
                f"{', '.join(cls.model_fields)}"
            )
        try:
            return cls(**value)
        except HcflowError:
            raise
        except ValueError as exc:  # pydantic ValidationError
            first = exc.errors()[0] if hasattr(exc, "errors") else {}
            loc = ".".join(str(x) for x in first.get("loc", ()))
            raise HcflowError(
                f"invalid descriptor setting {loc}: {first.get('msg', exc)}"
            ) from None

    @property
    def hash(self) -> str:
        """12-character hash of all settings (keys the documents)."""
        return settings_hash(self.model_dump())

    def resolve(self, n_frames: int, frame_dt_ps: float) -> ResolvedWindows:
        """Frame counts of the time settings for one trajectory.

        Raises
        ------
        HcflowError
            When the trajectory is shorter than the fit window (both lengths
            named) or leaves fewer than ``min_fit_points`` lags in it.
        """
        if n_frames < 2 or not frame_dt_ps > 0:
            raise HcflowError(
                f"trajectory has {n_frames} frame(s); descriptors need a time series"
            )
        duration = (n_frames - 1) * frame_dt_ps
        if self.fit_stop_ps is not None:
            start_ps, stop_ps = float(self.fit_start_ps), float(self.fit_stop_ps)
            if stop_ps > duration:
                raise HcflowError(
                    f"trajectory is {duration:g} ps long ({n_frames} frames of "
                    f"{frame_dt_ps:g} ps), shorter than the fit window "
                    f"{start_ps:g}-{stop_ps:g} ps"
                )
        else:
            start_ps = self.fit_start_fraction * duration
            stop_ps = self.fit_stop_fraction * duration
        lag_start = max(1, int(round(start_ps / frame_dt_ps)))
        lag_stop = int(round(stop_ps / frame_dt_ps))
        n_points = lag_stop - lag_start + 1
        if n_points < self.min_fit_points:
            raise HcflowError(
                f"trajectory is {duration:g} ps long ({n_frames} frames of "
                f"{frame_dt_ps:g} ps): the fit window {start_ps:g}-{stop_ps:g} ps "
                f"holds {max(n_points, 0)} lag(s), fewer than "
                f"min_fit_points={self.min_fit_points}"
            )
        coarse = max(1, int(round(self.coarse_ps / frame_dt_ps)))
        if coarse >= n_frames:
            raise HcflowError(
                f"trajectory is {duration:g} ps long, shorter than the "
                f"coarse-graining time {self.coarse_ps:g} ps"
            )
        max_lag = max(lag_stop, int(round(self.max_lag_fraction * (n_frames - 1))))
        return ResolvedWindows(
            frame_dt_ps=float(frame_dt_ps),
            duration_ps=float(duration),
            fit_lag_start=lag_start,
            fit_lag_stop=lag_stop,
            coarse_frames=coarse,
            max_lag=min(max_lag, n_frames - 1),
        )


@dataclass(frozen=True)
class ResolvedWindows:
    """Time settings of one trajectory in frames (lags counted in frames)."""

    frame_dt_ps: float
    duration_ps: float
    fit_lag_start: int
    fit_lag_stop: int
    coarse_frames: int
    max_lag: int

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
            "coarse_time_ps": self.coarse_time_ps,
            "max_lag_ps": self.max_lag * self.frame_dt_ps,
        }
