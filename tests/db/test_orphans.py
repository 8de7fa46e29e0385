"""No orphan on a refused write; a killed upload is found, named and repaired."""

import os
import signal
import subprocess
import sys
import time

import pytest
from pymongo import MongoClient

from hcflow.db.check import check_database
from hcflow.db.stores import ensure_database
from hcflow.errors import HcflowError
from hcflow.md.trajectory import CompactTrajectory
from hcflow.md.trajectory_store import trajectory_ref, write_task_with_trajectory
from tests.helpers import random_walk_frames, run_cli

pytestmark = pytest.mark.integration


def _traj():
    frames, _ = random_walk_frames(n_frames=5, seed=1)
    return CompactTrajectory.from_ase(frames, frame_dt_ps=0.01)


def _doc(task_id, label="x"):
    return {
        "task_id": task_id,
        "label": label,
        "trajectory": trajectory_ref(task_id).model_dump(),
    }


def test_oversized_document_writes_no_blob(task_stores):
    tasks, data = task_stores
    with pytest.raises(HcflowError, match="over the 16 MB") as err:
        write_task_with_trajectory(_traj(), _doc("big", "y" * 20_000_000), tasks, data)
    assert "\n" not in str(err.value)
    assert data.count({}) == 0 and tasks.count({}) == 0


def test_refused_document_takes_its_blob_with_it(task_stores, monkeypatch):
    tasks, data = task_stores

    def refuse(*args, **kwargs):
        raise HcflowError("database refused the write")

    monkeypatch.setattr(tasks, "update", refuse)
    with pytest.raises(HcflowError, match="refused"):
        write_task_with_trajectory(_traj(), _doc("t1"), tasks, data)
    assert data.count({}) == 0


UPLOAD = """
import os, sys, gridfs
from pymongo import MongoClient
db = MongoClient(os.environ["URI"])[sys.argv[1]]
fs = gridfs.GridFS(db, "outputs_blobs")
fs.put(os.urandom(120_000_000), metadata={"blob_uuid": "killed"})
"""


def test_killed_upload_leaves_chunks_that_check_names_and_repairs(
    db_settings, monkeypatch, capsys
):
    ensure_database(db_settings, announce=None)
    client = MongoClient(db_settings.uri)
    db = client[db_settings.db_name]
    proc = subprocess.Popen(
        [sys.executable, "-c", UPLOAD, db_settings.db_name],
        env={**os.environ, "URI": db_settings.uri},
    )
    try:
        deadline = time.monotonic() + 60
        while db["outputs_blobs.chunks"].count_documents({}) < 20:
            assert time.monotonic() < deadline and proc.poll() is None
            time.sleep(0.05)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    try:
        assert db["outputs_blobs.files"].count_documents({}) == 0
        n = -1  # the server may still apply a batch the client had sent
        while n != (n := db["outputs_blobs.chunks"].count_documents({})):
            time.sleep(0.5)
        young = check_database(db)  # default age: a write may be in progress
        assert young.orphan_chunks == 0 and young.young == 1
        time.sleep(1.1)
        for key in ("HCFLOW_DB_PORT", "HCFLOW_DB_NAME", "HCFLOW_DATA_DIR"):
            attr = {"HCFLOW_DB_PORT": "db_port", "HCFLOW_DB_NAME": "db_name"}
            value = getattr(db_settings, attr.get(key, "data_dir"))
            monkeypatch.setenv(key, str(value))
        rc, out, _ = run_cli(["db", "check", "--min-age", "1"], capsys)
        assert rc == 2 and f"orphan GridFS chunks (no file): {n}" in out
        assert "fix: hcflow db check --repair" in out
        rc, out, _ = run_cli(["db", "check", "--repair", "--min-age", "1"], capsys)
        assert rc == 0 and f"removed {n} orphan chunks" in out
        assert db["outputs_blobs.chunks"].count_documents({}) == 0
    finally:
        client.close()
