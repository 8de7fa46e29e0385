"""The CLI starts without the heavy packages (#30 item 8: start in <= 0.5 s).

Checked in a fresh interpreter: importing every CLI module, ``--help`` and
``db status`` (server not running) load none of maggma, jobflow, pymatgen,
pandas, torch, ase, numpy; ``query``'s service module loads none at import.
"""

import json
import subprocess
import sys
from pathlib import Path

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


def _heavy_loaded(args, env, heavy=HEAVY):
    out = subprocess.run(
        [sys.executable, "-c", f"HEAVY = {heavy!r}\n" + PROBE, *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={
            "PATH": "/usr/bin:/bin",
            "PYTHONPATH": str(Path(__file__).parents[2]),
            **env,
        },
    )
    line = [x for x in out.stdout.splitlines() if x.startswith("HEAVY=")]
    assert line, out.stderr[-2000:]
    return json.loads(line[0][6:]), out.stdout


@pytest.mark.parametrize("args", [[], ["--help"], ["db", "status"]])
def test_cli_start_loads_no_heavy_package(args, tmp_path):
    env = {"HCFLOW_DATA_DIR": str(tmp_path / "data"), "HOME": str(tmp_path)}
    assert _heavy_loaded(args, env)[0] == []


@pytest.mark.integration
def test_query_loads_no_maggma_jobflow_pymatgen(cli_env, tmp_path):
    env = {
        "HCFLOW_DATA_DIR": str(cli_env.data_dir),
        "HCFLOW_DB_PORT": str(cli_env.db_port),
        "HCFLOW_DB_NAME": cli_env.db_name,
        "HOME": str(tmp_path),
    }
    heavy = ("maggma", "jobflow", "pymatgen", "torch", "ase", "mace")
    loaded, out = _heavy_loaded(["query", "md_tasks"], env, heavy)
    assert "(no documents)" in out and loaded == []
