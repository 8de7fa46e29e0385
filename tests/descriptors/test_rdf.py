"""Partial g(r) and its first minimum (used to check the cutoffs)."""

from __future__ import annotations

import numpy as np
from ase.build import bulk

from hcflow.descriptors.rdf import first_minimum, partial_rdf
from hcflow.descriptors.synthetic import brownian


def test_fcc_first_minimum_between_first_and_second_shell(rng):
    atoms = bulk("Cu", "fcc", a=4.0, cubic=True).repeat(4)
    pos = atoms.positions[None] + rng.normal(0, 0.1, (4, len(atoms), 3))
    cells = np.broadcast_to(atoms.cell[:], (4, 3, 3))
    idx = np.arange(len(atoms))
    r, g, counts = partial_rdf(pos, cells, idx, idx, np.arange(4))
    # 12 neighbours in the first shell (4 / sqrt 2 = 2.83 A)
    assert counts[r < 3.4].sum() == 4 * len(atoms) * 12
    assert 2.9 < first_minimum(r, g, counts) < 3.9  # second shell at 4.0 A
    assert np.mean(g[(r > 6) & (r < 8)]) > 0.5


def test_ideal_gas_has_no_minimum():
    _, pos, cells, numbers = brownian(n_na=100, n_c=900, n_frames=5, box=22.9)
    na, c = np.flatnonzero(numbers == 11), np.flatnonzero(numbers == 6)
    r, g, counts = partial_rdf(pos, cells, na, c, np.arange(5))
    assert abs(np.mean(g[r > 4]) - 1) < 0.05
    assert first_minimum(r, g, counts) is None
