"""DescriptorBuilder: documents, failures, incremental runs, distributed chunks."""

from __future__ import annotations

import json
import subprocess
import time
from datetime import timedelta

import numpy as np
import pytest
from maggma.stores import MemoryStore
from monty.json import MontyDecoder

from hcflow.builders.descriptors import DescriptorBuilder
from hcflow.descriptors.diffusion import OUTCOMES
from hcflow.descriptors.settings import DescriptorSettings
from hcflow.descriptors.synthetic import brownian
from hcflow.errors import DatabaseError
from hcflow.md.taskdoc import make_md_task_doc
from hcflow.md.trajectory import CompactTrajectory
from hcflow.md.trajectory_store import save_trajectory
from hcflow.schemas.common import utcnow
from hcflow.schemas.names import DYNAMIC, METADATA, STRUCTURAL
from hcflow.settings import get_settings
from tests.helpers import MRUN, run_mrun, settings_env

FAST = {"structural_stride": 20, "pore_frames": 1}


def add_task(md_tasks, data_store, task_id, n_na=4, n_frames=60, seed=0, **kw):
    """A small synthetic trajectory stored like an ingested one."""
    _, pos, cells, numbers = brownian(
        n_na=n_na, n_c=20, n_frames=n_frames, box=10.0, seed=seed
    )
    traj = CompactTrajectory(numbers, pos, cells, np.arange(n_frames) * 0.1)
    ref = save_trajectory(traj, data_store)
    doc = make_md_task_doc(
        traj,
        ref,
        task_id=task_id,
        source="ingest",
        temperature_K=300.0,
        timestep_fs=1.0,
        frame_interval=100,
        study_id="s1",
        **kw,
    )
    md_tasks.update([doc.model_dump(by_alias=True)], key="task_id")
    return doc


@pytest.fixture
def memory_stores():
    stores = [
        MemoryStore(key=k) for k in ("task_id", "blob_uuid", "ion_key", "summary_key")
    ]
    for s in stores:
        s.connect()
    return stores


def test_documents_and_failures_in_memory(memory_stores):
    md, data, ions, summaries = memory_stores
    dev = {"forces_ok": False, "force_mae_eV_A": 0.3}  # copied to the summary
    add_task(md, data, "good", n_na=5, model_deviation=dev)
    add_task(md, data, "short", n_frames=8)  # too few lags in the fit window
    no_na = brownian(n_na=0, n_c=20, n_frames=60, box=10.0)
    traj = CompactTrajectory(no_na[3], no_na[1], no_na[2], np.arange(60) * 0.1)
    doc = make_md_task_doc(
        traj,
        save_trajectory(traj, data),
        task_id="nona",
        source="ingest",
        temperature_K=300.0,
        timestep_fs=1.0,
        frame_interval=100,
    )
    md.update([doc.model_dump(by_alias=True)], key="task_id")
    lost = add_task(md, data, "lost")
    data.remove_docs({"blob_uuid": lost.trajectory.blob_uuid})

    builder = DescriptorBuilder(md, data, ions, summaries, settings=FAST)
    stats = builder.build(progress=False, close=False)
    # the short run is not estimable (a result), not failed
    assert stats == {"processed": 1, "failed": 2, "ions": 5, "not_estimable": 1}
    assert "min_fit_points" in builder.too_short["short"]
    h = DescriptorSettings(**FAST).hash
    assert {d["task_id"] for d in ions.query()} == {"good"}
    doc = ions.query_one({"ion_key": f"good:20:{h}"})
    for name in [*STRUCTURAL, *DYNAMIC, *METADATA]:
        assert name in doc, name
    for name in STRUCTURAL:
        assert f"{name}_std" in doc
    assert doc["na_c_cutoff_A"] == 3.0 and doc["study_id"] == "s1"
    assert len(doc["msd_lag_ps"]) == len(doc["msd_A2"]) > 5
    # sites: typed counts, residences with their censoring, van Hove rows
    assert isinstance(doc["n_hops"], int) and isinstance(doc["n_sites"], int)
    assert len(doc["residence_durations_ps"]) == len(doc["residence_complete"])
    assert doc["van_hove_lag_ps"] == [0.5]  # 5 and 50 ps exceed half the run
    assert len(doc["van_hove_P"][0]) == 40 and 0.99 < sum(doc["van_hove_P"][0]) <= 1
    good = summaries.query_one({"summary_key": f"good:{h}"})
    assert good["van_hove_lag_ps"] == [0.5] and len(good["van_hove_P"]) == 1
    assert good["forces_ok"] is False and good["model_deviation"] == dev
    assert "n_residences" in good["residence_km"]
    assert good["state"] == "successful" and good["n_ions"] == 5
    assert good["D_ci95_low"] <= good["D_cm2_s"] <= good["D_ci95_high"]
    # every D carries its verdict; the collective D and Haven ratio are there
    assert good["diffusion_outcome"] in OUTCOMES and good["diffusive_reason"]
    assert good["diffusive"] is {"diffusive": True, "not diffusive": False}.get(
        good["diffusion_outcome"]
    )
    assert isinstance(good["regime"], list)
    assert good["msd_loglog_slope"] is not None and good["fit_window_auto"] is True
    assert good["D_interval_method"] and good["D_sigma_cm2_s"] is not None
    assert {"haven_ratio", "haven_ci95_low", "haven_ci95_high"} <= set(good)
    assert doc["diffusion_outcome"] in OUTCOMES and doc["diffusive_reason"]
    assert doc["msd_loglog_slope"] is not None
    failed = {d["task_id"]: d for d in summaries.query({"state": "failed"})}
    assert set(failed) == {"short", "nona", "lost"}
    assert "no Na atoms" in failed["nona"]["error"]
    assert "fewer than min_fit_points" in failed["short"]["error"]
    assert failed["short"]["not_estimable"] and not failed["nona"]["not_estimable"]
    assert "not found" in failed["lost"]["error"]
    assert all("\n" not in d["error"] for d in failed.values())

    # nothing new: nothing pending; retry_failed picks up only the failed ones
    assert DescriptorBuilder(md, data, ions, summaries, settings=FAST).pending() == []
    retry = DescriptorBuilder(
        md, data, ions, summaries, settings=FAST, retry_failed=True
    )
    assert {t["task_id"] for t in retry.pending()} == {"short", "nona", "lost"}
    assert retry.build(progress=False, close=False)["failed"] == 2


