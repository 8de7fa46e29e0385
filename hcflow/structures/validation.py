"""Is a hard-carbon cell realistic? Statistics next to literature ranges.

:func:`validate_structure` returns one JSON-safe dict per cell: density,
sp/sp2/sp3 hybridisation, ring statistics, interlayer spacing (``d002_A``
from the structure factor and the local ``stacking_A``) and pore statistics.
Each figure is stored with its literature range and a verdict
(:data:`LITERATURE`).

Details (definitions, targets, references): docs/structures.md.
"""

from __future__ import annotations

import numpy as np
from ase import Atoms

from hcflow.structures.analysis import SP_CUTOFF_A, hybridisation, ring_statistics
from hcflow.structures.pore_grid import DEFAULT_PROBE_RADIUS
from hcflow.structures.xrd import (
    EXPERIMENT,
    against_experiment,
    pdf,
    resolved,
    xrd_summary,
)
from hcflow.units import CARBON, densities_g_cm3

LITERATURE: dict[str, dict] = {
    "sp2_fraction": {
        "range": [0.85, 1.0],
        "source": "hard-carbon models are >= 85 % sp2 (Wang et al. 2022; issue 15)",
    },
    "sp_fraction": {
        "range": [0.0, 0.05],
        "source": "a few % sp at most in annealed models (Wang et al. 2022)",
    },
    "interlayer_A": {
        "range": [3.5, 4.0],
        "source": "XRD d002 of hard carbons 3.6-4.0 A (Stevens & Dahn 2000); "
        "graphite 3.35 A",
    },
    "Lc_A": {k: EXPERIMENT["Lc_A"][k] for k in ("range", "source")},
    "La_A": {k: EXPERIMENT["La_A"][k] for k in ("range", "source")},
    "rings": {
        "range": None,
        "source": "hexagons the majority, pentagons and heptagons give the "
        "curvature (Wang et al. 2022; de Tomas et al. 2016)",
    },
    "pores": {
        "range": None,
        "source": "narrow PSD; peak position and width set by the density "
        "(Wang et al. 2022)",
    },
}
TARGET_DENSITY = (1.0, 1.6)
TARGET_MIN_CARBON = 1000


#: pore summary fields kept in the validation dict
PORE_FIELDS = (
    "probe_radius",
    "largest_cavity_diameter",
    "accessible_volume_fraction",
    "n_voids",
    "mean_pore_diameter",
    "median_pore_diameter",
    "psd_bin_edges",
    "psd_fraction",
)


def _carbon(atoms: Atoms) -> Atoms:
    return atoms[atoms.numbers == CARBON]


def radial_distribution(
    atoms: Atoms, r_max: float = 20.0, dr: float = 0.02
) -> tuple[np.ndarray, np.ndarray]:
    """C-C radial distribution function ``(r, g(r))`` to ``r_max`` (A)."""
    out = pdf(atoms, r_max, dr)
    return out["r"], out["g"]


def d002(atoms: Atoms, r_max: float = 20.0) -> dict:
    """The (002) peak, Lc and La of S(q) (:func:`hcflow.structures.xrd.xrd_summary`).

    Adds ``d002_reliable`` (a visible peak in a cell >= ``r_max`` wide) and
    ``experiment`` (each of d002/Lc/La against the ranges of hard carbons).
    """
    out = xrd_summary(atoms, r_max)
    out["d002_reliable"] = bool(out["reliable"] and out["peak_002_visible"])
    out["experiment"] = against_experiment(out)
    return out


