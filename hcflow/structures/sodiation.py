"""Insert Na into a carbon framework at a set Na:C ratio (pure, seeded).

Na go one at a time onto free points of a periodic grid (at least
``min_na_c`` from every C and ``min_na_na`` from every Na), chosen by
``mode``: ``"largest"`` (default, largest empty space first), ``"random"`` or
``"energy"`` (MLIP insertion energy, :mod:`hcflow.structures.sodiation_energy`).
A loading that cannot fit is a one-line :class:`~hcflow.errors.HcflowError`;
an optional short relaxation with any ASE calculator may follow.

Details: docs/structures.md.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from ase import Atoms
from pydantic import Field
from scipy.spatial import cKDTree

from hcflow.errors import HcflowError
from hcflow.inputs import StrictModel
from hcflow.limits import MAX_NA_PER_C
from hcflow.structures.pore_grid import (
    PeriodicTree,
    cell_matrix,
    is_orthorhombic,
    minimum_image,
    shifted_grid_points,
)


class SodiationSettings(StrictModel):
    """Sodiation parameters shared by every point (see :func:`sodiate`)."""

    min_na_c: float = Field(2.3, gt=0, description="Minimum Na-C distance, A.")
    min_na_na: float = Field(3.0, gt=0, description="Minimum Na-Na distance, A.")
    spacing: float = Field(0.4, gt=0, description="Candidate-site grid spacing, A.")
    mode: Literal["largest", "random", "energy"] = Field(
        "largest",
        description="largest: biggest empty space first; random; energy: lowest "
        "MLIP insertion energy first (the study's potential scores the sites).",
    )


def max_na_count(
    atoms: Atoms,
    min_na_c: float = 2.3,
    min_na_na: float = 3.0,
    spacing: float = 0.4,
    seed: int = 0,
) -> int:
    """How many Na the greedy largest-space-first insertion fits (all of them)."""
    return len(_insert(atoms, None, min_na_c, min_na_na, spacing, seed, "largest"))


def _insert(atoms, n_new, min_na_c, min_na_na, spacing, seed, mode) -> np.ndarray:
    """Positions of up to ``n_new`` new Na (all that fit when None)."""
    cell = cell_matrix(atoms.cell)
    inv = np.linalg.inv(cell)
    numbers = atoms.get_atomic_numbers()
    carbon = atoms.positions[numbers == 6]
    na_old = atoms.positions[numbers == 11]
    rng = np.random.default_rng(seed)
    pts = shifted_grid_points(cell, spacing, rng)
    d_c, _ = PeriodicTree(carbon, cell).query(pts)
    keep = d_c >= min_na_c
    pts, d_c = pts[keep], d_c[keep]
    # d_na only matters up to d_cap: beyond it the carbon sets the clearance
    d_cap = (float(d_c.max()) if len(d_c) else 0.0) - min_na_c + min_na_na + 1e-6
    d_na = np.full(len(pts), d_cap)
    ortho = is_orthorhombic(cell)
    tree = None
    if ortho and len(pts):
        box = np.diag(cell)
        pts = np.mod(pts, box)
        tree = cKDTree(pts, boxsize=box)

    def update(x):
        if tree is not None:
            idx = np.asarray(tree.query_ball_point(np.mod(x, box), d_cap), int)
        else:
            idx = np.arange(len(pts))
        if len(idx):
            dist = np.linalg.norm(minimum_image(pts[idx] - x, cell, inv), axis=1)
            d_na[idx] = np.minimum(d_na[idx], dist)

    for x in na_old:
        update(x)
    jitter = rng.uniform(0, 1e-6, len(pts))
    placed: list[np.ndarray] = []
    target = np.inf if n_new is None else n_new
    while len(placed) < target:
        clear = np.minimum(d_c - min_na_c, d_na - min_na_na)
        free = clear >= 0
        if not free.any():
            break
        if mode == "random":
            k = int(rng.choice(np.flatnonzero(free)))
        else:
            k = int(np.argmax(np.where(free, clear + jitter, -np.inf)))
        x = pts[k].copy()
        placed.append(x)
        update(x)
    return np.array(placed).reshape(-1, 3)


def sodiate(
    atoms: Atoms,
    na_per_c: float,
    seed: int = 0,
    min_na_c: float = 2.3,
    min_na_na: float = 3.0,
    spacing: float = 0.4,
    mode: str = "largest",
    calculator=None,
    relax_steps: int = 50,
    fmax: float = 0.2,
    energy_calculator=None,
    max_candidates: int = 64,
) -> Atoms:
    """Insert Na at a Na:C ratio into the accessible space of a carbon cell.

    Parameters
    ----------
    atoms
        Periodic structure with carbon (and possibly Na already).
    na_per_c
        Target Na:C ratio, 0 to 1 (e.g. 1/6 = 0.1667); the Na count is
        ``round(na_per_c * n_C)``, existing Na included.
    seed
        Seed of the grid offset, tie-breaking and random choices.
    min_na_c, min_na_na
        Minimum Na-C and Na-Na centre distances, A.
    spacing
        Grid spacing of the candidate sites, A.
    mode
        ``"largest"`` (largest empty space first), ``"random"`` (Widom-style)
        or ``"energy"`` (lowest MLIP insertion energy first).
    calculator
        Optional ASE calculator for a short FIRE relaxation (``relax_steps``
        steps, stop at ``fmax`` eV/A); default none.
    energy_calculator
        ASE calculator scoring the sites of ``mode="energy"`` (the MLIP).
    max_candidates
        Most candidate sites scored in ``mode="energy"`` (one MLIP energy each).

    Returns
    -------
    ase.Atoms
        A new Atoms (input untouched): the carbon, old Na, then the new Na;
        ``info["hcflow_sodiation"]`` records the settings.
    """
    if not isinstance(atoms, Atoms):
        raise HcflowError("sodiate needs an ase.Atoms structure")
    try:
        na_per_c = float(na_per_c)
    except (TypeError, ValueError) as exc:
        raise HcflowError(f"Na:C must be a number, got {na_per_c!r}") from exc
    if not np.isfinite(na_per_c) or not 0.0 <= na_per_c <= MAX_NA_PER_C:
        raise HcflowError(f"Na:C must be between 0 and {MAX_NA_PER_C}, got {na_per_c}")
    if mode not in ("largest", "random", "energy"):
        raise HcflowError(
            f"sodiation mode must be 'largest', 'random' or 'energy', got {mode!r}"
        )
    if mode == "energy" and energy_calculator is None:
        raise HcflowError("sodiation mode 'energy' needs an MLIP (energy_calculator)")
    if min_na_c <= 0 or min_na_na <= 0:
        raise HcflowError("minimum Na-C and Na-Na distances must be positive")
    numbers = atoms.get_atomic_numbers()
    n_c = int(np.sum(numbers == 6))
    if n_c == 0:
        raise HcflowError("structure has no carbon: nothing to sodiate")
    if not all(atoms.pbc):
        raise HcflowError("sodiation needs a periodic cell (pbc on all axes)")
    n_old = int(np.sum(numbers == 11))
    n_target = int(round(na_per_c * n_c))
    if n_old > n_target:
        raise HcflowError(
            f"structure already has {n_old} Na, more than the {n_target} requested"
        )
    n_new = n_target - n_old
    scores = None
    if mode == "energy":
        from hcflow.structures import sodiation_energy as se

        sites = se.candidate_sites(
            atoms, min_na_c, min_na_na, spacing, seed, max_candidates=max_candidates
        )
        new, scores = se.energy_guided_positions(
            atoms, sites, n_new, energy_calculator, min_na_na
        )
    else:
        new = _insert(atoms, n_new, min_na_c, min_na_na, spacing, seed, mode)
    if len(new) < n_new:
        n_max = n_old + len(new)  # the insertion ran until nothing was free
        raise HcflowError(
            f"Na:C={na_per_c:.4g} ({n_target} Na) does not fit: at most {n_max} Na "
            f"(Na:C={n_max / n_c:.4g}) fit with min Na-C {min_na_c} A and "
            f"Na-Na {min_na_na} A"
        )
    out = atoms.copy()
    out.calc = None
    if len(new):
        out += Atoms(symbols=["Na"] * len(new), positions=new)
    out.wrap()
    out.info["hcflow_sodiation"] = {
        "method": f"grid-insertion-{mode}",
        "na_per_c": na_per_c,
        "n_na": n_target,
        "n_c": n_c,
        "seed": int(seed),
        "min_na_c": float(min_na_c),
        "min_na_na": float(min_na_na),
        "spacing": float(spacing),
        "relaxed": calculator is not None,
    }
    if scores is not None:
        out.info["hcflow_sodiation"]["site_energies_eV"] = [
            round(float(x), 5) for x in scores
        ]
    if calculator is not None:
        from hcflow.structures.relax import relax_structure

        record = out.info.pop("hcflow_sodiation")
        out = relax_structure(out, calculator, steps=relax_steps, fmax=fmax)
        record["relax"] = out.info.pop("hcflow_relax")
        out.info["hcflow_sodiation"] = record
    return out
