"""Stores against a real local server: round trips, jobflow data store, errors."""

import time

import numpy as np
import pytest
from jobflow import Flow, job, run_locally

from hcflow.db.stores import (
    check_connection,
    get_data_store,
    get_jobstore,
    get_store,
)
from hcflow.errors import HcflowError
from hcflow.md.trajectory import CompactTrajectory
from hcflow.md.trajectory_store import load_trajectory, save_trajectory
from hcflow.settings import Settings, load_settings

pytestmark = pytest.mark.integration


def _traj(n_frames=20, n_atoms=30, seed=0):
    rng = np.random.default_rng(seed)
    pos = np.cumsum(rng.normal(0, 0.1, (n_frames, n_atoms, 3)), axis=0)
    return CompactTrajectory(
        [6] * (n_atoms - 5) + [11] * 5, pos, np.eye(3) * 12, np.arange(n_frames) * 0.1
    )


def test_mongostore_round_trip(db_settings):
    store = get_store("structures", db_settings)
    with store:
        store.update([{"structure_id": f"s{i}", "x": i} for i in range(50)])
        store.update([{"structure_id": "s3", "x": 33}])  # upsert, not a duplicate
        assert store.count() == 50
        assert store.query_one({"structure_id": "s3"})["x"] == 33


def test_gridfs_trajectory_round_trip(db_settings):
    traj = _traj()
    data = get_data_store(db_settings)
    with data:
        ref = save_trajectory(traj, data)
        back = load_trajectory(ref, data)
    assert np.abs(back.positions - traj.positions).max() < 1e-9


@job(data=["trajectory"])
def _make_big_output(n_frames: int):
    return {"trajectory": _traj(n_frames=n_frames, n_atoms=400), "n": n_frames}


@job
def _read_n(output):
    return output["n"] * 2


def test_jobflow_big_output_goes_to_gridfs(db_settings):
    first = _make_big_output(2000)
    second = _read_n(first.output)
    store = get_jobstore(db_settings)
    responses = run_locally(Flow([first, second]), store=store, ensure_success=True)
    assert responses[second.uuid][1].output == 4000
    store.connect()
    try:
        raw = store.query_one({"uuid": first.uuid}, load=False)
        ref = raw["output"]["trajectory"]
        assert ref["store"] == "data" and "blob_uuid" in ref
        traj = load_trajectory(ref, store.additional_stores["data"])
        assert traj.n_frames == 2000 and traj.n_atoms == 400
        loaded = store.get_output(first.uuid, load=True)
        assert CompactTrajectory.from_dict(loaded["trajectory"]).n_frames == 2000
    finally:
        store.close()


def test_database_down_answers_fast():
    from hcflow.db.server import free_port

    settings = Settings(db_uri=f"mongodb://127.0.0.1:{free_port()}")
    start = time.monotonic()
    with pytest.raises(HcflowError, match="database not reachable.*refused"):
        check_connection(settings)
    assert time.monotonic() - start < 0.5  # refused: no server-selection wait
    assert Settings().db_timeout_s <= 1.0  # a silent host: 1 s at most


@pytest.mark.parametrize(
    "uri, message",
    [
        ("mongodb://alice:pa@ss@db.example.org", "bad database URI"),
        ("mongodb://127.0.0.1:notaport", "bad database URI"),
        ("http://127.0.0.1:27017", "bad database URI"),
    ],
)
def test_malformed_uri_is_one_line_without_password(uri, message):
    settings = Settings(db_uri=uri, db_timeout_s=1)
    for action in (check_connection, lambda s: get_store("md_tasks", s).connect()):
        with pytest.raises(HcflowError, match=message) as err:
            action(settings)
        text = str(err.value)
        assert "\n" not in text and "pa@ss" not in text and "ss@db" not in text


@pytest.mark.parametrize(
    "flt",
    [
        {"$where": "sleep(1000)"},
        {"$or": [{"x": 1}, {"$where": "1"}]},
        {"x": {"$elemMatch": {"$expr": {"$function": {"body": "x"}}}}},
    ],
)
def test_code_operators_refused_everywhere(flt):
    from hcflow.analysis.query import validate_filter

    store = get_store("md_tasks", Settings(db_uri="mongodb://127.0.0.1:1"))
    for action in (
        lambda: list(store.query(flt)),  # refused before any connection
        lambda: store.count(flt),
        lambda: validate_filter(flt, ["x"]),
    ):
        with pytest.raises(HcflowError, match=r"operator \$(where|function)"):
            action()


def test_server_killed_mid_session_gives_one_line(tmp_path):
    import os
    import signal

    from hcflow.db import server

    port = server.free_port()
    info, _ = server.start_server(tmp_path, port=port)
    settings = Settings(data_dir=tmp_path, db_port=port, db_timeout_s=1)
    store = get_store("md_tasks", settings)
    try:
        store.connect()
        store.update([{"task_id": "a"}])
        os.kill(info.pid, signal.SIGKILL)
        start = time.monotonic()
        with pytest.raises(HcflowError, match="not reachable .* during count on") as e:
            store.count()
        assert time.monotonic() - start < 3 and "\n" not in str(e.value)
    finally:
        store.close()
        server.stop_server(tmp_path)


def test_stores_file_and_env_override(tmp_path, monkeypatch):
    path = tmp_path / "mongodb.yaml"
    path.write_text("uri: mongodb://user:pw@db.example.org:27017\ndatabase: hc2\n")
    settings = load_settings(path)
    assert settings.uri.startswith("mongodb://user:pw@db.example.org")
    assert settings.db_name == "hc2"
    monkeypatch.setenv("HCFLOW_DB_URI", "mongodb://other:1")
    assert load_settings(path).uri == "mongodb://other:1"
    bad = tmp_path / "bad.yaml"
    bad.write_text("url: x\n")
    with pytest.raises(HcflowError, match="unknown key 'url'"):
        load_settings(bad)


def test_unknown_collection():
    with pytest.raises(HcflowError, match="unknown collection 'bogus'"):
        get_store("bogus", Settings())
