"""Arrhenius figure: D vs 1000/T per system (or per mode), fit band to 300 K.

Plain data in (``arrhenius`` documents as dicts), a matplotlib Figure and the
DataFrame of the numbers drawn out, like :mod:`hcflow.report.figures`.

Drawn per document: the used (diffusive) points as filled circles with their
95 % intervals; the excluded points as open downward triangles at their D
(a non-diffusive D is an upper bound, not a D; the CSV gives the reason);
the fitted line over the fitted range (solid), its extrapolation to
``T_extrapolate_K`` (dashed) with the 95 % band, and the extrapolated D with
its interval. The legend gives Ea with its interval and the verdict. A fit
whose D at ``T_extrapolate_K`` is not estimable is drawn dotted over its
fitted range only: no extrapolation, no band, no extrapolated D (the CSV row
gives the reason).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hcflow.analysis.arrhenius import ln_d_band
from hcflow.report.style import PALETTE, RC, figure


def _label(doc: dict) -> str:
    g = doc.get("group") or doc
    if doc.get("mode"):
        return rf"{doc['mode']} ($\rho$={g.get('density_g_cm3')} g/cm$^3$)"
    return (
        f"{g.get('mobile_species') or 'Na'} "
        rf"$\rho$={g.get('density_g_cm3')} g/cm$^3$, Na:C={g.get('na_content')}"
    )


def _marker_key(ax) -> list:
    """The systems' legend entries plus one entry per marker meaning."""
    from matplotlib.lines import Line2D

    handles, _ = ax.get_legend_handles_labels()
    key = [
        ("o", "k", "diffusive (in the fit)"),
        ("v", "none", "not diffusive (upper bound)"),
        ("x", "k", "undetermined"),
        ("*", "k", "extrapolated D"),
    ]
    return handles + [
        Line2D([], [], marker=m, mfc=f, color="k", ls="none", label=t)
        for m, f, t in key
    ]


def _legend(doc: dict) -> str:
    label = _label(doc)
    if doc.get("state") != "fitted":
        return f"{label}: no fit"
    ea = (
        f"Ea={doc['Ea_eV']:.3f} [{doc['Ea_ci95_low']:.3f}, "
        f"{doc['Ea_ci95_high']:.3f}] eV"
    )
    if doc.get("estimable") is False:
        return f"{label}: {ea}; D({doc['T_extrapolate_K']:g} K) not estimable"
    return f"{label}: {ea}" + ("" if doc.get("valid") else " (not valid)")


