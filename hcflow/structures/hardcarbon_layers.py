"""Graphene sheets: the honeycomb lattice and periodic layered carbon.

- :func:`honeycomb`: a 2D graphene patch (C-C 1.42 A), rotated and shifted;
  the domains of :mod:`hcflow.structures.hardcarbon_domains` are built of it;
- :func:`commensurate_layer` and :func:`periodic_layers`: the fallback of
  :func:`hcflow.structures.hardcarbon.generate_hard_carbon` for cells too small
  or dense for domains (graphene strained onto the cubic cell, stacked).
"""

from __future__ import annotations

import math

import numpy as np
from ase import Atoms

from hcflow.errors import HcflowError

CC_BOND_A = 1.42
FALLBACK_INTERLAYER = 2.7  # periodic-layer fallback of tiny dense cells (A)


def honeycomb(radius: float, angle: float = 0.0, shift=(0.0, 0.0)) -> np.ndarray:
    """2D honeycomb lattice (C-C 1.42 A) within ``radius``, rotated and shifted."""
    a = CC_BOND_A
    a1 = np.array([1.5 * a, math.sqrt(3) / 2 * a])
    a2 = np.array([1.5 * a, -math.sqrt(3) / 2 * a])
    n = int(radius / a) + 3
    i, j = np.meshgrid(np.arange(-n, n + 1), np.arange(-n, n + 1), indexing="ij")
    base = i.reshape(-1, 1) * a1 + j.reshape(-1, 1) * a2
    pts = np.vstack([base, base + np.array([a, 0.0])]) + np.asarray(shift)
    c, s = math.cos(angle), math.sin(angle)
    pts = pts @ np.array([[c, s], [-s, c]])
    return pts[np.einsum("ij,ij->i", pts, pts) <= radius * radius]


def commensurate_layer(L: float) -> tuple[np.ndarray, float]:
    """Graphene sites (2D) of a supercell mapped onto an L x L square.

    Searches integer supercells (A, B) of the graphene lattice for the linear
    map onto the square with the least strain; returns the sites and the
    largest principal strain.
    """
    a = CC_BOND_A
    a1 = np.array([1.5 * a, math.sqrt(3) / 2 * a])
    a2 = np.array([1.5 * a, -math.sqrt(3) / 2 * a])
    r = np.arange(-10, 11)
    m, n = np.meshgrid(r, r, indexing="ij")
    vec = m.reshape(-1, 1) * a1 + n.reshape(-1, 1) * a2
    length = np.linalg.norm(vec, axis=1)
    cand = np.flatnonzero(np.abs(length / L - 1) < 0.15)
    best, best_strain = None, np.inf
    for i in cand:
        for j in cand:
            M = np.column_stack([vec[i], vec[j]])
            if np.linalg.det(M) <= 1.0:
                continue
            T = L * np.linalg.inv(M)
            strain = np.abs(np.linalg.svd(T, compute_uv=False) - 1).max()
            if strain < best_strain:
                best, best_strain = M, strain
    if best is None:
        return np.empty((0, 2)), np.inf
    n_max = int(2 * L / a) + 4
    g = np.arange(-n_max, n_max + 1)
    i, j = np.meshgrid(g, g, indexing="ij")
    base = i.reshape(-1, 1) * a1 + j.reshape(-1, 1) * a2
    pts = np.vstack([base, base + np.array([a, 0.0])])
    frac = np.linalg.solve(best, pts.T).T
    inside = np.all((frac >= -1e-9) & (frac < 1 - 1e-9), axis=1)
    return frac[inside] * L, float(best_strain)


def periodic_layers(
    n_carbon: int,
    density: float,
    L: float,
    rng: np.random.Generator,
    corrugation_slope: float,
    params: dict,
    seed: int,
) -> Atoms:
    """Fallback for small or very dense cells: periodic corrugated layers.

    Graphene in an orthorhombic supercell strained to the cubic cell (at most
    about 10 %), stacked along z with random in-plane shifts, as many layers
    as needed at >= 2.7 A, corrugated commensurately; surplus atoms are removed
    as vacancies.
    """
    layer, strain = commensurate_layer(L)
    if strain > 0.12:
        raise HcflowError(f"cell too small ({L:.1f} A) for {n_carbon} C as layers")
    n_l = int(L / FALLBACK_INTERLAYER)
    for k in range(1, n_l + 1):
        if k * len(layer) >= n_carbon and L / k >= FALLBACK_INTERLAYER:
            n_l = k
            break
    if n_l * len(layer) < n_carbon:
        raise HcflowError(
            f"cannot fit {n_carbon} C at {density} g/cm3 as layered carbon; "
            "lower the density"
        )
    amp = rng.uniform(0.0, 0.3) * L / (2 * math.pi) * corrugation_slope
    ph = rng.uniform(0, 2 * math.pi, 2)
    pos = []
    for k in range(n_l):
        xy = np.mod(layer + rng.uniform(0, L, 2), L)
        z = k * L / n_l + amp * (
            np.sin(2 * math.pi * xy[:, 0] / L + ph[0])
            + np.sin(2 * math.pi * xy[:, 1] / L + ph[1])
        )
        pos.append(np.column_stack([xy, z]))
    pos = np.mod(np.vstack(pos), L)
    drop = rng.choice(len(pos), size=len(pos) - n_carbon, replace=False)
    pos = np.delete(pos, drop, axis=0)
    atoms = Atoms(symbols=["C"] * n_carbon, positions=pos, cell=[L, L, L], pbc=True)
    atoms.info["hcflow"] = {
        "method": "periodic-layers-fallback-v1",
        "seed": int(seed),
        "density_g_cm3": float(density),
        "n_carbon": int(n_carbon),
        "params": params,
        "interlayer": round(L / n_l, 4),
        "n_layers": n_l,
        "strain": round(float(strain), 4),
    }
    return atoms
