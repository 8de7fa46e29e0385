"""Mode names on the planted five-behaviour suite: accuracy per pooling.

Data: ``--seeds`` trajectories of :func:`hcflow.descriptors.synthetic.
planted_suite` (53 Na each: free diffusers, two-site hoppers, rattlers in
small closed voids, Brownian ions in large closed voids, Na clusters; 200 ps)
through the real descriptor code and document builder, then the modes
analysis (Gaussian mixture, k by BIC) on several poolings of the ions. An ion
is right when the base name of its mode (qualifier and suffix removed) is the
class planted for it; ``own`` is the ion's own class (pooling-independent).

Run: ``OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_naming.py
[--seeds 3]`` (about a minute per seed on a busy 2-core machine); writes
``benchmarks/results/naming.json``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd

from hcflow.analysis.naming import base_name, classify_ions
from hcflow.builders.descriptor_docs import make_documents
from hcflow.builders.modes import mode_names_of, resolve_mode_settings, run_modes
from hcflow.descriptors.compute import compute_descriptors
from hcflow.descriptors.settings import DescriptorSettings
from hcflow.descriptors.synthetic import SUITE, planted_suite

OUT = Path(__file__).parent / "results" / "naming.json"
SETTINGS = {
    "structural_stride": 50,
    "pore_frames": 1,
    "pore_grid_spacing": 0.7,
    "pore_tortuosity_spacing": 1.0,
}
MODES = {"n_bootstrap": 2, "min_mode_size": 5, "k_max": 8}


def suite(seeds: int) -> pd.DataFrame:
    settings = DescriptorSettings(**SETTINGS)
    frames = []
    for seed in range(seeds):
        pos, cells, numbers, kinds = planted_suite(seed=100 + seed)
        res = compute_descriptors(pos, cells, numbers, 0.1, settings)
        docs, _ = make_documents(res, {"task_id": f"s{seed}"}, settings)
        df = pd.DataFrame(docs)
        df["behaviour"] = kinds
        frames.append(df)
    ions = pd.concat(frames, ignore_index=True)
    ions["expected"] = ions["behaviour"].map(SUITE)
    return ions


def main(seeds: int) -> dict:
    ions = suite(seeds)
    poolings = {
        "all": sorted(SUITE),
        "free+hopper+cluster": ["free", "hopper", "cluster"],
        "rattler+large_void+hopper": ["rattler", "large_void", "hopper"],
        "free+large_void": ["free", "large_void"],
        **{f"{b} alone": [b] for b in SUITE},
    }
    own = classify_ions(ions)["ion_class"]
    out = {
        "ions": len(ions),
        "own_class_accuracy": float(np.mean(own == ions["expected"])),
        "poolings": {},
    }
    for name, keep in poolings.items():
        sub = ions[ions["behaviour"].isin(keep)].reset_index(drop=True)
        res, _ = run_modes(sub, resolve_mode_settings(MODES))
        names = np.array([base_name(n) for n in mode_names_of(res)])
        acc = float(np.mean(names == sub["expected"].to_numpy()))
        out["poolings"][name] = {"ions": len(sub), "k": res.k, "accuracy": acc}
        print(f"{name:28s} {len(sub):4d} ions  k={res.k}  accuracy {acc:.3f}")
    print(f"own class (any pooling): {out['own_class_accuracy']:.3f}")
    OUT.write_text(json.dumps(out, indent=2))
    return out


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--seeds", type=int, default=3)
    main(p.parse_args().seeds)
