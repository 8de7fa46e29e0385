"""Melt-quench generation time per potential and cell size on this machine.

For each LAMMPS carbon potential and each size (1,000 and 4,000 C at
1.2 g/cm3) the script measures the MD rate (atom-steps per second) on a
short liquid run at 3500 K (after a warm-up of a tenth as many steps), and
projects the time of the full default protocol (``MeltQuenchProtocol()``:
``total_ps`` of MD) as ``steps x atoms / rate``. The projection is checked by
one real, complete run of the default protocol at 1,000 C (``--full``).
Each (potential, size) is measured ``--repeats`` times, interleaved, and the
fastest kept: on a shared machine the slow repeats measure the neighbours.
Rates at 1,000 and 4,000 C side by side show how the cost scales (linear in
the number of atoms for these short-ranged potentials). One LAMMPS thread.

Results: results/meltquench_timing.json. Run (takes ~10-20 min):
    nice -n 5 .venv/bin/python benchmarks/bench_meltquench.py [--full]
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import numpy as np

from hcflow.structures.lammps_engine import POTENTIALS, LammpsCarbon
from hcflow.structures.meltquench import (
    MeltQuenchProtocol,
    initial_positions,
    run_melt_quench,
)
from hcflow.units import cubic_cell_length_A

OUT = Path(__file__).parent / "results" / "meltquench_timing.json"
DENSITY = 1.2


def rate(potential: str, n: int, steps: int) -> dict:
    """Atom-steps per second of NVT at 3500 K for n C at DENSITY."""
    L = cubic_cell_length_A(n, DENSITY)
    pos = initial_positions(n, L, "random", np.random.default_rng(0))
    with LammpsCarbon(pos, [L] * 3, potential) as lc:
        lc.velocities(3500.0, 1)
        lc.nvt("warmup", 3500.0, 3500.0, max(10, steps // 10), 1)
        rec = lc.nvt("measure", 3500.0, 3500.0, steps, 2)
    return {
        "potential": potential,
        "n_carbon": n,
        "steps": steps,
        "wall_s": rec["wall_s"],
        "atom_steps_per_s": n * steps / rec["wall_s"],
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 4000])
    ap.add_argument("--potentials", nargs="+", default=list(POTENTIALS))
    ap.add_argument("--full", action="store_true", help="one full default run")
    ap.add_argument("--repeats", type=int, default=2, help="interleaved repeats")
    args = ap.parse_args()
    proto = MeltQuenchProtocol()
    total_steps = sum(proto.stage_steps().values())
    best: dict[tuple, dict] = {}
    for _rep in range(args.repeats):  # interleaved; the fastest of each is kept
        for pot in args.potentials:
            for n in args.sizes:
                # aim at ~10 s per measurement whatever the potential's speed
                guess = {"snap": 3e3, "airebo": 2.5e4, "lcbop": 1e5}.get(pot, 3e5)
                steps = int(max(20, min(4000, 10 * guess / n)))
                r = rate(pot, n, steps)
                key = (pot, n)
                if (
                    key not in best
                    or r["atom_steps_per_s"] > best[key]["atom_steps_per_s"]
                ):
                    best[key] = r
    rows = []
    for pot in args.potentials:
        for n in args.sizes:
            r = best[(pot, n)]
            r["projected_protocol_s"] = total_steps * n / r["atom_steps_per_s"]
            rows.append(r)
            print(
                f"{pot:10s} {n:5d} C: {r['atom_steps_per_s']:9.0f} atom-steps/s, "
                f"default protocol ({proto.total_ps():.0f} ps) "
                f"~{r['projected_protocol_s'] / 60:7.1f} min",
                flush=True,
            )
    scaling = {}
    for pot in args.potentials:
        by_n = {r["n_carbon"]: r for r in rows if r["potential"] == pot}
        if len(by_n) >= 2:
            lo, hi = min(by_n), max(by_n)
            scaling[pot] = (by_n[hi]["wall_s"] / by_n[hi]["steps"] / hi) / (
                by_n[lo]["wall_s"] / by_n[lo]["steps"] / lo
            )
            print(
                f"{pot}: cost per atom-step at {hi} C / at {lo} C = "
                f"{scaling[pot]:.2f} (1.00 = linear scaling)"
            )
    full = None
    if args.full:
        t0 = time.perf_counter()
        atoms = run_melt_quench(1000, DENSITY, seed=0, protocol=proto)
        wall = time.perf_counter() - t0
        proj = next(
            r["projected_protocol_s"]
            for r in rows
            if r["potential"] == proto.potential and r["n_carbon"] == 1000
        )
        full = {
            "potential": proto.potential,
            "n_carbon": 1000,
            "md_ps": proto.total_ps(),
            "wall_s": wall,
            "projected_s": proj,
            "stages": atoms.info["hcflow"]["stages"],
        }
        print(
            f"full default protocol, 1000 C, {proto.potential}: {wall:.0f} s "
            f"(projected {proj:.0f} s)"
        )
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(
        json.dumps(
            {
                "density_g_cm3": DENSITY,
                "protocol": proto.model_dump(),
                "protocol_md_steps": total_steps,
                "load_average_start": os.getloadavg()[0],
                "rates": rows,
                "scaling_cost_per_atom_step_ratio": scaling,
                "full_run": full,
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
