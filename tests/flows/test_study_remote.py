"""The tiny study through jobflow-remote: local shell worker, real test server.

One test submits the study, runs ``jf runner run`` in the foreground in a
subprocess, stops it (SIGTERM) once the first MD job is COMPLETED, submits
again (nothing new: the rest is still queued), restarts the runner and waits
(bounded) until every job is COMPLETED; then md_tasks and trajectories are
checked, and every point was run exactly once.
"""

from __future__ import annotations

import time

import pytest

from hcflow.errors import HcflowError
from hcflow.flows import remote
from hcflow.flows.collect import collect_md_tasks
from hcflow.flows.run import study_status, submit_study
from tests.flows.conftest import (
    check_md_tasks,
    jf_project,
    md_output_counts,
    start_runner,
    stop_runner,
    tiny_spec,
)

pytestmark = [pytest.mark.integration, pytest.mark.slow]

PROJECT = "hctest"


@pytest.fixture
def project(db_settings, tmp_path, monkeypatch):
    yield from jf_project(PROJECT, db_settings, tmp_path, monkeypatch, delay=1.0)


def _md_completed(project, study_id) -> int:
    jc = remote.job_controller(project)
    return jc.jobs.count_documents(
        {
            "job.metadata.study_id": study_id,
            "job.metadata.kind": "md",
            "state": "COMPLETED",
        }
    )


def test_submit_run_interrupt_restart(db_settings, project, tmp_path):
    spec = tiny_spec()
    t0 = time.perf_counter()
    s = submit_study(spec, project, "local_shell", db_settings, echo=None)
    # one structure, one sodiation, one batched MD job for both points
    assert s["submitted_points"] == 2 and s["submitted_jobs"] == 3
    runner = start_runner(project, tmp_path, "runner1.log")
    try:
        deadline = time.time() + 150
        while time.time() < deadline and _md_completed(project, spec.id) < 1:
            assert runner.poll() is None, (tmp_path / "runner1.log").read_text()
            time.sleep(0.5)
        stop_runner(runner)  # interrupt the runner mid-study
        assert _md_completed(project, spec.id) >= 1
        again = submit_study(spec, project, "local_shell", db_settings, echo=None)
        assert again["submitted_jobs"] == 0
        assert again["skipped"] + again["in_flight"] == 2

        runner = start_runner(project, tmp_path, "runner2.log")
        while time.time() < deadline:
            states = remote.job_states(project, spec.id)
            assert not {"FAILED", "REMOTE_ERROR"} & set(states), (
                states,
                (tmp_path / "runner2.log").read_text()[-3000:],
            )
            if states == {"COMPLETED": 3}:
                break
            time.sleep(0.5)
        assert remote.job_states(project, spec.id) == {"COMPLETED": 3}
    finally:
        stop_runner(runner)
    elapsed = time.perf_counter() - t0
    print(f"tiny study through jobflow-remote: {elapsed:.1f} s")

    collect_md_tasks(db_settings, spec.id)
    check_md_tasks(db_settings, spec)
    assert md_output_counts(db_settings) == {p.task_id: 1 for p in spec.points()}
    rows = study_status(db_settings, spec.id, project)
    assert rows[0]["done"] == 2 and rows[0]["jobs"] == {"COMPLETED": 3}
    # idempotent collect, and nothing left to submit
    assert collect_md_tasks(db_settings, spec.id)["new"] == 0
    last = submit_study(spec, project, "local_shell", db_settings, echo=None)
    assert last["skipped"] == 2 and last["submitted_jobs"] == 0


def test_unknown_worker_or_project_submits_nothing(db_settings, project):
    spec = tiny_spec()
    with pytest.raises(HcflowError, match="unknown worker 'nope'.*local_shell"):
        submit_study(spec, project, "nope", db_settings, echo=None)
    with pytest.raises(HcflowError, match="unknown jobflow-remote project 'other'"):
        submit_study(spec, "other", "local_shell", db_settings, echo=None)
    bad = tiny_spec(na_per_c=[0.9])
    with pytest.raises(HcflowError, match="does not fit"):
        submit_study(bad, project, "local_shell", db_settings, echo=None)
    assert remote.job_states(project) == {}


def test_points_stuck_behind_a_failed_job_are_resubmitted(db_settings, project):
    spec = tiny_spec()
    submit_study(spec, project, "local_shell", db_settings, echo=None)
    assert remote.in_flight_task_ids(project, spec.id) == {
        p.task_id for p in spec.points()
    }
    # the structure job failed: its flow FAILED, the MD jobs wait forever
    jc = remote.job_controller(project)
    jc.jobs.update_one(
        {"job.metadata.kind": "structure"}, {"$set": {"state": "FAILED"}}
    )
    jc.flows.update_many({}, {"$set": {"state": "FAILED"}})
    assert remote.in_flight_task_ids(project, spec.id) == set()
    again = submit_study(spec, project, "local_shell", db_settings, echo=None)
    assert again["submitted_points"] == 2 and again["submitted_jobs"] == 3
