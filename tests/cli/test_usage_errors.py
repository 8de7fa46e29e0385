"""Usage errors through the real console script: short click messages, no
traceback, exit 2; ``-h``, ``--version`` and completion options exist."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import hcflow

HCFLOW = Path(sys.executable).with_name("hcflow")


def _run(*args: str) -> subprocess.CompletedProcess:
    exe = (
        [str(HCFLOW)] if HCFLOW.exists() else [sys.executable, "-m", "hcflow.cli.main"]
    )
    env = {**os.environ, "PYTHONPATH": str(Path(hcflow.__file__).parents[1])}
    return subprocess.run(
        [*exe, *args], capture_output=True, text=True, timeout=120, env=env
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("stdy", "run"), "No such command 'stdy'"),
        (("study", "run"), "Missing argument"),
        (("--no-such-flag",), "No such option"),
    ],
)
def test_usage_error_is_short_and_exits_2(args, message):
    proc = _run(*args)
    assert proc.returncode == 2
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    assert len(proc.stderr.splitlines()) <= 6


@pytest.mark.parametrize("flag", ["--version", "-V"])
def test_version_flag(flag):
    proc = _run(flag)
    assert proc.returncode == 0 and proc.stdout.strip() == hcflow.__version__


def test_short_help_and_completion_options():
    proc = _run("-h")
    assert proc.returncode == 0 and "Usage: hcflow" in proc.stdout
    assert "--install-completion" in proc.stdout
    sub = _run("study", "run", "-h")
    assert sub.returncode == 0 and "Usage: hcflow study run" in sub.stdout


@pytest.mark.parametrize(
    ("var", "value", "message"),
    [
        ("HCFLOW_DB_TIMEOUT_S", "", "valid number"),
        ("HCFLOW_DB_TIMEOUT_S", "abc", "valid number"),
        ("HCFLOW_DB_TIMEOUT_S", "0", "greater than 0"),
        ("HCFLOW_DB_TIMEOUT_S", "nan", "finite number"),
        ("HCFLOW_DB_PORT", "abc", "valid integer"),
        ("HCFLOW_DB_PORT", "99999", "less than or equal to 65535"),
    ],
)
def test_bad_environment_is_one_line(var, value, message, monkeypatch):
    monkeypatch.setenv(var, value)
    proc = _run("db", "status")
    assert proc.returncode == 1
    assert proc.stderr.startswith(f"error: environment variable {var}=")
    assert message in proc.stderr and proc.stderr.count("\n") == 1
