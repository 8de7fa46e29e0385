"""No unauthenticated window while the local server's user is provisioned:
a local watcher that knows the provisioning port and hammers it during the
first start and during a password reset never gets a command through
(issue 30 item 1). Before the fix it created a root user of its own."""

from __future__ import annotations

import threading
import time

import pytest
from pymongo import MongoClient

from hcflow.credentials import credentials_path, read_credentials
from hcflow.db import server
from hcflow.db.tls import make_provision_certs

pytestmark = pytest.mark.integration


class Watcher(threading.Thread):
    """Tries, as fast as it can, to read data and create a user on ``port``."""

    def __init__(self, port: int):
        super().__init__(daemon=True)
        self.port, self.stop = port, threading.Event()
        self.tcp_open = 0  # times the port accepted a TCP connection
        self.got_in: list[str] = []

    def run(self):
        while not self.stop.is_set():
            if server.port_open("127.0.0.1", self.port):
                self.tcp_open += 1
                client = MongoClient(
                    "127.0.0.1", self.port, serverSelectionTimeoutMS=300,
                    connectTimeoutMS=300,
                )  # fmt: skip
                try:
                    client.admin.command(
                        "createUser", "intruder", pwd="x",
                        roles=[{"role": "root", "db": "admin"}],
                    )  # fmt: skip
                    self.got_in.append("createUser")
                except Exception:  # noqa: BLE001 - refused is the point
                    pass
                try:
                    client.sec.things.find_one({})
                    self.got_in.append("find")
                except Exception:  # noqa: BLE001
                    pass
                client.close()
            time.sleep(0.01)


def _provision_with_watcher(monkeypatch, start):
    port = server.free_port()
    monkeypatch.setattr(server, "free_port", lambda: port)  # the attacker knows it
    watcher = Watcher(port)
    watcher.start()
    try:
        start()
    finally:
        watcher.stop.set()
        watcher.join(5)
    return watcher


def test_watcher_gets_nothing_during_first_start_and_reset(tmp_path, monkeypatch):
    data_dir, port = tmp_path / "data", server.free_port()
    first = _provision_with_watcher(
        monkeypatch, lambda: server.start_server(data_dir, port=port)
    )
    try:
        assert first.tcp_open > 0, "the watcher never saw the provisioning server"
        assert first.got_in == []
        server.stop_server(data_dir)
        credentials_path(data_dir).unlink()  # lost: the next start resets it
        reset = _provision_with_watcher(
            monkeypatch, lambda: server.start_server(data_dir, port=port)
        )
        assert reset.tcp_open > 0 and reset.got_in == []
        creds = read_credentials(data_dir)
        client = MongoClient(
            f"mongodb://{creds.username}:{creds.password}@127.0.0.1:{port}/"
            f"?authSource={creds.auth_source}"
        )
        users = client.admin.command("usersInfo")["users"]
        assert [u["user"] for u in users] == [creds.username]  # no intruder
        client.close()
        assert not (data_dir / "db" / "provision-tls").exists()
    finally:
        server.stop_server(data_dir)


def test_provision_certs_are_private(tmp_path):
    certs = make_provision_certs(tmp_path / "tls")
    assert (tmp_path / "tls").stat().st_mode & 0o777 == 0o700
    for path in (certs.ca, certs.server, certs.client):
        assert path.stat().st_mode & 0o777 == 0o600
    assert "--tls-require-client-cert" in certs.server_args()
    assert certs.client_kwargs()["tlsCertificateKeyFile"] == str(certs.client)
