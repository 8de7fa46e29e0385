"""Absolute mode names: planted behaviours named right in every pooling."""

import numpy as np
import pandas as pd
import pytest

from hcflow.analysis.mode_transport import mode_transport, mode_van_hove
from hcflow.analysis.naming import (
    NamingCriteria,
    base_name,
    classify_ions,
    msd_loglog_slope,
    name_modes,
)
from hcflow.builders.modes import mode_names_of, resolve_mode_settings, run_modes
from hcflow.errors import HcflowError
from tests.analysis.planted import suite_ions

SMALL = {"n_bootstrap": 2, "min_mode_size": 5, "k_max": 6}
POOLINGS = {
    "all": None,
    "free+hopper+cluster": ["free", "hopper", "cluster"],
    "rattler+large_void+hopper": ["rattler", "large_void", "hopper"],
    "free+large_void": ["free", "large_void"],
    **{
        f"{b} alone": [b]
        for b in ("free", "hopper", "rattler", "large_void", "cluster")
    },
}


@pytest.fixture(scope="module")
def ions():
    return suite_ions()


@pytest.mark.parametrize("pooling", list(POOLINGS))
def test_planted_behaviours_named_right_in_every_pooling(ions, pooling):
    keep = POOLINGS[pooling]
    sub = ions if keep is None else ions[ions["behaviour"].isin(keep)]
    sub = sub.reset_index(drop=True)
    res, _ = run_modes(sub, resolve_mode_settings(SMALL))
    names = np.array([base_name(n) for n in mode_names_of(res)])
    assert np.mean(names == sub["expected"].to_numpy()) >= 0.95
    # an ion's own class is the same whatever else is pooled
    every = classify_ions(ions)["ion_class"]
    assert np.mean(every == ions["expected"]) >= 0.95
    alone = every[ions["behaviour"].isin(keep or set(ions["behaviour"]))]
    assert res.classes["ion_class"].tolist() == alone.tolist()
    for label, basis in res.name_basis.items():
        assert basis["purity"] >= 0.5 and basis["criterion"]
        assert base_name(res.names[label]) == basis["class"]


def test_each_criterion_by_hand():
    rows = pd.DataFrame(
        [
            {"n_hops": 10, "hop_rate_per_ps": 0.05, "site_fraction": 0.9},
            {"n_hops": 10, "hop_rate_per_ps": 0.05, "site_fraction": 0.3},  # not sites
            {"diffusive": True, "pore_percolating": 1.0},
            {
                "diffusive": True,
                "pore_percolating": 0.0,
                "void_radius_A": 5.0,
                "explored_radius_A": 5.5,
            },  # diffusive-looking but confined
            {
                "cn_na_na": 3.0,
                "pore_percolating": 0.0,
                "void_radius_A": 1.0,
                "explored_radius_A": 0.5,
            },  # clustered beats void-trapped
            {"pore_percolating": 0.0, "void_radius_A": 1.2, "explored_radius_A": 0.8},
            {"pore_percolating": 0.0, "void_radius_A": 1.2, "explored_radius_A": 4.0},
            {"d_nearest_c": 2.2},
            {},
        ]
    )
    got = classify_ions(rows)["ion_class"].tolist()
    assert got == [
        "hopping",
        "localized",
        "freely diffusing",
        "confined in large void",
        "clustered",
        "void-trapped",
        "localized",  # left its "closed" void: not confined by it
        "carbon-bound",
        "localized",
    ]
    # thresholds come from the criteria (settings), not from the other ions
    strict = NamingCriteria.from_dict({"hop_min_count": 20})
    assert classify_ions(rows.iloc[:1], strict)["ion_class"][0] == "localized"
    reason = classify_ions(rows.iloc[:1])["class_reason"][0]
    assert "10 hops between distinct sites" in reason


def test_diffusive_verdict_from_the_msd_curve():
    t = np.geomspace(0.1, 100, 40)
    free = {
        "msd_lag_ps": t.tolist(),
        "msd_A2": (1.2 * t).tolist(),
        "fit_window_ps": [10, 50],
    }
    caged = {"msd_lag_ps": t.tolist(), "msd_A2": (30 * (1 - np.exp(-t))).tolist()}
    short = {"msd_lag_ps": t.tolist(), "msd_A2": (0.01 * t).tolist()}  # too little
    got = classify_ions(pd.DataFrame([free, caged, short]))
    assert got["ion_class"].tolist() == [
        "freely diffusing",
        "localized",
        "undetermined (run too short)",  # still growing: too short to tell
    ]
    assert "too short" in got["class_reason"][2]
    # in a closed void, but the run is too short to show confinement
    early = dict(short, pore_percolating=0.0, void_radius_A=5.0, explored_radius_A=1.0)
    assert classify_ions(pd.DataFrame([early]))["ion_class"][0] == (
        "undetermined (run too short)"
    )
    assert got["msd_slope"][0] == pytest.approx(1.0)
    assert msd_loglog_slope(t, 5 * t**0.5, 1.0) == pytest.approx(0.5)
    assert np.isnan(msd_loglog_slope([1.0, 2.0], [1.0, 2.0]))


