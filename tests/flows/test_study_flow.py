"""TransportStudyMaker: the jobs of a grid, shared structures, skipped points."""

from __future__ import annotations

from jobflow import Flow

from hcflow.flows.study import TransportStudyMaker
from hcflow.md.jobs import NaMDMaker
from tests.flows.conftest import tiny_spec


def test_grid_shares_structures_and_skips_done_points():
    spec = tiny_spec(densities=[0.9, 1.2], na_per_c=[0.1, 0.125])
    flow = TransportStudyMaker().make(spec)
    assert isinstance(flow, Flow)
    kinds = [j.metadata["kind"] for j in flow.jobs]
    # 2 densities x 2 loadings x 2 temperatures: 2 + 4 + 8 jobs, not 24
    assert kinds.count("structure") == 2 and kinds.count("sodiation") == 4
    assert kinds.count("md") == 8
    md = [j for j in flow.jobs if j.metadata["kind"] == "md"]
    assert {j.metadata["task_id"] for j in md} == {p.task_id for p in spec.points()}
    maker = md[0].maker  # the study's md section reached the Maker unchanged
    assert isinstance(maker, NaMDMaker) and maker.settings() == spec.md
    done = {p.task_id for p in spec.points() if p.density == 0.9}
    rest = TransportStudyMaker().make(spec, skip=done)
    assert len(rest.jobs) == 1 + 2 + 4
