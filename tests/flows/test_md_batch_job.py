"""BatchedNaMDMaker: several points in one job give the single jobs' documents."""

from __future__ import annotations

import os

import numpy as np
import pytest
from jobflow import JobStore, run_locally
from maggma.stores import MemoryStore

from hcflow.errors import HcflowError
from hcflow.flows.collect import copy_md_outputs
from hcflow.md.batched_jobs import BATCH_SOURCE, BatchedNaMDMaker, batch_output_docs
from hcflow.md.jobs import NaMDMaker
from hcflow.md.trajectory_store import load_trajectory

POTENTIAL = os.environ.get("HCFLOW_TEST_POTENTIAL", "hcflow-nac-small")


@pytest.fixture(scope="module")
def cells():
    from hcflow.structures.docs import make_structure_doc
    from hcflow.structures.hardcarbon import generate_hard_carbon
    from hcflow.structures.sodiation import sodiate

    out = []
    for seed in (3, 4):
        atoms = sodiate(generate_hard_carbon(32, 1.0, seed=seed), 0.125, seed=seed)
        out.append(
            make_structure_doc(
                atoms, kind="sodiated", method="test", pore_spacing=None, rings=False
            )
        )
    return out


def _maker(i: int, temperature: float, md: dict | None = None, **kw) -> NaMDMaker:
    md = md or {}
    md = dict(
        timestep_fs=1.0,
        equilibration_steps=4,
        production_steps=12,
        frame_interval=3,
        threads=1,
        **md,
    )
    return NaMDMaker(
        temperature_K=temperature,
        md=md,
        seed=10 + i,
        study_id="s",
        point_id=f"p{i}",
        task_id=f"s:p{i}:h",
        settings_hash="h",
        potential=POTENTIAL,
        **kw,
    )


def test_batch_gives_the_documents_of_the_single_jobs(cells, tmp_path):
    members = [
        _maker(0, 700, checkpoint_dir=str(tmp_path)),
        _maker(1, 1100, checkpoint_dir=str(tmp_path)),
    ]
    single = [m.run(c) for m, c in zip(members, cells, strict=True)]
    batch = BatchedNaMDMaker(name="b", members=members).run(cells)
    assert batch["source"] == BATCH_SOURCE and batch["failed"] == []
    assert batch["task_ids"] == ["s:p0:h", "s:p1:h"]
    for one, many in zip(single, batch["md_tasks"], strict=True):
        assert many["task_id"] == one["task_id"]
        assert many["temperature_K"] == one["temperature_K"]
        assert many["md_settings"] == one["md_settings"]
        assert many["thermostat"] == one["thermostat"]
        a, b = one["trajectory"], many["trajectory"]
        assert b.n_frames == a.n_frames == 5
        # same seeds, same integrators: equal to float32 round-off (stored to
        # 1e-3 A, so a coordinate may round the other way)
        np.testing.assert_allclose(b.positions, a.positions, atol=2.1e-3)
    assert [d["metadata"]["threads"] for d in batch["md_tasks"]] == [1, 1]
    # every member carries its model deviation (hcflow.md.model_deviation)
    assert all("forces_ok" in d["model_deviation"] for d in batch["md_tasks"])


def test_batch_output_goes_to_the_data_store_and_md_tasks(cells, tmp_path):
    members = [_maker(i, 900, checkpoint_dir=str(tmp_path)) for i in range(2)]
    job = BatchedNaMDMaker(name="b", members=members).make(cells)
    data = MemoryStore()
    store = JobStore(MemoryStore(), additional_stores={"data": data})
    run_locally(job, store=store, ensure_success=True, log=False)
    store.connect()
    raw = store.docs_store.query_one({"uuid": job.uuid})
    docs = batch_output_docs(raw["output"])
    assert len(docs) == 2
    for d in docs:  # each trajectory became its own blob
        assert set(d["trajectory"]) == {"@class", "@module", "blob_uuid", "store"}
    assert len({d["trajectory"]["blob_uuid"] for d in docs}) == 2
    md_tasks = MemoryStore()
    md_tasks.connect()
    counts = copy_md_outputs(store.docs_store, data, md_tasks, study_id="s")
    assert counts["new"] == 2 and counts["md_tasks"] == 2
    for t in md_tasks.query({}):
        assert load_trajectory(t, data).n_frames == 5
    # idempotent
    assert copy_md_outputs(store.docs_store, data, md_tasks, "s")["new"] == 0


def test_a_member_that_blows_up_is_listed_the_others_kept(cells, tmp_path):
    from hcflow.structures.convert import as_atoms

    bad, _ = as_atoms(cells[1])
    bad.positions[1] = bad.positions[0]  # two atoms on one spot: NaN forces
    members = [_maker(i, 900, checkpoint_dir=str(tmp_path)) for i in range(2)]
    out = BatchedNaMDMaker(name="b", members=members).run([cells[0], bad])
    assert [d["task_id"] for d in out["md_tasks"]] == ["s:p0:h"]
    assert out["md_tasks"][0]["state"] == "successful"
    assert out["failed"][0]["task_id"] == "s:p1:h"
    assert "first frame" in out["failed"][0]["reason"]
    with pytest.raises(HcflowError, match="every member failed"):
        BatchedNaMDMaker(name="b", members=members[1:]).run([bad])


def test_members_must_share_one_calculator(cells):
    a, b = _maker(0, 900), _maker(1, 900, {"dtype": "float64"})
    with pytest.raises(HcflowError, match="members differ in dtype"):
        BatchedNaMDMaker(name="b", members=[a, b]).run(cells)
    with pytest.raises(HcflowError, match="2 structures for 1 members"):
        BatchedNaMDMaker(name="b", members=[a]).run(cells)
    with pytest.raises(HcflowError, match="no members"):
        BatchedNaMDMaker(name="b").run([])
