"""Exports and checkpoints: whole or untouched, and one line when a write fails."""

import os
from pathlib import Path

import numpy as np
import pytest
from ase import Atoms

from hcflow.errors import HcflowError
from hcflow.md.checkpoint import write_checkpoint
from hcflow.services.data import write_output
from tests.helpers import run_cli

FULL = Path("/dev/full")
needs_dev_full = pytest.mark.skipif(not FULL.exists(), reason="no /dev/full")


def _write_big(path):
    with open(path, "w") as fh:
        for _ in range(1000):
            fh.write("x" * 10_000 + "\n")


@needs_dev_full
def test_full_device_is_one_line():
    with pytest.raises(HcflowError, match="no space left") as err:
        write_output(FULL, _write_big)
    assert "\n" not in str(err.value)


def test_failed_write_leaves_old_file_and_no_temp(tmp_path):
    out = tmp_path / "a.csv"
    out.write_text("old\n")

    def half_then_enospc(path):
        Path(path).write_text("half")
        raise OSError(28, "No space left on device")

    with pytest.raises(HcflowError, match="free some space"):
        write_output(out, half_then_enospc)
    assert out.read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.csv"]


def test_folder_and_read_only_targets(tmp_path):
    with pytest.raises(HcflowError, match="is a folder"):
        write_output(tmp_path, _write_big)
    ro = tmp_path / "ro.csv"
    ro.write_text("keep\n")
    ro.chmod(0o444)
    if os.access(ro, os.W_OK):
        pytest.skip("running as root: a read-only file is writable")
    with pytest.raises(HcflowError, match="read-only"):
        write_output(ro, _write_big)
    assert ro.read_text() == "keep\n"


def test_good_write_replaces_whole(tmp_path):
    out = tmp_path / "a.csv"
    write_output(out, _write_big)
    assert out.stat().st_size == 1000 * 10_001
    assert [p.name for p in tmp_path.iterdir()] == ["a.csv"]


def test_checkpoint_on_full_disk_is_one_line(tmp_path, monkeypatch):
    path = tmp_path / "ck.npz"
    atoms = Atoms("Na2", positions=[[0, 0, 0], [0, 0, 3]], cell=[5, 5, 5], pbc=True)

    def enospc(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(np, "savez", enospc)
    with pytest.raises(HcflowError, match="checkpoint: no space left"):
        write_checkpoint(path, "k", atoms, np.random.default_rng(0), 1, [], [])
    assert list(tmp_path.iterdir()) == []


@pytest.mark.integration
@pytest.mark.parametrize("target", ["folder", "dev_full", "read_only"])
def test_cli_export_bad_targets(cli_env, tmp_path, capsys, target):
    if target == "dev_full" and not FULL.exists():
        pytest.skip("no /dev/full")
    out = {"folder": tmp_path, "dev_full": FULL, "read_only": tmp_path / "r.json"}
    out = out[target]
    if target == "read_only":
        out.write_text("keep")
        out.chmod(0o444)
        if os.access(out, os.W_OK):
            pytest.skip("running as root")
    rc, stdout, err = run_cli(
        ["export", "md_tasks", "--format", "json", "-o", str(out)], capsys
    )
    assert rc != 0
    assert err.strip().count("\n") == 0 and err.startswith("error: "), err
    if target == "read_only":
        assert out.read_text() == "keep"
    assert not list(tmp_path.glob(".*.part"))