def test_database_down_mid_build_stops_without_failed_documents(memory_stores):
    """A blob read that fails because the database went away stops the build
    (DatabaseError, one line); a missing blob is the trajectory's own failure."""
    md, data, ions, summaries = memory_stores
    add_task(md, data, "a", seed=1)
    add_task(md, data, "b", seed=2)
    real_query_one = data.query_one

    calls: list[int] = []

    def dies(*args, **kwargs):  # the first blob read works, then the server is gone
        if calls:
            raise DatabaseError("database not reachable at mongodb://h:1 during query")
        calls.append(1)
        return real_query_one(*args, **kwargs)

    data.query_one = dies
    builder = DescriptorBuilder(md, data, ions, summaries, settings=FAST, chunk_size=1)
    with pytest.raises(DatabaseError, match="not reachable"):
        builder.build(progress=False, close=False)
    assert summaries.count({"state": "failed"}) == 0
    assert summaries.count() == 1  # the first trajectory was done
    # a missing blob, though, is that trajectory's failure
    data.query_one = real_query_one
    data.remove_docs({})
    stats = builder.build(progress=False, close=False)
    assert stats["failed"] == 1 and "not found" in next(iter(builder.errors.values()))


def test_builder_serialises_and_prechunks(memory_stores):
    md, data, ions, summaries = memory_stores
    for i in range(5):
        add_task(md, data, f"t{i}", seed=i)
    builder = DescriptorBuilder(
        md, data, ions, summaries, settings=FAST, query={"study_id": "s1"}
    )
    again = MontyDecoder().process_decoded(json.loads(json.dumps(builder.as_dict())))
    assert again.settings == builder.settings and again.query == builder.query
    chunks = list(builder.prechunk(2))
    assert len(chunks) == 2
    ids = [t for c in chunks for t in c["query"]["$and"][1]["task_id"]["$in"]]
    assert sorted(ids) == [f"t{i}" for i in range(5)]
    # a worker built from a chunk processes only its part
    part = DescriptorBuilder(
        md, data, ions, summaries, settings=FAST, query=chunks[0]["query"]
    )
    assert part.build(progress=False, close=False)["processed"] == len(
        chunks[0]["query"]["$and"][1]["task_id"]["$in"]
    )


