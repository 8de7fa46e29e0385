"""Closest approach of two mobile ions: a physical-validity check on a trajectory.

A machine-learned potential trained on few ion-ion contacts can let two ions
merge (measured: the shipped small MACE model brings Na to 1.2-1.5 A of
another Na in dense carbon at >= 1000 K, where its teacher CHGNet pushes them
apart with 20-50 eV/A; the Na2 bond is 3.08 A). A D computed from such a run
is not physical whatever its MSD looks like. :func:`closest_ion_pair` finds
the closest distance between two mobile ions (minimum image) over the frames;
:func:`contact_limit` is the smallest distance accepted: 0.6 x twice the
ion's covalent radius (Na 2.0 A, Li 1.5 A, K 2.4 A).
"""

from __future__ import annotations

import numpy as np

#: Frames examined at most (evenly spaced); merged ions stay merged.
MAX_FRAMES = 200
#: Share of twice the covalent radius below which two ions have merged.
CONTACT_SHARE = 0.6


def contact_limit(number: int) -> float:
    """Smallest physical distance (A) between two ions of this element."""
    from ase.data import covalent_radii

    return float(CONTACT_SHARE * 2.0 * covalent_radii[int(number)])


def closest_ion_pair(
    positions: np.ndarray,
    cells: np.ndarray,
    ions: np.ndarray,
    pbc=(True, True, True),
    max_frames: int = MAX_FRAMES,
    search_A: float = 4.0,
) -> float | None:
    """Closest distance (A) between two of ``ions`` over the trajectory.

    Parameters
    ----------
    positions
        (n_frames, n_atoms, 3) positions, A (wrapped or not).
    cells
        (n_frames, 3, 3) cell vectors as rows, A.
    ions
        Indices of the mobile ions.
    pbc
        Periodic directions (minimum image along them).
    max_frames
        At most this many evenly spaced frames are examined.
    search_A
        Pairs farther apart than this are not looked at; None when no pair
        ever comes within it (or there are fewer than two ions).
    """
    from ase import Atoms
    from matscipy.neighbours import neighbour_list

    ions = np.asarray(ions, int)
    if len(ions) < 2:
        return None
    step = max(1, int(np.ceil(len(positions) / max_frames)))
    best = np.inf
    for k in range(0, len(positions), step):
        atoms = Atoms(positions=positions[k, ions], cell=cells[k], pbc=pbc)
        d = neighbour_list("d", atoms, search_A)
        if len(d):
            best = min(best, float(d.min()))
    return None if not np.isfinite(best) else best
