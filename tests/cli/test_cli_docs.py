"""docs/cli.md is the command reference generated from the code (`make docs`):
it must match what the code generates now."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TYPER = Path(sys.executable).with_name("typer")


@pytest.mark.skipif(not TYPER.exists(), reason="typer's command is not installed")
def test_cli_reference_is_current(tmp_path):
    out = tmp_path / "cli.md"
    subprocess.run(
        [str(TYPER), "hcflow.cli.main", "utils", "docs", "--name", "hcflow",
         "--title", "hcflow command reference", "--output", str(out)],
        check=True, capture_output=True, cwd=ROOT, timeout=120,
    )  # fmt: skip
    assert out.read_text() == (ROOT / "docs" / "cli.md").read_text(), (
        "docs/cli.md is stale: run `make docs`"
    )
