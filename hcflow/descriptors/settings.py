"""Settings of the per-ion descriptor analysis (``DescriptorSettings``).

Every value that changes a descriptor is a field here (units: A, ps); ``hash``
(12 hex characters of the sorted JSON) keys the documents, so a changed cutoff
or fit window builds a new, separate set and leaves the old one queryable.
A plain model with explicit defaults: the services fill the cutoffs from the
hcflow settings (``HCFLOW_NA_C_CUTOFF``...), nothing here reads the
environment. Site and hop fields carry the names of
:class:`hcflow.descriptors.sites.SiteParams`, which :attr:`site_params` builds.
:meth:`DescriptorSettings.resolve` turns the time settings into frame counts
(:class:`~hcflow.descriptors.windows.ResolvedWindows`) for one trajectory.
What each setting means, and why the defaults: docs/descriptors.md.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from hcflow.descriptors.diffusion import DiffusiveCriteria
from hcflow.descriptors.sites import SiteParams
from hcflow.descriptors.windows import ResolvedWindows
from hcflow.errors import HcflowError, TooShortError
from hcflow.schemas.common import settings_hash
from hcflow.units import DEFAULT_MOBILE_SPECIES, species_number


class DescriptorSettings(BaseModel):
    """Cutoffs, windows and hop parameters of the descriptor analysis (A, ps)."""

    model_config = ConfigDict(extra="forbid")

    mobile_species: str | None = Field(
        None,
        description="Element symbol of the diffusing ion (Li, Na, K, ...); null: "
        "the md_tasks document's mobile_species (default Na). The builder "
        "resolves it per trajectory, so the stored settings always name it.",
    )
    na_c_cutoff: float = Field(
        3.0,
        description="Na-C coordination cutoff (A); the services default it to "
        "HCFLOW_NA_C_CUTOFF.",
    )
    na_na_cutoff: float = Field(
        4.0,
        description="Na-Na coordination and cluster cutoff (A); the services "
        "default it to HCFLOW_NA_NA_CUTOFF.",
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
    fit_window: Literal["auto", "fraction"] = Field(
        "auto",
        description="'auto': the fit window starts where the ion-averaged MSD "
        "becomes diffusive and ends at fit_stop_fraction (none diffusive: the "
        "latest window allowed by fit_min_span); 'fraction': "
        "[fit_start_fraction, fit_stop_fraction]. fit_start_ps/fit_stop_ps "
        "override both.",
    )
    fit_start_ps: float | None = Field(
        None, description="Start of the MSD fit window (ps); None: auto/fraction."
    )
    fit_stop_ps: float | None = Field(
        None, description="End of the MSD fit window (ps); None: auto/fraction."
    )
    fit_start_fraction: float = Field(
        0.05,
        description="Start of the fit window as a fraction of the duration "
        "(fit_window='fraction').",
    )
    fit_stop_fraction: float = Field(
        0.5, description="End of the fit window as a fraction of the duration."
    )
    fit_weighting: Literal["gls", "none", "inverse_lag"] = Field(
        "gls",
        description="MSD fit: 'gls' (generalised least squares with the "
        "Brownian MSD covariance on gls_lags lags), 'none' (ordinary least "
        "squares on every lag) or 'inverse_lag' (weights 1/lag on every lag, "
        "as pymatgen's DiffusionAnalyzer smoothed='max').",
    )
    gls_lags: int = Field(
        40, description="Evenly spaced lags of the fit window used by the GLS fit."
    )
    diffusive_msd_A2: float = Field(
        DiffusiveCriteria.msd_min_A2,
        description="Verdict length scale (A^2): the MSD at the start of the fit "
        "window must reach it for a D to count as diffusive.",
    )
    diffusive_slope_min: float = Field(
        DiffusiveCriteria.slope_min,
        description="Lowest MSD log-log slope over the window called diffusive.",
    )
    diffusive_slope_max: float = Field(
        DiffusiveCriteria.slope_max,
        description="Highest MSD log-log slope over the window called diffusive.",
    )
    diffusive_noise_z: float = Field(
        DiffusiveCriteria.noise_z,
        description="Sampling allowance of the verdict in standard deviations of "
        "free Brownian particles on the same window (0: the bare thresholds).",
    )
    fit_min_span: float = Field(
        DiffusiveCriteria.min_span,
        description="Automatic window: the stop lag is at least this multiple of "
        "the start lag.",
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
        description="Coarse-graining time (ps) for path tortuosity and the "
        "non-Gaussian parameter; at least one frame interval is used.",
    )
    hop_threshold_A: float = Field(
        SiteParams.hop_threshold_A,
        description="Sites closer than this are one site; a hop joins two "
        "dwells whose centres are at least this far apart (A). See "
        "hcflow.descriptors.sites.",
    )
    site_smooth_ps: float = Field(
        SiteParams.site_smooth_ps,
        description="Moving-average time of the positions used for sites (ps): "
        "thermal vibration averages out.",
    )
    site_dwell_ps: float = Field(
        SiteParams.site_dwell_ps,
        description="Minimum dwell time at a site (ps): the window over which "
        "an ion must stay compact and stationary to count as localized.",
    )
    site_radius_A: float = Field(
        SiteParams.site_radius_A,
        description="Localized: RMS distance of the smoothed positions in a "
        "dwell window from their mean at most this (A).",
    )
    site_drift_A: float = Field(
        SiteParams.site_drift_A,
        description="Localized: the means of the two halves of a dwell window "
        "at most this far apart (A); tells a site from slow Brownian motion.",
    )
    hop_max_transit_ps: float = Field(
        SiteParams.hop_max_transit_ps,
        description="A departure between distinct sites is a hop only when the "
        "unlocalized gap between the two dwells is at most this (ps).",
    )
    van_hove_lags_ps: list[float] = Field(
        [0.5, 5.0, 50.0],
        description="Lags of the self van Hove function (ps); lags longer than "
        "half the run are left out.",
    )
    van_hove_dr_A: float = Field(0.25, description="van Hove bin width (A).")
    van_hove_rmax_A: float = Field(
        10.0, description="Largest displacement binned in the van Hove function (A)."
    )
    msd_points: int = Field(
        60, description="Log-spaced lag times of the MSD curve stored per ion."
    )
    max_lag_fraction: float = Field(
        0.5, description="Longest stored MSD lag as a fraction of the duration."
    )

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
        "diffusive_msd_A2",
        "site_smooth_ps",
        "site_dwell_ps",
        "site_radius_A",
        "site_drift_A",
        "hop_max_transit_ps",
        "van_hove_dr_A",
        "van_hove_rmax_A",
    )
    @classmethod
    def _positive(cls, value: float, info) -> float:
        if not value > 0:
            raise HcflowError(f"{info.field_name} must be > 0, got {value}")
        return float(value)

    @field_validator("mobile_species")
    @classmethod
    def _species(cls, value: str | None) -> str | None:
        if value is not None:
            species_number(value)
        return value

    @field_validator(
        "structural_stride",
        "pore_frames",
        "min_fit_points",
        "msd_points",
        "gls_lags",
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
        if not self.diffusive_slope_min < 1.0 < self.diffusive_slope_max:
            raise HcflowError(
                "diffusive slope band needs diffusive_slope_min < 1 < "
                f"diffusive_slope_max, got {self.diffusive_slope_min}, "
                f"{self.diffusive_slope_max}"
            )
        if self.diffusive_noise_z < 0:
            raise HcflowError("diffusive_noise_z must be >= 0")
        if not self.fit_min_span > 1:
            raise HcflowError(f"fit_min_span must be > 1, got {self.fit_min_span}")
        if not all(lag > 0 for lag in self.van_hove_lags_ps):
            raise HcflowError(
                f"van_hove_lags_ps must all be > 0, got {self.van_hove_lags_ps}"
            )
        if not 0 < self.max_lag_fraction <= 1:
            raise HcflowError("max_lag_fraction must be in (0, 1]")
        return self

    @property
    def species(self) -> str:
        """The mobile species (the default, Na, when unset)."""
        return self.mobile_species or DEFAULT_MOBILE_SPECIES

    @property
    def mobile_number(self) -> int:
        """Atomic number of the mobile species."""
        return species_number(self.species)

    def for_species(self, species: str | None) -> DescriptorSettings:
        """These settings for one trajectory: an unset mobile species becomes
        ``species`` (the task's; default Na), a set one is kept."""
        if self.mobile_species is not None:
            return self
        species = species or DEFAULT_MOBILE_SPECIES
        species_number(species)
        return self.model_copy(update={"mobile_species": species})

    @property
    def site_params(self):
        """The :class:`hcflow.descriptors.sites.SiteParams` of these settings."""
        return SiteParams(**{f.name: getattr(self, f.name) for f in fields(SiteParams)})

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

    def diffusive_criteria(self) -> DiffusiveCriteria:
        """The verdict thresholds of these settings."""
        return DiffusiveCriteria(
            msd_min_A2=self.diffusive_msd_A2,
            slope_min=self.diffusive_slope_min,
            slope_max=self.diffusive_slope_max,
            noise_z=self.diffusive_noise_z,
            min_span=self.fit_min_span,
        )

    @property
    def hash(self) -> str:
        """12-character hash of all settings (keys the documents).

        The mobile species counts when it is not Na (unset and Na hash alike,
        and documents made before the field existed keep their hash).
        """
        dump = self.model_dump()
        if self.species == DEFAULT_MOBILE_SPECIES:
            dump.pop("mobile_species")
        return settings_hash(dump)

    def resolve(self, n_frames: int, frame_dt_ps: float) -> ResolvedWindows:
        """Frame counts of the time settings for one trajectory.

        Raises
        ------
        TooShortError
            When the trajectory is shorter than the fit window (both lengths
            named) or leaves fewer than ``min_fit_points`` lags in it.
        """
        if n_frames < 2 or not frame_dt_ps > 0:
            raise TooShortError(
                f"trajectory has {n_frames} frame(s); descriptors need a time series"
            )
        duration = (n_frames - 1) * frame_dt_ps
        if self.fit_stop_ps is not None:
            start_ps, stop_ps = float(self.fit_start_ps), float(self.fit_stop_ps)
            if stop_ps > duration:
                raise TooShortError(
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
            raise TooShortError(
                f"trajectory is {duration:g} ps long ({n_frames} frames of "
                f"{frame_dt_ps:g} ps): the fit window {start_ps:g}-{stop_ps:g} ps "
                f"holds {max(n_points, 0)} lag(s), fewer than "
                f"min_fit_points={self.min_fit_points}"
            )
        coarse = max(1, int(round(self.coarse_ps / frame_dt_ps)))
        if coarse >= n_frames:
            raise TooShortError(
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
            auto_fit=self.fit_window == "auto" and self.fit_stop_ps is None,
        )
