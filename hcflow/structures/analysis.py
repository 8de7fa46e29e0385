"""Structure statistics: hybridisation by coordination, rings, reading files.

- sp/sp2/sp3 shares: carbon atoms with <= 2, exactly 3 and >= 4 carbon
  neighbours within ``cutoff`` (default 1.85 A, between the first and second
  neighbour shells of graphene and diamond).
- Rings: for every C and every pair of its bonded neighbours, the shortest
  ring through that angle (breadth-first search, up to ``max_size`` atoms);
  the distinct rings are counted by size (the "smallest rings" statistics).
"""

from __future__ import annotations

from collections import Counter, deque
from pathlib import Path

import numpy as np
from ase import Atoms

from hcflow.errors import HcflowError

SP_CUTOFF_A = 1.85


def _carbon_bonds(atoms: Atoms, cutoff: float) -> list[np.ndarray]:
    from matscipy.neighbours import neighbour_list

    c = np.flatnonzero(atoms.numbers == 6)
    sub = atoms[c]
    i, j = neighbour_list("ij", sub, cutoff)
    order = np.argsort(i, kind="stable")
    i, j = i[order], j[order]
    starts = np.searchsorted(i, np.arange(len(sub) + 1))
    return [j[starts[k] : starts[k + 1]] for k in range(len(sub))]


def hybridisation(atoms: Atoms, cutoff: float = SP_CUTOFF_A) -> dict:
    """sp/sp2/sp3 shares of the carbon atoms by C-C coordination within cutoff."""
    if not np.any(atoms.numbers == 6):
        raise HcflowError("structure has no carbon")
    nb = _carbon_bonds(atoms, cutoff)
    cn = np.array([len(x) for x in nb])
    return {
        "cutoff": cutoff,
        "sp_fraction": float(np.mean(cn <= 2)),
        "sp2_fraction": float(np.mean(cn == 3)),
        "sp3_fraction": float(np.mean(cn >= 4)),
        "mean_coordination": float(cn.mean()),
    }


def ring_statistics(
    atoms: Atoms, cutoff: float = SP_CUTOFF_A, max_size: int = 8
) -> dict:
    """Counts of distinct shortest rings by size (3..max_size) among C atoms."""
    nb = _carbon_bonds(atoms, cutoff)
    rings = set()
    for i, ni in enumerate(nb):
        for a in range(len(ni)):
            for b in range(a + 1, len(ni)):
                path = _shortest_path(nb, int(ni[a]), int(ni[b]), i, max_size - 1)
                if path is not None:
                    rings.add(frozenset([i, *path]))
    counts = Counter(len(r) for r in rings)
    n = len(nb)
    return {
        "max_size": max_size,
        "counts": {str(k): int(counts.get(k, 0)) for k in range(3, max_size + 1)},
        "per_atom": {str(k): counts.get(k, 0) / n for k in range(3, max_size + 1)},
    }


def _shortest_path(nb, start, goal, avoid, max_len):
    prev = {start: None}
    q = deque([(start, 1)])
    while q:
        u, depth = q.popleft()
        if u == goal:
            path = []
            while u is not None:
                path.append(u)
                u = prev[u]
            return path
        if depth >= max_len:
            continue
        for v in nb[u]:
            v = int(v)
            if v != avoid and v not in prev:
                prev[v] = u
                q.append((v, depth + 1))
    return None


def read_structure(path: str | Path) -> Atoms:
    """Read any structure ASE or pymatgen reads (CIF, POSCAR, extxyz, ...)."""
    path = Path(path)
    if not path.is_file():
        raise HcflowError(f"structure file not found: {path}")
    atoms = None
    try:
        from ase.io import read

        atoms = read(path)
    except Exception:
        try:
            from pymatgen.core import Structure
            from pymatgen.io.ase import AseAtomsAdaptor

            atoms = AseAtomsAdaptor.get_atoms(Structure.from_file(path))
        except Exception as exc:
            raise HcflowError(f"cannot read structure file {path}: {exc}") from exc
    if isinstance(atoms, list):
        atoms = atoms[-1]
    if len(atoms) == 0:
        raise HcflowError(f"structure file {path} has no atoms")
    if not np.any(atoms.numbers == 6):
        raise HcflowError(f"structure in {path} has no carbon")
    if not all(atoms.pbc) or atoms.cell.rank < 3:
        raise HcflowError(f"structure in {path} is not a 3D periodic cell")
    return atoms
