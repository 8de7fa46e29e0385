"""A remote MD job killed mid-run resumes from its checkpoint on ``jf job rerun``.

The real thing, end to end: a one-point study is submitted to a jobflow-remote
project (local shell worker, the per-test database server) and ``jf runner
run`` runs it. Once the MD job has written a checkpoint to
``<work_dir>/hcflow-checkpoints``, its process tree (the worker's ``bash``
script and the ``jf execution run`` Python under it) is killed with SIGKILL,
as a walltime kill would. jobflow-remote then marks the job FAILED ("The
output file jfremote_out.json was downloaded, but it does not contain the
response. The job was likely killed before completing"). ``jf job rerun``
(the CLI, no ``--force`` needed for a FAILED job) queues it again, and the
runner empties the job's folder before running it; the rerun resumes from the
checkpoint: one md_tasks document with every frame,
``metadata.resumed_from_step`` equal to the step of the checkpoint the killed
run left, and the checkpoint deleted.

The local shell worker starts a job as ``nohup bash submit.sh &`` from the
runner's shell, so the job shares the runner's (here: pytest's) process group:
killing the group would kill the test, so the job's process tree is killed.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time

import numpy as np
import psutil
import pytest

from hcflow.db.stores import get_data_store
from hcflow.flows import remote
from hcflow.flows.collect import collect_md_tasks
from hcflow.flows.run import submit_study
from hcflow.md.checkpoint import REMOTE_SUBDIR
from hcflow.md.trajectory_store import load_trajectory
from tests.flows.conftest import (
    BIN,
    check_md_tasks,
    db,
    jf_project,
    md_output_counts,
    start_runner,
    stop_runner,
    tiny_spec,
)

pytestmark = [pytest.mark.integration, pytest.mark.slow]

PROJECT = "hcresume"
#: 400 steps of a 36-atom cell on one thread: ~15-30 s on a loaded 2-core
#: machine; the study's MD jobs write a checkpoint every 200 steps (NaMDMaker's
#: default), so the job is killed at step 200 and resumes from there.
PRODUCTION, FRAME_INTERVAL = 400, 20
DEAD = {"FAILED", "REMOTE_ERROR"}


@pytest.fixture
def project(db_settings, tmp_path, monkeypatch):
    yield from jf_project(PROJECT, db_settings, tmp_path, monkeypatch, delay=0.5)


def _step(path) -> int:
    """The step a checkpoint file holds (0 when there is none yet)."""
    try:
        with np.load(path, allow_pickle=False) as data:
            return int(json.loads(str(data["meta"]))["step"])
    except (FileNotFoundError, EOFError, ValueError, KeyError, OSError):
        return 0


def _md_job(jc, study_id) -> dict:
    return jc.jobs.find_one(
        {"job.metadata.study_id": study_id, "job.metadata.kind": "md"}
    )


def _wait(what, until, runner, log, timeout):
    """Poll ``until()`` (bounded); the runner must stay alive meanwhile."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        assert runner.poll() is None, log.read_text()[-3000:]
        value = until()
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}: {log.read_text()[-3000:]}")


def _kill_tree(pid: int) -> list[str]:
    """SIGKILL a process and everything under it; their command lines."""
    top = psutil.Process(pid)
    procs = [top, *top.children(recursive=True)]
    cmds = []
    for p in procs:
        try:
            cmds.append(" ".join(p.cmdline()))
            p.send_signal(signal.SIGKILL)
        except psutil.NoSuchProcess:
            pass
    _, alive = psutil.wait_procs(procs, timeout=10)
    assert not alive
    return cmds


def test_killed_md_job_resumes_from_its_checkpoint_on_rerun(
    db_settings, project, tmp_path
):
    spec = tiny_spec(
        temperatures=[600],
        md={"production_steps": PRODUCTION, "frame_interval": FRAME_INTERVAL},
    )
    (point,) = spec.points()
    t0 = time.perf_counter()
    s = submit_study(spec, project, "local_shell", db_settings, echo=None)
    assert s["submitted_jobs"] == 3  # structure, sodiation, MD
    folder = tmp_path / "jobs" / REMOTE_SUBDIR
    log = tmp_path / "runner.log"
    jc = remote.job_controller(project)
    runner = start_runner(project, tmp_path)
    try:
        # 1. the MD job runs and has written a checkpoint past step 0
        def checkpointed():
            assert not DEAD & set(remote.job_states(project, spec.id))
            files = list(folder.glob("md-*.ckpt"))
            return files if files and _step(files[0]) > 0 else None

        (ckpt,) = _wait("a checkpoint", checkpointed, runner, log, 180)
        seen = _step(ckpt)
        job = _md_job(jc, spec.id)
        assert job["state"] in ("SUBMITTED", "RUNNING"), job["state"]
        run_dir = job["run_dir"]

        # 2. walltime: SIGKILL the job's processes; jobflow-remote marks it FAILED
        cmds = _kill_tree(int(job["remote"]["process_id"]))
        assert any("jf" in c and "execution run" in c for c in cmds), cmds
        at_kill = _step(ckpt)  # final: nothing writes it any more
        assert at_kill >= seen > 0
        state = _wait(
            "the killed job's state",
            lambda: (st := _md_job(jc, spec.id)["state"]) in DEAD and st,
            runner,
            log,
            60,
        )
        assert state == "FAILED"  # its output file holds no response
        assert "likely killed" in _md_job(jc, spec.id)["error"]
        killed_at = time.perf_counter() - t0

        # 3. `jf job rerun`: the job's folder is emptied, the checkpoint outside stays
        marker = os.path.join(run_dir, "marker")
        open(marker, "w").close()  # noqa: SIM115
        rerun = subprocess.run(
            [str(BIN / "jf"), "-p", PROJECT, "job", "rerun", str(job["db_id"])],
            capture_output=True,
            text=True,
            timeout=120,
            env=dict(os.environ),
        )
        assert rerun.returncode == 0, rerun.stdout + rerun.stderr
        _wait(
            "the rerun to complete",
            lambda: remote.job_states(project, spec.id) == {"COMPLETED": 3},
            runner,
            log,
            180,
        )
        # the runner emptied the job's folder before running it again
        assert not os.path.exists(marker)
    finally:
        stop_runner(runner)
    elapsed = time.perf_counter() - t0
    print(
        f"checkpoint seen at step {seen}, killed at step {at_kill} ({killed_at:.0f} s)"
        f"; rerun done at {elapsed:.0f} s"
    )

    collect_md_tasks(db_settings, spec.id)
    (doc,) = check_md_tasks(db_settings, spec)  # one doc, state, every frame
    assert doc["task_id"] == point.task_id
    assert doc["metadata"]["resumed_from_step"] == at_kill
    assert md_output_counts(db_settings) == {point.task_id: 1}
    assert not ckpt.exists()  # deleted when the run completed
    assert list(folder.iterdir()) == []
    # no frame written twice: the frames straddling the resume step all differ
    data = get_data_store(db_settings)
    data.connect()
    try:
        traj = load_trajectory(doc, data)
    finally:
        data.close()
    assert traj.n_frames == PRODUCTION // FRAME_INTERVAL + 1
    steps = np.abs(np.diff(traj.positions, axis=0)).max(axis=(1, 2))
    assert (steps > 0).all()
    client, d = db(db_settings)
    try:  # the killed run left no output: one output, from the rerun
        assert d["outputs"].count_documents({"output.source": "hcflow-md"}) == 1
    finally:
        client.close()
