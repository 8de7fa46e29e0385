"""Ingest refuses a trajectory header that claims absurd atom counts before any
reader allocates for it (issue 30 item 3: a 95-byte extxyz claiming
999999999999 atoms hung ASE's reader at 100 % CPU for minutes)."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from hcflow.errors import HcflowError
from hcflow.inputs import check_trajectory_header as check_header
from hcflow.services.ingest import read_frames


@pytest.mark.parametrize("suffix", ["extxyz", "xyz"])
def test_huge_claim_is_refused_at_once(tmp_path, suffix):
    f = tmp_path / f"bomb.{suffix}"
    f.write_text('999999999999\nLattice="10 0 0 0 10 0 0 0 10" pbc="T T T"\nC 0 0 0\n')
    t0 = time.perf_counter()
    with pytest.raises(HcflowError, match="claims 999,999,999,999 atoms"):
        read_frames(f)
    assert time.perf_counter() - t0 < 2


def test_claim_larger_than_the_file(tmp_path):
    f = tmp_path / "short.xyz"
    f.write_text("500\n\nC 0 0 0\n")
    with pytest.raises(HcflowError, match="file has only"):
        check_header(f)


def test_lammps_dump_claim(tmp_path):
    f = tmp_path / "d.lammpstrj"
    f.write_text("ITEM: TIMESTEP\n0\nITEM: NUMBER OF ATOMS\n5000000\n")
    with pytest.raises(HcflowError, match="the limit is 1,000,000"):
        check_header(f)


def test_honest_file_reads(tmp_path):
    f = tmp_path / "ok.xyz"
    f.write_text("2\n\nC 0 0 0\nNa 1.5 0 0\n")
    check_header(f)
    assert len(read_frames(f)) == 1


def test_cli_one_line(tmp_path):
    f = tmp_path / "bomb.extxyz"
    f.write_text("999999999999\n\nC 0 0 0\n")
    proc = subprocess.run(
        [sys.executable, "-m", "hcflow.cli.main", "--data-dir", str(tmp_path / "d"),
         "ingest", str(f), "-m",
         '{"temperature_K": 300, "timestep_fs": 1, "frame_interval": 1}'],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 1
    assert proc.stderr.count("\n") == 1 and "claims 999,999,999,999" in proc.stderr
