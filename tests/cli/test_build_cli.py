"""`hcflow build descriptors` on a real server: fills, is incremental, fails cleanly."""

from __future__ import annotations

import json

import pytest
from pymongo import MongoClient

from tests.builders.test_descriptor_builder import FAST, add_task
from tests.helpers import run_cli

pytestmark = pytest.mark.integration


@pytest.fixture
def build_env(cli_env):
    db_settings = cli_env
    from hcflow.db.stores import ensure_database, get_data_store, get_store

    ensure_database(db_settings, announce=None)
    md, data = get_store("md_tasks", db_settings), get_data_store(db_settings)
    md.connect()
    data.connect()
    add_task(md, data, "a", seed=1)
    add_task(md, data, "b", seed=2, label="second")
    lost = add_task(md, data, "lost")  # its trajectory blob is gone: fails
    data.remove_docs({"blob_uuid": lost.trajectory.blob_uuid})
    return db_settings


def _db(settings):
    return MongoClient(settings.uri)[settings.db_name]


def test_build_descriptors_cli(build_env, capsys, tmp_path):
    settings = json.dumps(FAST)
    args = ["build", "descriptors", "--settings", settings, "--no-progress"]
    rc, out, err = run_cli(args, capsys)
    # a trajectory failed: every line said, then a one-line summary and exit 1
    assert rc == 1, err
    assert "2 trajectories processed, 1 failed, 8 ion documents" in out
    lines = err.strip().splitlines()
    assert lines[0].startswith("failed lost:") and len(lines) == 2
    assert lines[1].startswith("error: 1 of 3 trajectories failed")
    assert "Traceback" not in err
    db = _db(build_env)
    assert db.ion_descriptors.count_documents({}) == 8
    assert db.trajectory_summaries.count_documents({"state": "failed"}) == 1
    # a rerun has nothing new to do, but the failure is still there: exit 1
    rc, out, err = run_cli(args, capsys)
    assert rc == 1 and "already up to date" in out
    assert "1 trajectories failed in an earlier build" in err
    rc, out, err = run_cli([*args, "--retry-failed"], capsys)
    assert rc == 1 and "0 trajectories processed, 1 failed" in out
    assert err.strip().splitlines()[-1].startswith("error: 1 of 1 trajectories")
    # a query file restricts the build (new settings: new set)
    qfile = tmp_path / "q.yaml"
    qfile.write_text("filter:\n  label: second\n")
    new = json.dumps(FAST | {"na_na_cutoff": 3.5})
    rc, out, err = run_cli(
        ["build", "descriptors", "-q", str(qfile), "-s", new, "--no-progress"], capsys
    )
    assert rc == 0 and "1 trajectories processed, 0 failed, 4 ion" in out
    assert db.ion_descriptors.count_documents({}) == 12


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--settings", '{"na_c_cutoff": -1}'], "na_c_cutoff must be > 0"),
        (["--settings", '{"na_c_cutoff": 3'], "invalid settings: not JSON"),
        (["--query", "nofile.yaml"], "neither JSON nor a file"),
    ],
)
def test_bad_input_is_one_line_and_writes_nothing(build_env, capsys, extra, message):
    rc, out, err = run_cli(["build", "descriptors", "--no-progress", *extra], capsys)
    assert rc == 1
    assert err.strip().startswith("error:") and message in err
    assert len(err.strip().splitlines()) == 1
    assert _db(build_env).ion_descriptors.count_documents({}) == 0


def test_build_all_runs_descriptors(build_env, capsys):
    rc, out, err = run_cli(["build", "all", "--query", '{"task_id": "a"}'], capsys)
    assert "== build descriptors" in out and "1 trajectories processed" in out
    assert _db(build_env).ion_descriptors.count_documents({"task_id": "a"}) == 4
    # 4 ions are too few for the analyses: they are skipped, so the exit is 1
    skipped = [k for k in ("modes", "drivers", "correlations") if f"skipped {k}" in out]
    if skipped:
        assert rc == 1
        summary = err.strip().splitlines()[-1]
        assert summary.startswith("error: build all: ")
        assert all(f"{k} skipped" in summary for k in skipped)
    else:
        assert rc == 0, err


def test_build_all_exit_code_when_a_trajectory_fails(build_env, capsys):
    rc, out, err = run_cli(["build", "all", "--query", '{"task_id": "lost"}'], capsys)
    assert rc == 1 and "0 trajectories processed, 1 failed" in out
    summary = err.strip().splitlines()[-1]
    assert summary.startswith("error: build all: descriptors: done, 1 failed")


def test_build_all_on_a_too_short_run_exits_0(build_env, capsys):
    from hcflow.db.stores import get_data_store, get_store

    md, data = get_store("md_tasks", build_env), get_data_store(build_env)
    md.connect()
    data.connect()
    add_task(md, data, "short", n_frames=8)  # too few lags for the fit window
    rc, out, err = run_cli(["build", "all", "--query", '{"task_id": "short"}'], capsys)
    assert rc == 0, err
    assert "1 too short to analyse (not estimable)" in out
    assert "not estimable short: " in out and "min_fit_points" in out
    assert "Traceback" not in err
