"""X-ray structure factor of a periodic carbon cell: d002, Lc, La, G(r).

``S(q)`` by the windowed (Lorch) Debye equation over the carbon pairs of the
periodic cell out to ``r_max``, form factors divided out; ``d002``, the
Scherrer ``Lc`` and Warren's ``La`` from the peak positions and widths. The
window caps the sizes near ``r_max``. References in :data:`EXPERIMENT`.

Details (equations, the size cap): docs/structures.md.
"""

from __future__ import annotations

import numpy as np
from ase import Atoms

from hcflow.errors import HcflowError
from hcflow.units import CARBON

K_LC = 0.89  # Scherrer constant of the (002) stacking height
K_LA = 1.84  # Warren (1941): two-dimensional (10) band of turbostratic carbon
Q002_RANGE = (1.2, 2.4)  # A^-1: d from 2.6 to 5.2 A
Q10_RANGE = (2.6, 3.4)  # A^-1: (10) band near 2.95 A^-1
#: a "visible" (002) peak rises this much above its shoulders (a random gas of
#: 300-1,000 atoms shows noise maxima of 0.06-0.2 there)
MIN_PROMINENCE = 0.25

#: experimental ranges of hard carbons, with their sources
EXPERIMENT: dict[str, dict] = {
    "d002_A": {
        "range": [3.7, 4.0],
        "source": "XRD of hard carbons: broad (002) at 3.6-4.0 A (D. A. Stevens, "
        "J. R. Dahn, J. Electrochem. Soc. 147, 1271 (2000); C. Bommier et al., "
        "Nano Lett. 15, 5888 (2015)); graphite 3.35 A",
    },
    "Lc_A": {
        "range": [10.0, 15.0],
        "source": "stacking height of 3-4 layers, ~1-1.5 nm, from the (002) "
        "width (E. Irisarri, A. Ponrouch, M. R. Palacin, J. Electrochem. Soc. "
        "162, A2476 (2015), review)",
    },
    "La_A": {
        "range": [20.0, 60.0],
        "source": "lateral size of a few nm from the (10) band (B. E. Warren, "
        "Phys. Rev. 59, 693 (1941), K = 1.84; Irisarri et al. 2015)",
    },
}


def _carbon(atoms: Atoms) -> Atoms:
    c = atoms[atoms.numbers == CARBON]
    if len(c) == 0:
        raise HcflowError("structure has no carbon")
    if not all(atoms.pbc) or atoms.cell.rank < 3:
        raise HcflowError("S(q) needs a 3D periodic cell")
    return c


def pair_histogram(
    atoms: Atoms, r_max: float = 20.0, dr: float = 0.005
) -> tuple[np.ndarray, np.ndarray, float, int]:
    """C-C pair counts per shell ``(r, counts, rho, n)`` out to ``r_max`` (A)."""
    from matscipy.neighbours import neighbour_list

    c = _carbon(atoms)
    d = neighbour_list("d", c, r_max)
    edges = np.arange(0.0, r_max + dr / 2, dr)
    counts, _ = np.histogram(d, bins=edges)
    r = 0.5 * (edges[1:] + edges[:-1])
    return r, counts.astype(float), len(c) / c.get_volume(), len(c)


def pdf(atoms: Atoms, r_max: float = 20.0, dr: float = 0.02) -> dict:
    """``r``, ``g(r)`` and the reduced PDF ``G(r) = 4 pi rho r (g - 1)`` (A^-2)."""
    r, counts, rho, n = pair_histogram(atoms, r_max, dr)
    edges = np.concatenate([r - dr / 2, [r[-1] + dr / 2]])
    shell = 4.0 / 3.0 * np.pi * np.diff(edges**3)
    g = counts / (n * rho * shell)
    return {"r": r, "g": g, "G": 4 * np.pi * rho * r * (g - 1.0), "rho": rho}


def _sinc_qr(q: np.ndarray, r: np.ndarray) -> np.ndarray:
    return np.sinc(np.outer(q, r) / np.pi)  # sin(q r) / (q r)


def debye_sq(
    atoms: Atoms, q: np.ndarray | None = None, r_max: float = 20.0
) -> tuple[np.ndarray, np.ndarray]:
    """``(q, S(q))`` of the carbon by the windowed Debye equation (module doc)."""
    q = np.linspace(0.5, 8.0, 751) if q is None else np.asarray(q, float)
    r, counts, rho, n = pair_histogram(atoms, r_max)
    w = np.sinc(r / r_max)
    dr = r[1] - r[0]
    pairs = _sinc_qr(q, r) @ (counts * w) / n
    uniform = 4 * np.pi * rho * (_sinc_qr(q, r) @ (w * r**2)) * dr
    return q, 1.0 + pairs - uniform


