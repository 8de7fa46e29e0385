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
    relax = out.info["hcflow_sodiation"]["relax"]
    assert relax["steps"] == 2 and relax["steps_taken"] <= 2
    assert relax["energy_eV"] <= relax["energy_initial_eV"]


class _Well:
    """Toy calculator: each Na has energy -cos(2 pi x / L) (lowest at x = 0)."""

    def __new__(cls):
        from ase.calculators.calculator import Calculator, all_changes

        class Well(Calculator):
            implemented_properties = ["energy"]

            def calculate(self, atoms=None, properties=("energy",), sc=all_changes):
                super().calculate(atoms, properties, sc)
                na = self.atoms.numbers == 11
                L = self.atoms.cell.lengths()[0]
                x = self.atoms.positions[na, 0]
                self.results = {"energy": float(-np.cos(2 * np.pi * x / L).sum())}

        return Well()


def test_energy_mode_picks_lowest_sites_first(carbon):
    from hcflow.structures.sodiation_energy import candidate_sites, insertion_energies

    calc = _Well()
    out = sodiate(carbon, 0.02, seed=2, mode="energy", energy_calculator=calc)
    info = out.info["hcflow_sodiation"]
    assert info["method"] == "grid-insertion-energy" and info["n_na"] == 6
    scores = np.array(info["site_energies_eV"])
    assert np.all(np.diff(scores) >= 0)  # lowest first
    sites = candidate_sites(carbon, 2.3, 3.0, 0.4, 2)
    assert scores[0] == pytest.approx(
        insertion_energies(carbon, sites, calc).min(), abs=1e-5
    )
    na_c, na_na = _min_dists(out)
    assert na_c >= 2.3 - 1e-9 and na_na >= 3.0 - 1e-9
    # the toy well pulls Na to x = 0: energy mode sits lower than geometry
    geo = sodiate(carbon, 0.02, seed=2, mode="largest")
    x = lambda a: a.positions[a.numbers == 11, 0]  # noqa: E731
    L = carbon.cell.lengths()[0]
    assert np.mean(np.cos(2 * np.pi * x(out) / L)) > np.mean(
        np.cos(2 * np.pi * x(geo) / L)
    )


def test_energy_mode_needs_a_calculator(carbon):
    with pytest.raises(HcflowError, match="needs an MLIP"):
        sodiate(carbon, 0.05, mode="energy")


@pytest.mark.slow
def test_energy_mode_with_shipped_model():
    import torch

    from hcflow.potentials import get_calculator
    from hcflow.structures.sodiation_energy import insertion_energies

    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny cell: one thread is far faster
    host = generate_hard_carbon(60, 1.0, seed=1)
    calc = get_calculator("hcflow-nac-small")
    out = sodiate(
        host, 0.05, seed=1, mode="energy", energy_calculator=calc, max_candidates=16
    )
    assert np.sum(out.numbers == 11) == 3
    scores = out.info["hcflow_sodiation"]["site_energies_eV"]
    geo = sodiate(host, 0.05, seed=1, mode="largest")
    geo_scores = insertion_energies(host, geo.positions[geo.numbers == 11], calc)
    assert scores == sorted(scores)
    assert min(scores) <= geo_scores.min() + 1e-6
    torch.set_num_threads(threads)
    assert np.mean(scores) < np.mean(geo_scores)
