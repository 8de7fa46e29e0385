"""Pore descriptors at the ions, from :mod:`hcflow.structures.pores`.

The pore analysis (periodic distance-to-carbon grid, local pore-size field,
voids with their centres, local tortuosity of the accessible network) is
:func:`hcflow.structures.pores.analyze_pores`, evaluated at the Na positions
by :func:`hcflow.structures.pores.pore_info_at`; nothing is re-implemented
here. It runs on ``pore_frames`` frames spread over the trajectory (the
carbon framework moves little, and a grid over the whole cell is the most
expensive step: about 0.8 s a frame for a 23 A cell at 0.5 A).

Per ion and pore frame (definitions in :mod:`hcflow.structures.pores`):

- ``pore_size``: diameter of the largest carbon-free sphere containing the
  ion (local pore size, A);
- ``d_void_center``: distance to the nearest void centre (A; NaN when the
  frame has no void, i.e. no point ``pore_probe_radius`` away from carbon);
- ``pore_tortuosity``: the geometric tortuosity (path length over cell
  length, minimum over the three axes) of the shortest cell-crossing path of
  the accessible network through the voxel nearest the ion (within
  ``pore_snap_A``); NaN when no percolating path passes there;
- ``pore_percolating``: 1 when such a path passes there, else 0;
- ``void_radius_A``: size of the void the ion sits in, as the radius of the
  sphere with the void's accessible volume (the region a Na centre can
  reach: ``(3 V / 4 pi)^(1/3)``, A); NaN when the ion is not in a void (its
  grid voxel is closer than ``pore_probe_radius`` to carbon). Mode naming
  compares it with how far the ion moved.

NaN values are left out of the per-ion means (documents hold null when a
value is NaN in every pore frame).
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
