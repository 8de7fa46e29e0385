"""The jobflow-remote project file holds the database password: mode 0600."""

from __future__ import annotations

import stat

import pytest

from hcflow.flows import remote


def _mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.integration
def test_project_file_is_private(db_settings, tmp_path, monkeypatch):
    folder = tmp_path / "jfremote"
    monkeypatch.setenv("JFREMOTE_PROJECTS_FOLDER", str(folder))
    path = remote.init_project("hcpriv", db_settings, work_dir=tmp_path / "jobs")
    try:
        assert _mode(path) == 0o600
        text = path.read_text()
        password = db_settings.uri.split(":")[2].split("@")[0]
        assert password and password in text  # it does hold the secret
        path.chmod(0o644)  # a file written by an older hcflow
        remote.init_project("hcpriv", db_settings, work_dir=tmp_path / "jobs")
        assert _mode(path) == 0o600
        remote.init_project(
            "hcpriv", db_settings, overwrite=True, work_dir=tmp_path / "jobs2"
        )
        assert _mode(path) == 0o600
        assert not [p for p in folder.iterdir() if ".tmp" in p.name]
    finally:
        from pymongo import MongoClient

        with MongoClient(db_settings.uri) as client:
            client.drop_database(f"{db_settings.db_name}_queue")
