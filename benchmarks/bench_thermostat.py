"""Does the production thermostat bias D(Na)? Bussi vs NVE vs Langevin 10/ps.

The same small Na/C cell (hard carbon at low density, Na:C = 0.25, the
shipped MACE model) at a high temperature, so Na diffuses within a ps:

1. ``R`` replicas of the cell (different structures and seeds) are
   equilibrated once with Langevin (``--eq-steps``), as a study would.
2. From each equilibrated replica, production runs with each method from
   the same Maxwell-Boltzmann velocities (same seed per replica across
   methods): ``nvt-bussi`` (the new default, ``--taut`` fs), ``nve`` and
   ``nvt-langevin`` (the old default, ``--friction`` ps^-1). All
   ``3 x R`` runs go through one :func:`hcflow.md.batched.run_batched_md`
   call (one model call per step for all of them).
3. Per method, the Na ions of all replicas (each replica drift-corrected by
   its own carbon framework) are pooled into one
   :func:`hcflow.descriptors.transport.analyse_transport` call: the tracer D
   with its 95 % interval (Student-t over ions, GLS fit, automatic window)
   and the diffusive verdict.

Reported: D per method with interval; whether Bussi and NVE intervals overlap;
the Langevin bias ratio D_langevin / D_bussi with a 95 % interval (delta
method on the two independent-ion intervals; the runs share starting states,
so this is conservative); the analytic cap kT / (m gamma) and the simple
friction-in-series estimate 1 / (1/D_nve + 1/cap); the mean final temperature
per method.

Run: nice -n 5 .venv/bin/python benchmarks/bench_thermostat.py
     [--replicas 3] [--n-carbon 80] [--density 1.0] [--na-per-c 0.25]
     [--temperature 1500] [--timestep 2] [--eq-steps 250] [--steps 500]
     [--frame-interval 5] [--taut 100] [--friction 10] [--threads 2]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from pathlib import Path

import numpy as np

OUT = Path(__file__).parent / "results" / "thermostat.json"
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

METHODS = ("nvt-bussi", "nve", "nvt-langevin")


def langevin_cap_cm2_s(temperature_K: float, mass_amu: float, gamma_ps: float):
    """kT / (m gamma): the D of a free particle under Langevin friction, cm2/s."""
    from ase import units

    kt_j = units.kB * temperature_K * units._e  # J
    m_kg = mass_amu * units._amu
    return kt_j / (m_kg * gamma_ps * 1e12) * 1e4  # m2/s -> cm2/s


def _cells(args):
    from hcflow.structures.hardcarbon import generate_hard_carbon
    from hcflow.structures.sodiation import sodiate

    out = []
    for r in range(args.replicas):
        hc = generate_hard_carbon(args.n_carbon, args.density, seed=100 + r)
        out.append(sodiate(hc, args.na_per_c, seed=100 + r))
    return out


def _pooled_na(results) -> tuple[np.ndarray, float]:
    """(frames, ions of all replicas, 3) drift-corrected Na positions, frame dt."""
    parts = []
    for res in results:
        traj = res.trajectory
        pos = traj.positions
        na = traj.numbers == 11
        fw = pos[:, ~na]
        drift = (fw - fw[:1]).mean(axis=1)
        parts.append(pos[:, na] - drift[:, None, :])
    n = min(len(p) for p in parts)
    return np.concatenate([p[:n] for p in parts], axis=1), traj.frame_dt_ps


def _transport(results) -> dict:
    from hcflow.descriptors.settings import DescriptorSettings
    from hcflow.descriptors.transport import analyse_transport

    x, dt = _pooled_na(results)
    settings = DescriptorSettings(coarse_ps=0.1)  # transport only: no site hops
    tr = analyse_transport(x, settings.resolve(len(x), dt), settings)
    t = tr.trajectory
    keys = (
        "D_cm2_s",
        "D_ci95_low",
        "D_ci95_high",
        "D_std_cm2_s",
        "D_interval_method",
        "diffusive",
        "diffusive_reason",
        "msd_loglog_slope",
    )
    out = {k: t[k] for k in keys}
    out["fit_window_ps"] = [
        tr.windows.fit_lag_start * dt,
        tr.windows.fit_lag_stop * dt,
    ]
    out["n_ions"] = int(x.shape[1])
    out["duration_ps"] = float((len(x) - 1) * dt)
    return out


def _ratio(a: dict, b: dict) -> dict:
    """a/b with a 95 % interval from the two (independent) standard errors."""
    r = a["D_cm2_s"] / b["D_cm2_s"]
    rel = math.hypot(a["D_std_cm2_s"] / a["D_cm2_s"], b["D_std_cm2_s"] / b["D_cm2_s"])
    return {
        "ratio": r,
        "ci95_low": r * math.exp(-1.96 * rel),
        "ci95_high": r * math.exp(1.96 * rel),
    }


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--replicas", type=int, default=3)
    ap.add_argument("--n-carbon", type=int, default=80)
    ap.add_argument("--density", type=float, default=1.0)
    ap.add_argument("--na-per-c", type=float, default=0.25)
    ap.add_argument("--temperature", type=float, default=1500.0)
    ap.add_argument("--timestep", type=float, default=2.0)
    ap.add_argument("--eq-steps", type=int, default=250)
    ap.add_argument("--steps", type=int, default=500)
    ap.add_argument("--frame-interval", type=int, default=5)
    ap.add_argument("--taut", type=float, default=100.0)
    ap.add_argument("--friction", type=float, default=10.0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)

    from hcflow.md.batched import Replica, run_batched_md
    from hcflow.potentials import resolve_potential
    from hcflow.potentials.fast_mace import BatchedMACECalculator
    from hcflow.settings import get_settings

    t_start, load0 = time.perf_counter(), os.getloadavg()
    pinfo = resolve_potential(get_settings().model)
    calc = BatchedMACECalculator(pinfo.path, threads=args.threads)
    cells = _cells(args)
    common = dict(
        timestep_fs=args.timestep,
        friction_per_ps=args.friction,
        taut_fs=args.taut,
        equilibration_steps=0,
    )
    eq = run_batched_md(
        [
            Replica(
                c,
                {
                    "ensemble": "nvt-langevin",
                    "production_steps": args.eq_steps,
                    "frame_interval": args.eq_steps,
                    **common,
                },
                args.temperature,
                seed=r,
            )
            for r, c in enumerate(cells)
        ],
        pinfo.path,
        calculator=calc,
        progress=False,
    )
    bad = [r.reason for r in eq if r.state != "successful"]
    if bad:
        raise SystemExit(f"equilibration failed: {bad}")
    t_eq = time.perf_counter() - t_start
    start = [r.atoms for r in eq]
    reps = [
        Replica(
            start[r],
            {
                "ensemble": m,
                "production_steps": args.steps,
                "frame_interval": args.frame_interval,
                **common,
            },
            args.temperature,
            seed=1000 + r,  # the same velocities and noise seed for every method
        )
        for m in METHODS
        for r in range(args.replicas)
    ]
    prod = run_batched_md(reps, pinfo.path, calculator=calc, progress=True)
    bad = [
        (s.md["ensemble"], r.reason)
        for s, r in zip(reps, prod, strict=True)
        if r.state != "successful"
    ]
    if bad:
        raise SystemExit(f"production failed: {bad}")
    rows = {}
    for i, m in enumerate(METHODS):
        res = prod[i * args.replicas : (i + 1) * args.replicas]
        rows[m] = _transport(res)
        rows[m]["final_temperature_K"] = [float(r.atoms.get_temperature()) for r in res]
        rows[m]["potential_energy_mean_eV"] = float(
            np.mean([np.mean(r.trajectory.energies) for r in res])
        )
    cap = langevin_cap_cm2_s(args.temperature, 22.98977, args.friction)
    b, n, lg = rows["nvt-bussi"], rows["nve"], rows["nvt-langevin"]
    overlap = (
        b["D_ci95_low"] <= n["D_ci95_high"] and n["D_ci95_low"] <= b["D_ci95_high"]
    )
    out = {
        "what": "D(Na) of the same cells and seeds: production thermostat Bussi "
        "(new default) vs NVE vs Langevin (old default); 95 % intervals "
        "(hcflow.descriptors.transport, ions of all replicas pooled)",
        "command": "nice -n 5 .venv/bin/python benchmarks/bench_thermostat.py "
        + " ".join(sys.argv[1:] if argv is None else argv),
        "settings": {k: v for k, v in vars(args).items() if k != "out"},
        "n_atoms": len(cells[0]),
        "formula": cells[0].get_chemical_formula(),
        "methods": rows,
        "bussi_nve_intervals_overlap": bool(overlap),
        "ratio_bussi_over_nve": _ratio(b, n),
        "ratio_langevin_over_bussi": _ratio(lg, b),
        "ratio_langevin_over_nve": _ratio(lg, n),
        "langevin_cap_kT_over_m_gamma_cm2_s": cap,
        "langevin_series_estimate_cm2_s": 1.0 / (1.0 / n["D_cm2_s"] + 1.0 / cap),
        "seconds": {"equilibration": t_eq, "total": time.perf_counter() - t_start},
        "load_average": {
            "start": load0,
            "end": os.getloadavg(),
            "cpus": os.cpu_count(),
        },
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=1, default=float))
    for m, row in rows.items():
        print(
            f"{m:13s} D = {row['D_cm2_s']:.3e} cm2/s "
            f"[{row['D_ci95_low']:.3e}, {row['D_ci95_high']:.3e}] "
            f"diffusive={row['diffusive']} slope={row['msd_loglog_slope']:.2f}"
        )
    lr = out["ratio_langevin_over_bussi"]
    print(
        f"Bussi/NVE intervals overlap: {overlap}; Langevin/Bussi = {lr['ratio']:.2f} "
        f"[{lr['ci95_low']:.2f}, {lr['ci95_high']:.2f}]; cap kT/(m gamma) = "
        f"{cap:.2e} cm2/s; {out['seconds']['total']:.0f} s"
    )
    return out


if __name__ == "__main__":
    main()