def test_mode_names_purity_mixed_and_repeats():
    cent = pd.DataFrame({"pore_size": [9.0, 4.0, 5.0]}, index=[0, 1, 2])
    labels = [0] * 4 + [1] * 4 + [2] * 4
    classes = ["hopping"] * 8 + ["clustered", "void-trapped", "localized", "hopping"]
    names, basis = name_modes(labels, classes, cent)
    assert (
        names[0] == "hopping (high pore_size)" and names[1] == "hopping (low pore_size)"
    )
    assert names[2].startswith("mixed (") and basis[2]["purity"] == 0.25
    assert base_name("confined in large void-2") == "confined in large void"
    assert base_name("void-trapped") == "void-trapped"
    with pytest.raises(HcflowError, match="unknown naming criteria"):
        NamingCriteria.from_dict({"hop_count": 3})
    with pytest.raises(HcflowError, match="naming criterion"):
        resolve_mode_settings({"naming": {"hop_min_count": "many"}})


def test_per_mode_transport_on_the_planted_suite(ions):
    res, _ = run_modes(ions, resolve_mode_settings(SMALL))
    per = {
        base_name(m["name"]): m
        for m in mode_transport(ions, res.labels, res.names, res.classes["diffusive"])
    }
    hop = per["hopping"]
    # planted: 2.8 A jumps after 6 ps x U(0.5, 1.5) residences
    assert hop["hop_rate_per_ps"]["mean"] == pytest.approx(1 / 6.0, rel=0.15)
    assert hop["hop_length_A"] == pytest.approx(2.8, abs=0.3)
    assert hop["residence"]["median_ps"] == pytest.approx(6.0, rel=0.2)
    assert hop["verdict"] == "not diffusive"  # back and forth: no transport
    free = per["freely diffusing"]
    # one ion's MSD slope at long lags is noisy: a few free ions fall short
    assert free["verdict"] == "diffusive" and free["diffusive_fraction"] >= 0.8
    d = free["D_mean_cm2_s"]
    assert d["ci95_low"] <= d["mean"] <= d["ci95_high"]
    assert 0.5e-5 < d["mean"] < 2.5e-5  # planted 2e-5 cm2/s, z in a 10 A slab
    # rattlers never leave their void: censored residences, no median
    rat = per["void-trapped"]["residence"]
    assert rat["n_complete"] == 0 and rat["median_ps"] is None
    assert rat["mean_is_lower_bound"]
    for name in ("void-trapped", "confined in large void", "clustered"):
        assert per[name]["verdict"] == "not diffusive"
    vh = mode_van_hove(ions, res.labels, res.names)
    assert vh["lag_ps"] == [0.5, 5.0, 50.0]
    r = np.asarray(vh["r_A"])
    p50 = np.asarray(
        vh["modes"][
            res.names[
                int(np.argmax([base_name(n) == "hopping" for n in res.names.values()]))
            ]
        ][2]
    )
    assert p50[np.abs(r - 2.8) < 0.7].sum() > 0.3  # the second site


def test_free_name_with_undetermined_verdict_says_so():
    import pandas as pd

    from hcflow.analysis.naming import classify_ions

    ions = pd.DataFrame(
        {
            "diffusive": [None, True],
            "diffusion_outcome": ["undetermined", "diffusive"],
            "msd_loglog_slope": [0.95, 1.0],
            "msd_lag_ps": [[1.0, 2.0, 4.0], [1.0, 2.0, 4.0]],
            "msd_A2": [[10.0, 20.0, 40.0], [10.0, 20.0, 40.0]],
        }
    )
    out = classify_ions(ions)
    assert list(out["ion_class"]) == ["freely diffusing", "freely diffusing"]
    assert "undetermined" in out["class_reason"][0]
    assert "undetermined" not in out["class_reason"][1]
