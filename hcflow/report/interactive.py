"""The interactive report page: plotly figures and a 3D view of a cell.

One page (``interactive.html``) beside the PNG/SVG figures kept for papers;
plotly.js is written once next to it (``plotly.min.js``), so the page works
offline and stays small. Markers have one meaning everywhere: filled = a
diffusive D with its 95 % interval, open = not diffusive (an upper bound).
"""

from __future__ import annotations

import html
from pathlib import Path

import numpy as np
import pandas as pd

#: Colours (Okabe-Ito), also used by the static figures.
COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9")
D_AXIS = "tracer D<sub>Na</sub> (cm²/s)"


def _label(row) -> str:
    return (
        f"ρ={row['density_g_cm3']:.2f} g/cm³, Na:C={row['na_content']:.3f}, "
        f"{row['temperature_K']:.0f} K"
    )


def _bars(d: np.ndarray, lo: pd.Series, hi: pd.Series) -> dict:
    low = np.clip(d - lo.fillna(pd.Series(d, index=lo.index)).to_numpy(float), 0, None)
    high = np.clip(hi.fillna(pd.Series(d, index=hi.index)).to_numpy(float) - d, 0, None)
    return {"type": "data", "symmetric": False, "array": high, "arrayminus": low}


def _d_vs_inverse_t(fig, title: str):
    """The axes of every D vs 1000/T figure (log D), and its title."""
    fig.update_xaxes(title="1000 / T (1/K)")
    fig.update_yaxes(type="log", title=D_AXIS)
    fig.update_layout(title=title)
    return fig


def msd_figure(summaries: pd.DataFrame):
    """Ion-averaged MSD per trajectory, log-log, hover names the system."""
    import plotly.graph_objects as go

    fig = go.Figure()
    for k, (_, s) in enumerate(summaries.iterrows()):
        lag = np.asarray(s.get("msd_lag_ps") or [], float)
        msd = np.asarray(s.get("msd_A2") or [], float)
        ok = (lag > 0) & (msd > 0)
        if ok.any():
            fig.add_scatter(
                x=lag[ok], y=msd[ok], mode="lines+markers", name=_label(s),
                marker={"size": 4}, line={"color": COLOURS[k % len(COLOURS)]},
            )  # fmt: skip
    fig.update_xaxes(type="log", title="lag time (ps)")
    fig.update_yaxes(type="log", title="Na MSD (Å²)")
    fig.update_layout(title="Na mean squared displacement")
    return fig


def diffusion_figure(summaries: pd.DataFrame):
    """Tracer D vs 1000/T, one trace per (density, Na:C); open = not diffusive."""
    import plotly.graph_objects as go

    fig = go.Figure()
    table = summaries.dropna(subset=["D_cm2_s", "temperature_K"])
    groups = table.groupby(["density_g_cm3", "na_content"])
    for k, ((rho, nac), sub) in enumerate(groups):
        sub = sub.sort_values("temperature_K")
        d = sub["D_cm2_s"].to_numpy(float)
        flags = sub["diffusive"] if "diffusive" in sub else pd.Series(None, sub.index)
        diffusive = (flags == True).to_numpy()  # noqa: E712 - None is not True
        colour = COLOURS[k % len(COLOURS)]
        fig.add_scatter(
            x=1000.0 / sub["temperature_K"].to_numpy(float), y=d,
            mode="markers", name=f"ρ={rho:.2f} g/cm³, Na:C={nac:.3f}",
            error_y=_bars(d, sub["D_ci95_low"], sub["D_ci95_high"]),
            marker={"color": colour, "size": 9,
                    "symbol": ["circle" if x else "circle-open" for x in diffusive]},
            text=sub.get("diffusive_reason", pd.Series("", sub.index)).astype(str),
            hovertemplate="1000/T=%{x:.3f} 1/K<br>D=%{y:.2e} cm²/s<br>%{text}",
        )  # fmt: skip
    return _d_vs_inverse_t(fig, "Tracer D per system (open markers: not diffusive)")


