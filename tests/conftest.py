"""Shared fixtures.

``db_settings`` starts a real local database server (SecantusDB, a separate
process) on a free port in a temporary folder, once per test session, and stops
it by PID at the end, also when the run is interrupted. ``clean_db`` gives each
test an empty database on that server.
"""

from __future__ import annotations

import atexit
import os
import uuid

import numpy as np
import pytest

# tests import mace directly (hcflow itself scopes this: potentials.mace_files)
os.environ.setdefault("TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD", "1")
os.environ.setdefault("MPLBACKEND", "Agg")

from hcflow.db import server  # noqa: E402
from hcflow.settings import Settings, configure  # noqa: E402


@pytest.fixture(scope="session")
def db_server(tmp_path_factory):
    """A running local server: (settings, ServerInfo)."""
    data_dir = tmp_path_factory.mktemp("hcflow-data")
    port = server.free_port()
    info, started = server.start_server(data_dir, "127.0.0.1", port)
    assert started
    atexit.register(server.stop_server, data_dir)
    settings = Settings(
        data_dir=data_dir, db_port=port, db_name="hcflow_test", db_timeout_s=4.0
    )
    yield settings, info
    server.stop_server(data_dir)


@pytest.fixture
def db_settings(db_server):
    """Settings pointing at a fresh, empty database on the shared test server."""
    settings, _ = db_server
    settings = settings.model_copy(update={"db_name": f"t_{uuid.uuid4().hex[:10]}"})
    previous = configure(settings)
    yield settings
    # no drop_database: every test has its own database name on a session server
    # in a temporary folder, removed with it (dropping 10k documents took 4 min)
    configure(None)
    del previous


@pytest.fixture
def cli_env(db_settings, monkeypatch):
    """The test database for `hcflow` run in-process (it re-reads the environment)."""
    monkeypatch.setenv("HCFLOW_DB_PORT", str(db_settings.db_port))
    monkeypatch.setenv("HCFLOW_DB_NAME", db_settings.db_name)
    monkeypatch.setenv("HCFLOW_DATA_DIR", str(db_settings.data_dir))
    return db_settings


@pytest.fixture
def task_stores(db_settings):
    """Connected md_tasks and data stores of an empty test database (add_task)."""
    from hcflow.db.stores import ensure_database, get_data_store, get_store

    ensure_database(db_settings, announce=None)
    md, data = get_store("md_tasks", db_settings), get_data_store(db_settings)
    md.connect()
    data.connect()
    yield md, data
    md.close()
    data.close()


@pytest.fixture
def rng():
    return np.random.default_rng(12345)


from tests.mace_fixtures import nac_cell, tiny_mace_model  # noqa: E402, F401
