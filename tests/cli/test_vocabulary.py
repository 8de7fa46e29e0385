"""One CLI vocabulary: -f/--filter (old -q/--query still accepted), --format
json (old --json hidden), positional study ids."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hcflow.cli.options import output_format
from hcflow.errors import HcflowError
from tests.helpers import run_cli

STUDIES = Path(__file__).resolve().parents[2] / "studies"


def test_output_format_choices():
    assert output_format("table") == "table"
    assert output_format("table", as_json=True) == "json"
    with pytest.raises(HcflowError, match="unknown format 'xml'; use one of"):
        output_format("xml")


def test_study_plan_json(capsys):
    rc, out, err = run_cli(
        ["study", "plan", str(STUDIES / "tiny.yaml"), "--format", "json"], capsys
    )
    assert rc == 0, err
    plan = json.loads(out)
    assert plan["points"] and all("task_id" in p for p in plan["points"])
    flat = [t for job in plan["md_jobs"] for t in job]
    assert sorted(flat) == sorted(p["task_id"] for p in plan["points"])


@pytest.mark.integration
def test_filter_spellings_and_db_status_json(cli_env, capsys, tmp_path):
    for flag in ("--filter", "-f", "--query", "-q"):
        rc, out, err = run_cli(["query", "md_tasks", flag, '{"x": 1}'], capsys)
        assert rc == 0 and "(no documents)" in out, (flag, err)
    saved = tmp_path / "q.yaml"
    saved.write_text("filter: {x: 1}\n")
    rc, out, _ = run_cli(["query", "md_tasks", "-f", str(saved)], capsys)
    assert rc == 0 and "(no documents)" in out
    rc, out, err = run_cli(["db", "status", "--format", "json"], capsys)
    assert rc == 0, err
    status = json.loads(out)
    assert status["running"] and status["database"] == cli_env.db_name
    assert isinstance(status["collections"], dict)
    rc, out, _ = run_cli(["study", "status", "--json"], capsys)
    assert rc == 0 and json.loads(out) == []
    rc, out, _ = run_cli(["study", "status", "--format", "json"], capsys)
    assert rc == 0 and json.loads(out) == []
