"""A tiny study run locally against the real test server; re-runs and restarts."""

from __future__ import annotations

import signal
import subprocess
import time

import pytest

from hcflow.errors import HcflowError
from hcflow.flows.run import plan_study, run_study_locally, study_status
from tests.flows.conftest import (
    BIN,
    ROOT,
    check_md_tasks,
    db,
    md_output_counts,
    settings_env,
    tiny_spec,
)

pytestmark = pytest.mark.integration


def test_tiny_study_runs_then_skips(db_settings):
    spec = tiny_spec()
    t0 = time.perf_counter()
    summary = run_study_locally(spec, db_settings, echo=None)
    elapsed = time.perf_counter() - t0
    assert summary["points"] == 2 and summary["ran"] == 2
    assert summary["jobs"] == 3  # one structure, one sodiation, one MD batch
    assert summary["points_done"] == 2 and summary["md_tasks"] == 2
    docs = check_md_tasks(db_settings, spec)
    # the sodiated structure of both points, and its parent, are in `structures`
    client, d = db(db_settings)
    structs = {x["structure_id"]: x for x in d["structures"].find({"study_id": "tiny"})}
    client.close()
    assert len(structs) == 2
    (sid,) = {doc["structure_id"] for doc in docs}
    assert structs[sid]["kind"] == "sodiated" and structs[sid]["n_na"] == 4
    assert structs[structs[sid]["parent_structure_id"]]["kind"] == "generated"
    print(f"tiny study locally: {elapsed:.1f} s")

    # a second run skips both points and writes nothing
    again = run_study_locally(spec, db_settings, echo=None)
    assert again["skipped"] == 2 and again["ran"] == 0 and again["jobs"] == 0
    assert again["new_md_tasks"] == 0
    assert md_output_counts(db_settings) == {d["task_id"]: 1 for d in docs}

    status = study_status(db_settings, spec.id)
    assert status == [
        {"study_id": "tiny", "name": "tiny", "points": 2, "done": 2, "md_tasks": 2}
    ]

    # changed MD settings: new settings hash, so both points run again
    longer = tiny_spec(md={"production_steps": 10})
    plan = plan_study(longer, db_settings)
    assert len(plan.todo) == 2 and not plan.done


def test_batched_and_one_by_one_studies_give_the_same_trajectories(db_settings):
    """batch: auto runs both points in one job; batch: off one job each; the
    trajectories agree to float32 round-off (stored to 1e-3 A)."""
    import numpy as np

    from hcflow.db.stores import get_data_store
    from hcflow.md.trajectory_store import load_trajectory

    runs = {}
    for mode in ("auto", "off"):
        spec = tiny_spec(study_id=f"tiny-{mode}", batch=mode)
        s = run_study_locally(spec, db_settings, echo=None)
        assert s["jobs"] == (3 if mode == "auto" else 4) and s["points_done"] == 2
        runs[mode] = {d["point_id"]: d for d in check_md_tasks(db_settings, spec)}
    data = get_data_store(db_settings)
    data.connect()
    try:
        for point, doc in runs["auto"].items():
            alone = runs["off"][point]
            assert doc["md_settings"] == alone["md_settings"]
            a = load_trajectory(doc, data).positions
            b = load_trajectory(alone, data).positions
            np.testing.assert_allclose(a, b, atol=2.1e-3)
    finally:
        data.close()


def test_interrupted_local_run_finishes_each_point_once(db_settings, tmp_path):
    spec = tiny_spec(batch="off")  # one MD job per point: kill after the first
    study = tmp_path / "study.yaml"
    import yaml

    study.write_text(yaml.safe_dump(spec.model_dump()))
    proc = subprocess.Popen(
        [str(BIN / "hcflow"), "study", "run", str(study), "--no-progress"],
        env=settings_env(db_settings),
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.time() + 120
        while time.time() < deadline and proc.poll() is None:
            if sum(md_output_counts(db_settings).values()) >= 1:
                proc.send_signal(signal.SIGKILL)  # killed mid-study
                break
            time.sleep(0.05)
        proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    first = md_output_counts(db_settings)
    assert sum(first.values()) == 1, proc.stdout.read()
    client, d = db(db_settings)
    assert d["md_tasks"].count_documents({}) == 0  # collect never ran
    client.close()

    summary = run_study_locally(spec, db_settings, echo=None)
    assert summary["skipped"] == 1 and summary["ran"] == 1
    assert summary["jobs"] == 1  # the structures of the first run are reused
    check_md_tasks(db_settings, spec)
    # every point was computed exactly once over both runs
    assert md_output_counts(db_settings) == {p.task_id: 1 for p in spec.points()}
    # ... and every structure: one output and one document each, no orphan
    client, d = db(db_settings)
    try:
        outputs = list(d["outputs"].find({"output.@class": "StructureDoc"}))
        ids = sorted(o["output"]["structure_id"] for o in outputs)
        assert len(ids) == 2 and len(set(ids)) == 2
        assert sorted(d["structures"].distinct("structure_id")) == ids
        used = {t["structure_id"] for t in d["md_tasks"].find({})}
        assert used <= set(ids)
    finally:
        client.close()


def test_bad_study_file_one_line_error(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text((ROOT / "studies" / "tiny.yaml").read_text() + "\nfoo: 1\n")
    out = subprocess.run(
        [str(BIN / "hcflow"), "study", "plan", str(bad)],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 1
    assert out.stderr.strip() == f"error: {bad}: unknown key 'foo'"


def test_unfit_loading_writes_nothing(db_settings):
    spec = tiny_spec(na_per_c=[0.9])
    with pytest.raises(HcflowError, match="does not fit"):
        run_study_locally(spec, db_settings, echo=None)
    client, d = db(db_settings)
    try:
        assert d.list_collection_names() == []
    finally:
        client.close()
