"""The CLI starts without the heavy packages (#30 item 8: start in <= 0.5 s).

Checked in a fresh interpreter: importing every CLI module, ``--help`` and
``db status`` (server not running) load none of maggma, jobflow, pymatgen,
pandas, torch, ase, numpy; ``query``'s service module loads none at import.
"""

import json
import subprocess
import sys

import pytest

HEAVY = ("maggma", "jobflow", "pymatgen", "pandas", "torch", "ase", "numpy", "mace")

PROBE = """
import importlib, json, pkgutil, sys
import hcflow.cli
for mod in pkgutil.iter_modules(hcflow.cli.__path__):
    importlib.import_module(f"hcflow.cli.{mod.name}")
import hcflow.services.data
args = sys.argv[1:]
if args:
    sys.argv = ["hcflow", *args]
    from hcflow.cli.main import run
    try:
        run()
    except SystemExit:
        pass
heavy = [h for h in HEAVY if h in sys.modules]
print("\\nHEAVY=" + json.dumps(heavy))
"""


@pytest.mark.parametrize("args", [[], ["--help"], ["db", "status"]])
def test_cli_start_loads_no_heavy_package(args, tmp_path):
    env_code = f"HEAVY = {HEAVY!r}\n" + PROBE
    out = subprocess.run(
        [sys.executable, "-c", env_code, *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={
            "PATH": "/usr/bin:/bin",
            "PYTHONPATH": str(__import__("pathlib").Path(__file__).parents[2]),
            "HCFLOW_DATA_DIR": str(tmp_path / "data"),
            "HOME": str(tmp_path),
        },
    )
    line = [x for x in out.stdout.splitlines() if x.startswith("HEAVY=")]
    assert line, out.stderr[-2000:]
    assert json.loads(line[0][6:]) == []
