"""Realism of the generated hard carbon over the density grid 0.7-2.0 g/cm3.

For every density the melt-quench generator (default protocol, ``--n`` C,
content-addressed: cells already generated are reused) and, for comparison,
the quick domain packer make one cell each; ``validate_structure`` measures
sp/sp2/sp3 shares, 5/6/7 rings, the interlayer spacing (S(q) 002 peak and
local stacking distance) and the pore-size distribution (probe 2.3 A), and
checks the issue-15 targets (1.0-1.6 g/cm3, >= 1,000 C: sp2 >= 0.85,
sp <= 0.05, interlayer 3.5-4.0 A).

Writes results/structure_validation.json and
docs/figures/structure_validation.png.

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
        "d002_A": v["d002"]["d002_A"],
        "d002_reliable": v["d002"]["d002_reliable"],
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

    md = [r for r in rows if r["method"] == "md"]
    qk = [r for r in rows if r["method"] == "quick"]
    x = [r["density_g_cm3"] for r in md]
    fig, ax = plt.subplots(2, 2, figsize=(10, 8))
    a = ax[0, 0]
    a.axhspan(0.85, 1.0, color="tab:green", alpha=0.12, label="target sp2 >= 0.85")
    a.axhspan(0.0, 0.05, color="tab:orange", alpha=0.12, label="target sp <= 0.05")
    for key, c in (("sp2", "tab:green"), ("sp", "tab:orange"), ("sp3", "tab:blue")):
        a.plot(x, [r[key] for r in md], "o-", color=c, label=f"{key} (melt-quench)")
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
    a.set_title("hybridisation (C-C < 1.85 A)")
    a.legend(fontsize=7, loc="center right")
    a = ax[0, 1]
    for k, c in (("5", "tab:red"), ("6", "tab:green"), ("7", "tab:purple")):
        a.plot(x, [r["rings_per_atom"][k] for r in md], "o-", color=c, label=f"{k}")
    a.set(xlabel="carbon density (g/cm3)", ylabel="rings per C atom")
    a.set_title("shortest-path rings (graphite: 0.5 hexagons per C)")
    a.legend(title="ring size", fontsize=8)
    a = ax[1, 0]
    a.axhspan(3.5, 4.0, color="tab:green", alpha=0.12, label="hard carbon 3.5-4.0 A")
    a.axhline(3.35, color="k", ls=":", lw=1, label="graphite 3.35 A")
    a.plot(x, [r["d002_A"] for r in md], "s-", label="d002 = 2 pi / q(002 peak)")
    lo = [
        r["stacking_A"] - r["stacking_iqr_A"][0] if r["stacking_A"] else 0 for r in md
    ]
    hi = [
        r["stacking_iqr_A"][1] - r["stacking_A"] if r["stacking_A"] else 0 for r in md
    ]
    a.errorbar(
        x,
        [r["stacking_A"] for r in md],
        yerr=[lo, hi],
        fmt="o-",
        capsize=3,
        label="local stacking distance (median, IQR)",
    )
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


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument(
        "--densities", type=float, nargs="+", default=[0.7, 1.0, 1.3, 1.6, 2.0]
    )
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--protocol", default="{}", help="MeltQuenchProtocol JSON")
    ap.add_argument("--no-quick", action="store_true")
    ap.add_argument("--out", type=Path, default=OUT, help="results JSON")
    ap.add_argument("--figure", type=Path, default=FIG, help="figure PNG")
    args = ap.parse_args()
    proto = MeltQuenchProtocol(**json.loads(args.protocol))
    rows = []
    load0 = os.getloadavg()[0]
    for rho in args.densities:
        t0 = time.perf_counter()
        atoms = generate_melt_quench(args.n, rho, args.seed, proto)
        rows.append(row("md", atoms, time.perf_counter() - t0, rho))
        if not args.no_quick:
            t0 = time.perf_counter()
            atoms = generate_hard_carbon(args.n, rho, args.seed)
            rows.append(row("quick", atoms, time.perf_counter() - t0, rho))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps(
            {
                "protocol": proto.model_dump(),
                "n_carbon": args.n,
                "seed": args.seed,
                "literature": LITERATURE,
                "load_average_start": load0,
                "rows": rows,
            },
            indent=1,
        )
    )
    figure(rows, args.figure)
    print(f"wrote {args.out} and {args.figure}")


if __name__ == "__main__":
    main()
