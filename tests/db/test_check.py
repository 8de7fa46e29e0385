"""``hcflow db check [--repair]``: planted orphans are found, counted and removed."""

import ase.io
import pytest
from bson import ObjectId
from pymongo import MongoClient

from hcflow.db.check import check_database
from hcflow.db.stores import ensure_database, get_data_store
from hcflow.md.trajectory import CompactTrajectory
from hcflow.md.trajectory_store import load_trajectory, save_trajectory
from hcflow.services.ingest import IngestMetadata, ingest_trajectory
from tests.helpers import random_walk_frames, run_cli

pytestmark = pytest.mark.integration
META = IngestMetadata(temperature_K=1000, timestep_fs=1.0, frame_interval=10)


def _ingest(settings, tmp_path, seed):
    frames, _ = random_walk_frames(n_frames=20, seed=seed)
    path = tmp_path / f"run{seed}.extxyz"
    ase.io.write(path, frames)
    doc, written = ingest_trajectory(path, META, settings)
    assert written
    return doc


def _db(settings):
    client = MongoClient(settings.uri)
    return client, client[settings.db_name]


def test_planted_problems_are_found_and_repaired(db_settings, tmp_path):
    ensure_database(db_settings, announce=None)
    good = _ingest(db_settings, tmp_path, 0)
    victim = _ingest(db_settings, tmp_path, 1)
    frames, _ = random_walk_frames(n_frames=5, seed=2)
    traj = CompactTrajectory.from_ase(frames, frame_dt_ps=0.01)
    data = get_data_store(db_settings)
    with data:
        orphan = save_trajectory(traj, data)  # a blob nobody refers to
        used_by_output = save_trajectory(traj, data)
    client, db = _db(db_settings)
    try:
        # a task whose blob vanished, and one whose blob lost a chunk
        db.md_tasks.insert_one({"task_id": "t-gone", "trajectory": {"blob_uuid": "x"}})
        victim_file = db["outputs_blobs.files"].find_one(
            {"metadata.blob_uuid": victim.trajectory.blob_uuid}
        )
        db["outputs_blobs.chunks"].delete_one({"files_id": victim_file["_id"], "n": 0})
        # chunks of an upload that never got its file document
        lost = ObjectId()
        db["outputs_blobs.chunks"].insert_many(
            [{"files_id": lost, "n": i, "data": b"x"} for i in range(3)]
        )
        # jobflow outputs: one refers to an existing blob, one to a missing blob
        db.outputs.insert_many(
            [
                {
                    "uuid": "j1",
                    "index": 1,
                    "output": {"t": used_by_output.model_dump()},
                },
                {"uuid": "j2", "index": 1, "output": [{"blob_uuid": "vanished"}]},
            ]
        )

        young = check_database(db, min_age_s=3600)
        assert young.orphan_blobs == [] and young.orphan_chunks == 0  # too new

        report = check_database(db, min_age_s=0)
        assert report.orphan_blobs == [orphan.blob_uuid]
        assert report.broken_blobs == [victim.trajectory.blob_uuid]
        assert report.orphan_chunks == 3
        assert sorted(report.tasks_without_blob) == sorted(["t-gone", victim.task_id])
        assert report.outputs_without_blob == ["j2"]
        assert report.problems == 1 + 1 + 3 + 2 + 1
        assert db.md_tasks.count_documents({}) == 3  # a check changes nothing

        repaired = check_database(db, repair=True, min_age_s=0)
        assert repaired.repaired == {
            "orphan blobs": 1,
            "broken blobs": 1,
            "orphan chunks": 3,
            "md_tasks without blob": 2,
            "outputs without blob": 1,
        }
        assert repaired.remaining == 0
        after = check_database(db, min_age_s=0)
        assert after.problems == 0
        assert [d["uuid"] for d in db.outputs.find()] == ["j1"]  # j2 is redone
        assert [d["task_id"] for d in db.md_tasks.find()] == [good.task_id]
        with data:
            assert load_trajectory(good.trajectory, data).n_frames == 20
            assert load_trajectory(used_by_output, data).n_frames == 5
    finally:
        client.close()


def test_cli_check_and_repair(db_settings, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("HCFLOW_DB_PORT", str(db_settings.db_port))
    monkeypatch.setenv("HCFLOW_DB_NAME", db_settings.db_name)
    monkeypatch.setenv("HCFLOW_DATA_DIR", str(db_settings.data_dir))
    ensure_database(db_settings, announce=None)
    _ingest(db_settings, tmp_path, 0)
    rc, out, _ = run_cli(["db", "check"], capsys)
    assert rc == 0 and "no problems found" in out
    frames, _ = random_walk_frames(n_frames=5, seed=3)
    with get_data_store(db_settings) as data:
        ref = save_trajectory(CompactTrajectory.from_ase(frames, 0.01), data)
    rc, out, _ = run_cli(["db", "check", "--min-age", "0"], capsys)
    assert (
        rc == 2
        and f"orphan blobs (no document refers to them): 1: {ref.blob_uuid}" in out
    )
    rc, out, _ = run_cli(["db", "check", "--repair", "--min-age", "0"], capsys)
    assert rc == 0 and "repaired: removed 1 orphan blobs" in out
    rc, out, _ = run_cli(["db", "check"], capsys)
    assert rc == 0 and "no problems found" in out
