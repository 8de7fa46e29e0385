"""Sites, hops, censored residences and the self van Hove function: known answers."""

from __future__ import annotations

import numpy as np
import pytest

from hcflow.descriptors.compute import compute_descriptors
from hcflow.descriptors.residence import (
    kaplan_meier,
    km_curve,
    km_median,
    km_restricted_mean,
    residence_summary,
)
from hcflow.descriptors.settings import DescriptorSettings
from hcflow.descriptors.sites import SiteParams, site_descriptors, van_hove_self
from hcflow.descriptors.synthetic import (
    confined_brownian,
    planted_hopping,
    two_site_hoppers,
)

DT, N = 0.1, 2000  # 200 ps
P = SiteParams()


def free(n, d, seed=0):
    rng = np.random.default_rng(seed)
    return np.cumsum(rng.normal(0, np.sqrt(2 * d * DT), (N, n, 3)), axis=0)


@pytest.mark.parametrize("noise,transit", [(0.15, 0.2), (0.3, 0.5), (0.4, 1.0)])
def test_two_site_hop_counts_within_10_percent(noise, transit):
    x, truth = two_site_hoppers(
        20, 6.0, N, DT, spacing=2.5, noise=noise, transit_ps=transit, seed=1
    )
    v, per_ion = site_descriptors(x, DT, P)
    planted = np.array([len(t) for t in truth])
    assert abs(v["n_hops"].sum() / planted.sum() - 1) < 0.10
    assert np.all(np.abs(v["n_hops"] - planted) <= 0.15 * planted + 1)
    assert np.nanmean(v["hop_length_A"]) == pytest.approx(2.5, abs=0.25)
    assert np.all(v["n_sites"] == 2)  # back and forth between two sites
    assert np.all(v["site_fraction"] > 0.85)
    # residence: planted 6 ps x U(0.5, 1.5) plus the transit
    assert np.nanmedian(v["residence_time_ps"]) == pytest.approx(6.0, rel=0.15)
    assert not np.any(v["residence_censored"])
    # hop times: each found hop lies within 1 ps of a planted one
    for ion, times in zip(per_ion, truth, strict=True):
        for t in ion.hop_times:
            assert np.min(np.abs(np.array(times) - t)) < 1.0


@pytest.mark.parametrize("d", [0.05, 0.2, 0.5])
def test_rattlers_in_small_closed_voids_never_hop(d):
    x = confined_brownian(20, 1.0, d, N, DT, seed=2) + 10.0
    v, _ = site_descriptors(x, DT, P)
    assert v["n_hops"].sum() == 0
    assert np.all(v["n_sites"] <= 1)
    assert np.all(v["explored_radius_A"] < 1.4)


@pytest.mark.parametrize("d", [0.05, 0.1, 0.2, 0.5])
def test_free_and_large_void_brownian_ions_rarely_hop(d):
    hopper, _ = two_site_hoppers(20, 6.0, N, DT, seed=1)
    hop_rate = site_descriptors(hopper, DT, P)[0]["hop_rate_per_ps"].mean()
    for x in (free(20, d, seed=3), confined_brownian(20, 4.5, d, N, DT, seed=4)):
        v, _ = site_descriptors(x, DT, P)
        assert v["hop_rate_per_ps"].mean() < min(0.01, 0.1 * hop_rate)
        if d >= 0.2:  # fast Brownian ions are rarely localized
            assert v["site_fraction"].mean() < 0.5


def test_random_walk_between_planted_sites_and_a_still_ion():
    residence = [5.0, 12.0, 20.0, 0.0]  # ps; the last ion never hops
    pos, cells, numbers, hop_times = planted_hopping(
        residence, n_frames=3000, dt_ps=DT, seed=2
    )
    settings = DescriptorSettings(structural_stride=100, pore_frames=1)
    res = compute_descriptors(pos, cells, numbers, DT, settings)
    v = res.values
    truth = np.array([len(t) for t in hop_times])
    assert np.all(np.abs(v["n_hops"][:3] - truth[:3]) <= 0.1 * truth[:3])
    for i in range(3):  # censoring-aware mean ~ the planted mean residence
        assert v["residence_time_ps"][i] == pytest.approx(residence[i], rel=0.2)
    duration = (3000 - 1) * DT
    # the still ion: zero hops, one censored residence spanning the run
    assert v["n_hops"][3] == 0 and v["residence_censored"][3] == 1.0
    assert v["residence_time_ps"][3] == pytest.approx(duration)
    still = res.sites.per_ion[3]
    assert len(still.visits) == 1 and still.visits[0][2] is False
    assert res.sites.van_hove.shape[:2] == (3, 4)  # 0.5, 5, 50 ps x 4 ions


