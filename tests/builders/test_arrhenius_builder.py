"""ArrheniusBuilder on MemoryStores: planted Ea recovered, exclusions reported."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from maggma.stores import MemoryStore

from hcflow.analysis.arrhenius import KB_EV_K, ArrheniusPoint, fit_arrhenius
from hcflow.analysis.arrhenius_groups import ArrheniusSettings, fit_modes
from hcflow.builders.arrhenius import ArrheniusBuilder
from hcflow.errors import HcflowError
from tests.builders import arrhenius_data as data


@pytest.fixture(scope="module")
def transports():
    out = {t: data.brownian_summary(t, seed=i) for i, t in enumerate(data.TEMPS)}
    short = data.brownian_summary(500.0, n_frames=100, seed=9)
    assert short["diffusive"] is None  # the planted too-short (undetermined) point
    return out, short


def _stores(transports, with_modes=True):
    names = {
        "summaries": "summary_key",
        "tasks": "task_id",
        "arrhenius": "arrhenius_key",
        "ions": "ion_key",
        "ion_modes": "ion_mode_key",
        "modes": "result_id",
    }
    st = {n: MemoryStore(collection_name=n, key=k) for n, k in names.items()}
    for s in st.values():
        s.connect()
    summaries, tasks = data.planted(*transports)
    st["summaries"].update(summaries)
    st["tasks"].update(tasks)
    if with_modes:
        ions, labels, result = data.mode_ions()
        st["ions"].update(ions)
        st["ion_modes"].update(labels)
        st["modes"].update([result])
    return st


def _builder(st, **kw) -> ArrheniusBuilder:
    return ArrheniusBuilder(
        st["summaries"],
        st["tasks"],
        st["arrhenius"],
        st["ions"],
        st["ion_modes"],
        st["modes"],
        **kw,
    )


def test_builder_recovers_planted_ea_and_reports_exclusions(transports):
    st = _stores(transports)
    builder = _builder(st, query={"study_id": "s"})
    docs = builder.build(close=False)
    assert len(docs) == 2  # system A (5 T + a short run) and system B (2 T)
    a = next(d for d in docs if d["density_g_cm3"] == 1.5)
    assert a["state"] == "fitted" and a["valid"] is True and a["study_id"] == "s"
    assert a["validity"].startswith("valid: 5 diffusive temperatures over 600 K")
    assert abs(a["Ea_eV"] - data.EA) < 0.02
    assert a["Ea_ci95_low"] <= data.EA <= a["Ea_ci95_high"]
    d300 = data.arrhenius(data.EA, data.D0, 300.0)
    assert a["D_extrapolated_ci95_low"] <= d300 <= a["D_extrapolated_ci95_high"]
    assert a["prefactor_ci95_low"] <= data.D0 <= a["prefactor_ci95_high"]
    assert a["n_points_used"] == 5 and a["n_points_excluded"] == 1  # failed: out
    (short,) = [p for p in a["points"] if not p["used"]]
    assert short["task_id"] == "a_short" and short["temperature_K"] == 500.0
    assert short["reason"] == "undetermined (run too short)"
    assert a["temperatures_used_K"] == list(data.TEMPS)
    assert a["temperatures_excluded_K"] == [500.0]
    assert a["group"] == {
        "density_g_cm3": 1.5,
        "na_content": 0.1,
        "mobile_species": "Na",
        "potential": "mace-x",
        "n_atoms": 120,
        "settings_hash": "h1",
    }
    b = next(d for d in docs if d["density_g_cm3"] == 1.9)
    assert b["state"] == "insufficient" and b["valid"] is False
    assert b["reason"].startswith("2 usable temperature(s)") and b["Ea_eV"] is None
    # unchanged inputs: nothing refitted; a changed summary refits its group only
    again = _builder(st, query={"study_id": "s"})
    again.build(close=False)
    assert again.new_keys == []
    doc = st["summaries"].query_one({"task_id": "b0"})
    doc["last_updated"] = data.STAMP.replace(year=2027)
    st["summaries"].update([doc])
    third = _builder(st, query={"study_id": "s"})
    third.build(close=False)
    assert third.new_keys == [b["group_key"]]


def test_per_mode_activation_energies(transports):
    st = _stores(transports)
    _builder(st).build(close=False)
    modes = {d["mode"]: d for d in st["arrhenius"].query({"mode": {"$ne": None}})}
    assert set(modes) == {"free", "hopping", "void-trapped"}
    for mode, (ea, d0, ea_rate, r0) in data.MODES.items():
        doc = modes[mode]
        assert doc["modes_result_id"] == "m1" and doc["state"] == "fitted"
        assert doc["Ea_ci95_low"] <= ea <= doc["Ea_ci95_high"], mode
        assert abs(doc["Ea_eV"] - ea) < 0.03
        assert doc["prefactor_ci95_low"] <= d0 <= doc["prefactor_ci95_high"]
        rate = doc["hop_rate_fit"]
        assert rate["Ea_ci95_low"] <= ea_rate <= rate["Ea_ci95_high"], mode
        assert rate["prefactor_ci95_low"] <= r0 <= rate["prefactor_ci95_high"]
        assert "rate_extrapolated_per_ps" in rate and "prefactor_per_ps" in rate
    hop = modes["hopping"]  # two hottest trajectories: 2 ions, excluded
    assert hop["n_temperatures_used"] == 3
    reasons = [p["reason"] for p in hop["points"] if not p["used"]]
    assert reasons == ["2 ion(s) of this mode in the trajectory (< 3)"] * 2
    trapped = modes["void-trapped"]
    assert trapped["state"] == "insufficient" and trapped["Ea_eV"] is None
    assert trapped["reason"].startswith("0 usable temperature(s) (0 diffusive")
    assert {p["reason"] for p in trapped["points"]} == {
        "not diffusive (0 of 12 member ions diffusive)"
    }
    assert trapped["hop_rate_fit"]["state"] == "insufficient"
    assert {p["reason"] for p in trapped["hop_rate_fit"]["points"]} == {"hop rate <= 0"}
    # the system document still comes last and covers all ions
    assert st["arrhenius"].count({"mode": None}) == 2


def test_without_modes_only_system_documents(transports):
    st = _stores(transports, with_modes=False)
    _builder(st).build(close=False)
    assert st["arrhenius"].count() == 2
    st2 = _stores(transports)
    _builder(st2, settings={"modes": False}).build(close=False)
    assert st2["arrhenius"].count() == 2


def test_validity_verdict_span_and_linearity():
    def pts(temps, ea_of):
        return [
            ArrheniusPoint(
                t,
                1e-3 * math.exp(-ea_of(t) / (KB_EV_K * t)),
                1e-3 * math.exp(-ea_of(t) / (KB_EV_K * t)) * 0.95,
                1e-3 * math.exp(-ea_of(t) / (KB_EV_K * t)) * 1.05,
                True,
            )
            for t in temps
        ]

    wide = {"max_decades": 1000.0}  # span and linearity only, not the extrapolation
    narrow = fit_arrhenius(pts([900.0, 930.0, 960.0], lambda t: 0.3), **wide)
    assert narrow["state"] == "fitted" and narrow["valid"] is False
    assert narrow["validity"] == "not valid: temperature span 60 K < 100 K"
    # a change of mechanism at 800 K: two lines, not one
    kink = fit_arrhenius(
        pts(
            [500.0, 600.0, 700.0, 900.0, 1000.0, 1100.0],
            lambda t: 0.5 - 0.3 * (t > 800),
        ),
        **wide,
    )
    assert kink["valid"] is False and "not one straight line" in kink["validity"]
    ok = fit_arrhenius(pts([500.0, 700.0, 900.0], lambda t: 0.3), **wide)
    assert ok["valid"] is True and ok["chi2_p_value"] > 0.5


def test_bad_input_is_one_line_and_writes_nothing(transports):
    st = _stores(transports, with_modes=False)
    for settings, match in [
        ({"bogus": 1}, "arrhenius settings: unknown key 'bogus'"),
        ({"min_temperatures": 2}, "bad value for 'min_temperatures'"),
        ({"T_extrapolate_K": -5}, "bad value for 'T_extrapolate_K'"),
    ]:
        with pytest.raises(HcflowError, match=match) as err:
            _builder(st, settings=settings)
        assert "\n" not in str(err.value)
    with pytest.raises(HcflowError, match="code operator|not allowed|\\$where"):
        _builder(st, query={"$where": "1"})
    with pytest.raises(HcflowError, match="matches no trajectory_summaries"):
        _builder(st, query={"study_id": "nope"}).build(close=False)
    with pytest.raises(HcflowError, match="no modes result 'zz'"):
        _builder(_stores(transports), settings={"modes_result_id": "zz"}).build(
            close=False
        )
    with pytest.raises(HcflowError, match="all of ion_descriptors"):
        ArrheniusBuilder(st["summaries"], st["tasks"], st["arrhenius"], st["ions"])
    assert st["arrhenius"].count() == 0


def test_fit_modes_pure_function_counts_points():
    ions, labels, _ = data.mode_ions()
    table = pd.DataFrame(ions).merge(pd.DataFrame(labels)[["ion_key", "mode_name"]])
    fits = fit_modes(table, ArrheniusSettings())
    assert [len(f["points"]) for f in fits.values()] == [5, 5, 5]
    assert fits["free"]["n_points_used"] == 5
