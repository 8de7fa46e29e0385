"""Commands that auto-start the local server survive each other: several
starters at once give one server, and none fails (issue 30 item 6: 2 of 3
concurrent `db start` and 4 of 5 ingests failed)."""

from __future__ import annotations

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

from hcflow.db import server

pytestmark = pytest.mark.integration


def test_three_concurrent_db_starts_give_one_server(tmp_path):
    data_dir, port = tmp_path / "data", server.free_port()
    env_args = [sys.executable, "-m", "hcflow.cli.main", "--data-dir", str(data_dir)]

    def start(_):
        import os

        env = {**os.environ, "HCFLOW_DB_PORT": str(port)}
        return subprocess.run(
            [*env_args, "db", "start"], capture_output=True, text=True, env=env,
            timeout=120,
        )  # fmt: skip

    try:
        with ThreadPoolExecutor(3) as pool:
            results = list(pool.map(start, range(3)))
        assert [r.returncode for r in results] == [0, 0, 0], [r.stderr for r in results]
        verbs = sorted(r.stdout.split(":")[0] for r in results)
        assert verbs == ["already running", "already running", "started"]
        pids = {int(r.stdout.split(" pid ")[1].split()[0]) for r in results}
        assert len(pids) == 1
    finally:
        server.stop_server(data_dir)
