"""Known answers for Na insertion."""

from __future__ import annotations

import numpy as np
import pytest
from ase import Atoms

from hcflow.errors import HcflowError
from hcflow.structures.hardcarbon import generate_hard_carbon
from hcflow.structures.sodiation import max_na_count, sodiate


@pytest.fixture(scope="module")
def carbon():
    return generate_hard_carbon(300, 1.0, seed=4)


def _min_dists(atoms):
    d = atoms.get_all_distances(mic=True)
    na, c = atoms.numbers == 11, atoms.numbers == 6
    nn = d[np.ix_(na, na)][~np.eye(na.sum(), dtype=bool)]
    return d[np.ix_(na, c)].min(), (nn.min() if nn.size else np.inf)


@pytest.mark.parametrize("mode", ["largest", "random"])
def test_exact_count_and_min_distances(carbon, mode):
    out = sodiate(carbon, 1 / 6, seed=1, min_na_c=2.3, min_na_na=3.0, mode=mode)
    assert np.sum(out.numbers == 11) == 50 and np.sum(out.numbers == 6) == 300
    na_c, na_na = _min_dists(out)
    assert na_c >= 2.3 - 1e-9 and na_na >= 3.0 - 1e-9
    assert len(carbon) == 300  # input untouched


def test_same_seed_identical(carbon):
    a, b = sodiate(carbon, 0.1, seed=7), sodiate(carbon, 0.1, seed=7)
    c = sodiate(carbon, 0.1, seed=8)
    assert np.array_equal(a.positions, b.positions)
    assert not np.array_equal(a.positions, c.positions)


def test_zero_loading(carbon):
    assert len(sodiate(carbon, 0.0, seed=0)) == 300


def test_too_much_says_maximum(carbon):
    n_max = max_na_count(carbon, seed=0)
    with pytest.raises(HcflowError, match=f"at most {n_max} Na"):
        sodiate(carbon, 1.0, seed=0)


def test_existing_na_count_toward_target(carbon):
    once = sodiate(carbon, 0.05, seed=1)
    twice = sodiate(once, 0.1, seed=2)
    assert np.sum(twice.numbers == 11) == 30
    assert _min_dists(twice)[1] >= 3.0 - 1e-9


@pytest.mark.parametrize("ratio", [-0.1, 1.5, float("nan"), "abc"])
def test_bad_ratio(carbon, ratio):
    with pytest.raises(HcflowError):
        sodiate(carbon, ratio, seed=0)


def test_no_carbon():
    with pytest.raises(HcflowError, match="no carbon"):
        sodiate(
            Atoms("Na2", positions=[[0, 0, 0], [3, 3, 3]], cell=[8] * 3, pbc=True), 0.1
        )


def test_relaxation_with_calculator(carbon):
    from ase.calculators.lj import LennardJones

    out = sodiate(carbon, 0.02, seed=0, calculator=LennardJones(), relax_steps=2)
    assert out.info["hcflow_sodiation"]["relaxed"] and out.calc is None
