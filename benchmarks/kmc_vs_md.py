"""KMC against MD on real trajectories, D(300 K) by KMC vs the Arrhenius
line, and the cost of one NEB with the shipped model.

Reads the md_tasks of a database (default: the one HCFLOW_DATA_DIR names;
run `hcflow demo` there first), builds the site networks and KMC at every
MD temperature and at 300 K (hcflow.services.kmc), sets the Arrhenius
extrapolation of the same systems beside it, and runs one climbing-image NEB
(7 images) on the most-visited edge of the first network with the shipped
model (2 threads). Writes benchmarks/results/kmc_vs_md.json.

    HCFLOW_DATA_DIR=/tmp/kmcdemo/data HCFLOW_DB_PORT=27391 \\
        .venv/bin/hcflow demo --out /tmp/kmcdemo/report
    HCFLOW_DATA_DIR=/tmp/kmcdemo/data HCFLOW_DB_PORT=27391 \\
        .venv/bin/python benchmarks/kmc_vs_md.py
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parent / "results" / "kmc_vs_md.json"


def planted() -> list[dict]:
    """KMC vs MD on planted lattice hoppers (known rates) at three T."""
    from hcflow.descriptors.settings import DescriptorSettings
    from hcflow.descriptors.transport import analyse_transport
    from hcflow.kmc.barriers import arrhenius_network, network_at
    from hcflow.kmc.estimate import kmc_diffusion
    from hcflow.kmc.from_md import IonRun, observe_network
    from hcflow.kmc.network import KB_EV_PER_K
    from hcflow.kmc.planted import lattice_hoppers

    def rate(t):
        return 0.06 * np.exp(-0.2 / KB_EV_PER_K * (1 / t - 1 / 500))

    runs = []
    for i, t in enumerate((500.0, 600.0, 700.0)):
        x, cell = lattice_hoppers(24, rate(t), n_frames=4000, seed=i + 1)
        runs.append(IonRun(x, 0.1, cell, t, "planted"))
    obs = observe_network(runs)
    net, fits = arrhenius_network(obs)
    rows = []
    s = DescriptorSettings()
    for run in runs:
        md = analyse_transport(run.x, s.resolve(len(run.x), 0.1), s).trajectory
        e = kmc_diffusion(network_at(obs, run.temperature_K), run.temperature_K)
        rows.append(
            {
                "T_K": run.temperature_K,
                "planted_cm2_s": 9 * rate(run.temperature_K) / 6 * 1e-4,
                "md": [md["D_cm2_s"], md["D_ci95_low"], md["D_ci95_high"]],
                "kmc": [e.tracer_D_cm2_s, *e.tracer_D_interval_cm2_s],
            }
        )
    e = kmc_diffusion(net, 300.0)
    rows.append(
        {
            "T_K": 300.0,
            "planted_cm2_s": 9 * rate(300.0) / 6 * 1e-4,
            "kmc": [e.tracer_D_cm2_s, *e.tracer_D_interval_cm2_s],
            "barrier_eV": [fits[0].barrier_eV, fits[0].barrier_err_eV],
        }
    )
    return rows


def real() -> dict:
    from hcflow.api import Client
    from hcflow.services.kmc import run_kmc

    hc = Client()
    temps = sorted({float(t) for t in hc.md_tasks()["temperature_K"]})
    t0 = time.perf_counter()
    out = run_kmc([300.0, *temps])
    wall = time.perf_counter() - t0
    arr = hc.arrhenius()
    keep = [
        "density_g_cm3",
        "state",
        "validity",
        "D_extrapolated_cm2_s",
        "D_extrapolated_ci95_low",
        "D_extrapolated_ci95_high",
    ]
    return {
        "wall_s": round(wall, 1),
        "networks": [
            {
                k: d[k]
                for k in (
                    "system",
                    "n_sites",
                    "hops",
                    "exit_rate_per_ps",
                    "percolation_directions",
                    "barrier_note",
                    "barriers",
                )
            }
            for d in out["site_networks"]
        ],
        "kmc": [
            {
                k: d.get(k)
                for k in (
                    "system",
                    "temperature_K",
                    "source",
                    "tracer_D_cm2_s",
                    "tracer_D_ci_low",
                    "tracer_D_ci_high",
                    "md_D_cm2_s",
                    "md_D_ci_low",
                    "md_D_ci_high",
                    "agrees_with_md",
                    "note",
                )
            }
            for d in out["kmc"]
        ],
        "skipped": out["skipped"],
        "arrhenius": arr.reindex(columns=keep).to_dict("records") if len(arr) else [],
        "neb": neb_once(hc, out["site_networks"]),
    }


def neb_once(hc, nets) -> dict:
    """One NEB on the most-visited hop pair of the first network with hops
    (hcflow.kmc.neb_edges, as ``build kmc`` with ``neb_budget: 1``)."""
    import torch

    from hcflow.kmc.neb_edges import neb_for_edges
    from hcflow.kmc.records import network_from_record
    from hcflow.potentials import load_calculator

    torch.set_num_threads(2)
    calc, info = load_calculator(None, threads=2)
    for doc in nets:
        obs = network_from_record(doc["network"])
        frame = hc.atoms(doc["task_ids"][0], wrap=True)[0]
        recs = neb_for_edges(
            obs, frame, calc, 1, doc["barriers"], fmax=0.1, max_steps=150
        )
        if recs:
            return {
                "system": doc["system"],
                "n_atoms": len(frame),
                "potential": info.get("name"),
                **recs[0],
            }
    return {"note": "no network with hops"}


def main() -> None:
    result = {"planted": planted()}
    print(json.dumps(result["planted"], indent=1))
    result["real"] = real()
    OUT.write_text(json.dumps(result, indent=1, default=float))
    print(json.dumps(result["real"]["kmc"], indent=1, default=float))
    print(json.dumps(result["real"]["neb"], indent=1, default=float))


if __name__ == "__main__":
    main()
