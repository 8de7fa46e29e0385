"""Local server security: authentication, private files, PID identity, masking."""

import json
import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from monty.json import MontyDecoder
from monty.serialization import dumpfn
from pymongo import MongoClient
from pymongo.errors import OperationFailure

from hcflow.credentials import credentials_path, mask_uri, read_credentials
from hcflow.db import server
from hcflow.db.stores import check_connection, get_data_store, get_store
from hcflow.errors import HcflowError
from hcflow.settings import Settings

pytestmark = pytest.mark.integration
REPO = str(Path(__file__).resolve().parents[2])


@pytest.fixture
def local(tmp_path):
    """A fresh server with default settings (authentication on) in a new folder."""
    data_dir = tmp_path / "data"
    port = server.free_port()
    info, started = server.start_server(data_dir, port=port)
    assert started
    yield Settings(data_dir=data_dir, db_port=port, db_name="sec"), info
    server.stop_server(data_dir)


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_server_requires_authentication_and_keeps_files_private(local):
    settings, info = local
    anonymous = MongoClient(f"mongodb://127.0.0.1:{settings.db_port}")
    with pytest.raises(OperationFailure, match="requires authentication"):
        anonymous.sec.things.insert_one({"x": 1})
    with pytest.raises(OperationFailure, match="requires authentication"):
        anonymous.list_database_names()
    anonymous.close()
    # hcflow's clients log in without being told anything
    check_connection(settings)
    store = get_store("structures", settings)
    with store:
        store.update([{"structure_id": "a", "x": 1}])
        assert store.query_one({"structure_id": "a"})["x"] == 1
    creds = read_credentials(settings.data_dir)
    assert creds is not None and len(creds.password) >= 32
    assert _mode(credentials_path(settings.data_dir)) == 0o600
    assert _mode(settings.data_dir) == 0o700
    assert _mode(settings.data_dir / "db") == 0o700
    assert _mode(info.log) == 0o600
    assert creds.password not in open(info.log).read()
    assert creds.password not in repr(creds)


def test_authentication_can_be_turned_off(tmp_path):
    port = server.free_port()
    server.start_server(tmp_path, port=port, auth=False)
    try:
        client = MongoClient(f"mongodb://127.0.0.1:{port}")
        client.sec.things.insert_one({"x": 1})
        client.close()
        assert read_credentials(tmp_path) is None
        settings = Settings(data_dir=tmp_path, db_port=port)
        assert settings.uri == f"mongodb://127.0.0.1:{port}"
    finally:
        server.stop_server(tmp_path)


def test_lost_credentials_are_reset_and_data_kept(local):
    settings, _ = local
    client = MongoClient(settings.uri)
    client.sec.things.insert_one({"x": 7})
    client.close()
    old = read_credentials(settings.data_dir)
    server.stop_server(settings.data_dir)
    credentials_path(settings.data_dir).unlink()
    server.start_server(settings.data_dir, port=settings.db_port)
    new = read_credentials(settings.data_dir)
    assert new.password != old.password
    client = MongoClient(settings.uri)
    assert client.sec.things.find_one({})["x"] == 7
    client.close()
    stale = MongoClient(settings.uri.replace(new.password, old.password))
    with pytest.raises(OperationFailure):
        stale.sec.things.find_one({})
    stale.close()


def test_no_password_in_serialized_stores_and_builders(local, tmp_path):
    from hcflow.builders.descriptors import DescriptorBuilder

    settings, _ = local
    password = read_credentials(settings.data_dir).password
    assert password in settings.uri
    builder = DescriptorBuilder.from_settings(settings)
    path = tmp_path / "builder.json"
    dumpfn(builder, path)
    assert password not in path.read_text()
    assert password not in settings.safe_uri
    # a deserialized store (what mrun does) logs in with the stored credentials
    store = MontyDecoder().process_decoded(get_store("md_tasks", settings).as_dict())
    with store:
        store.update([{"task_id": "t1"}])
        assert store.count() == 1
    data = MontyDecoder().process_decoded(get_data_store(settings).as_dict())
    with data:
        assert data.count() == 0


def test_uri_passwords_never_shown(monkeypatch, tmp_path):
    secret = "s3cretPW"
    uri = f"mongodb://alice:{secret}@127.0.0.1:{server.free_port()}/?authSource=admin"
    assert secret not in mask_uri(uri) and "alice:***@" in mask_uri(uri)
    settings = Settings(db_uri=uri, db_timeout_s=1)
    store = get_store("md_tasks", settings)
    assert secret not in json.dumps(store.as_dict()) and secret not in store.name
    with pytest.raises(HcflowError) as err:
        check_connection(settings)
    assert secret not in str(err.value)
    with pytest.raises(HcflowError) as err:
        with store:
            store.count()
    assert secret not in str(err.value) and "\n" not in str(err.value)
    # deserialized without the password: it comes from HCFLOW_DB_URI, or fails
    restored = MontyDecoder().process_decoded(store.as_dict())
    with pytest.raises(HcflowError, match="password is not serialized"):
        restored.connect()
    env = {**os.environ, "HCFLOW_DB_URI": uri, "PYTHONPATH": REPO}
    for args in (["db", "status"], ["db", "start"]):
        proc = subprocess.run(
            [sys.executable, "-m", "hcflow.cli.main", *args],
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
            timeout=60,
        )
        assert secret not in proc.stdout + proc.stderr, args


