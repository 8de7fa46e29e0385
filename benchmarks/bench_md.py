"""MD speed: hcflow's runner vs atomate2's stock ForceFieldMDMaker, same model.

Both paths run NVT Langevin MD at 1000 K, 1 fs, on the same Na/C cell with the
same MACE model file (the shipped model when present). The stock path is
atomate2's ``ForceFieldMDMaker`` (force_field_name="MACE-MP-0",
calculator_kwargs={"model": path, "default_dtype": "float32"}) run through
jobflow's ``run_locally``; the hcflow path is ``hcflow.md.runner.run_md`` on the
FastMACECalculator. Each is run with a short and a long step count and the
per-step cost is the difference divided by the extra steps, so model loading
and document building cancel out. Every measurement runs in its own Python
process (so neither path warms or pollutes the other's memory and threads),
the paths are interleaved, and the median of the repeats is reported. Both use
2 torch threads.

Run: .venv/bin/python benchmarks/bench_md.py [--sizes 100 300 1000]
     [--steps 10 40] [--repeats 2] [--models A.model B.model]
     [--paths hcflow] [--out FILE]
(``--models``: several model files compared in one run, interleaved.)
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

import hcflow  # noqa: F401

OUT = Path(__file__).parent / "results" / "md.json"
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def make_cell(n_atoms: int, seed: int = 0):
    from hcflow.structures.hardcarbon import generate_hard_carbon
    from hcflow.structures.sodiation import sodiate

    n_c = int(round(n_atoms / (1 + 1 / 10)))
    atoms = generate_hard_carbon(n_c, 1.2, seed=seed)
    return sodiate(atoms, (n_atoms - n_c) / n_c, seed=seed)


def model_path() -> str:
    from hcflow.potentials import shipped_model_path

    path = shipped_model_path()
    if path.is_file():
        return str(path)
    from tests.mace_fixtures import write_random_mace

    return str(write_random_mace(Path(tempfile.mkdtemp()) / "random.model"))


def stock(atoms, model, n_steps):
    from atomate2.forcefields.md import ForceFieldMDMaker
    from jobflow import JobStore, run_locally
    from maggma.stores import MemoryStore
    from pymatgen.io.ase import AseAtomsAdaptor

    maker = ForceFieldMDMaker(
        force_field_name="MACE-MP-0",
        calculator_kwargs={"model": model, "default_dtype": "float32"},
        n_steps=n_steps,
        time_step=1.0,
        temperature=1000.0,
        traj_interval=10,
        mb_velocity_seed=1,
    )
    structure = AseAtomsAdaptor.get_structure(atoms)
    job = maker.make(structure)
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        store = JobStore(MemoryStore(), additional_stores={"data": MemoryStore()})
        run_locally(job, store=store, root_dir=tmp, ensure_success=True, log=False)
    return time.perf_counter() - t0


def fast(atoms, model, n_steps):
    from hcflow.md.runner import run_md

    t0 = time.perf_counter()
    md = {  # Langevin, as the atomate2 path it is compared with
        "production_steps": n_steps,
        "frame_interval": 10,
        "equilibration_steps": 0,
        "ensemble": "nvt-langevin",
    }
    run_md(atoms, model, md, 1000.0, seed=1, progress=False)
    return time.perf_counter() - t0


def measure(path: str, n_atoms: int, lo: int, hi: int, model: str = "") -> float:
    """Seconds per MD step of one path, in this process."""
    import torch

    torch.set_num_threads(2)
    fn = {"stock": stock, "hcflow": fast}[path]
    atoms, model = make_cell(n_atoms), model or model_path()
    fn(atoms, model, 2)  # imports, model load, first-call costs
    short = fn(atoms, model, lo)
    long = fn(atoms, model, hi)
    return (long - short) / (hi - lo)


def measure_in_subprocess(
    path: str, n_atoms: int, lo: int, hi: int, model: str = ""
) -> float:
    import subprocess

    cmd = [
        sys.executable,
        __file__,
        "--worker",
        path,
        "--sizes",
        str(n_atoms),
        "--steps",
        str(lo),
        str(hi),
        *(["--models", model] if model else []),
    ]
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(
            f"{path} at {n_atoms} atoms failed: {out.stderr.strip()[-500:]}"
        )
    return float(out.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[100, 300, 1000])
    ap.add_argument("--steps", type=int, nargs=2, default=[10, 40])
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--models", nargs="+", help="model files (default: shipped)")
    ap.add_argument("--paths", nargs="+", default=["stock", "hcflow"])
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--worker", choices=["stock", "hcflow"], help=argparse.SUPPRESS)
    args = ap.parse_args()
    lo, hi = args.steps
    if args.worker:
        model = args.models[0] if args.models else ""
        print(measure(args.worker, args.sizes[0], lo, hi, model))
        return
    if args.models:
        compare_models(args.models, args.paths, args)
        return
    model = model_path()
    rows = []
    print(f"model: {model}")
    print(
        f"{'atoms':>6} {'stock ms/step':>14} {'hcflow ms/step':>15} "
        f"{'stock atom-steps/s':>19} {'hcflow atom-steps/s':>20} {'ratio':>6}",
        flush=True,
    )
    for n in args.sizes:
        n_atoms = len(make_cell(n))
        t = {"stock": [], "hcflow": []}
        for _ in range(args.repeats):
            for name in ("stock", "hcflow"):
                t[name].append(measure_in_subprocess(name, n, lo, hi))
        s, f = float(np.median(t["stock"])), float(np.median(t["hcflow"]))
        rows.append(
            {
                "n_atoms": n_atoms,
                "stock_s_per_step": s,
                "hcflow_s_per_step": f,
                "stock_runs_s_per_step": t["stock"],
                "hcflow_runs_s_per_step": t["hcflow"],
                "stock_atom_steps_per_s": n_atoms / s,
                "hcflow_atom_steps_per_s": n_atoms / f,
                "ratio": s / f,
            }
        )
        print(
            f"{n_atoms:>6} {s * 1e3:>14.1f} {f * 1e3:>15.1f} "
            f"{n_atoms / s:>19.0f} {n_atoms / f:>20.0f} {s / f:>6.2f}",
            flush=True,
        )
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(
        json.dumps(
            {"model": model, "steps": args.steps, "threads": 2, "rows": rows}, indent=2
        )
    )


def compare_models(models: list[str], paths: list[str], args) -> None:
    """Per-step cost of several model files, interleaved in one run."""
    lo, hi = args.steps
    rows = []
    for n in args.sizes:
        n_atoms = len(make_cell(n))
        t = {(m, p): [] for m in models for p in paths}
        for _ in range(args.repeats):
            for key in t:
                t[key].append(measure_in_subprocess(key[1], n, lo, hi, key[0]))
        for (m, p), runs in t.items():
            s = float(np.median(runs))
            rows.append(
                {
                    "model": m,
                    "path": p,
                    "n_atoms": n_atoms,
                    "s_per_step": s,
                    "runs_s_per_step": runs,
                    "atom_steps_per_s": n_atoms / s,
                }
            )
            print(f"{n_atoms:>6} {p:>7} {s * 1e3:>9.1f} ms/step  {m}", flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps(
            {"models": models, "steps": args.steps, "threads": 2, "rows": rows},
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