def stacking_distance(
    atoms: Atoms,
    cutoff: float = SP_CUTOFF_A,
    window: tuple[float, float] = (2.8, 5.5),
    max_lateral: float = 1.6,
    max_angle_deg: float = 30.0,
) -> dict:
    """Local interlayer spacing between parallel sp2 sheets (module doc)."""
    from matscipy.neighbours import neighbour_list

    c = _carbon(atoms)
    i, j, dv = neighbour_list("ijD", c, cutoff)
    cn = np.bincount(i, minlength=len(c))
    sp2 = np.flatnonzero(cn == 3)
    out = {"stacking_A": None, "stacking_iqr_A": None, "stacked_fraction": 0.0}
    if len(sp2) == 0:
        return out
    order = np.argsort(i, kind="stable")
    dv = dv[order].reshape(-1, 3)
    start = np.concatenate([[0], np.cumsum(cn)])
    normals = np.full((len(c), 3), np.nan)
    for a in sp2:
        b = dv[start[a] : start[a] + 3]
        nrm = np.cross(b[1] - b[0], b[2] - b[0])
        normals[a] = nrm / np.linalg.norm(nrm)
    pi_, pj, pd = neighbour_list("ijD", c, window[1])
    ok = np.isfinite(normals[pi_, 0]) & np.isfinite(normals[pj, 0])
    pi_, pj, pd = pi_[ok], pj[ok], pd[ok]
    perp = np.abs(np.einsum("ij,ij->i", pd, normals[pi_]))
    lateral = np.sqrt(np.maximum(np.einsum("ij,ij->i", pd, pd) - perp**2, 0.0))
    cosang = np.abs(np.einsum("ij,ij->i", normals[pi_], normals[pj]))
    keep = (
        (perp >= window[0])
        & (lateral <= max_lateral)
        & (cosang >= np.cos(np.radians(max_angle_deg)))
    )
    if not keep.any():
        return out
    best = np.full(len(c), np.inf)
    np.minimum.at(best, pi_[keep], perp[keep])
    vals = best[np.isfinite(best)]
    q1, q3 = np.percentile(vals, [25, 75])
    return {
        "stacking_A": float(np.median(vals)),
        "stacking_iqr_A": [float(q1), float(q3)],
        "stacked_fraction": float(len(vals) / len(sp2)),
    }


def ring_summary(atoms: Atoms, max_size: int = 8) -> dict:
    """Ring counts per size, per atom, and the shares of 5/6/7 rings."""
    rs = ring_statistics(atoms, max_size=max_size)
    counts = {int(k): v for k, v in rs["counts"].items()}
    n57 = sum(counts.get(k, 0) for k in (5, 6, 7))
    return {
        "counts": rs["counts"],
        "per_atom": {k: round(v, 5) for k, v in rs["per_atom"].items()},
        "share_5_6_7": {
            str(k): (counts.get(k, 0) / n57 if n57 else 0.0) for k in (5, 6, 7)
        },
    }


def _verdict(value, rng) -> bool | None:
    if value is None or rng is None:
        return None
    return bool(rng[0] <= value <= rng[1])


def validate_structure(
    atoms: Atoms,
    pore_spacing: float | None = 0.5,
    probe_radius: float = DEFAULT_PROBE_RADIUS,
    rings: bool = True,
) -> dict:
    """Statistics of a carbon cell with literature ranges and verdicts.

    Parameters
    ----------
    atoms
        Periodic cell with carbon (Na, if any, is ignored).
    pore_spacing
        Grid of the pore analysis, A (None: skip the pores).
    probe_radius
        Probe of the accessible volume and PSD, A (Na-C contact: 2.3 A).
    rings
        Compute ring statistics (a few seconds for 4,000 C).

    Returns
    -------
    dict
        ``density_g_cm3, n_carbon, hybridisation, rings, d002, stacking,
        pores, checks`` where ``checks`` holds, per target quantity, the value,
        the literature range, its source and ``ok`` (None when no range).
    """
    c = _carbon(atoms)
    rho = densities_g_cm3(atoms.numbers, atoms.cell.array)[0]
    hyb = hybridisation(atoms)
    out = {
        "density_g_cm3": rho,
        "n_carbon": len(c),
        "hybridisation": hyb,
        "rings": ring_summary(atoms) if rings else None,
        "d002": d002(atoms),
        "stacking": stacking_distance(atoms),
        "pores": None,
    }
    if pore_spacing:
        from hcflow.structures.pore_analysis import pore_summary

        summary = pore_summary(atoms, pore_spacing, probe_radius)
        out["pores"] = {k: summary[k] for k in PORE_FIELDS}
    spacing = out["d002"]["d002_A"] if out["d002"]["d002_reliable"] else None
    spacing = spacing if spacing is not None else out["stacking"]["stacking_A"]
    values = {
        "sp2_fraction": hyb["sp2_fraction"],
        "sp_fraction": hyb["sp_fraction"],
        "interlayer_A": spacing,
        "Lc_A": resolved(out["d002"], "Lc_A"),  # None above the cell's reach
        "La_A": resolved(out["d002"], "La_A"),
    }
    in_target = (
        TARGET_DENSITY[0] - 1e-9 <= rho <= TARGET_DENSITY[1] + 1e-9
        and len(c) >= TARGET_MIN_CARBON
    )
    out["checks"] = {
        k: {
            "value": v,
            "range": LITERATURE[k]["range"],
            "source": LITERATURE[k]["source"],
            "ok": _verdict(v, LITERATURE[k]["range"]),
        }
        for k, v in values.items()
    }
    out["in_target_window"] = bool(in_target)
    return out
