"""KMC known answers: cubic lattice, random traps, no percolation, exclusion."""

import numpy as np
import pytest

from hcflow.errors import HcflowError
from hcflow.kmc.analytic import (
    cubic_D_A2_ps,
    cubic_lattice,
    isolated_clusters,
    random_trap_D_A2_ps,
)
from hcflow.kmc.estimate import kmc_diffusion, pair_ids
from hcflow.kmc.network import SiteNetwork
from hcflow.kmc.percolation import components, percolating_component


@pytest.mark.parametrize("temperature", [300.0, 600.0])
def test_cubic_lattice_within_3_percent(temperature):
    net = cubic_lattice(6, a=3.0, barrier_eV=0.3, prefactor_per_ps=10.0)
    e = kmc_diffusion(net, temperature, n_hops=400_000, resample_edges=False)
    truth = cubic_D_A2_ps(3.0, 0.3, 10.0, temperature) * 1e-4
    assert e.tracer_D_cm2_s == pytest.approx(truth, rel=0.03)
    lo, hi = e.tracer_D_interval_cm2_s
    assert lo < truth < hi and hi / lo < 1.2
    assert e.percolates and e.percolating_directions == (True, True, True)


def test_random_traps_match_harmonic_mean():
    net = cubic_lattice(6, 3.0, 0.3, 10.0, trap_fraction=0.2, trap_depth_eV=0.1)
    e = kmc_diffusion(net, 600.0, n_hops=400_000, resample_edges=False, seed=3)
    truth = random_trap_D_A2_ps(3.0, 0.3, 10.0, 600.0, 0.2, 0.1) * 1e-4
    free = cubic_D_A2_ps(3.0, 0.3, 10.0, 600.0) * 1e-4
    assert truth < 0.6 * free  # the traps matter
    assert e.tracer_D_cm2_s == pytest.approx(truth, rel=0.05)


def test_closed_clusters_give_zero_and_say_so():
    e = kmc_diffusion(isolated_clusters(), 600.0)
    assert e.tracer_D_cm2_s == 0.0 and not e.percolates
    assert "does not percolate" in e.note and "/ps" in e.note
    assert all(c.dimension == 0 for c in components(isolated_clusters()))


def test_slab_percolates_in_x_and_y_only():
    comp = percolating_component(cubic_lattice(4, axes=(0, 1)))
    assert comp.dimension == 2 and comp.direction_text() == "x, y"


def test_exclusion_lattice_gas():
    """Half-filled lattice gas: collective (jump) D = D0 (1 - c); the tracer
    is slower by the correlation factor (0.7-1); a dilute gas gives D0."""
    net = cubic_lattice(4, 3.0, 0.3, 10.0)
    d0 = cubic_D_A2_ps(3.0, 0.3, 10.0, 600.0) * 1e-4
    e = kmc_diffusion(net, 600.0, n_ions=32, n_hops=60_000, resample_edges=False)
    lo, hi = e.collective_D_interval_cm2_s
    assert lo < 0.5 * d0 < hi
    assert 0.7 * 0.5 * d0 < e.tracer_D_cm2_s < 0.5 * d0
    dilute = kmc_diffusion(
        cubic_lattice(6, 3.0, 0.3, 10.0), 600.0, n_ions=3, n_hops=60_000, seed=1
    )
    assert dilute.tracer_D_cm2_s == pytest.approx(d0, rel=0.15)


def test_bootstrap_interval_covers_the_truth_with_barrier_errors():
    net = cubic_lattice(4, 3.0, 0.3, 10.0)
    err = SiteNetwork(**{**net.__dict__, "barrier_err_eV": np.full(net.n_hops, 0.02)})
    e = kmc_diffusion(err, 600.0, n_hops=100_000, n_bootstrap=30, seed=2)
    lo, hi = e.tracer_D_interval_cm2_s
    truth = cubic_D_A2_ps(3.0, 0.3, 10.0, 600.0) * 1e-4
    assert lo < truth < hi
    assert hi / lo > 1.2  # barrier uncertainty widens it


def test_pair_ids_pair_reverse_hops():
    net = cubic_lattice(3)
    ids = pair_ids(net)
    assert len(np.unique(ids)) == net.n_hops // 2


def test_bad_input_one_line():
    net = cubic_lattice(3)
    empty = SiteNetwork(
        cell=net.cell,
        sites=net.sites,
        source=np.zeros(0, int),
        target=np.zeros(0, int),
        image=np.zeros((0, 3), int),
        barrier_eV=np.zeros(0),
        prefactor_per_ps=np.zeros(0),
    )
    with pytest.raises(HcflowError, match="no hops.*upper bound"):
        kmc_diffusion(empty, 300.0)
    with pytest.raises(HcflowError, match="temperature"):
        kmc_diffusion(net, -1.0)
    with pytest.raises(HcflowError, match="do not fit"):
        kmc_diffusion(net, 300.0, n_ions=100)


def test_engines_refuse_bad_starts():
    from hcflow.kmc.bkl import exclusion_walk, hop_table, tracer_walk

    net = cubic_lattice(3)
    table = hop_table(
        net.source, net.target, net.hop_vectors(), net.rates_per_ps(300), 27
    )
    rng = np.random.default_rng(0)
    with pytest.raises(HcflowError, match="two ions start on one site"):
        exclusion_walk(table, np.array([0, 0]), 10, rng)
    dead = hop_table(np.array([0]), np.array([1]), np.zeros((1, 3)), [1.0], 2)
    with pytest.raises(HcflowError, match="without an outgoing hop"):
        tracer_walk(dead, np.array([1]), 5, rng)
