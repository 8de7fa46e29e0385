"""Physics gates of every offline teacher, with and without D3(BJ).

Runs :func:`hcflow.services.potential.gate_document` (no database) on the
shipped model, CHGNet 0.3.0, CHGNet r2SCAN and the SevenNet models whose
weights ship in the sevenn 0.13 wheel (in their own venv,
``HCFLOW_SEVENN_PYTHON``), each with and without D3(BJ); the MD gates for
the shipped model. Writes benchmarks/results/potential_gates.json after each
model (a rerun skips models already there unless --force) and the
comparison figure benchmarks/results/potential_gates.png.

Run: nice -n 10 .venv/bin/python benchmarks/potential_gates.py
     [--models chgnet sevennet-0] [--no-md] [--force] [--table]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

OUT = Path(__file__).parent / "results" / "potential_gates.json"
MODELS = [
    "hcflow-nac-small",
    "chgnet",
    "chgnet-r2scan",
    "sevennet-0",
    "sevennet-0-22may2024",
    "sevennet-l3i5",
    "sevennet-mf-0",
    "sevennet-mf-0:r2scan",
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--models", nargs="*", default=MODELS)
    parser.add_argument("--no-md", action="store_true")
    parser.add_argument("--force", action="store_true")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--table", action="store_true", help="Print the table.")
    args = parser.parse_args()
    if args.table:
        print(markdown_table())
        return

    from hcflow.errors import HcflowError
    from hcflow.services.potential import gate_document

    data = json.loads(OUT.read_text()) if OUT.is_file() else {"runs": {}}
    for model in args.models:
        for disp in (None, "d3bj"):
            key = f"{model}|{disp or 'none'}"
            if key in data["runs"] and not args.force:
                continue
            md = False  # the MD gates run last, below
            t0 = time.perf_counter()
            try:
                doc = gate_document(model, disp, md=md, threads=args.threads)
                row = doc.model_dump(mode="json")
            except HcflowError as exc:
                row = {"name": model, "dispersion": disp, "error": str(exc)}
            row["wall_s_total"] = round(time.perf_counter() - t0, 1)
            data["runs"][key] = row
            print(
                key,
                row.get("summary", row.get("error")),
                row["wall_s_total"],
                flush=True,
            )
            OUT.write_text(json.dumps(data, indent=1))
    shipped = "hcflow-nac-small|none"
    if not args.no_md and not data["runs"].get(shipped, {}).get("md"):
        t0 = time.perf_counter()
        doc = gate_document("hcflow-nac-small", None, md=True, threads=args.threads)
        data["runs"][shipped] = doc.model_dump(mode="json")
        data["runs"][shipped]["wall_s_total"] = round(time.perf_counter() - t0, 1)
        print(shipped, "md", doc.summary, flush=True)
        OUT.write_text(json.dumps(data, indent=1))
    from hcflow.potentials.gate_figure import draw_gates

    docs = [r for r in data["runs"].values() if "gates" in r]
    for disp in (None, "d3bj"):
        sel = [d for d in docs if d.get("dispersion") == disp]
        if sel:
            draw_gates(sel, OUT.parent, name=f"potential_gates_{disp or 'none'}")


def markdown_table(path: Path = OUT) -> str:
    """Gate tables of every run in the results file (markdown): one row per
    model and dispersion flag, one table per group of gates."""
    data = json.loads(path.read_text())
    runs = [
        (k.replace("|", " + ").replace(" + none", ""), r)
        for k, r in data["runs"].items()
        if "gates" in r
    ]
    refs = {g["name"]: g for g in runs[0][1]["gates"]}
    groups = [
        ("Na metal, Na2, carbon", ("na_metal", "na2", "carbon")),
        ("Na and carbon", ("na_carbon",)),
    ]
    out = []
    for title, fams in groups:
        names = [n for n, g in refs.items() if g["family"] in fams]
        out.append(f"**{title}**\n")
        out.append("| model | " + " | ".join(names) + " | passed |")
        out.append("|---|" + "---|" * (len(names) + 1))
        refv = [
            ("-" if refs[n]["reference"] is None else f"{refs[n]['reference']:g}")
            + f" ({refs[n]['window']}) {refs[n]['unit']}"
            for n in names
        ]
        out.append("| reference (window) | " + " | ".join(refv) + " | |")
        for key, r in runs:
            gates = {g["name"]: g for g in r["gates"]}
            cells = []
            for n in names:
                g = gates[n]
                v = "no min." if g["value"] is None else f"{g['value']:.3g}"
                cells.append(v if g["status"] == "pass" else f"**{v}** x")
            passed = sum(gates[n]["status"] == "pass" for n in names)
            out.append(
                f"| {key} | " + " | ".join(cells) + f" | {passed}/{len(names)} |"
            )
        out.append("")
    return "\n".join(out)


if __name__ == "__main__":
    main()
