"""Energy-guided Na insertion: candidate sites scored by the MLIP.

Method (``sodiate(..., mode="energy", calculator=...)``)
-------------------------------------------------------
1. Candidates: the grid points of :mod:`hcflow.structures.sodiation` (spacing
   ``spacing``, seeded origin) at least ``min_na_c`` from every C and
   ``min_na_na`` from every Na already present, thinned greedily (largest
   clearance first) so that no two candidates are closer than
   ``candidate_spacing`` (1.5 A); at most ``max_candidates`` (64) are kept
   (a seeded random subset when there are more).
2. Score: the insertion energy of one Na at each candidate,
   ``E(host + Na) - E(host)`` in eV, from single-point energies with the
   given ASE calculator (the study's MLIP): one calculation per candidate.
3. Insert: lowest score first, skipping any candidate closer than
   ``min_na_na`` to a Na already placed, until the loading is reached.

Scores are computed once against the empty host (no re-scoring after each
insertion): cost is one energy per candidate, not per candidate and Na.
The chosen sites and their scores are recorded in
``info["hcflow_sodiation"]`` (``site_energies_eV``).
"""

from __future__ import annotations

import numpy as np
from ase import Atoms
from scipy.spatial import cKDTree

from hcflow.errors import HcflowError


def candidate_sites(
    atoms: Atoms,
    min_na_c: float,
    min_na_na: float,
    spacing: float,
    seed: int,
    candidate_spacing: float = 1.5,
    max_candidates: int = 64,
) -> np.ndarray:
    """Free candidate positions (k, 3), A (see the module docstring)."""
    from hcflow.structures.pores import _cell_matrix, _PeriodicTree, grid_shape

    cell = _cell_matrix(atoms.cell)
    numbers = atoms.get_atomic_numbers()
    rng = np.random.default_rng(seed)
    shape = grid_shape(cell, spacing)
    offset = rng.uniform(0, 1, 3)
    axes = [(np.arange(n) + offset[i]) / n for i, n in enumerate(shape)]
    frac = np.stack(np.meshgrid(*axes, indexing="ij"), -1).reshape(-1, 3)
    pts = frac @ cell
    d_c, _ = _PeriodicTree(atoms.positions[numbers == 6], cell).query(pts)
    keep = d_c >= min_na_c
    na_old = atoms.positions[numbers == 11]
    if len(na_old):
        d_na, _ = _PeriodicTree(na_old, cell).query(pts)
        keep &= d_na >= min_na_na
    pts, clear = pts[keep], d_c[keep]
    if not len(pts):
        return pts.reshape(0, 3)
    order = np.argsort(-clear, kind="stable")
    near = _ball_query(pts, cell, candidate_spacing)
    blocked = np.zeros(len(pts), bool)
    chosen: list[int] = []
    for k in order:  # largest clearance first; block its neighbourhood
        if blocked[k]:
            continue
        chosen.append(int(k))
        blocked[near(pts[k])] = True
    sites = pts[np.asarray(chosen, int)]
    if len(sites) > max_candidates:
        sites = sites[np.sort(rng.choice(len(sites), max_candidates, replace=False))]
    return sites


def insertion_energies(atoms: Atoms, sites: np.ndarray, calculator) -> np.ndarray:
    """``E(host + Na at site) - E(host)`` for every site, eV."""
    host = atoms.copy()
    host.calc = calculator
    e0 = float(host.get_potential_energy())
    out = np.empty(len(sites))
    for k, x in enumerate(sites):
        trial = atoms.copy()
        trial += Atoms("Na", positions=[x])
        trial.calc = calculator
        out[k] = float(trial.get_potential_energy()) - e0
    host.calc = None
    return out


def energy_guided_positions(
    atoms: Atoms,
    n_new: int,
    calculator,
    min_na_c: float,
    min_na_na: float,
    spacing: float,
    seed: int,
    candidate_spacing: float = 1.5,
    max_candidates: int = 64,
) -> tuple[np.ndarray, np.ndarray]:
    """Positions (m, 3) of up to ``n_new`` Na, lowest insertion energy first,
    and their scores (eV)."""
    if calculator is None:
        raise HcflowError("energy-guided sodiation needs a calculator (the MLIP)")
    sites = candidate_sites(
        atoms, min_na_c, min_na_na, spacing, seed, candidate_spacing, max_candidates
    )
    if n_new <= 0 or not len(sites):
        return np.empty((0, 3)), np.empty(0)
    scores = insertion_energies(atoms, sites, calculator)
    cell = atoms.cell.array
    inv = np.linalg.inv(cell)
    placed: list[int] = []
    for k in np.argsort(scores, kind="stable"):
        if len(placed) >= n_new:
            break
        if placed:
            dv = sites[placed] - sites[k]
            f = dv @ inv
            f -= np.round(f)
            if np.linalg.norm(f @ cell, axis=1).min() < min_na_na:
                continue
        placed.append(int(k))
    return sites[placed], scores[placed]


def _ball_query(pts: np.ndarray, cell: np.ndarray, r: float):
    """Function x -> indices of ``pts`` within ``r`` of x (periodic)."""
    if np.allclose(cell - np.diag(np.diag(cell)), 0.0):
        box = np.diag(cell)
        tree = cKDTree(np.mod(pts, box), boxsize=box)
        return lambda x: np.asarray(tree.query_ball_point(np.mod(x, box), r), int)
    tree = cKDTree(pts)
    grid = np.array(
        [(i, j, k) for i in (-1, 0, 1) for j in (-1, 0, 1) for k in (-1, 0, 1)]
    )
    shifts = grid @ cell
    return lambda x: np.unique(
        np.concatenate([tree.query_ball_point(x + s, r) for s in shifts]).astype(int)
    )