@pytest.mark.integration
def test_incremental_on_real_server(db_settings, task_stores):
    from hcflow.db.stores import get_store

    md, data = task_stores
    for i in range(3):
        add_task(md, data, f"t{i}", seed=i)

    def run(**kw):
        b = DescriptorBuilder.from_settings(db_settings, kw.pop("settings", FAST), **kw)
        t0 = time.perf_counter()
        stats = b.build(progress=False)
        return stats, time.perf_counter() - t0

    assert run()[0]["processed"] == 3
    stats, _ = run()
    assert stats["processed"] == 0
    add_task(md, data, "t3", seed=3)
    assert run()[0] == {"processed": 1, "failed": 0, "ions": 4}
    # an updated md_task is reprocessed
    md.update(
        [
            md.query_one({"task_id": "t1"})
            | {"last_updated": utcnow() + timedelta(seconds=5)}
        ]
    )
    assert run()[0]["processed"] == 1
    # a changed setting builds a new set and leaves the old one
    other = FAST | {"na_c_cutoff": 3.3}
    assert run(settings=other)[0]["processed"] == 4
    ions = get_store("ion_descriptors", get_settings())
    ions.connect()
    h_old, h_new = DescriptorSettings(**FAST).hash, DescriptorSettings(**other).hash
    assert ions.count({"settings_hash": h_old}) == 16
    assert ions.count({"settings_hash": h_new}) == 16
    # a query restricts the build
    assert (
        run(settings=FAST | {"hop_threshold_A": 1.6}, query={"task_id": "t0"})[0][
            "processed"
        ]
        == 1
    )


@pytest.mark.integration
def test_noop_rebuild_under_one_second_at_10000_ion_docs(db_settings):
    from hcflow.db.stores import ensure_database, get_store

    ensure_database(db_settings, announce=None)
    h = DescriptorSettings(**FAST).hash
    now = utcnow()
    md, ions, summ = (
        get_store(n, get_settings())
        for n in ("md_tasks", "ion_descriptors", "trajectory_summaries")
    )
    for s in (md, ions, summ):
        s.connect()
    md._collection.insert_many(
        [
            {"task_id": f"t{i}", "last_updated": now - timedelta(hours=1)}
            for i in range(100)
        ]
    )
    summ._collection.insert_many(
        [
            {
                "summary_key": f"t{i}:{h}",
                "task_id": f"t{i}",
                "settings_hash": h,
                "state": "successful",
                "last_updated": now,
            }
            for i in range(100)
        ]
    )
    ions._collection.insert_many(
        [
            {
                "ion_key": f"t{i}:{k}:{h}",
                "task_id": f"t{i}",
                "ion_index": k,
                "settings_hash": h,
                "last_updated": now,
            }
            for i in range(100)
            for k in range(100)
        ]
    )
    builder = DescriptorBuilder.from_settings(db_settings, FAST)
    t0 = time.perf_counter()
    stats = builder.build(progress=False)
    elapsed = time.perf_counter() - t0
    assert stats["processed"] == 0 and stats["failed"] == 0
    print(f"no-op rebuild at 10,000 ion documents: {elapsed:.3f} s")
    assert elapsed < 1.0, f"no-op rebuild took {elapsed:.2f} s"


@pytest.mark.integration
def test_maggma_mrun_runs_the_serialised_builder(db_settings, task_stores, tmp_path):
    from hcflow.db.stores import get_store

    add_task(*task_stores, "m0")
    builder = DescriptorBuilder.from_settings(db_settings, FAST)
    path = tmp_path / "builder.json"
    path.write_text(json.dumps(builder.as_dict()))
    proc = run_mrun(path, db_settings, "--no_bars")
    assert proc.returncode == 0, proc.stderr[-2000:]
    ions = get_store("ion_descriptors", get_settings())
    ions.connect()
    assert ions.count({"task_id": "m0"}) == 4


@pytest.mark.integration
def test_maggma_distributed_manager_and_worker(db_settings, task_stores, tmp_path):
    """mrun's distributed mode: a manager prechunks, a worker builds each chunk."""
    pytest.importorskip("zmq")
    from hcflow.db.server import free_port
    from hcflow.db.stores import get_store

    md, data = task_stores
    for i in range(4):
        add_task(md, data, f"d{i}", seed=i)
    path = tmp_path / "builder.json"
    path.write_text(
        json.dumps(DescriptorBuilder.from_settings(db_settings, FAST).as_dict())
    )
    port = str(free_port())
    mrun = MRUN
    url = ["--url", "tcp://127.0.0.1", "--port", port]
    env = settings_env(db_settings)
    manager = subprocess.Popen(
        [*mrun, *url, "-N", "2", "-w", "1", "--no_bars", str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    worker = subprocess.Popen(
        [*mrun, *url, "--no_bars", str(path)],  # click wants an argument
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    try:
        out_m, _ = manager.communicate(timeout=120)
        out_w, _ = worker.communicate(timeout=60)
    finally:
        for proc in (manager, worker):
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    assert manager.returncode == 0, out_m[-2000:]
    summaries = get_store("trajectory_summaries", get_settings())
    summaries.connect()
    assert summaries.count({"state": "successful"}) == 4, (out_m[-1500:], out_w[-1500:])
