"""Figures of the modes and drivers results: survival, van Hove, drivers.

Plain data in (the ``modes`` / ``drivers`` result documents as dicts), a
matplotlib Figure and the DataFrame of the numbers drawn out, like
:mod:`hcflow.report.figures`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hcflow.report.style import PALETTE, RC, figure


def residence_survival(transport: list[dict]):
    """Kaplan-Meier survival of site residences, one step curve per mode."""
    import matplotlib.pyplot as plt

    curves = [m for m in transport if (m.get("residence") or {}).get("time_ps")]
    if not curves:
        raise ValueError("no mode has site residences")
    if not sum((m["residence"].get("n_complete") or 0) for m in curves):
        raise ValueError(
            "no completed site residence (every one is censored by the run's "
            "end): the survival would stay at 1.0; run longer"
        )
    fig, (ax,) = figure(1, 4.4, 3.2)
    rows = []
    with plt.rc_context(RC):
        for k, m in enumerate(curves):
            res = m["residence"]
            t, s = res["time_ps"], res["survival"]
            median = res.get("median_ps")
            med = "> run" if median is None else f"{median:.3g} ps"
            label = (
                f"{m['name']}: median {med} "
                f"({res.get('n_complete', 0)}/{res.get('n_residences', 0)} complete)"
            )
            ax.step(t, s, where="post", color=PALETTE[k % 8], label=label)
            rows += [
                {"mode": m["name"], "time_ps": a, "survival": b}
                for a, b in zip(t, s, strict=True)
            ]
        ax.set_xlabel("residence time at a site (ps)")
        ax.set_ylabel("survival (Kaplan-Meier)")
        ax.set_ylim(0, 1.02)
        ax.set_title("Site residence times (censored residences included)")
        ax.legend(frameon=False, fontsize=6.5)
    return fig, pd.DataFrame(rows)


def van_hove_panel(van_hove: dict):
    """Self van Hove function 4 pi r^2 G_s(r, t) per mode, one panel per lag."""
    import matplotlib.pyplot as plt

    lags = van_hove.get("lag_ps") or []
    modes = van_hove.get("modes") or {}
    if not lags or not modes:
        raise ValueError("no van Hove function in the modes result")
    r = np.asarray(van_hove["r_A"], float)
    dr = float(van_hove["dr_A"])
    fig, axes = figure(len(lags), 2.6, 2.6)
    rows = []
    with plt.rc_context(RC):
        for j, (ax, lag) in enumerate(zip(axes, lags, strict=True)):
            for k, (name, p) in enumerate(modes.items()):
                dens = np.asarray(p[j], float) / dr  # probability density, 1/A
                ax.plot(r, dens, color=PALETTE[k % 8], label=name)
                rows += [
                    {"mode": name, "lag_ps": lag, "r_A": a, "P_per_A": b}
                    for a, b in zip(r, dens, strict=True)
                ]
            ax.set_xlabel(r"displacement $r$ ($\AA$)")
            ax.set_title(f"t = {lag:g} ps")
        axes[0].set_ylabel(r"$4\pi r^2 G_s(r,t)$ (1/$\AA$)")
        axes[-1].legend(frameon=False, fontsize=6.5)
        fig.suptitle("Self van Hove function per mode", fontsize=9)
        fig.tight_layout()
    return fig, pd.DataFrame(rows)


def _importance_bars(ax, importance: list[dict], title: str, color: str) -> None:
    imp = pd.DataFrame(importance).sort_values("mean")
    err = [imp["mean"] - imp["low"], imp["high"] - imp["mean"]]
    proxy = imp["proxy_of"] if "proxy_of" in imp else [None] * len(imp)
    labels = [
        f"{d} (proxy: {p})" if isinstance(p, str) else d
        for d, p in zip(imp["descriptor"], proxy, strict=True)
    ]
    ax.barh(labels, imp["mean"], xerr=err, color=color, capsize=2)
    ax.set_xlabel(r"permutation importance ($\Delta R^2$)")
    ax.set_title(title, fontsize=8)


def _r2_text(d: dict) -> str:
    lo, hi = d.get("r2_ci95_low"), d.get("r2_ci95_high")
    ceil = d.get("noise_ceiling_r2")
    known = lo is not None and hi is not None
    text = f"R$^2$ 95 % [{lo:.2f}, {hi:.2f}]" if known else "R$^2$ n/a"
    if ceil is not None:
        text += f"; noise ceiling {ceil:.2f}"
    return text


def driver_panels(doc: dict):
    """Across- and within-system importances, each with its R2 interval and
    noise ceiling; a panel whose R2 interval does not clear zero says so
    instead of ranking anything."""
    import matplotlib.pyplot as plt

    panels = [("across systems", doc)]
    if doc.get("within"):
        panels.append(("within systems (density, loading, T fixed)", doc["within"]))
    n = max(len(doc.get("features") or []), 3)
    fig, axes = figure(len(panels), 3.6, 0.28 * n + 1.4)
    rows = []
    with plt.rc_context(RC):
        for k, (ax, (name, d)) in enumerate(zip(axes, panels, strict=True)):
            title = f"{name}\n{_r2_text(d)}"
            if d.get("importance"):
                _importance_bars(ax, d["importance"], title, PALETTE[k])
                rows += [{"model": name, **r} for r in d["importance"]]
            else:
                ax.set_title(title, fontsize=8)
                ax.text(
                    0.5,
                    0.5,
                    "R$^2$ interval does not clear zero:\nno driver can be named",
                    ha="center",
                    va="center",
                    transform=ax.transAxes,
                    fontsize=8,
                )
                ax.set_axis_off()
                rows.append({"model": name, "descriptor": None, "mean": None})
        fig.suptitle("Structural drivers of log$_{10}D$", fontsize=9)
        fig.tight_layout()
    return fig, pd.DataFrame(rows)
