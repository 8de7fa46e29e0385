"""Structural per-ion descriptors: where each Na ion sits (A, g/cm3).

"Na" stands for the mobile species of the settings. Per frame
(:func:`frame_structural`) and as mean and standard deviation over every
``structural_stride``-th frame (:func:`structural_descriptors`): ``cn_na_c``,
``cn_na_na``, ``local_c_density``, ``d_nearest_c``, ``cluster_size``, and
the pore descriptors of :mod:`.pore_bridge` on ``pore_frames`` frames.
Without carbon, the descriptors that need a host (:data:`CARBON_HOST_NAMES`)
are NaN and ``host_status`` says why. Definitions: docs/descriptors.md.
"""

from __future__ import annotations

import warnings

import numpy as np
from ase.data import atomic_numbers

from hcflow.descriptors.neighbors import (
    PaddedTree,
    cluster_sizes,
    nearest_distance,
    wrapped_cartesian,
)
from hcflow.descriptors.settings import DescriptorSettings
from hcflow.units import carbon_mass_amu, mass_density_g_cm3

NA = atomic_numbers["Na"]
C = atomic_numbers["C"]

#: Descriptors that need a carbon host: null (not applicable) without carbon.
CARBON_HOST_NAMES = (
    "cn_na_c",
    "local_c_density",
    "d_nearest_c",
    "pore_size",
    "d_void_center",
    "pore_tortuosity",
    "pore_percolating",
    "void_radius_A",
)
HOST_NOT_APPLICABLE = (
    "not applicable: no carbon atoms in the trajectory, so "
    + ", ".join(CARBON_HOST_NAMES)
    + " are null"
)

NEIGHBOR_NAMES = (
    "cn_na_c",
    "cn_na_na",
    "local_c_density",
    "d_nearest_c",
    "cluster_size",
)


def frame_structural(
    na_pos: np.ndarray,
    c_pos: np.ndarray,
    cell: np.ndarray,
    settings: DescriptorSettings,
    pbc=(True, True, True),
) -> dict[str, np.ndarray]:
    """Neighbour-based descriptors of every Na ion in one frame.

    Parameters
    ----------
    na_pos, c_pos
        (n_na, 3) and (n_c, 3) Cartesian positions (A), wrapped or not.
    cell
        (3, 3) cell vectors as rows (A).
    settings
        Cutoffs and the local radius.

    Returns
    -------
    dict
        name -> (n_na,) array for the names in ``NEIGHBOR_NAMES``.
    """
    cell = np.asarray(cell, float)
    na_w = wrapped_cartesian(na_pos, cell)
    n_na = len(na_w)
    c_pad = max(settings.na_c_cutoff, settings.local_radius)
    if len(c_pos):
        ctree = PaddedTree(c_pos, cell, c_pad, pbc)
        cn_c = ctree.count(na_w, settings.na_c_cutoff)
        n_local = ctree.count(na_w, settings.local_radius)
        d_c = ctree.nearest(na_w)
        far = ~np.isfinite(d_c)
        if np.any(far):
            d_c[far] = nearest_distance(na_w[far], c_pos, cell, 2 * c_pad)
    else:  # no carbon host: not applicable (NaN -> null)
        cn_c = np.full(n_na, np.nan)
        n_local = np.full(n_na, np.nan)
        d_c = np.full(n_na, np.nan)
    volume = 4.0 / 3.0 * np.pi * settings.local_radius**3
    rho = mass_density_g_cm3(carbon_mass_amu(n_local), volume)

    natree = PaddedTree(na_w, cell, settings.na_na_cutoff, pbc)
    i, j, d = natree.pairs(na_w, settings.na_na_cutoff)
    not_self = ~((i == j) & (d < 1e-8))
    i, j = i[not_self], j[not_self]
    cn_na = np.bincount(i, minlength=n_na)
    distinct = i != j
    clusters = cluster_sizes(i[distinct], j[distinct], n_na)
    return {
        "cn_na_c": cn_c.astype(float),
        "cn_na_na": cn_na.astype(float),
        "local_c_density": rho,
        "d_nearest_c": d_c,
        "cluster_size": clusters.astype(float),
    }


def structural_frames(n_frames: int, settings: DescriptorSettings) -> np.ndarray:
    """Indices of the frames on which structural descriptors are evaluated."""
    return np.arange(0, n_frames, settings.structural_stride)


