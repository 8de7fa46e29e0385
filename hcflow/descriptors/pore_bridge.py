"""Pore descriptors at the ions, from :mod:`hcflow.structures.pores`.

:func:`hcflow.structures.pores.analyze_pores` evaluated at the Na positions
(:func:`hcflow.structures.pores.pore_info_at`) on ``pore_frames`` frames
spread over the trajectory; nothing is re-implemented here. Per ion:
``pore_size``, ``d_void_center``, ``pore_tortuosity``, ``pore_percolating``
and ``void_radius_A`` (lengths in A). NaN values are left out of the per-ion
means.

Details (definitions, cost): docs/descriptors.md.
"""

from __future__ import annotations

import numpy as np

from hcflow.descriptors.settings import DescriptorSettings
from hcflow.errors import HcflowError

PORE_NAMES = (
    "pore_size",
    "d_void_center",
    "pore_tortuosity",
    "pore_percolating",
    "void_radius_A",
)


def pore_per_frame(
    positions: np.ndarray,
    cells: np.ndarray,
    numbers: np.ndarray,
    settings: DescriptorSettings,
    frames: np.ndarray,
) -> tuple[dict[str, np.ndarray], dict[str, object]]:
    """Pore descriptors per pore frame: name -> (n_frames, n_ions), plus info
    (the ions: the mobile species of ``settings``)."""
    numbers = np.asarray(numbers)
    na = np.flatnonzero(numbers == settings.mobile_number)
    c = np.flatnonzero(numbers == 6)
    n_f = max(len(frames), 1)
    out = {name: np.full((n_f, len(na)), np.nan) for name in PORE_NAMES}
    try:
        from hcflow.structures.pores import analyze_pores, pore_info_at
    except ImportError:
        return out, {"pore_status": "unavailable: hcflow.structures.pores missing"}
    if len(c) == 0:
        return out, {"pore_status": "not applicable: no carbon atoms"}
    n_voids, percolates = [], []
    for k, f in enumerate(frames):
        try:
            analysis = analyze_pores(
                positions[f, c],
                cells[f],
                spacing=settings.pore_grid_spacing,
                probe_radius=settings.pore_probe_radius,
                tortuosity_spacing=settings.pore_tortuosity_spacing,
            )
        except HcflowError as exc:
            return out, {"pore_status": f"unavailable: {exc}"}
        info = pore_info_at(positions[f, na], analysis, snap=settings.pore_snap_A)
        tau = np.asarray(info["local_tortuosity"], float)
        out["pore_size"][k] = info["pore_size"]
        dvc = np.asarray(info["distance_to_void_centre"], float)
        out["d_void_center"][k] = np.where(np.isfinite(dvc), dvc, np.nan)
        out["pore_tortuosity"][k] = np.where(np.isfinite(tau), tau, np.nan)
        out["pore_percolating"][k] = np.isfinite(tau).astype(float)
        label = np.asarray(info["void_label"], int)
        volumes = np.asarray(analysis.voids.volumes, float)
        inside = (label > 0) & (label <= len(volumes))
        radius = np.full(len(label), np.nan)
        radius[inside] = np.cbrt(3.0 * volumes[label[inside] - 1] / (4.0 * np.pi))
        out["void_radius_A"][k] = radius
        n_voids.append(int(analysis.voids.n_voids))
        percolates.append([bool(p) for p in analysis.percolates])
    return out, {
        "pore_status": "ok",
        "pore_n_voids": n_voids,
        "pore_percolates_xyz": percolates,
    }
