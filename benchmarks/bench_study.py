"""The tiny study (studies/tiny.yaml) run locally and through jobflow-remote.

Side by side, on a temporary local database server: wall time of
``run_study_locally`` (jobflow run_locally, one process), of a re-run (every
point skipped), and of submit + ``jf runner run`` with a local shell worker
until every job is COMPLETED (each job a fresh process: imports and model
load per job), plus the MD time inside the jobs.

Run: .venv/bin/python benchmarks/bench_study.py [--potential SPEC]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
OUT = Path(__file__).parent / "results" / "study.json"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--potential", default=None, help="potential spec override")
    args = ap.parse_args()

    import hcflow
    from hcflow.db import server
    from hcflow.settings import Settings, configure

    tmp = Path(tempfile.mkdtemp(prefix="hcflow-bench-study-"))
    os.environ["JFREMOTE_PROJECTS_FOLDER"] = str(tmp / "jfremote")
    port = server.free_port()
    server.start_server(tmp / "data", "127.0.0.1", port)
    runner = None
    rows = []
    try:
        from pymongo import MongoClient

        from hcflow.flows import remote
        from hcflow.flows.collect import collect_md_tasks
        from hcflow.flows.run import run_study_locally, submit_study
        from hcflow.flows.spec import parse_study

        raw = yaml.safe_load((ROOT / "studies" / "tiny.yaml").read_text())
        if args.potential:
            raw["potential"] = args.potential
        spec = parse_study(raw)

        def md_seconds(settings) -> float:
            client = MongoClient(settings.uri)
            docs = client[settings.db_name]["md_tasks"].find(
                {}, {"metadata.timing.seconds": 1}
            )
            total = sum(d["metadata"]["timing"]["seconds"] for d in docs)
            client.close()
            return total

        local = Settings(data_dir=tmp / "data", db_port=port, db_name="bench_local")
        configure(local)
        t0 = time.perf_counter()
        run_study_locally(spec, local, echo=None)
        rows.append(("local run_locally", time.perf_counter() - t0, md_seconds(local)))
        t0 = time.perf_counter()
        run_study_locally(spec, local, echo=None)
        rows.append(("local re-run (skips all)", time.perf_counter() - t0, 0.0))

        rem = Settings(data_dir=tmp / "data", db_port=port, db_name="bench_remote")
        configure(rem)
        remote.init_project("bench", rem, work_dir=tmp / "jobs", delay=1.0)
        t0 = time.perf_counter()
        submit_study(spec, "bench", "local_shell", rem, echo=None)
        runner = subprocess.Popen(
            [str(Path(sys.prefix) / "bin" / "jf"), "-p", "bench", "runner", "run"],
            stdout=open(tmp / "runner.log", "w"),  # noqa: SIM115
            stderr=subprocess.STDOUT,
        )
        n_jobs = 4
        while time.perf_counter() - t0 < 600:
            states = remote.job_states("bench", spec.id)
            if states.get("COMPLETED") == n_jobs or "FAILED" in states:
                break
            time.sleep(0.5)
        collect_md_tasks(rem, spec.id)
        rows.append(
            (
                "jobflow-remote (local worker, 1 s delays)",
                time.perf_counter() - t0,
                md_seconds(rem),
            )
        )
    finally:
        if runner is not None and runner.poll() is None:
            runner.send_signal(signal.SIGTERM)
            try:
                runner.wait(30)
            except subprocess.TimeoutExpired:
                runner.kill()
        server.stop_server(tmp / "data")
        shutil.rmtree(tmp, ignore_errors=True)

    n_points = len(spec.points())
    atoms = spec.points()[0].n_carbon + spec.points()[0].n_na
    print(
        f"tiny study: {n_points} points, {atoms} atoms, "
        f"{spec.md.equilibration_steps}+{spec.md.production_steps} MD steps, "
        f"hcflow {hcflow.__version__}"
    )
    print(f"{'mode':45s} {'wall s':>8s} {'MD s':>8s}")
    for name, wall, md in rows:
        print(f"{name:45s} {wall:8.1f} {md:8.1f}")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(
        json.dumps(
            {
                "study": "studies/tiny.yaml",
                "potential": spec.potential,
                "points": n_points,
                "atoms": atoms,
                "rows": [
                    {"mode": n, "wall_s": round(w, 2), "md_s": round(m, 2)}
                    for n, w, m in rows
                ],
            },
            indent=2,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
