"""Batched replicas vs one cell at a time: MD throughput with the same calculator.

For each configuration (cells of ``n`` atoms, ``k`` cells) three paths run NVT
Langevin MD (1000 K, 1 fs) on the same Na/C cells with the same MACE model:

- ``sequential``: each cell alone through ``run_batched_md`` with one shared
  ``BatchedMACECalculator`` (a batch of one is run_md's trajectory bit for bit);
- ``batched``: all ``k`` cells in one ``run_batched_md`` call, one model call
  per step for all of them, same calculator;
- ``run_md`` (main configuration only): today's product path, each cell through
  :func:`hcflow.md.runner.run_md` on one shared ``FastMACECalculator``.

Times are the runs' own MD-loop timings (model load and setup excluded). The
paths alternate within each repeat so they see the same machine load; the
ratio is taken per repeat and the median and spread are reported with the load
average. The process CPU time of each path (all threads) is recorded too: on a
busy shared machine, the CPU-time ratio at one thread is the steadier figure.
Each configuration runs in its own process (the CPU allocator tuning
of ``hcflow.potentials.device.tune_cpu_allocator`` is process-wide; the
``untuned`` configuration measures what it is worth). Where the time goes is
split from the calculator's own counters: model call, pair lists + input
tensors, and the rest (integrators, checks, Python).

Run: nice -n 5 .venv/bin/python benchmarks/bench_batched.py
     [--atoms 130] [--cells 2 4 6] [--sizes 32 64 260] [--steps 20]
     [--repeats 3] [--threads 2]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

OUT = Path(__file__).parent / "results" / "batched.json"
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _replicas(cells, steps):
    from hcflow.md.batched import Replica

    return [
        Replica(
            c,
            {
                "production_steps": steps,
                "frame_interval": 10,
                "equilibration_steps": 0,
                "ensemble": "nvt-langevin",
            },
            temperature_K=1000.0,
            seed=i,
        )
        for i, c in enumerate(cells)
    ]


def _split(calc, before, seconds, n_steps):
    """Per-step seconds in the model, in pair lists + inputs, and the rest."""
    model = calc.seconds["model"] - before["model"]
    pairs = calc.seconds["pairs"] - before["pairs"]
    calls = calc.n_calls - before["calls"]
    return {
        "model": model / n_steps,
        "pairs": pairs / n_steps,
        "rest": (seconds - model - pairs) / n_steps,
        "model_per_call": model / calls,
        "calls": calls,
    }


def compare(n_atoms, n_cells, steps, repeats, threads, tune, with_run_md):
    """One configuration, in this process: a dict of timings."""
    import torch

    import hcflow.md.batched as batched
    from benchmarks.bench_md import make_cell, model_path
    from hcflow.md.runner import run_md
    from hcflow.potentials.fast_mace import FastMACECalculator

    if not tune:  # leave glibc's defaults: both calculators skip the tuning
        import hcflow.potentials.fast_mace as fast_mace

        fast_mace.tune_cpu_allocator = lambda: False
    torch.set_num_threads(threads)
    path = model_path()
    cells = [make_cell(n_atoms, seed=s) for s in range(n_cells)]
    calc = batched.BatchedMACECalculator(path)
    fast = FastMACECalculator(path) if with_run_md else None
    atom_steps = steps * sum(len(c) for c in cells)

    def snapshot():
        return {**calc.seconds, "calls": calc.n_calls}

    def sequential():
        before, seconds = snapshot(), 0.0
        for rep in _replicas(cells, steps):
            (r,) = batched.run_batched_md([rep], path, progress=False, calculator=calc)
            seconds += r.timing.seconds
        return seconds, _split(calc, before, seconds, steps * n_cells)

    def together():
        before = snapshot()
        rs = batched.run_batched_md(
            _replicas(cells, steps), path, progress=False, calculator=calc
        )
        seconds = max(r.timing.seconds for r in rs)
        return seconds, _split(calc, before, seconds, steps)

    def product():
        seconds = 0.0
        for i, c in enumerate(cells):
            r = run_md(
                c,
                fast,
                _replicas([c], steps)[0].md,
                1000.0,
                seed=i,
                progress=False,
            )
            seconds += r.timing.seconds
        return seconds

    sequential()  # first-call costs, page faults of a fresh process
    together()

    def cpu(fn):
        c0 = time.process_time()
        out = fn()
        return out, time.process_time() - c0

    rows = []
    for _ in range(repeats):
        load0 = os.getloadavg()[0]
        (s, s_split), s_cpu = cpu(sequential)
        (b, b_split), b_cpu = cpu(together)
        row = {"sequential_s": s, "batched_s": b, "ratio": s / b}
        row["sequential_cpu_s"], row["batched_cpu_s"] = s_cpu, b_cpu
        row["cpu_ratio"] = s_cpu / b_cpu
        row["sequential_per_step"], row["batched_per_step"] = s_split, b_split
        if with_run_md:
            row["run_md_s"] = product()
        row["load_1min"] = [load0, os.getloadavg()[0]]
        rows.append(row)
    med = {k: float(np.median([r[k] for r in rows])) for k in rows[0] if k[-2:] == "_s"}
    ratios = [r["ratio"] for r in rows]
    return {
        "n_atoms": len(cells[0]),
        "n_cells": n_cells,
        "steps": steps,
        "threads": threads,
        "allocator_tuned": tune,
        "ratio_median": float(np.median(ratios)),
        "ratio_min": float(min(ratios)),
        "ratio_max": float(max(ratios)),
        "cpu_ratio_median": float(np.median([r["cpu_ratio"] for r in rows])),
        "sequential_atom_steps_per_s": atom_steps / med["sequential_s"],
        "batched_atom_steps_per_s": atom_steps / med["batched_s"],
        "run_md_atom_steps_per_s": (
            atom_steps / med["run_md_s"] if with_run_md else None
        ),
        "repeats": rows,
    }


def run_worker(n_atoms, n_cells, args, tune=True, with_run_md=False) -> dict:
    cmd = [sys.executable, __file__, "--worker", str(n_atoms), str(n_cells)]
    cmd += ["--steps", str(args.steps), "--repeats", str(args.repeats)]
    cmd += ["--threads", str(args.threads)]
    cmd += [] if tune else ["--untuned"]
    cmd += ["--with-run-md"] if with_run_md else []
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(f"worker {cmd[3:]} failed: {out.stderr.strip()[-800:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _fit_overhead(rows) -> dict:
    """Model seconds per call = a + b * atoms, from the one-cell calls."""
    n = np.array([r["n_atoms"] for r in rows], float)
    t = np.array(
        [
            np.median(
                [x["sequential_per_step"]["model_per_call"] for x in r["repeats"]]
            )
            for r in rows
        ]
    )
    b, a = np.polyfit(n, t, 1)
    return {"fixed_s_per_call": float(a), "s_per_atom": float(b), "atoms": n.tolist()}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--atoms", type=int, default=130)
    ap.add_argument("--cells", type=int, nargs="+", default=[2, 4, 6])
    ap.add_argument("--sizes", type=int, nargs="*", default=[32, 64, 260])
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--worker", type=int, nargs=2, help=argparse.SUPPRESS)
    ap.add_argument("--untuned", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--with-run-md", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        n_atoms, n_cells = args.worker
        res = compare(
            n_atoms,
            n_cells,
            args.steps,
            args.repeats,
            args.threads,
            not args.untuned,
            args.with_run_md,
        )
        print(json.dumps(res))
        return
    t0 = time.time()
    load = {"start": os.getloadavg(), "cpus": os.cpu_count()}
    print(f"load average {load['start']} on {load['cpus']} CPUs", flush=True)
    head = (
        f"{'atoms':>5} {'cells':>5} {'alloc':>7} {'seq a-s/s':>10} "
        f"{'batch a-s/s':>11} {'ratio (min-max)':>17} {'run_md a-s/s':>13} "
        f"{'cpu ratio':>9} {'model ms/call seq|batch':>24}"
    )
    print(head, flush=True)
    rows = []

    def show(r):
        rows.append(r)
        model = [
            np.median([x[f"{p}_per_step"]["model_per_call"] for x in r["repeats"]])
            * 1e3
            for p in ("sequential", "batched")
        ]
        run_md = r["run_md_atom_steps_per_s"]
        print(
            f"{r['n_atoms']:>5} {r['n_cells']:>5} "
            f"{'tuned' if r['allocator_tuned'] else 'glibc':>7} "
            f"{r['sequential_atom_steps_per_s']:>10.0f} "
            f"{r['batched_atom_steps_per_s']:>11.0f} "
            f"{r['ratio_median']:>6.2f} ({r['ratio_min']:.2f}-{r['ratio_max']:.2f}) "
            f"{run_md if run_md else float('nan'):>13.0f} "
            f"{r['cpu_ratio_median']:>9.2f} "
            f"{model[0]:>11.1f} | {model[1]:<10.1f}",
            flush=True,
        )

    for k in args.cells:
        show(run_worker(args.atoms, k, args, with_run_md=k == max(args.cells)))
    show(run_worker(args.atoms, max(args.cells), args, tune=False))
    for n in args.sizes:
        show(run_worker(n, max(args.cells), args))
    single = [
        r for r in rows if r["allocator_tuned"] and r["n_cells"] == max(args.cells)
    ]
    overhead = _fit_overhead(single) if len(single) > 1 else None
    if overhead:
        print(
            f"model call: {overhead['fixed_s_per_call'] * 1e3:.1f} ms fixed + "
            f"{overhead['s_per_atom'] * 1e6:.0f} us/atom (one cell per call)",
            flush=True,
        )
    load["end"] = os.getloadavg()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    saved = json.loads(OUT.read_text()) if OUT.is_file() else {}
    runs = saved.get("runs", {})
    runs[f"threads={args.threads}"] = {
        "steps": args.steps,
        "load_average": load,
        "wall_s": time.time() - t0,
        "overhead_fit": overhead,
        "rows": rows,
    }
    doc = {
        **saved,
        "what": "MD throughput, k cells batched vs one at a time, same calculator "
        "(atom-steps/s; ratio = sequential / batched time); one entry per "
        "torch thread count",
        "runs": runs,
    }
    OUT.write_text(json.dumps(doc, indent=1))


if __name__ == "__main__":
    main()