# ----------------------------------------------------------- PID identity
def _write_pid_file(data_dir, pid):
    db = data_dir / "db"
    db.mkdir(parents=True, exist_ok=True)
    (db / "server.pid").write_text(
        json.dumps(
            {"pid": pid, "host": "127.0.0.1", "port": 1, "storage": str(db)}
            | {"log": "x", "started": time.time()}
        )
    )


@pytest.fixture
def bystander(tmp_path):
    """A live process that is not our server."""
    proc = subprocess.Popen(["sleep", "60"])
    yield proc
    proc.kill()
    proc.wait()


def test_stale_pid_file_naming_an_unrelated_process(tmp_path, bystander):
    data_dir = tmp_path / "data"
    _write_pid_file(data_dir, bystander.pid)
    assert server.server_status(data_dir) is None  # not "already running"
    _write_pid_file(data_dir, bystander.pid)
    assert server.stop_server(data_dir) is None  # sends nothing
    time.sleep(0.2)
    assert bystander.poll() is None
    _write_pid_file(data_dir, bystander.pid)
    port = server.free_port()
    info, started = server.start_server(data_dir, port=port)
    try:
        assert started and info.pid != bystander.pid
        assert server.server_status(data_dir).pid == info.pid
    finally:
        assert server.stop_server(data_dir).pid == info.pid
    assert bystander.poll() is None


def test_lookalike_process_without_the_lock_is_not_signalled(tmp_path):
    """A command line that names the server and the folder is not enough."""
    data_dir = tmp_path / "data"
    storage = (data_dir / "db" / "storage").resolve()
    fake = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(60)", "secantusd-py"]
        + ["--storage-path", str(storage)]
    )
    try:
        time.sleep(0.2)
        assert server.is_our_server(fake.pid, storage)  # looks like it...
        _write_pid_file(data_dir, fake.pid)
        assert server.server_status(data_dir) is None  # ...but holds no lock
        _write_pid_file(data_dir, fake.pid)
        assert server.stop_server(data_dir) is None
        time.sleep(0.2)
        assert fake.poll() is None
    finally:
        fake.kill()
        fake.wait()


def test_cli_start_and_stop_with_stale_pid_file(tmp_path, bystander):
    data_dir = tmp_path / "data"
    _write_pid_file(data_dir, bystander.pid)
    env = {
        **os.environ,
        "HCFLOW_DATA_DIR": str(data_dir),
        "HCFLOW_DB_PORT": str(server.free_port()),
        "PYTHONPATH": REPO,
    }
    hcflow = [sys.executable, "-m", "hcflow.cli.main", "db"]
    try:
        start = subprocess.run(
            [*hcflow, "start"], capture_output=True, text=True, env=env, timeout=90
        )
        assert start.returncode == 0, start.stderr
        assert (
            start.stdout.startswith("started:")
            and "with authentication" in start.stdout
        )
        password = read_credentials(data_dir).password
        status = subprocess.run(
            [*hcflow, "status"], capture_output=True, text=True, env=env, timeout=60
        )
        assert status.returncode == 0, status.stderr
        assert password not in status.stdout + status.stderr
        assert "***" in status.stdout
    finally:
        stop = subprocess.run(
            [*hcflow, "stop"], capture_output=True, text=True, env=env, timeout=60
        )
    assert stop.stdout.startswith("stopped:")
    assert bystander.poll() is None


def test_no_password_in_logs_messages_or_reprs(local, tmp_path, caplog, capsys):
    """A password URI through ingest, build, query and collect, everything
    logged at DEBUG: the password appears nowhere (logs, output, reprs)."""
    import logging

    import ase.io

    from hcflow.builders.descriptors import DescriptorBuilder
    from hcflow.flows.collect import collect_md_tasks
    from hcflow.services.build import run_descriptors, write_builder_json
    from hcflow.services.data import fetch_documents
    from hcflow.services.ingest import ingest_files
    from hcflow.settings import configure
    from tests.helpers import random_walk_frames

    base, _ = local
    password = read_credentials(base.data_dir).password
    settings = Settings(db_uri=base.uri, db_name="sec", db_timeout_s=2)
    assert password in settings.uri
    frames, _ = random_walk_frames(n_frames=60, seed=1)
    path = tmp_path / "a.extxyz"
    ase.io.write(path, frames)
    meta = {"temperature_K": 1000, "timestep_fs": 1.0, "frame_interval": 10}
    configure(settings)
    try:
        with caplog.at_level(logging.DEBUG):
            ingest_files([path], meta, settings)
            fast = {"structural_stride": 20, "pore_frames": 1}
            run_descriptors(overrides=fast, progress=False, settings=settings)
            fetch_documents("md_tasks", settings=settings)
            collect_md_tasks(settings)
            text = write_builder_json("descriptors", tmp_path / "b.json").read_text()
            builder = DescriptorBuilder.from_settings(settings)
            shown = [repr(settings), str(settings), repr(builder.md_tasks.as_dict())]
    finally:
        configure(None)
    out = capsys.readouterr()
    assert caplog.records  # something was logged
    for where, value in {
        "log": caplog.text,
        "stdout": out.out,
        "stderr": out.err,
        "builder json": text,
        "reprs": " ".join(shown),
    }.items():
        assert password not in value, where
