"""Partial radial distribution functions around Na and their first minimum.

Used to check the coordination cutoffs against the data: every trajectory
summary records the first minimum of g_NaC(r) and g_NaNa(r) (None when g(r)
has no clear first peak and minimum, e.g. for an ideal gas), next to the
cutoffs that were used.
"""

from __future__ import annotations

import numpy as np

from hcflow.descriptors.neighbors import PaddedTree, wrapped_cartesian


def partial_rdf(
    positions: np.ndarray,
    cells: np.ndarray,
    centre: np.ndarray,
    other: np.ndarray,
    frames: np.ndarray,
    r_max: float = 8.0,
    dr: float = 0.05,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """g(r) of the ``other`` atoms around the ``centre`` atoms, frame-averaged.

    Parameters
    ----------
    positions, cells
        (n_frames, n_atoms, 3) positions and (n_frames, 3, 3) cells (A).
    centre, other
        Atom indices of the two species (may be the same set).
    frames
        Frames to average over.
    r_max, dr
        Range and bin width (A).

    Returns
    -------
    (r, g, counts)
        Bin centres (A), g(r) and the pair counts per bin.
    """
    edges = np.arange(0.0, r_max + dr / 2, dr)
    hist = np.zeros(len(edges) - 1)
    norm = 0.0
    same = np.array_equal(centre, other)
    for f in frames:
        cell = cells[f]
        volume = abs(np.linalg.det(cell))
        pts = wrapped_cartesian(positions[f, centre], cell)
        tree = PaddedTree(positions[f, other], cell, r_max)
        i, j, d = tree.pairs(pts, r_max)
        if same:
            d = d[~((i == j) & (d < 1e-8))]
        hist += np.histogram(d, bins=edges)[0]
        n_other = len(other) - (1 if same else 0)
        norm += len(centre) * n_other / volume
    shell = 4.0 / 3.0 * np.pi * (edges[1:] ** 3 - edges[:-1] ** 3)
    r = 0.5 * (edges[1:] + edges[:-1])
    g = hist / (shell * max(norm, 1e-300))
    return r, g, hist


def first_minimum(
    r: np.ndarray,
    g: np.ndarray,
    counts: np.ndarray,
    smooth: int = 5,
    min_counts: float = 200,
) -> float | None:
    """Position of the first minimum after the first peak of g(r) (A) or None.

    The curve is smoothed by a moving average of ``smooth`` bins; the search
    starts where the cumulative pair count reaches ``min_counts`` (so the
    noisy, nearly empty small-r bins cannot fake a peak); the first peak must
    exceed 1.2 and the minimum must lie below 0.8 of the peak.
    """
    if len(g) < 3 * smooth or np.sum(counts) < min_counts:
        return None
    gs = np.convolve(g, np.ones(smooth) / smooth, mode="same")
    start = int(np.searchsorted(np.cumsum(counts), min_counts))
    peak = start + int(np.argmax(gs[start:] > 0))
    # climb to the first local maximum
    while peak + 1 < len(gs) and gs[peak + 1] >= gs[peak]:
        peak += 1
    if gs[peak] < 1.2 or peak + 1 >= len(gs):
        return None
    k = peak
    while k + 1 < len(gs) and gs[k + 1] <= gs[k]:
        k += 1
    if k + 1 >= len(gs) or gs[k] > 0.8 * gs[peak]:
        return None
    return float(r[k])
