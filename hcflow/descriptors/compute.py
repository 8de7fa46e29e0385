"""The whole descriptor set of one trajectory: one call, pure numpy.

:func:`compute_descriptors` checks the input (one-line
:class:`~hcflow.errors.HcflowError` for no atom of the mobile species
(``settings.mobile_species``, default Na), a trajectory shorter than the fit
window, ...), resolves the time windows, drift-corrects the mobile ions'
displacements by the framework (every other atom), and runs the transport
(MSD, fit window, D with its interval and diffusive verdict, centre-of-mass D,
Haven ratio), dynamic and structural parts. It touches no database; the
builder turns its result into documents.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from hcflow.descriptors.contacts import closest_ion_pair, contact_limit
from hcflow.descriptors.diffusion import Verdict
from hcflow.descriptors.dynamic import dynamic_descriptors, msd_lags
from hcflow.descriptors.settings import DescriptorSettings
from hcflow.descriptors.sites import SiteResult, site_result
from hcflow.descriptors.structural import structural_descriptors
from hcflow.descriptors.transport import analyse_transport
from hcflow.descriptors.windows import ResolvedWindows
from hcflow.errors import HcflowError
from hcflow.units import species_number


@dataclass
class DescriptorResult:
    """Descriptors of one trajectory (arrays over its mobile ions, in atom order)."""

    ion_indices: np.ndarray  #: atom index of every mobile ion
    values: dict[str, np.ndarray]  #: name (and name_std) -> (n_na,) array
    msd_lag_ps: np.ndarray  #: stored lags (ps)
    msd_ions_A2: np.ndarray  #: (n_lags, n_na) MSD at the stored lags (A^2)
    #: per-trajectory transport: tracer D with interval and verdict, D_sigma,
    #: Haven ratio (:func:`hcflow.descriptors.transport.analyse_transport`)
    collective: dict[str, Any]
    windows: ResolvedWindows  #: with the fit window actually used
    ion_verdicts: list[Verdict] = field(default_factory=list)  #: per Na ion
    info: dict[str, Any] = field(default_factory=dict)
    sites: SiteResult | None = None  #: visits, hops, van Hove per ion

    @property
    def n_ions(self) -> int:
        return len(self.ion_indices)


def check_trajectory(
    numbers: np.ndarray, positions: np.ndarray, species: str = "Na"
) -> np.ndarray:
    """Indices of the mobile-species atoms; one-line errors for unusable input."""
    if positions.ndim != 3 or positions.shape[1] != len(numbers):
        raise HcflowError(
            f"positions of shape {positions.shape} do not match {len(numbers)} atoms"
        )
    na = np.flatnonzero(np.asarray(numbers) == species_number(species))
    if len(na) == 0:
        raise HcflowError(
            f"trajectory has no {species} atoms (mobile_species={species!r}); "
            "nothing to describe"
        )
    if not np.all(np.isfinite(positions)):
        raise HcflowError("trajectory has NaN or infinite coordinates")
    return na


def compute_descriptors(
    positions: np.ndarray,
    cells: np.ndarray,
    numbers: np.ndarray,
    frame_dt_ps: float,
    settings: DescriptorSettings | dict | None = None,
    pbc=(True, True, True),
) -> DescriptorResult:
    """All per-ion and per-trajectory descriptors of one trajectory.

    Parameters
    ----------
    positions
        (n_frames, n_atoms, 3) **unwrapped** positions (A).
    cells
        (n_frames, 3, 3) or (3, 3) cell vectors as rows (A).
    numbers
        Atomic numbers.
    frame_dt_ps
        Time between frames (ps).
    settings
        Descriptor settings (defaults when None).
    """
    settings = DescriptorSettings.from_any(settings)
    positions = np.asarray(positions, float)
    numbers = np.asarray(numbers)
    cells = np.asarray(cells, float)
    if cells.shape == (3, 3):
        cells = np.broadcast_to(cells, (len(positions), 3, 3))
    na = check_trajectory(numbers, positions, settings.species)
    win = settings.resolve(len(positions), frame_dt_ps)

    x = positions[:, na]
    framework = np.flatnonzero(np.asarray(numbers) != settings.mobile_number)
    if settings.drift_correction and len(framework):
        fw = positions[:, framework]
        drift = (fw - fw[:1]).mean(axis=1)
        x = x - drift[:, None, :]

    transport = analyse_transport(x, win, settings)
    win = transport.windows
    values = dynamic_descriptors(x, win, transport.d_ions_raw_cm2_s)
    sites = site_result(
        x,
        win.frame_dt_ps,
        settings.site_params,
        settings.van_hove_lags_ps,
        settings.van_hove_dr_A,
        settings.van_hove_rmax_A,
    )
    values.update(sites.values)
    struct, sinfo = structural_descriptors(positions, cells, numbers, settings, pbc)
    values.update(struct)
    sinfo["min_ion_pair_A"] = closest_ion_pair(positions, cells, na, pbc)
    sinfo["ion_contact_limit_A"] = contact_limit(settings.mobile_number)
    sinfo["cell_lengths_A"] = [float(v) for v in np.linalg.norm(cells[0], axis=1)]
    lags = msd_lags(win.max_lag, settings.msd_points)
    return DescriptorResult(
        ion_indices=na,
        values=values,
        msd_lag_ps=lags * win.frame_dt_ps,
        msd_ions_A2=transport.msd[lags],
        collective=transport.trajectory,
        windows=win,
        ion_verdicts=transport.ion_verdicts,
        info=sinfo,
        sites=sites,
    )


def compute_from_trajectory(traj, settings=None) -> DescriptorResult:
    """:func:`compute_descriptors` of a ``CompactTrajectory``."""
    return compute_descriptors(
        traj.positions,
        traj.cells,
        traj.numbers,
        traj.frame_dt_ps,
        settings,
        traj.pbc,
    )
