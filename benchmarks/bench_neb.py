"""Wall time of one climbing-image NEB (7 images) on a ~130-atom Na/C cell
with the shipped model, 2 torch threads (issue target: <= 3 min).

The cell is the first frame of a stored trajectory (default: the first
md_task of the database HCFLOW_DATA_DIR names, e.g. after
benchmarks/kmc_study.yaml); one Na moves 2.5 A in the direction that keeps
it farthest from carbon. ``--fmax 0.005 --steps 200`` makes the band run
its full 200 steps (the cost of a hard hop). Writes
benchmarks/results/neb_speed.json.

    HCFLOW_DATA_DIR=/tmp/kmcmd/data HCFLOW_DB_PORT=27393 \\
        .venv/bin/python benchmarks/bench_neb.py
"""

from __future__ import annotations

import itertools
import json
import os
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parent / "results" / "neb_speed.json"


def main() -> None:
    import argparse

    import torch

    ap = argparse.ArgumentParser()
    ap.add_argument("--fmax", type=float, default=0.1)
    ap.add_argument("--steps", type=int, default=200)
    args = ap.parse_args()

    from hcflow.api import Client
    from hcflow.kmc.neb import neb_barrier
    from hcflow.potentials import load_calculator

    torch.set_num_threads(2)
    hc = Client()
    task = hc.md_tasks()["task_id"].iloc[0]
    atoms = hc.atoms(task, wrap=True)[0]
    na = int(np.flatnonzero(atoms.numbers == 11)[0])
    carbon = atoms.positions[atoms.numbers == 6]
    cell = atoms.cell.array
    inv = np.linalg.inv(cell)

    def clearance(p):
        f = (carbon - p) @ inv
        return np.linalg.norm((f - np.round(f)) @ cell, axis=1).min()

    dirs = [np.array(d, float) for d in itertools.product((-1, 0, 1), repeat=3)]
    dirs = [d / np.linalg.norm(d) for d in dirs if d.any()]
    start = atoms.positions[na]
    end = max((start + 2.5 * d for d in dirs), key=clearance)
    calc, info = load_calculator(None, threads=2)
    r = neb_barrier(
        atoms, na, end, calc, n_images=7, fmax=args.fmax, max_steps=args.steps
    )
    out = {
        "n_atoms": len(atoms),
        "images": 7,
        "potential": info.get("name"),
        "threads": 2,
        "fmax": args.fmax,
        "max_steps": args.steps,
        "load_average_start": os.getloadavg()[0],
        **{k: getattr(r, k) for k in r.__dataclass_fields__},
    }
    OUT.write_text(json.dumps(out, indent=1))
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