def arrhenius_plot(docs: list[dict], title: str = "Arrhenius: tracer D"):
    """ln D vs 1000/T of arrhenius documents, one colour per document."""
    import matplotlib.pyplot as plt

    docs = [d for d in docs if d.get("points")]
    if not docs:
        raise ValueError("no arrhenius document with points")
    fig, (ax,) = figure(1, 4.6, 3.4)
    rows = []
    centres = []  # every plotted D: the axis range follows them, not the bands
    with plt.rc_context(RC):
        for k, doc in enumerate(docs):
            color = PALETTE[k % 8]
            label = _label(doc)
            pts = pd.DataFrame(doc["points"])
            pts = pts[pts["D_cm2_s"].notna() & (pts["D_cm2_s"] > 0)]
            pts = pts[pts["temperature_K"].notna()]
            used = pts[pts["used"]]
            x = 1000.0 / used["temperature_K"].to_numpy(float)
            d = used["D_cm2_s"].to_numpy(float)
            lo = d - used["D_ci95_low"].fillna(0).clip(lower=0).to_numpy(float)
            hi = used["D_ci95_high"].to_numpy(float) - d
            ax.errorbar(
                x, d, yerr=[np.clip(lo, 0, None), hi], fmt="o", capsize=2.5,
                color=color, label=_legend(doc),
            )  # fmt: skip
            centres += list(pts["D_cm2_s"].to_numpy(float))
            out = pts[~pts["used"]]
            undet = out.get("diffusion_outcome", pd.Series(index=out.index)).eq(
                "undetermined"
            )
            for part, marker in ((out[~undet], "v"), (out[undet], "x")):
                if len(part):  # open: not diffusive (upper bound); x: undetermined
                    ax.plot(
                        1000.0 / part["temperature_K"].to_numpy(float),
                        part["D_cm2_s"].to_numpy(float),
                        marker, mfc="none", color=color, ls="none",
                    )  # fmt: skip
            for _, p in pts.iterrows():
                rows.append(
                    {
                        "system": label,
                        "kind": "point" if p["used"] else "excluded (upper bound)",
                        "temperature_K": p["temperature_K"],
                        "inv_T_1000_per_K": 1000.0 / p["temperature_K"],
                        "D_cm2_s": p["D_cm2_s"],
                        "D_ci95_low": p.get("D_ci95_low"),
                        "D_ci95_high": p.get("D_ci95_high"),
                        "reason": p.get("reason"),
                    }
                )
            if doc.get("state") != "fitted" or not doc.get("covariance"):
                continue
            t_x = float(doc["T_extrapolate_K"])
            t_lo, t_hi = float(doc["T_min_K"]), float(doc["T_max_K"])
            grid = np.linspace(1000.0 / t_hi, 1000.0 / min(t_x, t_lo), 100)
            ln_d, ln_lo, ln_hi = ln_d_band(doc, 1000.0 / grid)
            inside = grid <= 1000.0 / t_lo + 1e-12
            valid = bool(doc.get("valid", True))
            if doc.get("estimable") is False:  # the fitted range only, no D(T_x)
                ax.plot(grid[inside], np.exp(ln_d[inside]), ":", color=color, lw=0.8)
                rows.append(_extrapolated_row(label, doc, t_x))
                continue
            # a fit that failed its validity check: thin dotted line, no band
            style = ("-", "--", 1.5) if valid else (":", ":", 0.8)
            ax.plot(
                grid[inside], np.exp(ln_d[inside]), style[0], color=color, lw=style[2]
            )
            ax.plot(
                grid[~inside], np.exp(ln_d[~inside]), style[1], color=color, lw=style[2]
            )
            if valid:  # the band over the fitted range only, not the extrapolation
                ax.fill_between(
                    grid[inside],
                    np.exp(ln_lo[inside]),
                    np.exp(ln_hi[inside]),
                    color=color,
                    alpha=0.15,
                )
            dx = doc["D_extrapolated_cm2_s"]
            centres.append(float(dx))
            ax.errorbar(
                [1000.0 / t_x], [dx],
                yerr=[[dx - doc["D_extrapolated_ci95_low"]],
                      [doc["D_extrapolated_ci95_high"] - dx]],
                fmt="*", ms=8, capsize=2.5, color=color,
            )  # fmt: skip
            rows.append(
                {
                    "system": label,
                    "kind": "extrapolated",
                    "temperature_K": t_x,
                    "inv_T_1000_per_K": 1000.0 / t_x,
                    "D_cm2_s": dx,
                    "D_ci95_low": doc["D_extrapolated_ci95_low"],
                    "D_ci95_high": doc["D_extrapolated_ci95_high"],
                    "reason": doc.get("validity"),
                }
            )
        ax.set_yscale("log")
        ok = [c for c in centres if np.isfinite(c) and c > 0]
        if ok:  # a band over many decades would hide the points: clip it
            ax.set_ylim(min(ok) / 1e3, max(ok) * 1e2)
        ax.set_xlabel("1000 / T (1/K)")
        ax.set_ylabel(r"$D$ (cm$^2$/s)")
        ax.set_title(title)
        ax.legend(handles=_marker_key(ax), frameon=False, fontsize=6.5)
        top = ax.secondary_xaxis("top", functions=(_inv, _inv))
        lo, hi = ax.get_xlim()
        ticks = [t for t in TOP_TICKS_K if lo <= 1000.0 / t <= hi]
        top.set_xticks(ticks, [f"{t} K" for t in ticks])
        fig.tight_layout()
    return fig, pd.DataFrame(rows)


def _extrapolated_row(label: str, doc: dict, t_x: float) -> dict:
    """CSV row of a not-estimable extrapolation: no value, the reason."""
    return {
        "system": label,
        "kind": "extrapolated (not estimable)",
        "temperature_K": t_x,
        "inv_T_1000_per_K": 1000.0 / t_x,
        "D_cm2_s": None,
        "D_ci95_low": None,
        "D_ci95_high": None,
        "reason": doc.get("validity"),
    }


#: Temperatures marked on the top axis (those in range).
TOP_TICKS_K = (300, 400, 500, 600, 1000, 2000)


def _inv(v):
    v = np.asarray(v, float)
    with np.errstate(divide="ignore"):
        return np.where(v > 0, 1000.0 / np.where(v > 0, v, 1.0), np.inf)


def jobs(docs: list[dict], skipped: dict) -> list:
    """(key, title, callable) of the Arrhenius figures whose data exist."""
    systems = [d for d in docs if not d.get("mode")]
    modes = [d for d in docs if d.get("mode")]
    if not systems:
        skipped["arrhenius"] = "no arrhenius documents (run `hcflow build arrhenius`)"
        return []
    out = [("arrhenius", "Arrhenius", lambda: arrhenius_plot(systems))]
    if modes:
        out.append(
            (
                "arrhenius_modes",
                "Arrhenius per mode",
                lambda: arrhenius_plot(modes, "Arrhenius per diffusion mode: mean D"),
            )
        )
    return out
