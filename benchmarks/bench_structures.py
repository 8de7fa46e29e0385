"""Hard-carbon generation and pore analysis: speed and statistics over density.

For 1,000-atom cells at 0.8, 1.2, 1.6 and 2.0 g/cm3 (three seeds each) prints
the generation time (target < 30 s), the full pore analysis time at 0.3 A
grid spacing (target < 10 s), and the statistics: sp/sp2/sp3 shares (C-C <
1.85 A), ring counts, accessible volume fraction (probe 2.3 A), largest
cavity diameter, number of voids, tortuosity, and the largest Na:C the
default sodiation fits. Results go to benchmarks/results/structures.json.

Run: .venv/bin/python benchmarks/bench_structures.py
"""

from __future__ import annotations

import json
import platform
import time
from pathlib import Path

import numpy as np

from hcflow.structures import pores
from hcflow.structures.analysis import hybridisation, ring_statistics
from hcflow.structures.hardcarbon import density_of, generate_hard_carbon
from hcflow.structures.sodiation import max_na_count

OUT = Path(__file__).parent / "results" / "structures.json"
DENSITIES = (0.8, 1.2, 1.6, 2.0)
SEEDS = (1, 2, 3)
N_CARBON = 1000


def one(density: float, seed: int) -> dict:
    t0 = time.perf_counter()
    atoms = generate_hard_carbon(N_CARBON, density, seed)
    t_gen = time.perf_counter() - t0
    t0 = time.perf_counter()
    pa = pores.analyze_pores(atoms.positions, atoms.cell, spacing=0.3)
    t_pore = time.perf_counter() - t0
    s = pa.summary()
    h = hybridisation(atoms)
    rings = ring_statistics(atoms)["counts"]
    n_na = max_na_count(atoms, seed=seed)
    return {
        "density": density,
        "seed": seed,
        "density_measured": density_of(atoms),
        "t_generate_s": t_gen,
        "t_pores_0.3A_s": t_pore,
        "sp": h["sp_fraction"],
        "sp2": h["sp2_fraction"],
        "sp3": h["sp3_fraction"],
        "rings_5_6_7": [rings["5"], rings["6"], rings["7"]],
        "accessible_volume_fraction": s["accessible_volume_fraction"],
        "largest_cavity_diameter_A": s["largest_cavity_diameter"],
        "n_voids": s["n_voids"],
        "tortuosity": s["tortuosity"],
        "max_na_per_c": n_na / N_CARBON,
        "method": atoms.info["hcflow"]["method"],
        "interlayer_A": atoms.info["hcflow"].get("interlayer"),
    }


def main() -> None:
    rows = [one(d, s) for d in DENSITIES for s in SEEDS]
    keys = [
        "t_generate_s",
        "t_pores_0.3A_s",
        "sp",
        "sp2",
        "sp3",
        "accessible_volume_fraction",
        "largest_cavity_diameter_A",
        "n_voids",
        "max_na_per_c",
    ]
    summary = {}
    for d in DENSITIES:
        sel = [r for r in rows if r["density"] == d]
        summary[str(d)] = {k: float(np.mean([r[k] for r in sel])) for k in keys}
        summary[str(d)]["sp2_min"] = float(min(r["sp2"] for r in sel))
        summary[str(d)]["t_generate_max_s"] = max(r["t_generate_s"] for r in sel)
        summary[str(d)]["t_pores_max_s"] = max(r["t_pores_0.3A_s"] for r in sel)
    head = f"{'rho':>5} {'gen s':>6} {'pore s':>7} {'sp2':>6} {'sp3':>6} {'acc.vol':>8}"
    head += f" {'LCD A':>6} {'voids':>6} {'maxNa:C':>8}"
    print(f"{N_CARBON} C, mean of seeds {SEEDS}")
    print(head)
    for d, m in summary.items():
        print(
            f"{d:>5} {m['t_generate_s']:6.2f} {m['t_pores_0.3A_s']:7.2f} "
            f"{m['sp2']:6.3f} {m['sp3']:6.3f} {m['accessible_volume_fraction']:8.4f} "
            f"{m['largest_cavity_diameter_A']:6.2f} {m['n_voids']:6.1f} "
            f"{m['max_na_per_c']:8.4f}"
        )
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(
        json.dumps(
            {
                "benchmark": "structures",
                "n_carbon": N_CARBON,
                "machine": platform.platform(),
                "targets": {"generate_s": 30, "pores_0.3A_s": 10},
                "summary": summary,
                "rows": rows,
            },
            indent=1,
        )
    )
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
