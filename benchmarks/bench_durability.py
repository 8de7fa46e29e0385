"""Acknowledged writes lost when the local server is killed (kill -9), per mode.

For each mode, ``--iterations`` times: write ``--docs`` small documents one by
one (each acknowledged) and one GridFS blob of about 1 MB, SIGKILL the server
right after the last acknowledgement, restart it, and count what survived.
Reports acknowledged writes lost, GridFS chunks without a file (orphans) and
files with missing chunks, and the write throughput of each mode (documents/s
one by one, documents/s in one bulk of 1000, MB/s of GridFS).

Modes:
- ``w1``: the server's and pymongo's defaults (w=1, no journal wait);
- ``j``: clients ask for a journaled write concern (w=1, j=True);
- ``sync``: the server runs with ``--sync-on-commit``;
- ``sync+j``: both (hcflow's default: its server and its clients).

Run: nice -n 5 .venv/bin/python benchmarks/bench_durability.py [--iterations 20]
(``--iterations 0``: throughput only, interleaved ``--repeats`` times).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import tempfile
import time
from pathlib import Path

import gridfs
import numpy as np
from pymongo import MongoClient

from hcflow.credentials import read_credentials, uri_with_credentials
from hcflow.db import server

OUT = Path(__file__).parent / "results" / "durability.json"
MODES = {
    "w1": (False, False),
    "j": (True, False),
    "sync": (False, True),
    "sync+j": (True, True),  # hcflow: --sync-on-commit and j=True clients
}


def _client(data_dir: Path, port: int, journal: bool) -> MongoClient:
    uri = uri_with_credentials("127.0.0.1", port, read_credentials(data_dir))
    return MongoClient(uri, journal=journal, serverSelectionTimeoutMS=20000)


def _kill9(info: server.ServerInfo) -> None:
    os.kill(info.pid, signal.SIGKILL)
    try:
        os.waitpid(info.pid, 0)
    except ChildProcessError:
        pass
    server._wait_unlocked(Path(info.storage).parent / "server.lock")


def kill_loop(mode: str, iterations: int, n_docs: int) -> dict:
    journal, sync = MODES[mode]
    blob = np.random.default_rng(0).bytes(1 << 20)
    with tempfile.TemporaryDirectory() as tmp:
        data_dir, port = Path(tmp), server.free_port()
        info, _ = server.start_server(data_dir, port=port, sync_on_commit=sync)
        acked, lost, orphan_chunks, broken_files, lost_blobs = 0, 0, 0, 0, 0
        lost_per_kill = []
        for it in range(iterations):
            client = _client(data_dir, port, journal)
            coll = client.bench.docs
            for k in range(n_docs):
                coll.insert_one({"it": it, "k": k, "x": float(k)})
            acked += n_docs
            fs = gridfs.GridFS(client.bench, "blobs")
            fs.put(blob, filename=f"blob{it}")
            _kill9(info)  # right after the last acknowledgement
            client.close()
            info, _ = server.start_server(data_dir, port=port, sync_on_commit=sync)
            client = _client(data_dir, port, journal)
            db = client.bench
            lost_now = acked - db.docs.count_documents({})
            file_ids = {f["_id"] for f in db["blobs.files"].find({}, {"_id": 1})}
            lost_blobs_now = (it + 1) - len(file_ids)
            lost_per_kill.append(lost_now - lost + lost_blobs_now - lost_blobs)
            lost, lost_blobs = lost_now, lost_blobs_now
            chunk_ids = db["blobs.chunks"].distinct("files_id")
            orphan_chunks = db["blobs.chunks"].count_documents(
                {"files_id": {"$nin": list(file_ids)}}
            )
            broken_files = len(file_ids - set(chunk_ids))
            client.close()
            print(
                f"  {mode} kill {it + 1}/{iterations}: acknowledged {acked} docs, "
                f"lost {lost} docs and {lost_blobs} blobs, orphan chunks "
                f"{orphan_chunks}",
                flush=True,
            )
        server.stop_server(data_dir)
        return {
            "acknowledged_docs": acked,
            "lost_docs": lost,
            "acknowledged_blobs": iterations,
            "lost_blobs": lost_blobs,
            "kills_losing_writes": sum(n > 0 for n in lost_per_kill),
            "orphan_chunks": orphan_chunks,
            "files_missing_chunks": broken_files,
        }


def throughput(mode: str, n_docs: int = 300, n_bulk: int = 1000) -> dict:
    journal, sync = MODES[mode]
    blob = np.random.default_rng(1).bytes(4 << 20)
    with tempfile.TemporaryDirectory() as tmp:
        data_dir, port = Path(tmp), server.free_port()
        server.start_server(data_dir, port=port, sync_on_commit=sync)
        try:
            client = _client(data_dir, port, journal)
            coll = client.bench.docs
            t0 = time.perf_counter()
            for k in range(n_docs):
                coll.insert_one({"k": k, "x": float(k)})
            one_by_one = n_docs / (time.perf_counter() - t0)
            t0 = time.perf_counter()
            coll.insert_many([{"b": k, "x": float(k)} for k in range(n_bulk)])
            bulk = n_bulk / (time.perf_counter() - t0)
            fs = gridfs.GridFS(client.bench, "blobs")
            t0 = time.perf_counter()
            for i in range(3):
                fs.put(blob, filename=f"b{i}")
            mb_s = 12 / (time.perf_counter() - t0)
            client.close()
        finally:
            server.stop_server(data_dir)
    return {
        "docs_per_s_one_by_one": one_by_one,
        "docs_per_s_bulk": bulk,
        "gridfs_mb_s": mb_s,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=20)
    parser.add_argument("--docs", type=int, default=50)
    parser.add_argument("--modes", default="w1,sync+j,j,sync")
    parser.add_argument("--repeats", type=int, default=3, help="throughput runs")
    args = parser.parse_args()
    modes = args.modes.split(",")
    results: dict = json.loads(OUT.read_text()) if OUT.exists() else {}
    results |= {"iterations": args.iterations, "docs_per_iteration": args.docs}
    for mode in modes if args.iterations else []:
        print(f"mode {mode}: kill -9 loop", flush=True)
        results[mode] = kill_loop(mode, args.iterations, args.docs)
        print(json.dumps({mode: results[mode]}, indent=1), flush=True)
        OUT.write_text(json.dumps(results, indent=1))
    runs: dict[str, list[dict]] = {m: [] for m in modes}
    for _ in range(args.repeats):  # interleaved: the machine's load hits all alike
        for mode in modes:
            runs[mode].append(throughput(mode))
    keys = ("docs_per_s_one_by_one", "docs_per_s_bulk", "gridfs_mb_s")
    for mode in modes:
        speed = {k: statistics.median(r[k] for r in runs[mode]) for k in keys}
        results.setdefault(mode, {}).update(speed)
    for mode in modes:
        if mode != "w1" and "w1" in runs:
            for key in keys:
                ratio = results[mode][key] / results["w1"][key]
                results[f"{mode}_over_w1_{key}"] = ratio
    results["load_average"] = os.getloadavg()
    OUT.write_text(json.dumps(results, indent=1))
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
