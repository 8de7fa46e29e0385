"""Domain packing: the curved turbostratic domains hard carbon is built from.

Steps 2-4 and 6 of the method in :mod:`hcflow.structures.hardcarbon`:
periodic Voronoi domains filled with corrugated, rotated graphene layers
(:class:`Domain`, :func:`make_domains`, :func:`domain_atoms`), cut apart at
the domain boundaries (:class:`DomainBuilder`), spherical voids emptied of
carbon (:func:`spherical_voids`), dangling atoms pruned, Stone-Wales defects.
Lengths in A; every random draw comes from the generator passed in.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

from hcflow.structures.hardcarbon_layers import honeycomb

BOND_CUTOFF_A = 1.85


def pdelta(a: np.ndarray, b: np.ndarray, L: float) -> np.ndarray:
    d = a - b
    return d - L * np.round(d / L)


def random_unit_vector(rng: np.random.Generator) -> np.ndarray:
    v = rng.normal(size=3)
    return v / np.linalg.norm(v)


def spherical_voids(L: float, rng: np.random.Generator, p) -> list:
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
        if any(np.linalg.norm(pdelta(c, c2, L)) < r + r2 + 2.0 for c2, r2 in out):
            continue
        out.append((c, r))
        vol += 4.0 / 3.0 * math.pi * r**3
    return out


@dataclass
class Domain:
    seed: np.ndarray
    frame: np.ndarray  # columns e1, e2, normal
    phase: float  # layer offset along the normal, fraction of s
    waves: np.ndarray  # (2, 4): kx, ky, amplitude, phase
    angles: np.ndarray  # in-plane rotation per layer index
    shifts: np.ndarray  # in-plane shift per layer index
    cover: float  # radius that covers the Voronoi cell


def make_domains(L: float, k: int, rng, p) -> list[Domain]:
    seeds = rng.uniform(0, L, (k, 3))
    # radius covering each periodic Voronoi cell, from a coarse grid
    n = max(4, int(L / 1.5))
    g = (np.arange(n) + 0.5) * L / n
    grid = np.stack(np.meshgrid(g, g, g, indexing="ij"), -1).reshape(-1, 3)
    d, owner = cKDTree(seeds, boxsize=L).query(grid)
    cover = np.array([d[owner == i].max(initial=0.0) for i in range(k)]) + 2.0 * L / n
    out = []
    for i in range(k):
        z = random_unit_vector(rng)
        x = np.cross(z, random_unit_vector(rng))
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
            Domain(
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


def domain_atoms(dom: Domain, s: float) -> np.ndarray:
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


class DomainBuilder:
    """Builds the carbon for a given layer spacing and domain gap."""

    def __init__(self, L: float, domains: list[Domain], voids: list):
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
            x = domain_atoms(dom, s)  # unwrapped: keep the central Voronoi cell
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
            ok &= np.linalg.norm(pdelta(pos, c, L), axis=1) >= r
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
        return prune_dangling(pos, margin, L)


def bond_neighbours(pos: np.ndarray, L: float) -> list[np.ndarray]:
    tree = cKDTree(pos, boxsize=L)
    return tree.query_ball_point(pos, BOND_CUTOFF_A)


def prune_dangling(pos, margin, L):
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


def stone_wales(pos: np.ndarray, rate: float, rng, L: float) -> None:
    """Rotate interior bonds by 90 degrees about their midpoint (in place)."""
    n_sw = rng.binomial(len(pos), rate) if rate > 0 else 0
    if not n_sw:
        return
    nb = bond_neighbours(pos, L)
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
        bond = pdelta(pos[j], pos[i], L)
        a, b = pdelta(pos[ni[0]], pos[i], L), pdelta(pos[ni[1]], pos[i], L)
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
