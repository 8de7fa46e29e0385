"""Site network from planted hopping trajectories: rates, barrier, KMC vs MD."""

import numpy as np
import pytest

from hcflow.descriptors.settings import DescriptorSettings
from hcflow.descriptors.transport import analyse_transport
from hcflow.errors import HcflowError
from hcflow.kmc.barriers import arrhenius_network, network_at, resolved_temperatures
from hcflow.kmc.estimate import kmc_diffusion
from hcflow.kmc.from_md import IonRun, observe_network
from hcflow.kmc.network import KB_EV_PER_K
from hcflow.kmc.planted import lattice_hoppers

EA = 0.2


def rate(t):
    return 0.06 * np.exp(-EA / KB_EV_PER_K * (1 / t - 1 / 500))


@pytest.fixture(scope="module")
def runs():
    out = []
    for t, seed in ((500.0, 1), (600.0, 2), (700.0, 3)):
        x, cell = lattice_hoppers(24, rate(t), n_frames=4000, seed=seed)
        out.append(IonRun(x, 0.1, cell, t, "planted", task_id=f"t{t:g}"))
    return out


def md_interval(run):
    s = DescriptorSettings()
    res = analyse_transport(run.x, s.resolve(len(run.x), run.dt_ps), s)
    return res.trajectory["D_ci95_low"], res.trajectory["D_ci95_high"]


def test_exit_rate_corrected_for_the_dwell(runs):
    obs = observe_network(runs[:1])
    t = 500.0
    naive = obs.exits[t].sum() / obs.residence_ps[t].sum()
    # residences under the 2 ps dwell are missed: naive = k / (1 + k tau_d)
    assert naive == pytest.approx(rate(t) / (1 + 2.0 * rate(t)), rel=0.05)
    assert obs.exit_rate_per_ps(t) == pytest.approx(rate(t), rel=0.1)
    assert len(obs.sites) == 64  # the planted 4x4x4 lattice


def test_barrier_from_rates_across_temperatures(runs):
    obs = observe_network(runs)
    assert resolved_temperatures(obs) == [500.0, 600.0, 700.0]
    net, fits = arrhenius_network(obs)
    pooled = fits[0]
    assert pooled.label == "all"
    assert abs(pooled.barrier_eV - EA) < max(3 * pooled.barrier_err_eV, 0.02)
    assert len(fits) == 1  # a uniform lattice has no trap sites


@pytest.mark.parametrize("index", [0, 2])
def test_kmc_equals_md_within_intervals(runs, index):
    run = runs[index]
    obs = observe_network([run])
    e = kmc_diffusion(network_at(obs, run.temperature_K), run.temperature_K)
    lo, hi = md_interval(run)
    klo, khi = e.tracer_D_interval_cm2_s
    assert klo < hi and lo < khi, (e.tracer_D_interval_cm2_s, (lo, hi))


def test_refusals():
    x, cell = lattice_hoppers(2, 0.1, n_frames=300)
    a = IonRun(x, 0.1, cell, 500.0, "A")
    with pytest.raises(HcflowError, match="different systems"):
        observe_network([a, IonRun(x, 0.1, cell, 600.0, "B")])
    fluid = IonRun(np.cumsum(np.full((300, 2, 3), 0.3), axis=0), 0.1, cell, 500.0, "A")
    with pytest.raises(HcflowError, match="no sites.*MD D stands"):
        network_at(observe_network([fluid]), 500.0)
    still = IonRun(np.zeros((300, 2, 3)) + 5.0, 0.1, cell, 500.0, "A")
    obs = observe_network([still])
    with pytest.raises(HcflowError, match="no hop.*upper bound"):
        network_at(obs, 500.0)
    with pytest.raises(HcflowError, match="no hop seen in MD"):
        arrhenius_network(obs)