def test_kaplan_meier_by_hand():
    d = [2.0, 3.0, 3.0, 5.0, 8.0]
    c = [True, True, False, True, False]
    t, s, at_risk, events = kaplan_meier(d, c)
    np.testing.assert_allclose(t, [0, 2, 3, 5])
    np.testing.assert_allclose(s, [1, 0.8, 0.6, 0.3])  # 4/5, x 3/4, x 1/2
    np.testing.assert_allclose(at_risk[1:], [5, 4, 2])
    assert km_median(t, s) == 5.0
    assert km_restricted_mean(t, s, 8.0) == pytest.approx(4.9)
    curve = km_curve(d, c)
    assert curve["median_ps"] == 5.0 and curve["n_complete"] == 3
    assert curve["mean_ps"] == pytest.approx(21.0 / 3)  # exposure / events
    none = km_curve([10.0], [False])  # never left: censored, not short
    assert none["median_ps"] is None and none["mean_is_lower_bound"]


def test_censoring_aware_mean_of_exponential_residences(rng):
    true = rng.exponential(10.0, 4000)
    cut = rng.uniform(0, 30.0, 4000)  # censoring at a random time
    observed, complete = np.minimum(true, cut), true <= cut
    res = residence_summary(observed, complete)
    assert res["residence_time_ps"] == pytest.approx(10.0, rel=0.05)
    assert np.mean(observed) < 8.0  # the naive mean is biased low
    t, s, *_ = kaplan_meier(observed, complete)
    assert km_median(t, s) == pytest.approx(10.0 * np.log(2), rel=0.08)


def test_van_hove_known_shapes():
    d, lag = 0.2, 50  # 5 ps
    x = free(200, d, seed=5)
    p = van_hove_self(x, np.array([lag]), 0.25, 20.0)[0]  # (ions, bins)
    r = np.arange(0.125, 20.0, 0.25)
    msd = (p * r**2).sum(axis=1).mean()
    assert msd == pytest.approx(6 * d * lag * DT, rel=0.1)
    assert p.sum(axis=1).min() > 0.99  # everything within 20 A
    # two-site hopper at a lag much longer than the residence: half at 0, half
    # at the site spacing (3 A)
    x, _ = two_site_hoppers(20, 4.0, N, DT, spacing=3.0, noise=0.1, seed=6)
    p = van_hove_self(x, np.array([400]), 0.25, 10.0)[0].mean(axis=0)
    near0 = p[r[:40] < 1.0].sum()
    near3 = p[np.abs(r[:40] - 3.0) < 1.0].sum()
    assert near0 == pytest.approx(0.5, abs=0.1) and near3 == pytest.approx(0.5, abs=0.1)


def test_site_params_of_the_settings_share_their_names_and_defaults():
    """One name per concept: SiteParams fields are DescriptorSettings fields."""
    assert DescriptorSettings().site_params == SiteParams()
    custom = DescriptorSettings(hop_threshold_A=2.5, site_dwell_ps=1.0)
    assert custom.site_params.hop_threshold_A == 2.5
    assert custom.site_params.site_dwell_ps == 1.0


def test_descriptor_settings_hash_is_frozen():
    """The hash keys stored documents: unchanged inputs keep it (known values)."""
    assert DescriptorSettings().hash == "3df421377591"
    assert DescriptorSettings(mobile_species="Li").hash == "ac6ed0ad9aaf"
    custom = DescriptorSettings(na_c_cutoff=3.2, hop_threshold_A=2.5, site_dwell_ps=1.0)
    assert custom.hash == "b8c05810963b"
