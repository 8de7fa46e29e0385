"""Where MD restart files go, so that a rerun of a killed job finds them.

jobflow-remote runs a job in ``<work_dir>/<uuid path>/<uuid>_<index>`` and
``jf job rerun`` deletes that folder before the job starts again; the
checkpoint of a jobflow-remote job therefore goes to
``<work_dir>/hcflow-checkpoints``. Here that folder layout is built by hand
and the job run in-process; ``test_remote_resume.py`` does the same live (a
SIGKILL and ``jf job rerun`` through a jobflow-remote runner).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest
from jobflow import JobStore
from jobflow_remote.utils.data import uuid_to_path
from maggma.stores import MemoryStore
from monty.json import MontyDecoder

from hcflow.md import runner, state
from hcflow.md.checkpoint import REMOTE_SUBDIR, checkpoint_folder, remote_work_dir
from hcflow.md.jobs import NaMDMaker
from hcflow.settings import configure

UUID = "1f0c2a9e-3b4d-4e5f-8a6b-7c8d9e0f1a2b"


def test_remote_work_dir_only_for_the_jobflow_remote_layout(tmp_path):
    run_dir = tmp_path / "w" / uuid_to_path(UUID, 2)
    assert run_dir.parts[-4:-1] == ("1f", "0c", "2a")
    assert remote_work_dir(run_dir, UUID, 2) == tmp_path / "w"
    assert remote_work_dir(run_dir, UUID, 1) is None  # another index
    assert remote_work_dir(tmp_path / "w" / f"{UUID}_2", UUID, 2) is None
    assert remote_work_dir(tmp_path, "not-a-uuid", 1) is None


def test_checkpoint_folder_precedence(tmp_path):
    class Job:
        uuid, index = UUID, 1

    run_dir = tmp_path / "w" / uuid_to_path(UUID, 1)
    work = tmp_path / "w" / REMOTE_SUBDIR
    assert checkpoint_folder("/x", run_dir, Job) == (Path("/x"), "checkpoint_dir")
    assert checkpoint_folder(None, run_dir, Job) == (
        work,
        "jobflow-remote work_dir",
    )
    assert checkpoint_folder(None, tmp_path, Job) == (
        tmp_path,
        "working directory",
    )
    assert checkpoint_folder(None, run_dir, None)[0] == run_dir


@pytest.fixture(scope="module")
def nac_doc():
    from hcflow.structures.docs import make_structure_doc
    from hcflow.structures.hardcarbon import generate_hard_carbon
    from hcflow.structures.sodiation import sodiate

    atoms = sodiate(generate_hard_carbon(32, 1.0, seed=3), 0.125, seed=3)
    return make_structure_doc(
        atoms, kind="sodiated", method="test", pore_spacing=None, rings=False
    )


def _maker(**kw) -> NaMDMaker:
    md = dict(
        production_steps=kw.pop("production_steps", 40),
        equilibration_steps=10,
        frame_interval=5,
        threads=1,
    )
    fields = dict(
        temperature_K=900,
        md=md,
        checkpoint_every=10,
        seed=7,
        task_id="s:p:h",
        potential=os.environ.get("HCFLOW_TEST_POTENTIAL", "hcflow-nac-small"),
    )
    return NaMDMaker(**{**fields, **kw})


def _run(job, run_dir):
    """Run ``job`` in ``run_dir`` as jobflow-remote's worker does (cwd, store)."""
    run_dir.mkdir(parents=True, exist_ok=True)
    store = JobStore(MemoryStore(), additional_stores={"data": MemoryStore()})
    store.connect()
    cwd = os.getcwd()
    os.chdir(run_dir)
    try:
        job.run(store=store)
    finally:
        os.chdir(cwd)
    out = store.query_one({"uuid": job.uuid}, load=True)["output"]
    out["trajectory"] = MontyDecoder().process_decoded(out["trajectory"])
    return out


def test_killed_job_resumes_after_its_folder_is_deleted(nac_doc, tmp_path, monkeypatch):
    configure(None)
    monkeypatch.delenv("HCFLOW_CHECKPOINT_DIR", raising=False)
    ref = _run(_maker(checkpoint_dir=str(tmp_path / "ref")).make(nac_doc), tmp_path)
    assert ref["metadata"]["resumed_from_step"] == 0

    job = _maker().make(nac_doc)
    run_dir = tmp_path / "work" / uuid_to_path(job.uuid, job.index)
    checks = {"n": 0}
    check = runner.blow_up_reason

    def killed_after_30_steps(atoms, min_distance):
        checks["n"] += 1
        if checks["n"] > 4:  # checks at steps 10, 15, 20, 25; killed at 30
            raise KeyboardInterrupt("walltime")
        return check(atoms, min_distance)

    monkeypatch.setattr(runner, "blow_up_reason", killed_after_30_steps)
    with pytest.raises(KeyboardInterrupt):
        _run(job, run_dir)
    monkeypatch.setattr(runner, "blow_up_reason", check)
    saved = tmp_path / "work" / REMOTE_SUBDIR / "md-s_p_h.ckpt"
    assert saved.is_file()
    shutil.rmtree(run_dir)  # what `jf job rerun` does before the job runs again

    out = _run(job, run_dir)
    assert out["metadata"]["resumed_from_step"] == 20
    assert out["metadata"]["threads"] == 1
    np.testing.assert_array_equal(
        out["trajectory"].positions, ref["trajectory"].positions
    )
    assert not saved.exists()  # deleted when the job completed


def test_checkpoint_folder_comes_with_the_job(nac_doc, tmp_path, monkeypatch):
    """The folder is an input of the job (set where the flow is made, from
    HCFLOW_CHECKPOINT_DIR by the study services): the job reads no
    environment, so the worker's own variable changes nothing."""
    monkeypatch.setenv("HCFLOW_CHECKPOINT_DIR", str(tmp_path / "elsewhere"))
    configure(None)
    calls = []
    write = state.write_checkpoint
    monkeypatch.setattr(
        state,
        "write_checkpoint",
        lambda path, *a: calls.append(path) or write(path, *a),
    )
    try:
        shared = _maker(production_steps=10, checkpoint_dir=str(tmp_path / "shared"))
        _run(shared.make(nac_doc), tmp_path / "run")
        assert calls and {p.parent for p in calls} == {tmp_path / "shared"}
        calls.clear()
        _run(_maker(production_steps=10).make(nac_doc), tmp_path / "run2")
        assert calls and {p.parent for p in calls} == {tmp_path / "run2"}
    finally:
        monkeypatch.delenv("HCFLOW_CHECKPOINT_DIR")
        configure(None)