def pore_frames(n_frames: int, settings: DescriptorSettings) -> np.ndarray:
    """Indices of the frames on which the pore analysis runs (evenly spread)."""
    k = min(settings.pore_frames, n_frames)
    return np.unique(np.linspace(0, n_frames - 1, k).round().astype(int))


def structural_per_frame(
    positions: np.ndarray,
    cells: np.ndarray,
    numbers: np.ndarray,
    settings: DescriptorSettings,
    frames: np.ndarray | None = None,
    pbc=(True, True, True),
) -> dict[str, np.ndarray]:
    """Neighbour descriptors per evaluated frame: name -> (n_eval, n_na) array
    (``na``: the mobile species of ``settings``)."""
    numbers = np.asarray(numbers)
    na_idx = np.flatnonzero(numbers == settings.mobile_number)
    c_idx = np.flatnonzero(numbers == C)
    if frames is None:
        frames = structural_frames(len(positions), settings)
    out = {name: np.empty((len(frames), len(na_idx))) for name in NEIGHBOR_NAMES}
    for k, f in enumerate(frames):
        pos = positions[f]
        vals = frame_structural(pos[na_idx], pos[c_idx], cells[f], settings, pbc)
        for name in NEIGHBOR_NAMES:
            out[name][k] = vals[name]
    return out


def rdf_minima(
    positions: np.ndarray,
    cells: np.ndarray,
    numbers: np.ndarray,
    frames: np.ndarray,
    max_frames: int = 20,
    mobile: int = NA,
) -> dict[str, float | None]:
    """First minima of g_NaC(r) and g_NaNa(r) (A; None when not clear);
    ``mobile``: atomic number of the mobile species (default Na)."""
    from hcflow.descriptors.rdf import first_minimum, partial_rdf

    numbers = np.asarray(numbers)
    na = np.flatnonzero(numbers == mobile)
    c = np.flatnonzero(numbers == C)
    use = frames[:: max(1, int(np.ceil(len(frames) / max_frames)))]
    out: dict[str, float | None] = {"rdf_min_na_c_A": None, "rdf_min_na_na_A": None}
    if len(c):
        out["rdf_min_na_c_A"] = first_minimum(
            *partial_rdf(positions, cells, na, c, use)
        )
    if len(na) > 1:
        out["rdf_min_na_na_A"] = first_minimum(
            *partial_rdf(positions, cells, na, na, use)
        )
    return out


def structural_descriptors(
    positions: np.ndarray,
    cells: np.ndarray,
    numbers: np.ndarray,
    settings: DescriptorSettings,
    pbc=(True, True, True),
) -> tuple[dict[str, np.ndarray], dict[str, object]]:
    """Mean and std over the analysis window of every structural descriptor.

    Returns
    -------
    (values, info)
        ``values``: ``name`` and ``name_std`` -> (n_na,) arrays for every
        structural name (pore ones NaN when the pore analysis is unavailable);
        ``info``: frames used and the pore analysis status.
    """
    from hcflow.descriptors.pore_bridge import pore_per_frame

    frames = structural_frames(len(positions), settings)
    per = structural_per_frame(positions, cells, numbers, settings, frames, pbc)
    pframes = pore_frames(len(positions), settings)
    pore, pore_info = pore_per_frame(positions, cells, numbers, settings, pframes)
    per.update(pore)
    values: dict[str, np.ndarray] = {}
    with warnings.catch_warnings():  # all-NaN columns give NaN (null) quietly
        warnings.simplefilter("ignore", RuntimeWarning)
        for name, arr in per.items():
            arr = np.where(np.isfinite(arr), arr, np.nan)
            values[name] = np.nanmean(arr, axis=0)
            values[f"{name}_std"] = np.nanstd(arr, axis=0)
    has_c = bool(np.any(np.asarray(numbers) == C))
    info = {
        **rdf_minima(positions, cells, numbers, frames, mobile=settings.mobile_number),
        "host_status": "ok" if has_c else HOST_NOT_APPLICABLE,
        "structural_frames": int(len(frames)),
        "structural_stride": settings.structural_stride,
        "pore_frames": [int(f) for f in pframes],
        **pore_info,
    }
    return values, info
