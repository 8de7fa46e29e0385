"""TransportStudyMaker: the jobs of a grid, shared structures, skipped points."""

from __future__ import annotations

from jobflow import Flow

from hcflow.flows.study import TransportStudyMaker
from hcflow.md.jobs import NaMDMaker
from tests.flows.conftest import tiny_spec


def test_grid_shares_structures_and_skips_done_points():
    spec = tiny_spec(densities=[0.9, 1.2], na_per_c=[0.1, 0.125], batch="off")
    flow = TransportStudyMaker().make(spec)
    assert isinstance(flow, Flow)
    kinds = [j.metadata["kind"] for j in flow.jobs]
    # 2 densities x 2 loadings x 2 temperatures: 2 + 4 + 8 jobs, not 24
    assert kinds.count("structure") == 2 and kinds.count("sodiation") == 4
    assert kinds.count("md") == 8
    md = [j for j in flow.jobs if j.metadata["kind"] == "md"]
    assert {j.metadata["task_id"] for j in md} == {p.task_id for p in spec.points()}
    maker = md[0].maker  # the study's md section reached the Maker unchanged
    assert isinstance(maker, NaMDMaker) and maker.md == spec.md
    done = {p.task_id for p in spec.points() if p.density == 0.9}
    rest = TransportStudyMaker().make(spec, skip=done)
    assert len(rest.jobs) == 1 + 2 + 4


def test_structures_made_before_are_reused():
    """done: structures an interrupted run made replace their jobs."""
    spec = tiny_spec(densities=[0.9, 1.2], batch="off")
    maker = TransportStudyMaker()
    points = spec.points()
    p0 = next(p for p in points if p.density == 0.9)
    stored = {"structure_id": "hcs-stored"}  # stands for a stored StructureDoc
    done = {maker.sodiation_hash(spec, p0): stored}
    flow = maker.make(spec, done=done)
    kinds = [j.metadata["kind"] for j in flow.jobs]
    assert kinds.count("structure") == 1 and kinds.count("sodiation") == 1
    low = {p.task_id for p in points if p.density == 0.9}  # both temperatures
    md_low = [j for j in flow.jobs if j.metadata.get("task_id") in low]
    assert len(md_low) == 2 and all(j.function_args[0] == stored for j in md_low)
    # only the hard carbon done: its sodiation runs on the stored structure
    done = {maker.structure_hash(spec, p0): stored}
    flow = maker.make(spec, done=done)
    kinds = [j.metadata["kind"] for j in flow.jobs]
    assert kinds.count("structure") == 1 and kinds.count("sodiation") == 2
    hashes = {j.metadata.get("structure_hash") for j in flow.jobs} - {None}
    assert len(hashes) == 3  # one hard carbon + two sodiations, all tagged
    # other structure settings: other hashes, nothing reused
    other = tiny_spec(
        densities=[0.9, 1.2],
        structure_method="quick",
        structure={"graphitic_fraction": 0.5},
    )
    assert maker.sodiation_hash(other, other.points()[0]) not in {
        maker.sodiation_hash(spec, p) for p in points
    }


def test_small_cells_are_batched_by_the_measured_rule():
    from hcflow.md.batch_plan import CPU_BATCH_ATOMS
    from hcflow.md.batched_jobs import BatchedNaMDMaker

    # 8 points of 36 atoms: one batch of all (288 atoms <= CPU_BATCH_ATOMS)
    spec = tiny_spec(densities=[0.9, 1.2], na_per_c=[0.1, 0.125])
    flow = TransportStudyMaker().make(spec)
    md = [j for j in flow.jobs if j.metadata["kind"] == "md"]
    assert len(md) == 1 and isinstance(md[0].maker, BatchedNaMDMaker)
    tasks = [p.task_id for p in spec.points()]
    assert md[0].metadata["task_ids"] == tasks
    assert [m.task_id for m in md[0].maker.members] == tasks
    # each member is the maker its own job would have had
    alone = TransportStudyMaker().make(spec.model_copy(update={"batch": "off"}))
    makers = [j.maker for j in alone.jobs if j.metadata["kind"] == "md"]
    assert md[0].maker.members == makers
    # its structures: the sodiation outputs of the members, in order
    sod = {j.uuid: j for j in flow.jobs if j.metadata["kind"] == "sodiation"}
    refs = md[0].function_args[0]
    assert len(refs) == 8 and all(r.uuid in sod for r in refs)
    # done points leave their batch
    rest = TransportStudyMaker().make(spec, skip=set(tasks[:5]))
    (left,) = [j for j in rest.jobs if j.metadata["kind"] == "md"]
    assert left.metadata["task_ids"] == tasks[5:]
    # 6 cells of 180 atoms (160 C + 20 Na): 5 in a batch (<= 1,000 atoms), 1 alone
    big = tiny_spec(n_carbon=[160], densities=[0.9, 1.2, 1.5], na_per_c=[0.125])
    sizes = [
        len(j.metadata.get("task_ids") or [j.metadata["task_id"]])
        for j in TransportStudyMaker().make(big).jobs
        if j.metadata["kind"] == "md"
    ]
    assert sorted(sizes) == [1, 5] and 5 * 180 <= CPU_BATCH_ATOMS < 6 * 180
    # cells of 200 atoms or more, CHGNet, or batch off: one job per point
    for other in (
        tiny_spec(n_carbon=[200], densities=[0.9, 1.2], na_per_c=[0.1]),
        tiny_spec(densities=[0.9, 1.2], potential="chgnet"),
    ):
        jobs = TransportStudyMaker().make(other).jobs
        md = [j for j in jobs if j.metadata["kind"] == "md"]
        assert len(md) == len(other.points())
        assert all(isinstance(j.maker, NaMDMaker) for j in md)
