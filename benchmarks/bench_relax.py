"""Cost of a study's default MLIP relaxation on the demo cells (issue 28 item 5).

For the demo's two structures (shipped 120-C cells): FIRE relaxation of the
host, then sodiation and FIRE relaxation of the sodiated cell, both with the
study's potential, 200 steps at most, fmax 0.2 eV/A. Writes
results/relax_cost.json (wall times, steps taken, energy change).

Run: OMP_NUM_THREADS=1 nice -n 10 .venv/bin/python benchmarks/bench_relax.py
"""

import json
import time
from pathlib import Path

from hcflow.flows.spec import load_study
from hcflow.potentials import get_calculator
from hcflow.structures.meltquench import generate_melt_quench
from hcflow.structures.relax import relax_with_potential
from hcflow.structures.sodiation import sodiate

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    spec = load_study(ROOT / "studies" / "demo.yaml")
    rows = []
    calc = get_calculator(spec.potential)
    for p in spec.points()[::3]:
        t0 = time.perf_counter()
        hc = generate_melt_quench(
            p.n_carbon, p.density, p.structure_seed, spec.meltquench
        )
        tg = time.perf_counter() - t0
        t0 = time.perf_counter()
        r = relax_with_potential(hc, spec.potential, steps=200, fmax=0.2)
        th = time.perf_counter() - t0
        t0 = time.perf_counter()
        na = sodiate(
            r,
            p.na_per_c,
            p.sodiation_seed,
            calculator=calc,
            relax_steps=200,
            fmax=0.2,
            **spec.sodiation.model_dump(),
        )
        ts = time.perf_counter() - t0
        rows.append(
            {
                "point": p.point_id,
                "generate_s": round(tg, 1),
                "host_relax_s": round(th, 1),
                "host": r.info["hcflow"]["relax"],
                "sodiate_relax_s": round(ts, 1),
                "sodiated": na.info["hcflow_sodiation"]["relax"],
            }
        )
        print(json.dumps(rows[-1]), flush=True)
    json.dump(
        rows, open(ROOT / "benchmarks" / "results" / "relax_cost.json", "w"), indent=1
    )


if __name__ == "__main__":
    main()
