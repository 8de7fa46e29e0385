"""The smaller commands: version, db status, potential info, export, report, demo."""

from __future__ import annotations

import json

import pytest

import hcflow
from tests.helpers import run_cli


def test_version_and_potential_info(capsys):
    rc, out, _ = run_cli(["version"], capsys)
    assert rc == 0 and out.strip() == hcflow.__version__
    rc, out, err = run_cli(["potential", "info"], capsys)
    assert rc == 0, err
    assert "hcflow-nac-small" in out and "mace-file" in out and "validation" in out
    rc, _, err = run_cli(["potential", "info", "no-such-model"], capsys)
    assert rc == 1 and err.startswith("error: unknown potential")


def test_demo_refuses_an_unwritable_folder_before_running(capsys, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    rc, out, err = run_cli(["demo", "--out", str(blocker / "sub")], capsys)
    assert rc == 1 and "cannot create output folder" in err and out == ""


@pytest.mark.integration
def test_db_status_export_and_report(cli_env, capsys, tmp_path):
    rc, out, err = run_cli(["db", "status"], capsys)
    assert rc == 0 and "pid:      " in out, err
    from hcflow.db.stores import get_store

    with get_store("md_tasks", cli_env) as st:
        st.update([{"task_id": "t1", "study_id": "s", "n_frames": 3}])
    target = tmp_path / "md.json"
    rc, out, err = run_cli(
        ["export", "md_tasks", "--format", "json", "-o", str(target)], capsys
    )
    assert rc == 0 and "wrote 1 documents" in out, err
    assert json.loads(target.read_text())[0]["task_id"] == "t1"
    rc, _, err = run_cli(["export", "md_tasks", "--format", "xls"], capsys)
    assert rc == 1 and "unknown format 'xls'" in err
    rc, out, err = run_cli(
        ["report", "--study", "nope", "--out", str(tmp_path / "r")], capsys
    )
    assert rc == 1 and err.strip() == "error: no md_tasks for study 'nope'"
    rc, out, err = run_cli(
        ["report", "--study", "s", "--out", str(tmp_path / "r")], capsys
    )
    assert rc == 0 and "not drawn: msd" in out and (tmp_path / "r/index.html").exists()
