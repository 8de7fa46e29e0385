"""The re-distillation from SevenNet-l3i5 + D3(BJ): cost, accuracy, gates, speed.

Steps (each writes a part of benchmarks/results/distill_l3i5.json):

    # teacher cost per labelled cell (99 atoms, 1 thread, the worker + D3)
    python benchmarks/distill_l3i5.py teacher-cost
    # the run itself: /work/cache/distill_l3i5/run.sh (resumable; labels cached)
    # gates of the new model next to its teacher's and the old model's
    hcflow potential validate RUN/hcflow-nac-small.model --json > GATES.json
    python benchmarks/distill_l3i5.py collect --run RUN --gates GATES.json \
        [--bench BENCH.json]   # bench_md.py --models OLD NEW --paths hcflow

The teacher's and the old model's gates are read from
benchmarks/results/potential_gates.json (benchmarks/potential_gates.py).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

RESULTS = Path(__file__).parent / "results"
OUT = RESULTS / "distill_l3i5.json"


def _load() -> dict:
    return json.loads(OUT.read_text()) if OUT.exists() else {}


def _save(data: dict) -> None:
    OUT.write_text(json.dumps(data, indent=2))


def teacher_cost(calls: int = 3) -> dict:
    """Seconds per energy+forces call of sevennet-l3i5 + D3(BJ), 99 atoms."""
    import numpy as np

    from hcflow.services.distill_label import make_teacher
    from hcflow.structures.hardcarbon import generate_hard_carbon
    from hcflow.structures.sodiation import sodiate

    carbon = generate_hard_carbon(88, 1.5, seed=3)
    atoms = sodiate(carbon, 0.13, seed=1, min_na_c=2.0, min_na_na=2.8)
    calc = make_teacher("sevennet-l3i5", "d3bj")
    times = []
    for k in range(calls + 1):  # the first call starts the worker
        probe = atoms.copy()
        probe.positions += np.random.default_rng(k).normal(0, 0.05, (len(atoms), 3))
        probe.calc = calc
        t0 = time.perf_counter()
        probe.get_forces()
        times.append(time.perf_counter() - t0)
    return {
        "n_atoms": len(atoms),
        "first_call_s": round(times[0], 2),
        "s_per_call": round(float(np.median(times[1:])), 2),
        "threads": 1,
    }


def gate_rows(doc: dict) -> dict:
    return {g["name"]: [g["value"], g["status"]] for g in doc["gates"]}


def collect(run: Path, gates: Path | None, bench: Path | None) -> dict:
    meta = json.loads((run / "hcflow-nac-small.json").read_text())
    old = json.loads(
        (
            Path(__file__).parents[1] / "hcflow/potentials/models/hcflow-nac-small.json"
        ).read_text()
    )
    table = json.loads((RESULTS / "potential_gates.json").read_text())["runs"]
    out = {
        "teacher": meta["teacher"],
        "training_set": meta["training_set"],
        "training_set_size": meta["training_set_size"],
        "validation_new": meta["validation"],
        "validation_old_vs_chgnet": old["validation"],
        "seconds": meta["seconds"],
        "command": meta["command"],
    }
    if gates:
        new = json.loads(gates.read_text())
        rows = {
            "new": gate_rows(new),
            "teacher sevennet-l3i5+d3bj": gate_rows(table["sevennet-l3i5|d3bj"]),
            "old hcflow-nac-small": gate_rows(table["hcflow-nac-small|none"]),
        }
        out["gates"] = rows
        out["gates_passed"] = {
            k: sum(s == "pass" for _, s in v.values()) for k, v in rows.items()
        }
    if bench:
        out["md_throughput"] = json.loads(bench.read_text())
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("step", choices=["teacher-cost", "collect"])
    ap.add_argument("--run", type=Path, default=Path("/work/cache/distill_l3i5/run"))
    ap.add_argument("--gates", type=Path)
    ap.add_argument("--bench", type=Path)
    args = ap.parse_args()
    data = _load()
    if args.step == "teacher-cost":
        data["teacher_cost"] = teacher_cost()
    else:
        data.update(collect(args.run, args.gates, args.bench))
    _save(data)
    print(json.dumps({k: data[k] for k in data if k != "gates"}, indent=1)[:3000])


if __name__ == "__main__":
    main()
