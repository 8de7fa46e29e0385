"""Importing hcflow changes no environment variable, and MACE models load
(fast path and mace's own calculator) with torch's legacy loading allowed
only around mace's own loads (issue 29 item 6)."""

from __future__ import annotations

import os
import subprocess
import sys

from hcflow.potentials.mace_files import legacy_torch_load

KEY = "TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD"

SCRIPT = """
import os
import hcflow
assert "TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD" not in os.environ, "set by import"
from ase.build import bulk
from hcflow.potentials import load_calculator
for fast in (True, False):
    atoms = bulk("C", "diamond", a=3.57)
    atoms.calc = load_calculator(None, fast=fast)[0]
    e = atoms.get_potential_energy()
    assert e == e, "no energy"
assert "TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD" not in os.environ, "left set"
print("ok")
"""


def test_models_load_without_a_process_wide_switch():
    env = {k: v for k, v in os.environ.items() if k != KEY}
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True,
        timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip().endswith("ok")


def test_context_restores_the_previous_value(monkeypatch):
    monkeypatch.delenv(KEY, raising=False)
    with legacy_torch_load():
        assert os.environ[KEY] == "1"
    assert KEY not in os.environ
    monkeypatch.setenv(KEY, "0")
    with legacy_torch_load():
        assert os.environ[KEY] == "1"
    assert os.environ[KEY] == "0"
