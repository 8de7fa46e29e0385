"""Fault injection: kill -9 of the server or of a writer, concurrent writers.

Each test runs its own server (it gets killed) and real ``hcflow`` processes.
Afterwards: no acknowledged document lost, no duplicates, no orphans (by
construction, or after ``db check --repair``), and re-running completes the
work. Run them alone with ``pytest -m fault``.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import ase.io
import pytest
from pymongo import MongoClient

from hcflow.db import server
from hcflow.db.check import check_database
from hcflow.db.stores import ensure_database, get_data_store
from hcflow.md.trajectory_store import load_trajectory
from hcflow.settings import Settings
from tests.helpers import random_walk_frames

pytestmark = [pytest.mark.fault, pytest.mark.integration]
REPO = str(Path(__file__).resolve().parents[2])
META = json.dumps({"temperature_K": 1000, "timestep_fs": 1.0, "frame_interval": 10})
HCFLOW = [sys.executable, "-m", "hcflow.cli.main"]


@pytest.fixture
def faultdb(tmp_path):
    """(settings, env for hcflow subprocesses) of a server this test may kill."""
    data_dir = tmp_path / "data"
    port = server.free_port()
    server.start_server(data_dir, port=port)
    settings = Settings(data_dir=data_dir, db_port=port, db_name="fault")
    ensure_database(settings, announce=None)
    env = {
        **os.environ,
        "PYTHONPATH": REPO,
        "HCFLOW_DATA_DIR": str(data_dir),
        "HCFLOW_DB_PORT": str(port),
        "HCFLOW_DB_NAME": "fault",
    }
    yield settings, env
    server.stop_server(data_dir)


def _kill9_server(settings: Settings) -> None:
    info = server.server_status(settings.data_dir)
    assert info is not None
    os.kill(info.pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while server.is_our_server(info.pid, Path(info.storage)):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    server._wait_unlocked(Path(info.storage).parent / "server.lock")


def _restart(settings: Settings) -> None:
    server.start_server(settings.data_dir, port=settings.db_port)


def _db(settings: Settings):
    client = MongoClient(settings.uri, serverSelectionTimeoutMS=5000)
    return client, client[settings.db_name]


def _files(tmp_path: Path, n: int, n_frames: int = 40) -> list[str]:
    paths = []
    for seed in range(n):
        frames, _ = random_walk_frames(n_frames=n_frames, seed=seed)
        path = tmp_path / f"run{seed}.extxyz"
        ase.io.write(path, frames)
        paths.append(str(path))
    return paths


def _hcflow(args: list[str], env: dict, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*HCFLOW, *args], capture_output=True, text=True, env=env, timeout=300, **kw
    )


def _assert_consistent(settings: Settings, n_tasks: int) -> None:
    """n_tasks md_tasks, each blob loadable, nothing orphaned, no duplicates."""
    client, db = _db(settings)
    try:
        report = check_database(db, min_age_s=0)
        assert report.problems == 0, report.lines()
        tasks = list(db.md_tasks.find({}, {"task_id": 1, "trajectory": 1}))
        assert len(tasks) == n_tasks
        assert len({t["task_id"] for t in tasks}) == n_tasks
        assert db["outputs_blobs.files"].count_documents({}) == n_tasks
    finally:
        client.close()
    with get_data_store(settings) as data:
        for t in tasks:
            assert load_trajectory(t["trajectory"], data).n_atoms == 48


# ------------------------------------------------------------------ ingest
KILL_BETWEEN_BLOB_AND_DOC = """
import os, signal, sys
from hcflow.db import guarded_stores as stores

def die(self, *args, **kwargs):  # the process dies after the blob, before the doc
    os.kill(os.getpid(), signal.SIGKILL)

