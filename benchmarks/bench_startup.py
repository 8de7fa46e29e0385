"""Start-up time of ``hcflow --help``, ``db status`` and ``query`` (#30 item 8).

Each command runs ``--repeats`` times (default 5) in a fresh interpreter after
one warm-up run (warm file cache); the medians of wall time and of CPU time
(user + system of the child) are recorded with the load average, because on
a shared machine wall time measures the neighbours. ``query md_tasks`` runs
against a local server started in a temporary folder (an empty database).
Goal: <= 0.5 s each.

Run: PYTHONPATH=. .venv/bin/python benchmarks/bench_startup.py [--repeats 5]
[--pythonpath OLD_TREE --out FILE]. Writes benchmarks/results/startup.json.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

OUT = Path(__file__).parent / "results" / "startup.json"
HCFLOW = [sys.executable, "-m", "hcflow.cli.main"]
GOAL_S = 0.5


def _run(args: list[str], env: dict) -> tuple[float, float, int]:
    """(wall s, child CPU s, exit code) of one command."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    rc = subprocess.run(HCFLOW + args, env=env, capture_output=True).returncode
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, rc


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument(
        "--pythonpath", help="source tree to time (e.g. an older commit's)"
    )
    parser.add_argument("--out", type=Path, default=OUT)
    opts = parser.parse_args()
    from hcflow.db.server import free_port, start_server, stop_server

    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        port = free_port()
        env = {
            **os.environ,
            "HCFLOW_DATA_DIR": str(data),
            "HCFLOW_DB_PORT": str(port),
        }
        if opts.pythonpath:
            env["PYTHONPATH"] = opts.pythonpath
        start_server(data, "127.0.0.1", port)
        try:
            cases = {
                "--help": ["--help"],
                "db status": ["db", "status"],
                "query": ["query", "md_tasks"],
            }
            rows = {}
            for name, args in cases.items():
                _run(args, env)  # warm-up: file cache, .pyc
                runs = [_run(args, env) for _ in range(opts.repeats)]
                wall = statistics.median(r[0] for r in runs)
                cpu = statistics.median(r[1] for r in runs)
                rows[name] = {
                    "wall_s": round(wall, 3),
                    "cpu_s": round(cpu, 3),
                    "exit_codes": sorted({r[2] for r in runs}),
                    "meets_goal_wall": wall <= GOAL_S,
                }
                print(f"{name:<10} wall {wall:.2f} s  cpu {cpu:.2f} s", flush=True)
        finally:
            stop_server(data)
    result = {
        "goal_s": GOAL_S,
        "repeats": opts.repeats,
        "load_average": os.getloadavg(),
        "cpu_count": os.cpu_count(),
        "python_bare_s": round(
            statistics.median(_run_bare() for _ in range(opts.repeats)),
            3,
        ),
        "source": opts.pythonpath or "this tree",
        "commands": rows,
    }
    opts.out.parent.mkdir(exist_ok=True)
    opts.out.write_text(json.dumps(result, indent=1) + "\n")
    print(f"wrote {opts.out}")


def _run_bare() -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    return time.perf_counter() - t0


if __name__ == "__main__":
    main()
