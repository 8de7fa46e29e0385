"""Realism of the generated hard carbon over the density grid 0.7-2.0 g/cm3.

For every density and every seed (``--seeds``: a seed ensemble) the
melt-quench generator (default protocol, ``--n`` C, content-addressed: cells
already generated are reused) makes one cell (``--quick``: the domain packer
too, for comparison); ``validate_structure`` measures sp/sp2/sp3 shares,
5/6/7 rings, the (002) peak of S(q) (d002, prominence, Scherrer Lc, La), the
local stacking distance and the pore-size distribution (probe 2.3 A).
``summary`` holds, per density, the mean, standard deviation, min and max
over seeds of every figure, and the targets (1.0-1.6 g/cm3, >= 1,000 C:
sp2 >= 0.85, sp <= 0.05, d002 3.5-4.0 A with a visible 002 peak in every
seed) judged on the mean with its spread.

Writes results/structure_validation.json and
docs/figures/structure_validation.png (``--out``/``--figure`` to change).
Issue-28 ensemble (3 seeds x 5 densities x 1,000 C, hours of CPU):
    nice -n 10 .venv/bin/python benchmarks/validate_structures.py \
        --seeds 0 1 2 --out benchmarks/results/structure_validation_seeds.json

Run (the default protocol is 146,000 MD steps: REBO ran 64,000-72,000
atom-steps/s on one core of the shared machine, so about 38 min per 1,000-C
cell there; benchmarks/results/meltquench_timing.json):
    nice -n 5 .venv/bin/python benchmarks/validate_structures.py \
        [--n 1000] [--densities 0.7 1.0 1.3 1.6 2.0] [--protocol JSON]
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import numpy as np

from hcflow.structures.hardcarbon import generate_hard_carbon
from hcflow.structures.meltquench import MeltQuenchProtocol, generate_melt_quench
from hcflow.structures.validation import LITERATURE, validate_structure

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "results" / "structure_validation.json"
FIG = ROOT / "docs" / "figures" / "structure_validation.png"


def row(method: str, atoms, wall: float, rho: float) -> dict:
    v = validate_structure(atoms, pore_spacing=0.5)
    h, r, p = v["hybridisation"], v["rings"], v["pores"]
    info = atoms.info.get("hcflow", {})
    out = {
        "method": method,
        "density_g_cm3": rho,
        "n_carbon": v["n_carbon"],
        "wall_s": round(wall, 1),
        "source": info.get("source"),
        "generation_wall_s": info.get("wall_s"),
        "content_hash": info.get("content_hash"),
        "sp": h["sp_fraction"],
        "sp2": h["sp2_fraction"],
        "sp3": h["sp3_fraction"],
        "rings_per_atom": r["per_atom"],
        "ring_share_5_6_7": r["share_5_6_7"],
        "seed": info.get("seed"),
        "d002_A": v["d002"]["d002_A"],
        "d002_reliable": v["d002"]["d002_reliable"],
        "peak_002_visible": v["d002"]["peak_002_visible"],
        "prominence002": v["d002"]["prominence002"],
        "Lc_A": v["d002"]["Lc_A"],
        "La_A": v["d002"]["La_A"],
        "stacking_A": v["stacking"]["stacking_A"],
        "stacking_iqr_A": v["stacking"]["stacking_iqr_A"],
        "stacked_fraction": v["stacking"]["stacked_fraction"],
        "pores": p,
        "checks": {k: c["ok"] for k, c in v["checks"].items()},
        "in_target_window": v["in_target_window"],
    }
    print(
        f"{method:5s} rho={rho:.2f} n={out['n_carbon']}: sp/sp2/sp3 = "
        f"{out['sp']:.3f}/{out['sp2']:.3f}/{out['sp3']:.3f}, rings 5/6/7 = "
        + "/".join(f"{out['ring_share_5_6_7'][k]:.2f}" for k in "567")
        + f", d002 = {_f(out['d002_A'])} A, stacking = {_f(out['stacking_A'])} A "
        f"({out['stacked_fraction']:.0%} stacked), PSD median "
        f"{p['median_pore_diameter']:.2f} A, LCD {p['largest_cavity_diameter']:.2f} A"
        f" [{out['wall_s']} s, {out['source']}; MD {out['generation_wall_s']} s]",
        flush=True,
    )
    return out


def _f(x) -> str:
    return "n/a" if x is None else f"{x:.2f}"


def figure(rows: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    summ = summarize(rows)
    first = min(r["seed"] for r in rows if r["method"] == "md")
    md = [r for r in rows if r["method"] == "md" and r["seed"] == first]
    qk = [r for r in rows if r["method"] == "quick" and r["seed"] == first]
    x = [r["density_g_cm3"] for r in md]
    xs = [s_["density_g_cm3"] for s_ in summ]

    def ms(key):
        st = [s_["stats"][key] for s_ in summ]
        return (
            [np.nan if v is None else v["mean"] for v in st],
            [0.0 if v is None else v["std"] for v in st],
        )

    fig, ax = plt.subplots(2, 2, figsize=(10, 8))
    a = ax[0, 0]
    a.axhspan(0.85, 1.0, color="tab:green", alpha=0.12, label="target sp2 >= 0.85")
    a.axhspan(0.0, 0.05, color="tab:orange", alpha=0.12, label="target sp <= 0.05")
    for key, c in (("sp2", "tab:green"), ("sp", "tab:orange"), ("sp3", "tab:blue")):
        m, e = ms(key)
        a.errorbar(xs, m, yerr=e, fmt="o-", capsize=3, color=c, label=f"{key} (MD)")
        if qk:
            a.plot(
                [r["density_g_cm3"] for r in qk],
                [r[key] for r in qk],
                "x--",
                color=c,
                alpha=0.6,
                label=f"{key} (quick packer)",
            )
    a.axvspan(1.0, 1.6, color="grey", alpha=0.08)
    a.set(xlabel="carbon density (g/cm3)", ylabel="fraction of C", ylim=(0, 1.02))
    a.set_title("hybridisation (mean +- std over seeds)")
    a.legend(fontsize=7, loc="center right")
    a = ax[0, 1]
    for k, c in (("5", "tab:red"), ("6", "tab:green"), ("7", "tab:purple")):
        a.plot(x, [r["rings_per_atom"][k] for r in md], "o-", color=c, label=f"{k}")
    a.set(xlabel="carbon density (g/cm3)", ylabel="rings per C atom")
    a.set_title(f"shortest-path rings (seed {first}; graphite: 0.5 6-rings per C)")
    a.legend(title="ring size", fontsize=8)
    a = ax[1, 0]
    a.axhspan(3.5, 4.0, color="tab:green", alpha=0.12, label="hard carbon 3.5-4.0 A")
    a.axhline(3.35, color="k", ls=":", lw=1, label="graphite 3.35 A")
    m, e = ms("d002_A")
    a.errorbar(xs, m, yerr=e, fmt="s-", capsize=3, label="d002 (visible 002 peaks)")
    m, e = ms("stacking_A")
    a.errorbar(xs, m, yerr=e, fmt="o-", capsize=3, label="local stacking distance")
    a.set(xlabel="carbon density (g/cm3)", ylabel="interlayer spacing (A)")
    a.set_title("interlayer spacing")
    a.legend(fontsize=7)
    a = ax[1, 1]
    cmap = plt.get_cmap("viridis")
    for i, r in enumerate(md):
        p = r["pores"]
        edges = np.asarray(p["psd_bin_edges"])
        centres = 0.5 * (edges[1:] + edges[:-1])
        a.plot(
            centres,
            p["psd_fraction"],
            color=cmap(i / max(1, len(md) - 1)),
            label=f"{r['density_g_cm3']:.1f} g/cm3",
        )
    a.set(xlabel="local pore diameter (A)", ylabel="share of accessible volume")
    a.set_title("pore-size distribution (probe 2.3 A)")
    a.legend(fontsize=8)
    n = md[0]["n_carbon"] if md else 0
    fig.suptitle(
        f"Melt-quench hard carbon ({n} C per cell, LAMMPS) vs literature ranges",
        fontsize=11,
    )
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


SUMMARY_KEYS = (
    "sp",
    "sp2",
    "sp3",
    "d002_A",
    "prominence002",
    "Lc_A",
    "La_A",
    "stacking_A",
    "stacked_fraction",
    "generation_wall_s",
)


def summarize(rows: list[dict]) -> list[dict]:
    """Per density: mean/std/min/max over seeds and the targets on the mean."""
    out = []
    md = [r for r in rows if r["method"] == "md"]
    for rho in sorted({r["density_g_cm3"] for r in md}):
        rs = [r for r in md if r["density_g_cm3"] == rho]
        stats = {}
        for k in SUMMARY_KEYS:
            v = np.array([r[k] for r in rs if r.get(k) is not None], float)
            stats[k] = (
                None
                if len(v) == 0
                else {
                    "mean": float(v.mean()),
                    "std": float(v.std(ddof=1)) if len(v) > 1 else 0.0,
                    "min": float(v.min()),
                    "max": float(v.max()),
                    "n": int(len(v)),
                }
            )
        lcd = np.array([r["pores"]["largest_cavity_diameter"] for r in rs])
        stats["largest_cavity_A"] = {"mean": float(lcd.mean()), "max": float(lcd.max())}
        mean = {k: (v or {}).get("mean") for k, v in stats.items()}
        d = mean["d002_A"]
        out.append(
            {
                "density_g_cm3": rho,
                "seeds": [r["seed"] for r in rs],
                "stats": stats,
                "targets": {
                    "sp2_mean_ge_0.85": mean["sp2"] >= 0.85,
                    "sp_mean_le_0.05": mean["sp"] <= 0.05,
                    "sp_mean_plus_std_le_0.05": mean["sp"] + stats["sp"]["std"] <= 0.05,
                    "peak_002_visible_all_seeds": all(
                        r["peak_002_visible"] for r in rs
                    ),
                    "d002_mean_in_3.5_4.0": d is not None and 3.5 <= d <= 4.0,
                },
            }
        )
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument(
        "--densities", type=float, nargs="+", default=[0.7, 1.0, 1.3, 1.6, 2.0]
    )
    ap.add_argument("--seeds", type=int, nargs="+", default=[0])
    ap.add_argument("--protocol", default="{}", help="MeltQuenchProtocol JSON")
    ap.add_argument("--quick", action="store_true", help="also the quick packer")
    ap.add_argument("--out", type=Path, default=OUT, help="results JSON")
    ap.add_argument("--figure", type=Path, default=FIG, help="figure PNG")
    ap.add_argument(
        "--resume", action="store_true", help="keep the rows already in --out"
    )
    ap.add_argument(
        "--by-density", action="store_true", help="all seeds of a density first"
    )
    args = ap.parse_args()
    proto = MeltQuenchProtocol(**json.loads(args.protocol))
    rows = []
    if args.resume and args.out.exists():
        rows = json.loads(args.out.read_text())["rows"]
    done = {(r["method"], r["density_g_cm3"], r["seed"]) for r in rows}
    load0 = os.getloadavg()[0]
    pairs = [(s, d) for s in args.seeds for d in args.densities]
    if args.by_density:
        pairs = [(s, d) for d in args.densities for s in args.seeds]
    for seed, rho in pairs:  # default: every density once before the next seed
        if ("md", rho, seed) not in done:
            t0 = time.perf_counter()
            atoms = generate_melt_quench(args.n, rho, seed, proto)
            rows.append(row("md", atoms, time.perf_counter() - t0, rho))
        if args.quick and ("quick", rho, seed) not in done:
            t0 = time.perf_counter()
            atoms = generate_hard_carbon(args.n, rho, seed)
            rows.append(row("quick", atoms, time.perf_counter() - t0, rho))
        _write(args, proto, load0, rows)  # partial results survive
    figure(rows, args.figure)
    print(f"wrote {args.out} and {args.figure}")


def _write(args, proto, load0: float, rows: list[dict]) -> None:
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps(
            {
                "protocol": proto.model_dump(),
                "n_carbon": args.n,
                "seeds": args.seeds,
                "literature": LITERATURE,
                "load_average_start": load0,
                "summary": summarize(rows),
                "rows": rows,
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
