"""KMC speed and accuracy on the simple cubic lattice (one core).

Tracer KMC (vectorised independent walkers) and KMC with site exclusion on a
6x6x6 periodic cubic network (a = 3 A, Ea = 0.3 eV, nu = 10/ps, 600 K),
against D = a^2 nu exp(-Ea/kT). Writes benchmarks/results/kmc_speed.json.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_kmc.py
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from hcflow.kmc.analytic import cubic_D_A2_ps, cubic_lattice
from hcflow.kmc.estimate import kmc_diffusion

OUT = Path(__file__).resolve().parent / "results" / "kmc_speed.json"


def main() -> None:
    net = cubic_lattice(6, 3.0, 0.3, 10.0)
    truth = cubic_D_A2_ps(3.0, 0.3, 10.0, 600.0) * 1e-4
    rows = []
    for n_ions, hops in ((1, 1_000_000), (1, 10_000_000), (54, 1_000_000)):
        t0 = time.perf_counter()
        e = kmc_diffusion(net, 600.0, n_ions=n_ions, n_hops=hops, resample_edges=False)
        wall = time.perf_counter() - t0
        expect = truth * (1 - n_ions / net.n_sites) if n_ions > 1 else truth
        d = e.collective_D_cm2_s if n_ions > 1 else e.tracer_D_cm2_s
        rows.append(
            {
                "engine": "exclusion" if n_ions > 1 else "tracer",
                "n_ions": n_ions,
                "hops": e.n_hops,
                "wall_s": round(wall, 2),
                "hops_per_s": round(e.n_hops / wall),
                "D_cm2_s": d,
                "analytic_cm2_s": expect,
                "relative_error": d / expect - 1,
            }
        )
        print(rows[-1])
    OUT.write_text(
        json.dumps(
            {"threads": os.environ.get("OMP_NUM_THREADS"), "rows": rows}, indent=1
        )
    )


if __name__ == "__main__":
    main()
