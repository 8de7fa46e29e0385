"""The self-contained HTML page: figures embedded as base64, tables, limits."""

from __future__ import annotations

import base64
import html
from datetime import UTC, datetime

import hcflow

CAPTIONS = {
    "msd": "Ion-averaged Na MSD per system, log-log; lines are the straight-line "
    "fits (slope 6D, with intercept) over the fit window that gives tracer D.",
    "diffusion": "Tracer D of Na vs carbon density and vs Na content, one line "
    "per loading (or density) and temperature; error bars are 95 % intervals "
    "(generalised least squares on the MSD); open markers are not diffusive "
    "(MSD slope outside 0.85-1.15 or too short a distance): an upper bound, "
    "not a D (reason in the table).",
    "pores": "Pore size distribution of each carbon framework (fraction of pore "
    "volume by local pore diameter).",
    "mode_map": "Ions in the first two principal components of the standardised "
    "descriptors, coloured by diffusion mode.",
    "mode_centroids": "Mode centroids, z-scored across modes per descriptor.",
    "mode_fractions": "Fraction of ions in each mode vs density and Na content.",
    "drivers": "Permutation importance of structural descriptors for log10 D_i "
    "(grouped cross-validation by trajectory), with 95 % intervals.",
    "arrhenius": "Tracer D vs 1000/T per system: filled circles are diffusive "
    "points (95 % intervals) used in the fit; open triangles are excluded points "
    "(not diffusive: an upper bound, not a D); solid line: fit, dashed: "
    "extrapolation with its 95 % band to the open square at 300 K (a fit that "
    "fails its validity check: dotted, no band; the axis "
    "follows the data; a band wider than it is clipped).",
    "arrhenius_modes": "Mean D of each diffusion mode vs 1000/T (same marks); "
    "a mode without 3 diffusive temperatures has no line.",
    "correlations": "Spearman correlation of mode fractions and mobility with "
    "processing variables; * marks p < 0.05.",
}

LIMITS = (
    "Short CPU runs (a few ps, tens of Na ions per cell) give tracer D with wide "
    "intervals and few hop events per ion; mode and driver results from such "
    "data are illustrations of the pipeline, not converged science. Scale the "
    "study file up (longer production, bigger cells, replicas, a foundation "
    "model, a cluster through jobflow-remote) for publishable numbers."
)


def _img(path) -> str:
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return f'<img src="data:image/png;base64,{data}" alt="{path.stem}">'


def write_html(result, study_id=None, query=None) -> None:
    """Write ``index.html`` (every figure embedded and linked)."""
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        "<title>hcflow report</title><style>",
        "body{font-family:sans-serif;max-width:1000px;margin:2em auto;color:#222}",
        "img{max-width:100%;border:1px solid #ddd}figure{margin:1.5em 0}",
        "table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ccc;"
        "padding:3px 8px;text-align:right}.note{color:#a33}",
        "</style></head><body>",
        "<h1>hcflow report: Na transport in hard carbon</h1>",
        f"<p>Study: <b>{html.escape(str(study_id or 'all'))}</b>; query: "
        f"<code>{html.escape(str(query or {}))}</code>; hcflow "
        f"{hcflow.__version__}; {datetime.now(UTC):%Y-%m-%d %H:%M} UTC.</p>",
        f"<p><b>Limits.</b> {html.escape(LIMITS)}</p>",
    ]
    if result.systems is not None:
        t = result.systems.copy()
        for c in ("D_cm2_s", "D_ci95_low", "D_ci95_high"):
            if c in t:
                t[c] = t[c].map(lambda v: f"{v:.2e}" if v == v else "n/a")
        parts += ["<h2>Systems</h2>", t.to_html(index=False, float_format="%.3f")]
    parts.append("<h2>Figures</h2>")
    for key, png in result.figures.items():
        cap = html.escape(CAPTIONS.get(key, key))
        parts.append(
            f"<figure id='{key}'>{_img(png)}<figcaption>{cap} "
            f"[<a href='{png.name}'>{png.name}</a>, "
            f"<a href='{key}.csv'>{key}.csv</a>]</figcaption></figure>"
        )
    if result.skipped:
        parts.append("<h2>Not drawn</h2><ul>")
        for key, why in result.skipped.items():
            parts.append(f"<li class='note'>{key}: {html.escape(why)}</li>")
        parts.append("</ul>")
    parts.append("</body></html>")
    result.html.write_text("\n".join(parts))
