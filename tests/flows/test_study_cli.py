"""`hcflow study` commands in-process (typer CliRunner) against the test server."""

from __future__ import annotations

import yaml
from typer.testing import CliRunner

from hcflow.cli.main import app
from tests.flows.conftest import TINY
from tests.helpers import settings_env

runner = CliRunner()


def test_plan_status_collect_init_remote(db_settings, tmp_path):
    env = settings_env(db_settings)
    env["JFREMOTE_PROJECTS_FOLDER"] = str(tmp_path / "jfr")
    res = runner.invoke(app, ["study", "plan", str(TINY)], env=env)
    assert res.exit_code == 0, res.output
    assert "md rho=1.00 NaC8 T=600K n=32 r0" in res.output
    res = runner.invoke(app, ["study", "status"], env=env)
    assert res.exit_code == 0 and "no studies yet" in res.output
    res = runner.invoke(app, ["study", "collect"], env=env)
    assert res.exit_code == 0 and "0 new md_tasks" in res.output
    res = runner.invoke(
        app, ["study", "init-remote", "--project", "cli_p", "--delay", "2"], env=env
    )
    assert res.exit_code == 0, res.output
    proj = yaml.safe_load((tmp_path / "jfr" / "cli_p.yaml").read_text())
    assert proj["queue"]["store"]["database"] == f"{db_settings.db_name}_queue"
    assert proj["queue"]["store"]["uri"] == db_settings.uri
    js = proj["jobstore"]
    assert js["docs_store"]["collection_name"] == "outputs"
    assert js["docs_store"]["database"] == db_settings.db_name
    assert js["additional_stores"]["data"]["type"] == "GridFSStore"
    assert js["additional_stores"]["data"]["collection_name"] == "outputs_blobs"
    assert proj["workers"]["local_shell"]["type"] == "local"
    assert proj["runner"]["delay_checkout"] == 2.0
    # the same again is fine; other settings need --overwrite
    res = runner.invoke(
        app, ["study", "init-remote", "--project", "cli_p", "--delay", "2"], env=env
    )
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["study", "init-remote", "--project", "cli_p"], env=env)
    assert res.exit_code != 0 and "--overwrite" in str(res.exception)
    from pymongo import MongoClient

    MongoClient(db_settings.uri).drop_database(f"{db_settings.db_name}_queue")
