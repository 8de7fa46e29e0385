"""MD speed: hcflow's runner vs atomate2's stock ForceFieldMDMaker, same model.

Both paths run NVT Langevin MD at 1000 K, 1 fs, on the same Na/C cell with the
same MACE model file (the shipped model when present). The stock path is
atomate2's ``ForceFieldMDMaker`` (force_field_name="MACE-MP-0",
calculator_kwargs={"model": path, "default_dtype": "float32"}) run through
jobflow's ``run_locally``; the hcflow path is ``hcflow.md.runner.run_md`` on the
FastMACECalculator. Each is run with a short and a long step count and the
per-step cost is the difference divided by the extra steps, so model loading
and document building cancel out. The paths are interleaved.

Run: .venv/bin/python benchmarks/bench_md.py [--sizes 100 300 1000] [--steps 10 40]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import hcflow  # noqa: F401
import numpy as np

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
        run_locally(job, store=store, root_dir=tmp,
                    ensure_success=True, log=False)
    return time.perf_counter() - t0


def fast(atoms, model, n_steps):
    from hcflow.md.runner import run_md

    t0 = time.perf_counter()
    run_md(atoms, model, 1000.0, 1.0, n_steps, 10, seed=1, progress=False)
    return time.perf_counter() - t0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[100, 300, 1000])
    ap.add_argument("--steps", type=int, nargs=2, default=[10, 40])
    args = ap.parse_args()
    import torch

    torch.set_num_threads(2)
    model = model_path()
    lo, hi = args.steps
    rows = []
    print(f"model: {model}")
    print(f"{'atoms':>6} {'stock ms/step':>14} {'hcflow ms/step':>15} "
          f"{'stock atom-steps/s':>19} {'hcflow atom-steps/s':>20} {'ratio':>6}")
    for n in args.sizes:
        atoms = make_cell(n)
        t = {}
        for name, fn in (("stock", stock), ("hcflow", fast)):
            fn(atoms, model, 2)  # warm up imports / model load
        for name, fn in (("stock", stock), ("hcflow", fast), ("stock", stock),
                         ("hcflow", fast)):
            short = fn(atoms, model, lo)
            long = fn(atoms, model, hi)
            t.setdefault(name, []).append((long - short) / (hi - lo))
        s, f = np.median(t["stock"]), np.median(t["hcflow"])
        row = {
            "n_atoms": len(atoms),
            "stock_s_per_step": s,
            "hcflow_s_per_step": f,
            "stock_atom_steps_per_s": len(atoms) / s,
            "hcflow_atom_steps_per_s": len(atoms) / f,
            "ratio": s / f,
        }
        rows.append(row)
        print(f"{len(atoms):>6} {s * 1e3:>14.1f} {f * 1e3:>15.1f} "
              f"{len(atoms) / s:>19.0f} {len(atoms) / f:>20.0f} {s / f:>6.2f}")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({"model": model, "steps": args.steps, "rows": rows},
                              indent=2))


if __name__ == "__main__":
    main()
