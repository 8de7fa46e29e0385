"""Which LAMMPS carbon potential and anneal reach the hard-carbon targets?

Each configuration runs the melt-quench protocol on 512 C at 1.2 g/cm3
(seed 1) and measures sp/sp2/sp3, 5/6/7 rings and the stacking distance
(``validate_structure``). The base protocol is the first version of
``MeltQuenchProtocol`` (melt 6000 K 5 ps, quench 1000 K/ps, anneal 3500 K
50 ps, cool 100 K/ps, hold 2 ps at 300 K, 1 fs steps); each row overrides
the potential and the anneal. Targets (issue 15): sp2 >= 0.85, sp <= 0.05.
This screen chose the default (rebo, anneal 4000 K for 100 ps). The stored
results also hold one row for "tersoff-lb" (BNC.tersoff's C-C set), since
dropped from the registry because it collapses the cell.

Writes results/meltquench_screening.json (one row per configuration, with
its wall time on the shared 2-core machine: compare the MD cost with the
atom-step rates of bench_meltquench.py, not these wall times).

Run (hours on a shared machine): nice -n 5 .venv/bin/python \
    benchmarks/screen_potentials.py [--only rebo]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from hcflow.structures.meltquench import run_melt_quench
from hcflow.structures.validation import validate_structure

OUT = Path(__file__).parent / "results" / "meltquench_screening.json"
BASE = {
    "melt_temperature_K": 6000.0,
    "melt_ps": 5.0,
    "quench_rate_K_per_ps": 1000.0,
    "anneal_temperature_K": 3500.0,
    "anneal_ps": 50.0,
    "cool_rate_K_per_ps": 100.0,
    "final_ps": 2.0,
}
CONFIGS = [
    {"potential": "tersoff"},
    {"potential": "rebo"},
    {"potential": "lcbop"},
    {"potential": "tersoff", "anneal_ps": 200.0},
    {"potential": "rebo", "anneal_ps": 200.0},
    {"potential": "tersoff", "anneal_ps": 100.0, "anneal_temperature_K": 3000.0},
    {"potential": "tersoff", "anneal_ps": 100.0, "anneal_temperature_K": 4000.0},
    {"potential": "tersoff", "anneal_ps": 100.0, "anneal_temperature_K": 4500.0},
    {"potential": "tersoff", "anneal_ps": 100.0, "anneal_temperature_K": 5000.0},
    {"potential": "tersoff", "anneal_ps": 250.0, "anneal_temperature_K": 4500.0},
    {"potential": "rebo", "anneal_ps": 100.0, "anneal_temperature_K": 4000.0},
]


def screen(cfg: dict) -> dict:
    proto = {**BASE, **cfg}
    t0 = time.perf_counter()
    atoms = run_melt_quench(512, 1.2, 1, proto)
    wall = time.perf_counter() - t0
    v = validate_structure(atoms, pore_spacing=None)
    h = v["hybridisation"]
    return {
        "config": cfg,
        "protocol": proto,
        "wall_s": round(wall, 1),
        "sp": h["sp_fraction"],
        "sp2": h["sp2_fraction"],
        "sp3": h["sp3_fraction"],
        "ring_share_5_6_7": v["rings"]["share_5_6_7"],
        "stacking_A": v["stacking"]["stacking_A"],
        "stacked_fraction": v["stacking"]["stacked_fraction"],
        "energy_eV_atom": atoms.info["hcflow"]["energy_eV_atom"],
        "meets_targets": bool(h["sp2_fraction"] >= 0.85 and h["sp_fraction"] <= 0.05),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", default=None, help="one potential")
    args = ap.parse_args()
    rows = []
    for cfg in CONFIGS:
        if args.only and cfg["potential"] != args.only:
            continue
        r = screen(cfg)
        rows.append(r)
        print(json.dumps(r), flush=True)
    OUT.write_text(json.dumps({"n_carbon": 512, "density_g_cm3": 1.2, "rows": rows}))


if __name__ == "__main__":
    main()
