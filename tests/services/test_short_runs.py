"""A trajectory too short for the fit is not estimable, not a failed build."""

from __future__ import annotations

import pytest

from hcflow.errors import TooShortError
from hcflow.services import build as build_service
from hcflow.services import data as data_service
from tests.builders.test_descriptor_builder import add_task


def test_resolve_raises_too_short():
    from hcflow.descriptors.settings import DescriptorSettings

    with pytest.raises(TooShortError, match="min_fit_points=5"):
        DescriptorSettings().resolve(n_frames=4, frame_dt_ps=0.005)


@pytest.mark.integration
def test_build_all_on_a_short_run_exits_clean(db_settings, task_stores):
    md, data = task_stores
    add_task(md, data, "short", n_frames=4)  # 0.3 ps: 2 lags in the fit window
    lines: list[str] = []
    outcome = build_service.run_all({"study_id": "s1"}, echo=lines.append)
    assert outcome["descriptors"] == "done, 1 not estimable", lines
    assert build_service.failure_summary(outcome) is None, outcome
    assert any(ln.startswith("  not estimable short: ") for ln in lines), lines
    assert any("1 too short to analyse" in ln for ln in lines)
    docs = data_service.fetch_documents(
        "trajectory_summaries", {"task_id": "short"}, settings=db_settings
    )
    assert len(docs) == 1 and docs[0]["not_estimable"] is True
    assert "fewer than min_fit_points" in docs[0]["error"]
    # a second build: up to date, still no failure (found from the database)
    again = build_service.run_all({"study_id": "s1"}, echo=lines.append)
    assert again["descriptors"] == "done, 1 not estimable"
    assert build_service.failure_summary(again) is None
    # a real failure still fails
    stats = {"processed": 0, "failed": 1, "ions": 0}
    assert build_service.descriptor_failures(stats)
    assert build_service.failure_summary({"descriptors": "done, 1 failed"})
