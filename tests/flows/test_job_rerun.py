"""A job run twice (``jf job rerun``) stores its MD output once."""

from __future__ import annotations

import numpy as np
import pytest
from pymongo import MongoClient

from hcflow.db.check import check_database
from hcflow.db.stores import ensure_database, get_data_store, get_jobstore
from hcflow.flows.collect import collect_md_tasks
from hcflow.md.jobs import SOURCE
from hcflow.md.taskdoc import make_md_task_doc
from hcflow.md.trajectory import CompactTrajectory
from hcflow.md.trajectory_store import load_trajectory
from hcflow.schemas.md_task import TrajectoryRef

pytestmark = pytest.mark.integration


def _output(seed: int) -> dict:
    """What NaMDMaker.make returns: the md_tasks document with the trajectory."""
    rng = np.random.default_rng(seed)
    numbers = np.array([11, 6, 6, 6])
    pos = rng.uniform(0, 8, (5, 4, 3))
    traj = CompactTrajectory(
        numbers, pos, np.tile(np.eye(3) * 8, (5, 1, 1)), np.arange(5) * 0.1
    )
    doc = make_md_task_doc(
        traj,
        TrajectoryRef(blob_uuid="pending"),
        task_id="study-p0",
        source=SOURCE,
        temperature_K=1000.0,
        timestep_fs=1.0,
        frame_interval=100,
        study_id="study",
    ).model_dump(by_alias=True)
    doc["trajectory"] = traj
    return doc


def _job_doc(seed: int) -> dict:
    return {"uuid": "job-1", "index": 1, "output": _output(seed), "metadata": {}}


def test_rerun_of_a_job_stores_its_md_output_once(db_settings):
    ensure_database(db_settings, announce=None)
    store = get_jobstore(db_settings)
    store.connect()
    try:
        store.update(_job_doc(1), save={"data": [CompactTrajectory]})
        first = collect_md_tasks(db_settings)
        assert first["new"] == 1 and first["superseded_blobs_removed"] == 0
        # jf job rerun: the same job (uuid, index) completes again
        store.update(_job_doc(2), save={"data": [CompactTrajectory]})
    finally:
        store.close()
    again = collect_md_tasks(db_settings)
    assert again["new"] == 1 and again["md_tasks"] == 1
    assert again["superseded_blobs_removed"] == 1
    client = MongoClient(db_settings.uri)
    db = client[db_settings.db_name]
    try:
        assert db["outputs_blobs.files"].count_documents({}) == 1
        assert (
            db.outputs.count_documents({}) == 1 and db.md_tasks.count_documents({}) == 1
        )
        task = db.md_tasks.find_one({})
        assert check_database(db, min_age_s=0).problems == 0
    finally:
        client.close()
    with get_data_store(db_settings) as data:  # md_tasks points at the new run
        traj = load_trajectory(task["trajectory"], data)
    assert np.allclose(traj.positions, _output(2)["trajectory"].positions, atol=1e-3)
    assert collect_md_tasks(db_settings)["superseded_blobs_removed"] == 0