def arrhenius_figure(docs: list[dict]):
    """Arrhenius points and fitted lines over the fitted range only; the
    extrapolated D is one marker with its interval, drawn only when valid."""
    import plotly.graph_objects as go

    fig = go.Figure()
    for k, doc in enumerate(d for d in docs if d.get("points")):
        colour = COLOURS[k % len(COLOURS)]
        pts = pd.DataFrame(doc["points"]).dropna(subset=["D_cm2_s", "temperature_K"])
        used = pts[pts["used"]] if "used" in pts else pts
        name = f"ρ={doc.get('density_g_cm3', float('nan')):.2f} g/cm³"
        d = used["D_cm2_s"].to_numpy(float)
        fig.add_scatter(
            x=1000.0 / used["temperature_K"].to_numpy(float), y=d, mode="markers",
            name=name, marker={"color": colour, "size": 9},
            error_y=_bars(d, used["D_ci95_low"], used["D_ci95_high"]),
        )  # fmt: skip
        if doc.get("state") == "fitted" and doc.get("Ea_eV") is not None:
            t = np.linspace(float(doc["T_min_K"]), float(doc["T_max_K"]), 20)
            ln_d0 = np.log(float(doc["D0_cm2_s"]))
            y = np.exp(ln_d0 - float(doc["Ea_eV"]) / (8.617333262e-5 * t))
            dash = "solid" if doc.get("valid") else "dot"
            fig.add_scatter(
                x=1000.0 / t, y=y, mode="lines", showlegend=False,
                line={"color": colour, "dash": dash},
                hovertext=f"Ea = {doc['Ea_eV']:.3f} eV ({doc.get('validity', '')})",
            )  # fmt: skip
            if doc.get("valid") and doc.get("D_extrapolated_cm2_s"):
                dx = float(doc["D_extrapolated_cm2_s"])
                lo, hi = doc["D_extrapolated_ci95_low"], doc["D_extrapolated_ci95_high"]
                fig.add_scatter(
                    x=[1000.0 / float(doc["T_extrapolate_K"])], y=[dx],
                    mode="markers", showlegend=False,
                    marker={"color": colour, "symbol": "square", "size": 9},
                    error_y={"type": "data", "symmetric": False,
                             "array": [hi - dx], "arrayminus": [dx - lo]},
                    hovertext="extrapolated",
                )  # fmt: skip
    return _d_vs_inverse_t(
        fig, "Arrhenius (dotted: fit not valid; square: extrapolated)"
    )


def structure_figure(numbers, positions, cell, mobile: int = 11, max_paths: int = 12):
    """3D view: host atoms of the first frame and the unwrapped paths of up to
    ``max_paths`` mobile ions (positions: frames x atoms x 3, Å)."""
    import plotly.graph_objects as go

    numbers = np.asarray(numbers)
    pos = np.asarray(positions, float)
    host, ions = np.flatnonzero(numbers != mobile), np.flatnonzero(numbers == mobile)
    fig = go.Figure()
    p0 = pos[0, host]
    fig.add_scatter3d(
        x=p0[:, 0], y=p0[:, 1], z=p0[:, 2], mode="markers", name="C",
        marker={"size": 2.5, "color": "#555555"},
    )  # fmt: skip
    for k, i in enumerate(ions[:max_paths]):
        path = pos[:, i]
        fig.add_scatter3d(
            x=path[:, 0], y=path[:, 1], z=path[:, 2], mode="lines",
            name=f"Na {i}", line={"width": 3, "color": COLOURS[k % len(COLOURS)]},
        )  # fmt: skip
    corners = np.array(
        [[a, b, c] for a in (0, 1) for b in (0, 1) for c in (0, 1)], float
    ) @ np.asarray(cell, float)
    for a in range(8):
        for b in range(a + 1, 8):
            if bin(a ^ b).count("1") == 1:  # the 12 edges of the cell
                fig.add_scatter3d(
                    x=corners[[a, b], 0], y=corners[[a, b], 1], z=corners[[a, b], 2],
                    mode="lines", showlegend=False, line={"color": "#bbbbbb"},
                )  # fmt: skip
    fig.update_layout(
        title="Host (first frame) and Na paths (unwrapped), Å",
        scene={"aspectmode": "data"},
        height=650,
    )
    return fig


def write_interactive(
    out_dir: Path, figures: dict, title: str = "hcflow report", notes: str = ""
) -> Path:
    """``interactive.html`` (one div per figure) + ``plotly.min.js`` beside it."""
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        f"<title>{html.escape(title)}</title>",
        "<script src='plotly.min.js'></script><style>body{font-family:sans-serif;"
        "max-width:1100px;margin:2em auto;color:#222}.fig{height:520px}</style>",
        f"</head><body><h1>{html.escape(title)}</h1><p>{html.escape(notes)}</p>",
    ]
    for key, fig in figures.items():
        parts.append(f"<a id='{key}'></a>")
        parts.append(
            fig.to_html(
                full_html=False,
                include_plotlyjs=False,
                div_id=f"fig-{key}",
                default_width="100%",
            )
        )
    parts.append("</body></html>")
    out_dir = Path(out_dir)
    from plotly.offline import get_plotlyjs

    (out_dir / "plotly.min.js").write_text(get_plotlyjs())
    page = out_dir / "interactive.html"
    page.write_text("\n".join(parts))
    return page


def page_figures(data: dict, trajectory=None) -> tuple[dict, dict]:
    """The page's figures from the report tables (and one CompactTrajectory
    for the 3D view), and the reason for each one left out."""
    figs: dict = {}
    skipped: dict = {}
    s = data.get("summaries")
    if s is not None and len(s):
        figs["msd"] = msd_figure(s)
        figs["diffusion"] = diffusion_figure(s)
    else:
        skipped["diffusion"] = "no trajectory summaries"
    if data.get("arrhenius"):
        figs["arrhenius"] = arrhenius_figure(data["arrhenius"])
    else:
        skipped["arrhenius"] = "no Arrhenius documents"
    if trajectory is not None:
        figs["structure"] = structure_figure(
            trajectory.numbers, trajectory.positions, trajectory.cells[0]
        )
    else:
        skipped["structure"] = "no stored trajectory selected"
    return figs, skipped
