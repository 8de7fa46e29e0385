"""Shared pieces of the study tests: the tiny study, subprocess env, db helpers."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import yaml
from pymongo import MongoClient

from hcflow.flows.spec import parse_study
from hcflow.md.batched_jobs import BATCH_SOURCE, batch_output_docs
from hcflow.md.jobs import SOURCE
from tests.helpers import settings_env  # noqa: F401 - used by the study tests

ROOT = Path(__file__).resolve().parents[2]
TINY = ROOT / "studies" / "tiny.yaml"
BIN = Path(sys.prefix) / "bin"


def tiny_spec(**changes):
    """The tiny study (2 points, 36 atoms, 5 + 20 MD steps) with changes.

    ``HCFLOW_TEST_POTENTIAL`` replaces its potential (default: the shipped model).
    """
    raw = yaml.safe_load(TINY.read_text())
    if os.environ.get("HCFLOW_TEST_POTENTIAL"):
        raw["potential"] = os.environ["HCFLOW_TEST_POTENTIAL"]
    for key, value in changes.items():
        if isinstance(value, dict):
            raw.setdefault(key, {}).update(value)
        else:
            raw[key] = value
    return parse_study(raw)


def db(settings):
    client = MongoClient(settings.uri)
    return client, client[settings.db_name]


def md_output_counts(settings) -> Counter:
    """How many complete MD outputs (document + trajectory blob) per task id
    (the documents inside a batched MD job's output count one each).

    A run killed between jobflow's document write and its blob write leaves
    a document without a blob: not a result, not counted.
    """
    client, d = db(settings)
    try:
        blobs = {
            f["metadata"]["blob_uuid"]
            for f in d["outputs_blobs.files"].find({}, {"metadata.blob_uuid": 1})
        }
        return Counter(
            doc["task_id"]
            for o in d["outputs"].find(
                {"output.source": {"$in": [SOURCE, BATCH_SOURCE]}},
                {"output": 1},
            )
            for doc in batch_output_docs(o["output"])  # a batch job: several
            if doc["trajectory"]["blob_uuid"] in blobs
        )
    finally:
        client.close()


def check_md_tasks(settings, spec) -> list[dict]:
    """Every point has exactly one md_tasks doc whose trajectory loads."""
    from hcflow.db.stores import get_data_store
    from hcflow.md.trajectory_store import load_trajectory

    client, d = db(settings)
    try:
        docs = list(d["md_tasks"].find({"study_id": spec.id}))
    finally:
        client.close()
    points = {p.task_id: p for p in spec.points()}
    assert sorted(doc["task_id"] for doc in docs) == sorted(points)
    data = get_data_store(settings)
    data.connect()
    try:
        for doc in docs:
            p = points[doc["task_id"]]
            assert doc["settings_hash"] == p.settings_hash
            assert doc["point_id"] == p.point_id
            assert doc["state"] == "successful"
            assert doc["temperature_K"] == p.temperature
            assert doc["n_c"] == p.n_carbon and doc["n_na"] == p.n_na
            assert doc["na_content"] == pytest.approx(p.n_na / p.n_carbon, rel=1e-6)
            assert doc["density_g_cm3"] == pytest.approx(p.density, rel=1e-6)
            md = spec.md
            n_frames = md.production_steps // md.frame_interval + 1
            assert doc["frame_dt_ps"] == pytest.approx(
                md.frame_interval * md.timestep_fs / 1000
            )
            ref = doc["trajectory"]
            assert set(ref) >= {"@class", "@module", "blob_uuid", "store"}
            traj = load_trajectory(doc, data)
            assert traj.n_atoms == p.n_carbon + p.n_na
            assert traj.n_frames == doc["n_frames"] == n_frames
            assert (traj.numbers == 11).sum() == p.n_na
    finally:
        data.close()
    return docs


def jf_project(name, db_settings, tmp_path, monkeypatch, delay: float = 1.0):
    """A jobflow-remote project on the test database (local shell worker,
    jobs in ``tmp_path/jobs``); yields its name, then drops its queue."""
    from hcflow.flows import remote

    monkeypatch.setenv("JFREMOTE_PROJECTS_FOLDER", str(tmp_path / "jfremote"))
    monkeypatch.delenv("HCFLOW_CHECKPOINT_DIR", raising=False)  # the jobs' env
    path = remote.init_project(
        name, db_settings, work_dir=tmp_path / "jobs", delay=delay
    )
    assert path.parent == tmp_path / "jfremote"
    yield name
    client = MongoClient(db_settings.uri)
    client.drop_database(f"{db_settings.db_name}_queue")
    client.close()


def start_runner(project: str, tmp_path, log_name: str = "runner.log"):
    """``jf runner run`` in the foreground, in a subprocess (log in tmp_path)."""
    log = open(tmp_path / log_name, "w")  # noqa: SIM115
    return subprocess.Popen(
        [str(BIN / "jf"), "-p", project, "runner", "run"],
        env=dict(os.environ),
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=tmp_path,
    )


def stop_runner(proc) -> None:
    """SIGTERM, then SIGKILL after 30 s."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
