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
