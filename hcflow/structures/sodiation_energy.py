"""Energy-guided Na insertion: candidate sites scored by the MLIP.

``sodiate(..., mode="energy", calculator=...)``: free grid points of
:mod:`hcflow.structures.sodiation`, thinned to candidates, each scored once by
the insertion energy ``E(host + Na) - E(host)`` (eV) against the empty host;
Na go to the lowest scores first, ``min_na_na`` apart. The chosen sites and
scores are in ``info["hcflow_sodiation"]``.

Details: docs/structures.md.
"""

from __future__ import annotations

import numpy as np
from ase import Atoms

from hcflow.errors import HcflowError
from hcflow.structures.pore_grid import (
    PeriodicTree,
    cell_matrix,
    minimum_image,
    shifted_grid_points,
)
from hcflow.units import CARBON, SODIUM


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
    cell = cell_matrix(atoms.cell)
    numbers = atoms.get_atomic_numbers()
    rng = np.random.default_rng(seed)
    pts = shifted_grid_points(cell, spacing, rng)
    d_c, _ = PeriodicTree(atoms.positions[numbers == CARBON], cell).query(pts)
    keep = d_c >= min_na_c
    na_old = atoms.positions[numbers == SODIUM]
    if len(na_old):
        d_na, _ = PeriodicTree(na_old, cell).query(pts)
        keep &= d_na >= min_na_na
    pts, clear = pts[keep], d_c[keep]
    if not len(pts):
        return pts.reshape(0, 3)
    order = np.argsort(-clear, kind="stable")
    tree = PeriodicTree(pts, cell)
    blocked = np.zeros(len(pts), bool)
    chosen: list[int] = []
    for k in order:  # largest clearance first; block its neighbourhood
        if blocked[k]:
            continue
        chosen.append(int(k))
        blocked[tree.within(pts[k], candidate_spacing)] = True
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
    atoms: Atoms, sites: np.ndarray, n_new: int, calculator, min_na_na: float
) -> tuple[np.ndarray, np.ndarray]:
    """Positions (m, 3) of up to ``n_new`` Na among ``sites`` (from
    :func:`candidate_sites`), lowest insertion energy first, at least
    ``min_na_na`` apart, and their scores (eV)."""
    if calculator is None:
        raise HcflowError("energy-guided sodiation needs a calculator (the MLIP)")
    if n_new <= 0 or not len(sites):
        return np.empty((0, 3)), np.empty(0)
    scores = insertion_energies(atoms, sites, calculator)
    cell = cell_matrix(atoms.cell)
    inv = np.linalg.inv(cell)
    placed: list[int] = []
    for k in np.argsort(scores, kind="stable"):
        if len(placed) >= n_new:
            break
        if placed:
            dv = minimum_image(sites[placed] - sites[k], cell, inv)
            if np.linalg.norm(dv, axis=1).min() < min_na_na:
                continue
        placed.append(int(k))
    return sites[placed], scores[placed]