stores.HcflowMongoStore.update = die
from hcflow.cli.main import run
sys.argv = ["hcflow", "ingest", *sys.argv[1:]]
run()
"""


def test_ingest_killed_between_blob_and_document(faultdb, tmp_path):
    settings, env = faultdb
    (path,) = _files(tmp_path, 1)
    script = [sys.executable, "-c", KILL_BETWEEN_BLOB_AND_DOC, path, "-m", META]
    killed = subprocess.run(script, capture_output=True, text=True, env=env)
    assert killed.returncode == -signal.SIGKILL
    client, db = _db(settings)
    try:
        assert db.md_tasks.count_documents({}) == 0
        assert len(check_database(db, min_age_s=0).orphan_blobs) == 1
    finally:
        client.close()
    rerun = _hcflow(["ingest", path, "-m", META], env)
    assert rerun.returncode == 0, rerun.stderr
    _assert_consistent(settings, 1)  # the re-run took over the half-written blob


def test_server_killed_during_ingest(faultdb, tmp_path):
    settings, env = faultdb
    paths = _files(tmp_path, 12, n_frames=200)
    proc = subprocess.Popen(
        [*HCFLOW, "ingest", *paths, "-m", META],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    client, db = _db(settings)
    try:
        deadline = time.monotonic() + 120
        while db.md_tasks.count_documents({}) < 3:
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.02)
    finally:
        client.close()
    _kill9_server(settings)
    out, err = proc.communicate(timeout=120)
    acknowledged = [line.split(" -> ")[1].split(":")[0] for line in out.splitlines()]
    assert proc.returncode == 1 and len(acknowledged) < 12
    assert len(err.strip().splitlines()) == 1 and err.startswith("error: "), err
    _restart(settings)
    client, db = _db(settings)
    try:
        stored = {d["task_id"] for d in db.md_tasks.find({}, {"task_id": 1})}
        assert set(acknowledged) <= stored  # no acknowledged document lost
        found = check_database(db, repair=True, min_age_s=0)
        print(f"after the kill: {len(acknowledged)} acknowledged, found {found}")
        assert found.orphan_chunks == 0 and not found.broken_blobs  # durable
    finally:
        client.close()
    rerun = _hcflow(["ingest", *paths, "-m", META], env)
    assert rerun.returncode == 0, rerun.stderr
    _assert_consistent(settings, 12)


def test_two_ingests_of_the_same_files_at_once(faultdb, tmp_path):
    settings, env = faultdb
    paths = _files(tmp_path, 3, n_frames=300)
    procs = [
        subprocess.Popen(
            [*HCFLOW, "ingest", *paths, "-m", META],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for _ in range(2)
    ]
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
        assert len(out.strip().splitlines()) == 3
    _assert_consistent(settings, 3)


# ------------------------------------------------------------------- build
def test_server_killed_during_descriptor_build(faultdb, tmp_path):
    settings, env = faultdb
    paths = _files(tmp_path, 6, n_frames=120)
    assert _hcflow(["ingest", *paths, "-m", META], env).returncode == 0
    proc = subprocess.Popen(
        [*HCFLOW, "build", "descriptors"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    client, db = _db(settings)
    try:
        deadline = time.monotonic() + 240
        while db.ion_descriptors.count_documents({}) == 0:
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.02)
        seen = {d["ion_key"] for d in db.ion_descriptors.find({}, {"ion_key": 1})}
    finally:
        client.close()
    _kill9_server(settings)
    _, err = proc.communicate(timeout=240)
    print(f"killed build: exit {proc.returncode}, {len(err.splitlines())} stderr lines")
    # one line, no traceback, non-zero exit (the progress bar is on stderr too)
    assert proc.returncode == 1 and "Traceback" not in err
    errors = [ln for ln in err.splitlines() if "error:" in ln]
    assert len(errors) == 1 and "database not reachable" in errors[0], err[-2000:]
    _restart(settings)
    client, db = _db(settings)
    try:
        after = {d["ion_key"] for d in db.ion_descriptors.find({}, {"ion_key": 1})}
        assert seen <= after  # no acknowledged document lost
        # the server's death is nobody's trajectory's fault: none marked failed
        assert db.trajectory_summaries.count_documents({"state": "failed"}) == 0
    finally:
        client.close()
    rerun = _hcflow(["build", "descriptors"], env)
    assert rerun.returncode == 0, rerun.stderr
    client, db = _db(settings)
    try:
        summaries = list(db.trajectory_summaries.find({}, {"state": 1, "task_id": 1}))
        assert len(summaries) == 6 and {s["state"] for s in summaries} == {"successful"}
        assert db.ion_descriptors.count_documents({}) == 6 * 8
        assert check_database(db, min_age_s=0).problems == 0
    finally:
        client.close()