def window_fwhm(q0: float, r_max: float = 20.0) -> float:
    """FWHM (A^-1) the Lorch window gives an infinitely sharp peak at ``q0``."""
    r = np.linspace(0.0, r_max, 4001)
    q = np.linspace(q0 - 1.5, q0 + 1.5, 1201)
    resp = (np.sin(np.outer(q, r)) @ (np.sin(q0 * r) * np.sinc(r / r_max))) / q
    return _fwhm(q, resp, int(np.argmax(resp)), 0.0) or 0.0


def _fwhm(q, s, k, base) -> float | None:
    """Full width at half height above ``base`` of the peak at index ``k``."""
    half = base + 0.5 * (s[k] - base)
    left = np.flatnonzero(s[:k] < half)
    right = np.flatnonzero(s[k:] < half)
    if len(left) == 0 or len(right) == 0:
        return None
    i, j = left[-1], k + right[0]
    ql = np.interp(half, [s[i], s[i + 1]], [q[i], q[i + 1]])
    qr = np.interp(half, [s[j], s[j - 1]], [q[j], q[j - 1]])
    return float(qr - ql)


def find_peak(q: np.ndarray, s: np.ndarray, q_range: tuple[float, float]) -> dict:
    """The most prominent peak of ``s`` in ``q_range``: position, height, FWHM.

    The FWHM is taken at half the prominence (above the higher of the two
    minima that bound the peak), so a sloping background does not widen it.
    """
    from scipy.signal import find_peaks

    m = (q >= q_range[0]) & (q <= q_range[1])
    qq, ss = q[m], s[m]
    idx, props = find_peaks(ss, prominence=0.0)
    empty = {"q": None, "height": None, "prominence": 0.0, "fwhm": None}
    if len(idx) == 0:
        return empty
    b = int(np.argmax(props["prominences"]))
    k, prom = int(idx[b]), float(props["prominences"][b])
    return {
        "q": float(qq[k]),
        "height": float(ss[k]),
        "prominence": prom,
        "fwhm": _fwhm(qq, ss, k, float(ss[k]) - prom),
    }


def _size(k: float, fwhm: float | None) -> float | None:
    return None if not fwhm else float(k * 2 * np.pi / fwhm)


def xrd_summary(atoms: Atoms, r_max: float = 20.0) -> dict:
    """d002, Lc, La and the peak data of a carbon cell (JSON-safe).

    ``peak_002_visible``: a (002) maximum in 1.2-2.4 A^-1 with prominence
    >= :data:`MIN_PROMINENCE`; d002/Lc are None without one. ``reliable``:
    the cell is at least ``r_max`` wide (else its own periodicity shows).
    Sizes near ``size_limit_A`` are set by the window or the cell.
    """
    q = np.linspace(0.5, 4.0, 701)
    q, s = debye_sq(atoms, q, r_max)
    p002 = find_peak(q, s, Q002_RANGE)
    p10 = find_peak(q, s, Q10_RANGE)
    visible = p002["q"] is not None and p002["prominence"] >= MIN_PROMINENCE
    width = float(min(atoms.cell.lengths()))
    return {
        "r_max_A": r_max,
        "reliable": bool(width >= r_max),
        "peak_002_visible": bool(visible),
        "q002_inv_A": p002["q"] if visible else None,
        "d002_A": 2 * np.pi / p002["q"] if visible else None,
        "fwhm002_inv_A": p002["fwhm"] if visible else None,
        "prominence002": p002["prominence"],
        "Lc_A": _size(K_LC, p002["fwhm"]) if visible else None,
        "q10_inv_A": p10["q"],
        "fwhm10_inv_A": p10["fwhm"],
        "La_A": _size(K_LA, p10["fwhm"]),
        "size_limit_A": min(r_max, width),
    }


def resolved(summary: dict, key: str) -> float | None:
    """d002/Lc/La of a summary, None for a size above ``size_limit_A``."""
    v = summary.get(key)
    limit = summary.get("size_limit_A")
    if v is not None and key != "d002_A" and limit is not None and v > limit:
        return None
    return v


def against_experiment(summary: dict) -> dict:
    """Each of d002/Lc/La with its experimental range, source and verdict.

    A size above what the cell and window resolve has no verdict (None).
    """
    out = {}
    for key, ref in EXPERIMENT.items():
        v = summary.get(key)
        lo, hi = ref["range"]
        r = resolved(summary, key)
        ok = None if r is None else bool(lo <= r <= hi)
        out[key] = {"value": v, **ref, "ok": ok}
    return out
