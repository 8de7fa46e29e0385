"""Small reference cells for distilling a Na/C potential (pure functions).

The physics the gates test (``hcflow.potentials.gates``) needs configurations
a melt-quench cell never shows: bcc Na metal (strained and rattled), free Na
clusters, graphene and AB graphite at several interlayer spacings, a Na atom
at several heights over graphene sites, and NaC6/NaC8 intercalated graphite.
Every function returns a list of unlabelled ``ase.Atoms`` (at most ~60 atoms)
with ``info["config"]`` naming the set; :func:`reference_sets` gives them all.
"""

from __future__ import annotations

import numpy as np
from ase import Atoms
from ase.build import bulk, graphene, make_supercell

#: C-C bond of the ideal lattice used for every carbon cell, A
A_GRAPHENE = 2.46
#: box edge of the free clusters, A (well beyond r_max of the student)
CLUSTER_BOX_A = 16.0


def _rattle(atoms: Atoms, sigma: float, rng: np.random.Generator) -> Atoms:
    out = atoms.copy()
    out.positions += rng.normal(0.0, sigma, out.positions.shape)
    return out


def _tag(atoms: Atoms, config: str) -> Atoms:
    atoms.pbc = True
    atoms.info["config"] = config
    return atoms


def na_metal_cells(rng: np.random.Generator, n_strain: int = 7) -> list[Atoms]:
    """bcc Na (a = 4.23 A), 16 atoms, isotropic strain -6..+6 %, each rattled
    (0.05 A), plus four 54-atom snapshots rattled with thermal-like (0.15-0.3 A)
    amplitudes."""
    out = []
    for s in np.linspace(-0.06, 0.06, n_strain):
        cell = bulk("Na", "bcc", a=4.23 * (1 + s), cubic=True) * (2, 2, 2)
        out.append(_tag(cell, f"na-bcc strain={s:+.3f}"))
        out.append(_tag(_rattle(cell, 0.05, rng), f"na-bcc strain={s:+.3f} rattled"))
    big = bulk("Na", "bcc", a=4.23, cubic=True) * (3, 3, 3)
    for sigma in (0.15, 0.2, 0.25, 0.3):
        out.append(_tag(_rattle(big, sigma, rng), f"na-bcc md-like sigma={sigma}"))
    return out


def na_clusters(
    rng: np.random.Generator, bonds: tuple[float, float] = (2.6, 4.5), n_bonds: int = 8
) -> list[Atoms]:
    """Na2 at ``n_bonds`` bond lengths in ``bonds`` (A), and Na3-Na8 (random
    compact clusters, nearest neighbours ~3.2-3.8 A), each twice, in a
    ``CLUSTER_BOX_A`` periodic box."""
    centre = np.full(3, CLUSTER_BOX_A / 2)
    out = []
    for d in np.linspace(*bonds, n_bonds):
        pos = centre + np.array([[-d / 2, 0, 0], [d / 2, 0, 0]])
        out.append(_tag(Atoms("Na2", pos, cell=[CLUSTER_BOX_A] * 3), f"na2 d={d:.2f}"))
    for n in range(3, 9):
        for k in range(2):
            pos = [np.zeros(3)]
            while len(pos) < n:  # grow: a new atom 3.2-3.8 A from a random one
                v = rng.normal(size=3)
                trial = pos[rng.integers(len(pos))] + v / np.linalg.norm(v) * (
                    rng.uniform(3.2, 3.8)
                )
                if min(np.linalg.norm(p - trial) for p in pos) > 3.1:
                    pos.append(trial)
            pos = np.array(pos) - np.mean(pos, axis=0) + centre
            atoms = Atoms(f"Na{n}", pos, cell=[CLUSTER_BOX_A] * 3)
            out.append(_tag(atoms, f"na{n} cluster {k}"))
    return out


def _sheet(size: int = 4, vacuum_c: float = 15.0) -> Atoms:
    sheet = graphene(a=A_GRAPHENE, vacuum=vacuum_c / 2) * (size, size, 1)
    sheet.center(axis=2)
    return sheet


