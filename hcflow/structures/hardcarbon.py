"""Hard-carbon models: curved, defective turbostratic graphene fragments with voids.

Method ("domain packing", CPU only, no MD; an MLIP relax/anneal may follow)
---------------------------------------------------------------------------
1. Cell. A cubic periodic cell of edge ``L = (n_carbon * m_C / (rho * N_A))**(1/3)``
   so that the carbon density is exactly the target (m_C = 12.011 g/mol).
2. Domains. ``K = round(n_carbon / atoms_per_domain)`` random seed points
   split the cell into periodic Voronoi domains (the crystallites of hard
   carbon). Each domain gets a random stacking normal, a random smooth
   corrugation (two sine waves, wavelength in ``corrugation_wavelength``,
   maximum slope ``corrugation_slope``: the sheets are curved, bond lengths stay
   within 1.42-1.50 A) and is filled with parallel, randomly rotated and
   shifted graphene layers (turbostratic) ``s`` apart.
3. Fragments and open pores. Atoms closer than ``domain_gap / 2`` (default
   1.5 A, so 3.0 A between domains) to a domain boundary are cut away, which
   leaves finite fragments with open edges and slit pores between domains.
   Atoms left with fewer than two neighbours are pruned.
4. Closed voids. Spherical voids (volume fraction ``void_fraction``, default
   ``clip(0.5 * (1 - rho / 2.0), 0, 0.4)``: 0.3 at 0.8 g/cm3, none at 2.0;
   radius drawn from ``void_radius`` capped at ``0.3 L``) are emptied of carbon,
   so void size grows as density falls.
5. Density. The layer spacing ``s`` (>= ``min_interlayer`` = 3.35 A, the
   graphite value) is found by bisection so that just enough atoms remain; at
   low density the sheets open up into slit pores, at high density they stack
   like graphite. If even ``min_interlayer`` gives too few atoms the domain gap
   is narrowed in 0.2 A steps down to ``floor_distance`` (1.6 A: cross-links,
   sp3 by coordination), then the interlayer down to 3.0 A (compressed).
   Cells too small or dense for domains (e.g. 56 C at 1.5 g/cm3) fall back to
   periodic corrugated layers (graphene strained <= 12 % to the cell, stacked
   >= 2.7 A apart, surplus atoms removed as vacancies): method
   ``periodic-layers-fallback-v1`` in ``info``.
6. Defects. Stone-Wales bond rotations (5-7-7-5 rings) on
   ``stone_wales_per_atom`` of the interior atoms and vacancies on
   ``vacancy_per_atom``. Then the surplus atoms (lowest coordination, nearest a
   domain boundary first) are removed to leave exactly ``n_carbon``.

By construction no C-C pair is closer than 1.2 A (within a layer 1.42 A,
between layers >= 0.9 s, between domains >= ``domain_gap``) and most carbon is
sp2 (three neighbours within 1.85 A); the sp2 share grows with domain size.
Everything is drawn from ``numpy.random.default_rng(seed)``: the same inputs
give the same structure. The parameters used are in ``atoms.info["hcflow"]``.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields

import numpy as np
from ase import Atoms
from scipy.spatial import cKDTree

from hcflow.errors import HcflowError

C_MASS_G_MOL = 12.011
AVOGADRO = 6.02214076e23
CC_BOND_A = 1.42
BOND_CUTOFF_A = 1.85
METHOD = "turbostratic-domain-packing-v1"
COMPRESSED_INTERLAYER = 3.0  # last resort for very dense cells (A)
FALLBACK_INTERLAYER = 2.7  # periodic-layer fallback of tiny dense cells (A)


@dataclass
class HardCarbonParams:
    """Parameters of :func:`generate_hard_carbon` (lengths in A)."""

    atoms_per_domain: int = 800
    min_interlayer: float = 3.35
    max_interlayer: float = 20.0
    domain_gap: float = 3.0
    floor_distance: float = 1.6
    corrugation_wavelength: tuple[float, float] = (10.0, 30.0)
    corrugation_slope: float = 0.35
    void_fraction: float | None = None
    void_radius: tuple[float, float] = (4.0, 7.0)
    stone_wales_per_atom: float = 0.01
    vacancy_per_atom: float = 0.005

    @classmethod
    def from_kwargs(cls, density: float, **params) -> HardCarbonParams:
        """Build from keyword arguments; unknown names are a HcflowError."""
        names = {f.name for f in fields(cls)}
        bad = sorted(set(params) - names)
        if bad:
            raise HcflowError(f"unknown hard-carbon parameter(s): {', '.join(bad)}")
        p = cls(**params)
        if p.void_fraction is None:
            p.void_fraction = float(np.clip(0.5 * (1.0 - density / 2.0), 0.0, 0.4))
        if p.floor_distance <= 1.2 or p.min_interlayer < 2.5:
            raise HcflowError("floor_distance must be > 1.2 A, min_interlayer >= 2.5 A")
        if p.atoms_per_domain < 1:
            raise HcflowError("atoms_per_domain must be positive")
        return p

    def to_dict(self) -> dict:
        """JSON-friendly dict."""
        d = asdict(self)
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in d.items()}


def cell_length(n_carbon: int, density_g_cm3: float) -> float:
    """Edge (A) of the cubic cell holding ``n_carbon`` C at ``density_g_cm3``."""
    volume_cm3 = n_carbon * C_MASS_G_MOL / AVOGADRO / density_g_cm3
    return (volume_cm3 * 1e24) ** (1.0 / 3.0)


def density_of(atoms: Atoms) -> float:
    """Mass density of a periodic cell, g/cm3."""
    return float(atoms.get_masses().sum() / AVOGADRO / (atoms.get_volume() * 1e-24))


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


def _pdelta(a: np.ndarray, b: np.ndarray, L: float) -> np.ndarray:
    d = a - b
    return d - L * np.round(d / L)


def _unit(rng: np.random.Generator) -> np.ndarray:
    v = rng.normal(size=3)
    return v / np.linalg.norm(v)


def _voids(L: float, rng: np.random.Generator, p: HardCarbonParams) -> list:
    """Spherical voids (centre, radius) filling ``void_fraction`` of the cell."""
    target = p.void_fraction * L**3
    lo, hi = p.void_radius
    hi = min(hi, 0.3 * L)
    if target <= 0 or hi < 2.5:
        return []
    lo = min(lo, hi)
    out, vol = [], 0.0
    for _ in range(500):
        if vol >= target or len(out) >= 64:
            break
        r = rng.uniform(lo, hi)
        c = rng.uniform(0, L, 3)
        if any(np.linalg.norm(_pdelta(c, c2, L)) < r + r2 + 2.0 for c2, r2 in out):
            continue
        out.append((c, r))
        vol += 4.0 / 3.0 * math.pi * r**3
    return out


@dataclass
class _Domain:
    seed: np.ndarray
    frame: np.ndarray  # columns e1, e2, normal
    phase: float  # layer offset along the normal, fraction of s
    waves: np.ndarray  # (2, 4): kx, ky, amplitude, phase
    angles: np.ndarray  # in-plane rotation per layer index
    shifts: np.ndarray  # in-plane shift per layer index
    cover: float  # radius that covers the Voronoi cell


def _make_domains(L: float, k: int, rng, p: HardCarbonParams) -> list[_Domain]:
    seeds = rng.uniform(0, L, (k, 3))
    # radius covering each periodic Voronoi cell, from a coarse grid
    n = max(4, int(L / 1.5))
    g = (np.arange(n) + 0.5) * L / n
    grid = np.stack(np.meshgrid(g, g, g, indexing="ij"), -1).reshape(-1, 3)
    d, owner = cKDTree(seeds, boxsize=L).query(grid)
    cover = np.array([d[owner == i].max(initial=0.0) for i in range(k)]) + 2.0 * L / n
    out = []
    for i in range(k):
        z = _unit(rng)
        x = np.cross(z, _unit(rng))
        x /= np.linalg.norm(x)
        frame = np.column_stack([x, np.cross(z, x), z])
        waves = np.zeros((2, 4))
        for w in range(2):
            lam = rng.uniform(*p.corrugation_wavelength)
            kvec = 2 * math.pi / lam
            t = rng.uniform(0, 2 * math.pi)
            amp = rng.uniform(0.3, 1.0) * p.corrugation_slope / kvec / 2.0
            waves[w] = [
                kvec * math.cos(t),
                kvec * math.sin(t),
                amp,
                rng.uniform(0, 6.3),
            ]
        out.append(
            _Domain(
                seed=seeds[i],
                frame=frame,
                phase=rng.uniform(0, 1),
                waves=waves,
                angles=rng.uniform(0, 2 * math.pi, 256),
                shifts=rng.uniform(0, 2.5, (256, 2)),
                cover=float(cover[i]),
            )
        )
    return out


def _domain_atoms(dom: _Domain, s: float) -> np.ndarray:
    """Corrugated turbostratic layers filling the covering sphere of a domain."""
    chunks = []
    n_l = int(dom.cover / s) + 1
    for li in range(-n_l, n_l + 1):
        z = (li + dom.phase) * s
        if abs(z) >= dom.cover:
            continue
        r = math.sqrt(dom.cover**2 - z * z)
        xy = honeycomb(r, dom.angles[li % 256], dom.shifts[li % 256])
        h = np.zeros(len(xy))
        for kx, ky, amp, ph in dom.waves:
            h += amp * np.sin(kx * xy[:, 0] + ky * xy[:, 1] + ph)
        local = np.column_stack([xy, z + h])
        chunks.append(dom.seed + local @ dom.frame.T)
    return np.vstack(chunks) if chunks else np.empty((0, 3))


class _Builder:
    """Builds the carbon for a given layer spacing and domain gap."""

    def __init__(self, L: float, domains: list[_Domain], voids: list):
        self.L, self.domains, self.voids = L, domains, voids
        seeds = np.array([d.seed for d in domains])
        shifts = np.array(
            [(i, j, k) for i in (-1, 0, 1) for j in (-1, 0, 1) for k in (-1, 0, 1)]
        )
        self.images = (seeds[None] + L * shifts[:, None]).reshape(-1, 3)
        self.img_owner = np.tile(np.arange(len(domains)), len(shifts))
        self.tree = cKDTree(self.images)
        self.central = 13 * len(domains)  # index of shift (0, 0, 0) images

    def build(self, s: float, gap: float) -> tuple[np.ndarray, np.ndarray]:
        """Positions (wrapped) and distance to the domain boundary, after pruning.

        Each domain keeps the atoms of its own (central) Voronoi cell; where
        two domains (or a domain and its periodic image) meet, of every pair
        closer than ``gap`` the atom nearer its boundary is removed.
        """
        L = self.L
        pos, margin, owner = [], [], []
        kq = min(8, len(self.images))
        for i, dom in enumerate(self.domains):
            x = _domain_atoms(dom, s)  # unwrapped: keep the central Voronoi cell
            if not len(x):
                continue
            d, idx = self.tree.query(x, k=kq)
            keep = idx[:, 0] == self.central + i
            x, d, idx = x[keep], d[keep], idx[keep]
            c1 = self.images[idx[:, 0]]
            m = np.full(len(x), np.inf)
            for j in range(1, kq):
                sep = np.linalg.norm(self.images[idx[:, j]] - c1, axis=1)
                m = np.minimum(m, (d[:, j] ** 2 - d[:, 0] ** 2) / (2 * sep))
            pos.append(x)
            margin.append(m)
            owner.append(np.full(len(x), i))
        if not pos:
            return np.empty((0, 3)), np.empty(0)
        raw = np.vstack(pos)
        margin, owner = np.concatenate(margin), np.concatenate(owner)
        pos = np.mod(raw, L)
        ok = np.ones(len(pos), bool)
        for c, r in self.voids:
            ok &= np.linalg.norm(_pdelta(pos, c, L), axis=1) >= r
        pos, raw, margin, owner = pos[ok], raw[ok], margin[ok], owner[ok]
        pairs = cKDTree(pos, boxsize=L).query_pairs(gap, output_type="ndarray")
        if len(pairs):
            a, b = pairs[:, 0], pairs[:, 1]
            direct = np.linalg.norm(raw[a] - raw[b], axis=1) < gap
            clash = (owner[a] != owner[b]) | ~direct
            a, b = a[clash], b[clash]
            drop = np.where(margin[a] < margin[b], a, b)
            ok = np.ones(len(pos), bool)
            ok[drop] = False
            pos, margin = pos[ok], margin[ok]
        return _prune(pos, margin, L)


def _neighbours(pos: np.ndarray, L: float) -> list[np.ndarray]:
    tree = cKDTree(pos, boxsize=L)
    return tree.query_ball_point(pos, BOND_CUTOFF_A)


def _prune(pos, margin, L):
    """Remove atoms with fewer than two neighbours, repeatedly."""
    while len(pos):
        cnt = cKDTree(pos, boxsize=L).query_ball_point(
            pos, BOND_CUTOFF_A, return_length=True
        )
        ok = cnt - 1 >= 2
        if ok.all():
            break
        pos, margin = pos[ok], margin[ok]
    return pos, margin


def _stone_wales(pos: np.ndarray, rate: float, rng, L: float) -> None:
    """Rotate interior bonds by 90 degrees about their midpoint (in place)."""
    n_sw = rng.binomial(len(pos), rate) if rate > 0 else 0
    if not n_sw:
        return
    nb = _neighbours(pos, L)
    cn = np.array([len(v) - 1 for v in nb])
    touched = np.zeros(len(pos), bool)
    for i in rng.permutation(len(pos)):
        if n_sw <= 0:
            break
        ni = [j for j in nb[i] if j != i]
        if len(ni) != 3 or touched[i]:
            continue
        j = ni[int(rng.integers(3))]
        nj = [k for k in nb[j] if k != j]
        around = np.array(sorted({*ni, *nj}))
        if len(nj) != 3 or touched[around].any() or (cn[around] != 3).any():
            continue
        bond = _pdelta(pos[j], pos[i], L)
        a, b = _pdelta(pos[ni[0]], pos[i], L), _pdelta(pos[ni[1]], pos[i], L)
        normal = np.cross(a, b)
        normal /= np.linalg.norm(normal)
        mid = pos[i] + 0.5 * bond
        half = 0.5 * bond
        rot = np.cross(normal, half)
        pos[i], pos[j] = mid - rot, mid + rot
        touched[around] = True
        touched[[i, j]] = True
        n_sw -= 1
    pos[:] = np.mod(pos, L)


def _commensurate_layer(L: float) -> tuple[np.ndarray, float]:
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


def _periodic_layers(n_carbon, density, L, rng, p, seed) -> Atoms:
    """Fallback for small or very dense cells: periodic corrugated layers.

    Graphene in an orthorhombic supercell strained to the cubic cell (at most
    about 10 %), stacked along z with random in-plane shifts, as many layers
    as needed at >= 2.7 A, corrugated commensurately; surplus atoms are removed
    as vacancies.
    """
    layer, strain = _commensurate_layer(L)
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
    amp = rng.uniform(0.0, 0.3) * L / (2 * math.pi) * p.corrugation_slope
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
        "params": p.to_dict(),
        "interlayer": round(L / n_l, 4),
        "n_layers": n_l,
        "strain": round(float(strain), 4),
    }
    return atoms


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
    if n_carbon > 100_000:
        raise HcflowError(f"n_carbon={n_carbon} is too large (max 100000)")
    try:
        density_g_cm3 = float(density_g_cm3)
    except (TypeError, ValueError) as exc:
        raise HcflowError(f"density must be a number, got {density_g_cm3!r}") from exc
    if not np.isfinite(density_g_cm3) or not 0.3 <= density_g_cm3 <= 3.0:
        raise HcflowError(
            f"density must be between 0.3 and 3.0 g/cm3, got {density_g_cm3}"
        )
    p = HardCarbonParams.from_kwargs(density_g_cm3, **params)
    rng = np.random.default_rng(seed)
    L = cell_length(n_carbon, density_g_cm3)
    voids = _voids(L, rng, p)
    k = max(1, int(round(n_carbon / p.atoms_per_domain)))
    builder = _Builder(L, _make_domains(L, k, rng, p), voids)
    need = n_carbon + int(math.ceil(p.vacancy_per_atom * n_carbon))
    gap, s_min = p.domain_gap, p.min_interlayer
    while len(builder.build(s_min, gap)[0]) < need:
        if gap > p.floor_distance + 1e-9:
            gap = max(p.floor_distance, gap - 0.2)
        elif s_min > COMPRESSED_INTERLAYER + 1e-9:
            s_min = max(COMPRESSED_INTERLAYER, s_min - 0.05)
        else:
            return _periodic_layers(n_carbon, density_g_cm3, L, rng, p, seed)
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
    _stone_wales(pos, p.stone_wales_per_atom, rng, L)
    n_vac = min(len(pos) - n_carbon, rng.binomial(len(pos), p.vacancy_per_atom))
    if n_vac > 0:
        cn = np.array([len(v) - 1 for v in _neighbours(pos, L)])
        interior = np.flatnonzero(cn == 3)
        drop = rng.choice(interior, size=min(n_vac, len(interior)), replace=False)
        keep = np.setdiff1d(np.arange(len(pos)), drop)
        pos, margin = pos[keep], margin[keep]
    excess = len(pos) - n_carbon
    if excess > 0:  # trim edge atoms first
        cn = np.array([len(v) - 1 for v in _neighbours(pos, L)])
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
