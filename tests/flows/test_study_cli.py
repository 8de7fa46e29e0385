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
    # both 36-atom points in one batched MD job
    assert "MD jobs: 1 (batch: auto; batched: 2 points / 72 atoms)" in res.output
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


def test_init_remote_overwrite_keeps_workers_the_user_added(
    db_settings, tmp_path, monkeypatch
):
    """--overwrite rewrites hcflow's sections (stores, local_shell, runner delays)
    and keeps a SLURM worker, its exec_config and runner options the user added."""
    from hcflow.flows import remote

    monkeypatch.setenv("JFREMOTE_PROJECTS_FOLDER", str(tmp_path / "jfr"))
    env = settings_env(db_settings)
    env["JFREMOTE_PROJECTS_FOLDER"] = str(tmp_path / "jfr")

    def init(*args):
        return runner.invoke(
            app, ["study", "init-remote", "--project", "keep", *args], env=env
        )

    assert init("--delay", "2").exit_code == 0
    path = tmp_path / "jfr" / "keep.yaml"
    proj = yaml.safe_load(path.read_text())
    cluster = {
        "type": "remote",
        "host": "login.cluster.example.org",
        "scheduler_type": "slurm",
        "work_dir": str(tmp_path / "cluster-scratch"),
        "resources": {"partition": "cpu", "cpus_per_task": 8, "time": "04:00:00"},
    }
    proj["workers"]["cluster"] = cluster
    proj["exec_config"] = {"hc": {"modules": ["python/3.11"]}}
    proj["runner"]["max_step_attempts"] = 7
    proj["queue"]["store"]["database"] = "stale_queue"  # hcflow's: rewritten
    path.write_text(yaml.safe_dump(proj, sort_keys=False))

    res = init("--delay", "3")  # hcflow's sections changed: needs --overwrite
    assert res.exit_code != 0 and "--overwrite" in str(res.exception)
    res = init("--delay", "3", "--overwrite")
    assert res.exit_code == 0, res.output
    new = yaml.safe_load(path.read_text())
    assert new["workers"]["cluster"] == cluster
    assert new["exec_config"] == proj["exec_config"]
    assert new["runner"]["max_step_attempts"] == 7
    assert new["runner"]["delay_checkout"] == 3.0
    assert new["queue"]["store"]["database"] == f"{db_settings.db_name}_queue"
    assert new["workers"]["local_shell"]["type"] == "local"
    # a remote worker's folder is on the cluster: nothing created here
    assert not (tmp_path / "cluster-scratch").exists()
    # the same again (no --overwrite) is a no-op that keeps everything
    assert init("--delay", "3").exit_code == 0
    assert yaml.safe_load(path.read_text()) == new
    # jobflow-remote reads the merged file, with both workers
    assert set(remote.get_project("keep").workers) == {"local_shell", "cluster"}
    from pymongo import MongoClient

    MongoClient(db_settings.uri).drop_database(f"{db_settings.db_name}_queue")
