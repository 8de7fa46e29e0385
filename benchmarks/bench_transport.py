"""Transport numbers: interval coverage (old vs new), verdicts, Haven, Ea, AIMD.

Measured (results in benchmarks/results/transport.json):
1. Coverage of the nominal 95 % interval of the tracer D on synthetic
   Brownian trajectories (10 fs frames; 20 ions x 3 ps, 50 ions x 10 ps,
   100 ions x 20 ps; ``--n`` trajectories each), for the new default (GLS
   fit, automatic window, Student-t over ions) and the replaced estimator
   (ordinary least squares on 5-25 % of the run, two-way bootstrap over ions
   and overlapping time-origin blocks; a frozen copy below), with the mean
   relative half-width and the RMS error of D; coverage of the Haven-ratio
   interval of 1.
2. Verdicts on planted cases (free, caged in spheres / harmonic traps, a
   short run of a slow diffuser, velocity memory).
3. Arrhenius: Ea recovered from Brownian trajectories at 5 temperatures
   (known Ea = 0.25 eV), over ``--n-ea`` independent sets: error and
   coverage of the Ea and D(300 K) intervals.
4. The vendored AIMD trajectories (tests/data/transport): hcflow vs
   pymatgen's DiffusionAnalyzer on its own window and weights, hcflow
   defaults with their verdicts, and the time taken by each.

Run: .venv/bin/python benchmarks/bench_transport.py [--n 200] [--n-ea 20]
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).parents[1]
OUT = ROOT / "benchmarks" / "results" / "transport.json"


# ------------------------------------------------- the replaced estimator (frozen)
def _old_block_msd(x, lags, n_blocks):
    n = x.shape[0]
    out = np.empty((x.shape[1], n_blocks, len(lags)))
    for k, lag in enumerate(lags):
        d = x[lag:] - x[: n - lag]
        sq = np.einsum("tid,tid->ti", d, d)
        edges = np.linspace(0, n - lag, n_blocks + 1).round().astype(int)
        edges = np.minimum(edges, n - lag - 1)
        sums = np.add.reduceat(sq, edges[:-1], axis=0)
        counts = np.diff(np.append(edges[:-1], n - lag))
        out[:, :, k] = (sums / np.maximum(counts, 1)[:, None]).T
    return out


def old_interval(x, dt, seed, n_blocks=5, n_bootstrap=1000, n_lags=16):
    """OLS on 5-25 % of the run + two-way (ions x blocks) bootstrap, cm2/s."""
    from hcflow.descriptors.dynamic import fit_slopes, msd_fft

    n_frames, n_ions, _ = x.shape
    lo = max(1, round(0.05 * (n_frames - 1)))
    hi = round(0.25 * (n_frames - 1))
    every = np.arange(lo, hi + 1)
    d_i = fit_slopes(msd_fft(x)[every], every, dt) / 6 * 1e-4
    point = max(float(d_i.mean()), 0.0)
    n_blocks = int(max(1, min(n_blocks, n_frames - hi - 1)))
    lags = np.unique(np.linspace(lo, hi, n_lags).round().astype(int))
    bm = _old_block_msd(x, lags, n_blocks)
    d_ib = fit_slopes(np.moveaxis(bm, 2, 0), lags, dt) / 6 * 1e-4
    rng = np.random.default_rng(seed)
    w_ion = rng.multinomial(n_ions, np.full(n_ions, 1 / n_ions), size=n_bootstrap)
    w_blk = rng.multinomial(n_blocks, np.full(n_blocks, 1 / n_blocks), n_bootstrap)
    boot = np.einsum("ri,ib,rb->r", w_ion, d_ib, w_blk) / (n_ions * n_blocks)
    low, high = np.percentile(boot, [2.5, 97.5]) + point - d_ib.mean()
    return point, max(low, 0.0), high


# ------------------------------------------------------------------ benchmarks
def bench_coverage(n: int) -> dict:
    from hcflow.descriptors.settings import DescriptorSettings
    from hcflow.descriptors.synthetic import brownian
    from hcflow.descriptors.transport import analyse_transport

    s, dt, d_true = DescriptorSettings(), 0.01, 1.0  # A^2/ps = 1e-4 cm2/s
    out = {}
    for n_ions, dur in ((20, 3.0), (50, 10.0), (100, 20.0)):
        n_frames = int(round(dur / dt)) + 1
        win = s.resolve(n_frames, dt)
        rows = {"new": [], "old": []}
        haven, t_new, t_old = [], 0.0, 0.0
        for seed in range(n):
            x = brownian(
                n_na=n_ions,
                n_c=0,
                n_frames=n_frames,
                d_A2_ps=d_true,
                dt_ps=dt,
                seed=10_000 + seed,
            )[1]
            t0 = time.perf_counter()
            t = analyse_transport(x, win, s).trajectory
            t_new += time.perf_counter() - t0
            rows["new"].append((t["D_cm2_s"], t["D_ci95_low"], t["D_ci95_high"]))
            high = t["haven_ci95_high"]
            haven.append(t["haven_ci95_low"] <= 1 <= (high or math.inf))
            t0 = time.perf_counter()
            rows["old"].append(old_interval(x, dt, seed))
            t_old += time.perf_counter() - t0
        res = {}
        for name, r in rows.items():
            a = np.array(r) / (d_true * 1e-4)
            res[name] = {
                "coverage": float(np.mean((a[:, 1] <= 1) & (1 <= a[:, 2]))),
                "mean_rel_half_width": float(np.mean(a[:, 2] - a[:, 1]) / 2),
                "rms_rel_error": float(np.sqrt(np.mean((a[:, 0] - 1) ** 2))),
                "mean_rel_error": float(np.mean(a[:, 0] - 1)),
            }
        res["haven_ci_covers_1"] = float(np.mean(haven))
        res["seconds_per_trajectory"] = {"new": t_new / n, "old": t_old / n}
        out[f"{n_ions}ions_{dur:g}ps"] = {"trajectories": n, **res}
    return out


def bench_verdicts() -> dict:
    from hcflow.descriptors.settings import DescriptorSettings
    from hcflow.descriptors.synthetic import brownian, caged, langevin
    from hcflow.descriptors.transport import analyse_transport

    def run(x, dt=0.01, **kw):
        s = DescriptorSettings(**kw)
        r = analyse_transport(x, s.resolve(len(x), dt), s)
        t = r.trajectory
        return {
            "diffusive": t["diffusive"],
            "outcome": t["diffusion_outcome"],
            "ions_outcomes": {
                o: sum(v.outcome == o for v in r.ion_verdicts)
                for o in ("diffusive", "not diffusive", "undetermined")
            },
            "D_cm2_s": t["D_cm2_s"],
            "msd_loglog_slope": t["msd_loglog_slope"],
            "fit_window_ps": list(r.windows.fit_window_ps),
            "reason": t["diffusive_reason"],
        }

    cases = {}
    for kind in ("sphere", "harmonic"):
        for n_frames in (301, 1001):
            x = caged(40, n_frames, 0.01, 0.67, 1.5, kind)
            cases[f"caged_{kind}_R1.5A_{(n_frames - 1) // 100}ps"] = run(x)
    slow = brownian(n_na=50, n_c=0, n_frames=501, d_A2_ps=0.01, dt_ps=0.01)[1]
    cases["slow_D1e-6_5ps"] = run(slow)
    free = brownian(n_na=100, n_c=0, n_frames=1001, d_A2_ps=1.0, dt_ps=0.01)[1]
    cases["free_D1e-4_10ps_100ions"] = run(free) | {"D_true": 1e-4}
    lang = langevin(400, 1001, 0.01, 1.0, 0.5)
    cases["langevin_tau0.5ps_auto"] = run(lang) | {"D_true": 1e-4}
    cases["langevin_tau0.5ps_fraction_window"] = run(lang, fit_window="fraction")
    return cases


def bench_arrhenius(n_sets: int) -> dict:
    from hcflow.analysis.arrhenius import KB_EV_K, fit_arrhenius
    from hcflow.descriptors.settings import DescriptorSettings
    from hcflow.descriptors.synthetic import brownian
    from hcflow.descriptors.transport import analyse_transport

    ea, d0, temps = 0.25, 1e-3, (600, 750, 900, 1050, 1200)
    s, rows = DescriptorSettings(), []
    for k in range(n_sets):
        points = []
        for i, temp in enumerate(temps):
            d = d0 * math.exp(-ea / (KB_EV_K * temp))
            x = brownian(
                n_na=100,
                n_c=0,
                n_frames=2000,
                d_A2_ps=d * 1e4,
                dt_ps=0.1,
                seed=100 * k + i,
            )[1]
            t = analyse_transport(x, s.resolve(2000, 0.1), s).trajectory
            points.append(t | {"temperature_K": temp})
        r = fit_arrhenius(points)
        d300 = d0 * math.exp(-ea / (KB_EV_K * 300))
        rows.append(
            (
                r["Ea_eV"] - ea,
                r["Ea_ci95_low"] <= ea <= r["Ea_ci95_high"],
                r["D_extrapolated_ci95_low"] <= d300 <= r["D_extrapolated_ci95_high"],
                r["Ea_ci95_high"] - r["Ea_ci95_low"],
            )
        )
    a = np.array(rows, float)
    return {
        "sets": n_sets,
        "temperatures_K": list(temps),
        "Ea_true_eV": ea,
        "Ea_max_abs_error_eV": float(np.abs(a[:, 0]).max()),
        "Ea_rms_error_eV": float(np.sqrt(np.mean(a[:, 0] ** 2))),
        "Ea_ci_coverage": float(a[:, 1].mean()),
        "D300K_ci_coverage": float(a[:, 2].mean()),
        "Ea_ci_mean_width_eV": float(a[:, 3].mean()),
    }


def bench_aimd() -> dict:
    sys.path.insert(0, str(ROOT / "tests" / "descriptors"))
    from test_external_aimd import CASES, load, ours, pymatgen_d

    out = {}
    for name, (_, ref, ref_source) in CASES.items():
        t0 = time.perf_counter()
        da = pymatgen_d(name)
        t_pmg = time.perf_counter() - t0
        _, _, _, _, dt = load(name)
        fs = dt * 1000
        window = {
            "fit_start_ps": round(da.dt[0] / fs) * dt,
            "fit_stop_ps": round(da.dt[-1] / fs) * dt,
        }
        same = ours(name, **window, fit_weighting="inverse_lag")
        gls_same = ours(name, **window)
        t0 = time.perf_counter()
        default = ours(name)
        t_ours = time.perf_counter() - t0
        ref = ref or da.diffusivity
        out[name] = {
            "pymatgen_D_cm2_s": float(da.diffusivity),
            "pymatgen_window_ps": [float(da.dt[0]) / 1000, float(da.dt[-1]) / 1000],
            "hcflow_same_window_weights_ratio": same["D_cm2_s"] / da.diffusivity,
            "hcflow_same_window_gls_ratio": gls_same["D_cm2_s"] / da.diffusivity,
            "reference_D_cm2_s": ref,
            "reference": ref_source,
            "hcflow_default_D_cm2_s": default["D_cm2_s"],
            "hcflow_default_ci95": [default["D_ci95_low"], default["D_ci95_high"]],
            "hcflow_default_ratio_to_reference": default["D_cm2_s"] / ref,
            "hcflow_default_diffusive": default["diffusive"],
            "hcflow_default_reason": default["diffusive_reason"],
            "hcflow_default_haven_ratio": default["haven_ratio"],
            "seconds_pymatgen_constructor": t_pmg,
            "seconds_hcflow_transport": t_ours,
        }
    return out


def main() -> dict:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--n-ea", type=int, default=20)
    args = parser.parse_args()
    t0 = time.perf_counter()
    results = {
        "coverage": bench_coverage(args.n),
        "verdicts": bench_verdicts(),
        "arrhenius": bench_arrhenius(args.n_ea),
        "aimd": bench_aimd(),
    }
    results["seconds_total"] = time.perf_counter() - t0
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps(results, indent=1))
    print("95 % interval coverage of the tracer D (Brownian, 10 fs frames):")
    for key, r in results["coverage"].items():
        print(
            f"  {key:16s} new {r['new']['coverage']:.3f} (half-width "
            f"{r['new']['mean_rel_half_width']:.3f}, rms err "
            f"{r['new']['rms_rel_error']:.3f})   old {r['old']['coverage']:.3f} "
            f"(half-width {r['old']['mean_rel_half_width']:.3f}, rms err "
            f"{r['old']['rms_rel_error']:.3f})   Haven covers 1: "
            f"{r['haven_ci_covers_1']:.3f}"
        )
    print("verdicts:")
    for key, r in results["verdicts"].items():
        print(
            f"  {key:34s} diffusive={r['diffusive']!s:5s} ions "
            f"{r['ions_diffusive']:.2f} D={r['D_cm2_s']:.3e} "
            f"slope={r['msd_loglog_slope']:.2f}"
        )
    a = results["arrhenius"]
    print(
        f"Arrhenius ({a['sets']} sets): Ea max |err| {a['Ea_max_abs_error_eV']:.4f} "
        f"eV, rms {a['Ea_rms_error_eV']:.4f} eV, Ea CI coverage "
        f"{a['Ea_ci_coverage']:.2f}, D(300 K) CI coverage {a['D300K_ci_coverage']:.2f}"
    )
    print("AIMD trajectories:")
    for key, r in results["aimd"].items():
        print(
            f"  {key:18s} same window+weights/pymatgen "
            f"{r['hcflow_same_window_weights_ratio']:.4f}; default "
            f"{r['hcflow_default_D_cm2_s']:.3e} = "
            f"{r['hcflow_default_ratio_to_reference']:.2f} x reference, diffusive="
            f"{r['hcflow_default_diffusive']}; hcflow "
            f"{r['seconds_hcflow_transport']:.2f} s, pymatgen "
            f"{r['seconds_pymatgen_constructor']:.2f} s"
        )
    print(f"total {results['seconds_total']:.0f} s")
    return results


if __name__ == "__main__":
    main()
