"""The analysis builders on maggma MemoryStores: Store APIs only, no database."""

from __future__ import annotations

import pytest
from maggma.stores import MemoryStore

from hcflow.builders.base import AnalysisBuilder, result_key
from hcflow.builders.correlations import CorrelationBuilder
from hcflow.builders.drivers import DriverBuilder
from hcflow.builders.modes import ModeBuilder
from hcflow.errors import HcflowError
from tests.builders.test_analysis_builders import DRV, SMALL, Q, ion_docs


@pytest.fixture
def stores():
    keys = {
        "ions": "ion_key",
        "modes": "result_id",
        "ion_modes": "ion_mode_key",
        "drivers": "result_id",
        "correlations": "result_id",
        "summaries": "summary_key",
    }
    out = {name: MemoryStore(collection_name=name, key=k) for name, k in keys.items()}
    for s in out.values():
        s.connect()
    out["ions"].update(ion_docs())
    return out


def test_modes_on_memory_stores_rewrite_labels(stores):
    builder = ModeBuilder(
        stores["ions"], stores["modes"], stores["ion_modes"], query=Q, settings=SMALL
    )
    assert isinstance(builder, AnalysisBuilder)
    ids = builder.build(close=False)
    assert stores["modes"].count() == 1 and stores["ion_modes"].count() == 240
    doc = stores["modes"].query_one({"result_id": ids[0]})
    assert doc["k"] == 3 and doc["n_inputs"] == 240
    # a left-over label of an interrupted run is replaced, not duplicated
    stores["modes"].remove_docs({})
    again = ModeBuilder(
        stores["ions"], stores["modes"], stores["ion_modes"], query=Q, settings=SMALL
    )
    assert again.build(close=False) == ids
    assert stores["ion_modes"].count({"result_id": ids[0]}) == 240
    # unchanged inputs and settings: nothing to do
    third = ModeBuilder(
        stores["ions"], stores["modes"], stores["ion_modes"], query=Q, settings=SMALL
    )
    assert third.build(close=False) == ids and third.new_results == []


def test_drivers_and_correlations_on_memory_stores(stores):
    ids = DriverBuilder(stores["ions"], stores["drivers"], query=Q, settings=DRV).build(
        close=False
    )
    assert stores["drivers"].query_one({"result_id": ids[0]})["n_groups"] == 8
    corr = CorrelationBuilder(
        stores["ions"],
        stores["correlations"],
        stores["modes"],
        stores["ion_modes"],
        stores["summaries"],
        query=Q,
        settings={"mode_settings": SMALL},
    )
    cid = corr.build(close=False)[0]
    doc = stores["correlations"].query_one({"result_id": cid})
    assert doc["mode_source"] == "inline" and doc["n_trajectories"] == 8
    assert cid == result_key("correlations", Q, corr.resolved, doc["input_hash"])


def test_correlation_settings_are_validated():
    with pytest.raises(HcflowError, match="unknown key 'bogus'"):
        CorrelationBuilder.resolve_settings({"bogus": 1})
    with pytest.raises(HcflowError, match="min_trajectories"):
        CorrelationBuilder.resolve_settings({"min_trajectories": 2})
    resolved = CorrelationBuilder.resolve_settings({})
    assert resolved["min_trajectories"] == 3 and resolved["use_stored_modes"]
    assert resolved["mode_settings"]["features"]  # filled in
