"""Hard-carbon models: curved, defective turbostratic graphene fragments with voids.

"Domain packing" (CPU only, no MD; an MLIP relax/anneal may follow): a cubic
periodic cell at exactly the target density is split into periodic Voronoi
domains filled with corrugated turbostratic graphene layers; cutting at the
domain boundaries leaves fragments and slit pores, spherical voids are
emptied, the layer spacing is bisected to hit ``n_carbon``, and Stone-Wales
defects and vacancies are added. Everything is drawn from ``seed``; the
parameters used are in ``atoms.info["hcflow"]``.

Details (the six steps, guarantees): docs/structures.md.
"""

from __future__ import annotations

import math

import numpy as np
from ase import Atoms
from pydantic import Field

from hcflow.errors import HcflowError
from hcflow.inputs import StrictModel, parse_model
from hcflow.limits import MAX_DENSITY_G_CM3, MAX_N_CARBON, MIN_DENSITY_G_CM3
from hcflow.structures.hardcarbon_domains import (
    DomainBuilder,
    bond_neighbours,
    make_domains,
    spherical_voids,
    stone_wales,
)
from hcflow.structures.hardcarbon_layers import periodic_layers
from hcflow.units import cubic_cell_length_A, mass_density_g_cm3

METHOD = "turbostratic-domain-packing-v1"
COMPRESSED_INTERLAYER = 3.0  # last resort for very dense cells (A)

__all__ = [
    "HardCarbonParams",
    "cell_length",
    "density_of",
    "generate_hard_carbon",
]


class HardCarbonParams(StrictModel):
    """Parameters of :func:`generate_hard_carbon` (lengths in A)."""

    atoms_per_domain: int = Field(800, ge=1)
    min_interlayer: float = Field(3.35, ge=2.5)
    max_interlayer: float = 20.0
    domain_gap: float = 3.0
    floor_distance: float = Field(1.6, gt=1.2)
    corrugation_wavelength: tuple[float, float] = (10.0, 30.0)
    corrugation_slope: float = 0.35
    void_fraction: float | None = None
    void_radius: tuple[float, float] = (4.0, 7.0)
    stone_wales_per_atom: float = 0.01
    vacancy_per_atom: float = 0.005

    @classmethod
    def from_kwargs(cls, density: float, **params) -> HardCarbonParams:
        """Build from keyword arguments; unknown names are a HcflowError."""
        p = parse_model(cls, params, "hard-carbon parameters")
        if p.void_fraction is None:
            p.void_fraction = float(np.clip(0.5 * (1.0 - density / 2.0), 0.0, 0.4))
        return p

    def to_dict(self) -> dict:
        """JSON-friendly dict."""
        d = self.model_dump()
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in d.items()}


def cell_length(n_carbon: int, density_g_cm3: float) -> float:
    """Edge (A) of the cubic cell holding ``n_carbon`` C at ``density_g_cm3``."""
    return cubic_cell_length_A(n_carbon, density_g_cm3)


def density_of(atoms: Atoms) -> float:
    """Mass density of a periodic cell, g/cm3."""
    return float(mass_density_g_cm3(atoms.get_masses().sum(), atoms.get_volume()))


def generate_hard_carbon(
    n_carbon: int, density_g_cm3: float, seed: int = 0, **params
) -> Atoms:
    """Generate a periodic hard-carbon model (pure C) at a target density.

    Parameters
    ----------
    n_carbon
        Number of carbon atoms (> 0).
    density_g_cm3
        Carbon density, g/cm3, 0.3 to 3.0; the cubic cell matches it exactly.
    seed
        Seed of the random generator; the same inputs give the same structure.
    **params
        Any field of :class:`HardCarbonParams` (see the module docstring).

    Returns
    -------
    ase.Atoms
        Periodic cubic cell of exactly ``n_carbon`` carbon atoms;
        ``info["hcflow"]`` records method, seed and parameters.
    """
    if isinstance(n_carbon, bool) or int(n_carbon) != n_carbon or n_carbon <= 0:
        raise HcflowError(f"n_carbon must be a positive integer, got {n_carbon}")
    n_carbon = int(n_carbon)
    if n_carbon > MAX_N_CARBON:
        raise HcflowError(f"n_carbon={n_carbon} is too large (max {MAX_N_CARBON})")
    try:
        density_g_cm3 = float(density_g_cm3)
    except (TypeError, ValueError) as exc:
        raise HcflowError(f"density must be a number, got {density_g_cm3!r}") from exc
    if not np.isfinite(density_g_cm3) or not (
        MIN_DENSITY_G_CM3 <= density_g_cm3 <= MAX_DENSITY_G_CM3
    ):
        raise HcflowError(
            f"density must be between {MIN_DENSITY_G_CM3} and {MAX_DENSITY_G_CM3} "
            f"g/cm3, got {density_g_cm3}"
        )
    p = HardCarbonParams.from_kwargs(density_g_cm3, **params)
    rng = np.random.default_rng(seed)
    L = cell_length(n_carbon, density_g_cm3)
    voids = spherical_voids(L, rng, p)
    k = max(1, int(round(n_carbon / p.atoms_per_domain)))
    builder = DomainBuilder(L, make_domains(L, k, rng, p), voids)
    need = n_carbon + int(math.ceil(p.vacancy_per_atom * n_carbon))
    gap, s_min = p.domain_gap, p.min_interlayer
    while len(builder.build(s_min, gap)[0]) < need:
        if gap > p.floor_distance + 1e-9:
            gap = max(p.floor_distance, gap - 0.2)
        elif s_min > COMPRESSED_INTERLAYER + 1e-9:
            s_min = max(COMPRESSED_INTERLAYER, s_min - 0.05)
        else:
            return periodic_layers(
                n_carbon, density_g_cm3, L, rng, p.corrugation_slope, p.to_dict(), seed
            )
    lo, hi = s_min, p.max_interlayer
    if len(builder.build(hi, gap)[0]) >= need:
        lo = hi
    for _ in range(30):  # largest spacing that still gives enough atoms
        mid = 0.5 * (lo + hi)
        if len(builder.build(mid, gap)[0]) >= need:
            lo = mid
        else:
            hi = mid
        if hi - lo < 1e-3:
            break
    pos, margin = builder.build(lo, gap)
    stone_wales(pos, p.stone_wales_per_atom, rng, L)
    n_vac = min(len(pos) - n_carbon, rng.binomial(len(pos), p.vacancy_per_atom))
    if n_vac > 0:
        cn = np.array([len(v) - 1 for v in bond_neighbours(pos, L)])
        interior = np.flatnonzero(cn == 3)
        drop = rng.choice(interior, size=min(n_vac, len(interior)), replace=False)
        keep = np.setdiff1d(np.arange(len(pos)), drop)
        pos, margin = pos[keep], margin[keep]
    excess = len(pos) - n_carbon
    if excess > 0:  # trim edge atoms first
        cn = np.array([len(v) - 1 for v in bond_neighbours(pos, L)])
        order = np.lexsort((margin, cn))
        keep = np.sort(order[excess:])
        pos = pos[keep]
    atoms = Atoms(symbols=["C"] * n_carbon, positions=pos, cell=[L, L, L], pbc=True)
    atoms.info["hcflow"] = {
        "method": METHOD,
        "seed": int(seed),
        "density_g_cm3": density_g_cm3,
        "n_carbon": n_carbon,
        "params": p.to_dict(),
        "interlayer": round(float(lo), 4),
        "domain_gap": round(float(gap), 3),
        "n_domains": k,
        "n_voids": len(voids),
        "void_radii": [round(float(r), 3) for _, r in voids],
    }
    return atoms