def _graphite_ab(spacing: float, size: int = 2) -> Atoms:
    """AB graphite, two layers of ``size`` x ``size`` graphene, c = 2 spacing."""
    layer = graphene(a=A_GRAPHENE, vacuum=0.0) * (size, size, 1)
    top = layer.copy()
    top.positions += layer.positions[1] - layer.positions[0]  # A over B
    top.positions[:, 2] += spacing
    both = layer + top
    both.cell[2] = [0, 0, 2 * spacing]
    return both


def _hollow(layer: Atoms) -> np.ndarray:
    """A hexagon centre: across the bond from atom 0 to atom 1 (bonded in
    ASE's graphene and its supercells)."""
    p0, p1 = layer.positions[0], layer.positions[1]
    return p1 + (p1 - p0)


def carbon_cells(rng: np.random.Generator) -> list[Atoms]:
    """Graphene (4x4, C-C scaled 0.97-1.03, rattled) and AB graphite (16 C)
    at interlayer spacings 3.0-4.5 A, each also rattled (0.05 A)."""
    out = []
    for s in (0.97, 1.0, 1.03):
        sheet = _sheet()
        sheet.set_cell(sheet.cell * [[s], [s], [1]], scale_atoms=True)
        out.append(_tag(_rattle(sheet, 0.05, rng), f"graphene scale={s}"))
    for c in np.linspace(3.0, 4.5, 6):
        g = _graphite_ab(float(c))
        out.append(_tag(g, f"graphite-ab c/2={c:.2f}"))
        out.append(_tag(_rattle(g, 0.05, rng), f"graphite-ab c/2={c:.2f} rattled"))
    return out


#: heights of the Na adatom over graphene, A
HEIGHTS_A = (1.8, 2.2, 2.5, 3.0, 3.6, 4.5)


def na_on_graphene(
    rng: np.random.Generator, heights: tuple[float, ...] = HEIGHTS_A
) -> list[Atoms]:
    """One Na over the top, bridge and hollow site of 4x4 graphene (32 C) at
    each of ``heights`` (A); the 2.5 A hollow ones also rattled."""
    sheet = _sheet()
    z0 = sheet.positions[:, 2].mean()
    p0, p1 = sheet.positions[0], sheet.positions[1]
    sites = {"top": p0, "bridge": (p0 + p1) / 2, "hollow": _hollow(sheet)}
    out = []
    for h in heights:
        for site, xy in sites.items():
            atoms = sheet + Atoms("Na", [[xy[0], xy[1], z0 + h]])
            out.append(_tag(atoms, f"na-graphene {site} h={h:.2f}"))
            if site == "hollow" and abs(h - 2.5) < 1e-9:
                for k in range(2):
                    r = _rattle(atoms, 0.05, rng)
                    out.append(_tag(r, f"na-graphene hollow h={h:.2f} rattled {k}"))
    return out


def intercalated(rng: np.random.Generator) -> list[Atoms]:
    """NaC6 (sqrt3 x sqrt3, doubled to 2 Na / 12 C) and NaC8 (2x2) in AA
    stacking, Na in every gallery, spacing 3.6-5.0 A, plus a rattled copy."""
    out = []
    for name, size in (("nac8", 2), ("nac6", None)):
        for c in np.linspace(3.6, 5.0, 4):
            if size:
                layer = graphene(a=A_GRAPHENE, vacuum=0.0) * (2, 2, 1)
            else:  # sqrt3 x sqrt3: cell a1 + a2, 2 a2 - a1 of graphene, 6 C
                base = graphene(a=A_GRAPHENE, vacuum=0.0)
                m = np.array([[1, 1, 0], [-1, 2, 0], [0, 0, 1]])
                layer = make_supercell(base, m)
            layer.cell[2] = [0, 0, c]
            na = _hollow(layer)
            atoms = layer + Atoms("Na", [[na[0], na[1], c / 2]])
            atoms.wrap()
            atoms = atoms * (1, 1, 2)
            out.append(_tag(atoms, f"{name} c={c:.2f}"))
            out.append(_tag(_rattle(atoms, 0.05, rng), f"{name} c={c:.2f} rattled"))
    return out


def reference_sets(seed: int = 0) -> list[Atoms]:
    """Every set above, reproducible from ``seed``."""
    rng = np.random.default_rng(seed)
    return (
        na_metal_cells(rng)
        + na_clusters(rng)
        + carbon_cells(rng)
        + na_on_graphene(rng)
        + intercalated(rng)
    )
