"""The local database server: start/stop/status, the folder lock, restarts."""

import json
import time

import pytest
from pymongo import MongoClient

from hcflow.credentials import read_credentials, uri_with_credentials
from hcflow.db import server
from hcflow.errors import HcflowError


def _client(data_dir, port) -> MongoClient:
    uri = uri_with_credentials("127.0.0.1", port, read_credentials(data_dir))
    return MongoClient(uri, serverSelectionTimeoutMS=10000)


@pytest.mark.integration
def test_start_is_idempotent_and_lock_refuses_second_server(tmp_path):
    port = server.free_port()
    info, started = server.start_server(tmp_path, port=port)
    try:
        assert started
        again, started_again = server.start_server(tmp_path, port=port)
        assert not started_again and again.pid == info.pid
        # the PID file is lost: the folder lock still refuses a second server
        (tmp_path / "db" / "server.pid").unlink()
        with pytest.raises(HcflowError, match="PID file is gone"):
            server.start_server(tmp_path, port=server.free_port())
    finally:
        server._kill(info.pid, tmp_path / "db" / "storage")
        server._wait_unlocked(tmp_path / "db" / "server.lock")
    (tmp_path / "db" / "server.pid").unlink(missing_ok=True)
    assert server.server_status(tmp_path) is None


@pytest.mark.integration
def test_data_survives_restart(tmp_path):
    port = server.free_port()
    server.start_server(tmp_path, port=port)
    try:
        client = _client(tmp_path, port)
        client.hc.things.insert_many([{"i": i} for i in range(100)])
        client.close()
    finally:
        assert server.stop_server(tmp_path) is not None
    assert server.server_status(tmp_path) is None
    assert server.stop_server(tmp_path) is None
    server.start_server(tmp_path, port=port)
    try:
        client = _client(tmp_path, port)
        assert client.hc.things.count_documents({}) == 100
        client.close()
    finally:
        server.stop_server(tmp_path)


def test_stale_pid_file_is_cleaned(tmp_path):
    db = tmp_path / "db"
    db.mkdir()
    (db / "server.pid").write_text(
        json.dumps(
            {"pid": 999999, "host": "127.0.0.1", "port": 1, "storage": "x"}
            | {"log": "y", "started": time.time()}
        )
    )
    assert server.server_status(tmp_path) is None
    assert not (db / "server.pid").exists()


def test_process_checks_known_answers(tmp_path):
    import os
    import sys

    from hcflow.db.processes import alive, cmdline, is_our_server, lock_taken

    assert alive(os.getpid())
    assert any("python" in a or a == sys.executable for a in cmdline(os.getpid()))
    assert not lock_taken(tmp_path / "no.lock")  # no lock file: nobody holds it
    assert not is_our_server(os.getpid(), tmp_path)  # pytest is not the server
    assert not is_our_server(0, tmp_path)
