"""Seconds until ``hcflow`` says the database is down, beside its start-up time.

Runs database commands (``query``, ``export``, ``db status``, ``db check``,
``build descriptors``, ``build modes``, ``study status``, ``ingest``) against a
database that refuses connections (a closed port) and one that does not answer
properly (10.255.255.1, which here accepts TCP and answers garbage), and
``hcflow version`` (start-up alone), interleaved, ``--repeats`` times; prints
the medians, the time to the error net of start-up, and whether every command
said so within 2 s (wall clock, start-up included). ``--pythonpath``
compares source trees (e.g. before/after a change).

Run: .venv/bin/python benchmarks/bench_db_down.py [--pythonpath /work/main .]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import ase
import ase.io

from hcflow.db.server import free_port

OUT = Path(__file__).parent / "results" / "db_down.json"
HCFLOW = [sys.executable, "-m", "hcflow.cli.main"]
LIMIT_S = 2.0
META = '{"temperature_K": 1000, "timestep_fs": 1, "frame_interval": 10}'


def commands(folder: Path) -> list[list[str]]:
    traj = folder / "na.extxyz"
    atoms = ase.Atoms(
        "NaC3",
        positions=[[0, 0, 0], [1.5, 0, 0], [0, 1.5, 0], [0, 0, 1.5]],
        cell=[8, 8, 8],
        pbc=True,
    )
    ase.io.write(traj, [atoms, atoms])
    return [
        ["query", "md_tasks"],
        ["export", "md_tasks", "-o", str(folder / "md.csv")],
        ["db", "status"],
        ["db", "check"],
        ["build", "descriptors"],
        ["build", "modes"],
        ["study", "status"],
        ["ingest", str(traj), "-m", META],
    ]


def wall(args: list[str], env: dict) -> tuple[float, str]:
    t0 = time.perf_counter()
    proc = subprocess.run(  # cwd: not a source tree, so PYTHONPATH picks hcflow
        [*HCFLOW, *args], capture_output=True, text=True, env=env, cwd="/"
    )
    last = (proc.stderr.strip().splitlines() or [""])[-1]
    return time.perf_counter() - t0, last


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--pythonpath", nargs="+", default=[str(Path.cwd())])
    args = parser.parse_args()
    targets = {
        "refused": f"mongodb://127.0.0.1:{free_port()}",
        "silent": "mongodb://10.255.255.1:27017",
    }
    results: dict = {"load_average_start": os.getloadavg()}
    cmds = commands(Path(tempfile.mkdtemp(prefix="bench-db-down-")))
    for tree in args.pythonpath:
        times: dict[str, list[float]] = {}
        errors: dict[str, str] = {}
        for _ in range(args.repeats):
            env = {**os.environ, "PYTHONPATH": str(Path(tree).resolve())}
            times.setdefault("startup", []).append(wall(["version"], env)[0])
            for name, uri in targets.items():
                env_down = {**env, "HCFLOW_DB_URI": uri}
                for cmd in cmds:
                    key = f"{name}:{' '.join(c for c in cmd[:2] if '/' not in c)}"
                    seconds, last = wall(cmd, env_down)
                    times.setdefault(key, []).append(seconds)
                    errors[key] = last
        medians = {k: statistics.median(v) for k, v in times.items()}
        net = {k: v - medians["startup"] for k, v in medians.items() if k != "startup"}
        slowest = max(v for k, v in medians.items() if k != "startup")
        results[tree] = {
            "median_s": medians,
            "net_of_startup_s": net,
            "slowest_s": slowest,
            f"all_within_{LIMIT_S:g}_s": slowest < LIMIT_S,
            "errors": errors,
        }
        print(json.dumps({tree: results[tree]}, indent=1), flush=True)
    results["load_average_end"] = os.getloadavg()
    OUT.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
