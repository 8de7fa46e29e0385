"""KMC figures: D(T) by KMC beside MD and the Arrhenius line; the network.

``kmc_plot``: per system, KMC D with its interval (squares), the MD D at the
MD temperatures (filled circles, same colour) and the Arrhenius fit of the
same density over its fitted range (line). ``network_plot``: the first
network's sites projected on x-y, coloured by carbon coordination, edges
drawn with a width growing with the hops seen. Plain data in, a matplotlib
Figure and the numbers drawn out.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hcflow.report.style import PALETTE, RC, figure


def _err(d, lo, hi):
    return np.array([[max(d - lo, 0.0)], [max(hi - d, 0.0)]])


def kmc_plot(kmc: list[dict], arrhenius: list[dict]):
    """D vs 1000/T: KMC (squares), MD (circles), Arrhenius fits (lines)."""
    import matplotlib.pyplot as plt

    rows = []
    with plt.rc_context(RC):
        fig, (ax,) = figure(1, 6.4, 4.4)
        systems = sorted({d["system"] for d in kmc})
        for i, sysname in enumerate(systems):
            c = PALETTE[i % len(PALETTE)]
            pts = sorted(
                (d for d in kmc if d["system"] == sysname),
                key=lambda d: d["temperature_K"],
            )
            label = sysname.split("|")[0][:16]
            for d in pts:
                x = 1000.0 / d["temperature_K"]
                D, lo, hi = (
                    d["tracer_D_cm2_s"],
                    d["tracer_D_ci_low"],
                    d["tracer_D_ci_high"],
                )
                if D > 0:
                    ax.errorbar(
                        x,
                        D,
                        _err(D, lo, hi),
                        fmt="s",
                        color=c,
                        mfc="none",
                        capsize=3,
                        label=f"KMC {label}" if d is pts[0] else None,
                    )
                rows.append(
                    {
                        "system": sysname,
                        "kind": "kmc",
                        "temperature_K": d["temperature_K"],
                        "D_cm2_s": D,
                        "low": lo,
                        "high": hi,
                        "source": d["source"],
                    }
                )
                if d.get("md_D_cm2_s"):
                    m = d["md_D_cm2_s"]
                    ax.errorbar(
                        x,
                        m,
                        _err(m, d["md_D_ci_low"] or m, d["md_D_ci_high"] or m),
                        fmt="o",
                        color=c,
                        capsize=3,
                        alpha=0.8,
                        label=f"MD {label}" if d is pts[0] else None,
                    )
                    rows.append(
                        {
                            "system": sysname,
                            "kind": "md",
                            "temperature_K": d["temperature_K"],
                            "D_cm2_s": m,
                            "low": d["md_D_ci_low"],
                            "high": d["md_D_ci_high"],
                        }
                    )
        for doc in arrhenius:
            if (
                doc.get("mode")
                or doc.get("state") != "fitted"
                or not doc.get("T_min_K")
            ):
                continue
            t = np.linspace(doc["T_min_K"], doc["T_max_K"], 20)
            d = doc["prefactor_cm2_s"] * np.exp(-doc["Ea_eV"] / (8.617333e-5 * t))
            ax.plot(
                1000.0 / t,
                d,
                "-",
                color="0.4",
                lw=1,
                label=f"Arrhenius rho={doc.get('density_g_cm3')}",
            )
        ax.set_yscale("log")
        ax.set_xlabel("1000 / T (1/K)")
        ax.set_ylabel("D (cm$^2$/s)")
        ax.set_title("D by kinetic Monte Carlo on the MD site network")
        ax.legend(fontsize=7)
        fig.tight_layout()
    return fig, pd.DataFrame(rows)


def network_plot(doc: dict):
    """Sites (x-y) coloured by C coordination; edges by hops seen."""
    import matplotlib.pyplot as plt

    net = doc["network"]
    sites = np.asarray(net["sites"], float).reshape(-1, 3)
    cell = np.asarray(net["cell"], float)
    counts = sum(np.asarray(v, float) for v in net["counts"].values())
    with plt.rc_context(RC):
        fig, (ax,) = figure(1, 5.2, 4.8)
        for s, t, img, n in zip(
            net["source"], net["target"], net["image"], counts, strict=True
        ):
            if n <= 0 or s > t:
                continue
            end = sites[t] + np.asarray(img) @ cell
            ax.plot(
                [sites[s, 0], end[0]],
                [sites[s, 1], end[1]],
                "-",
                color="0.5",
                lw=0.4 + 0.3 * np.log1p(n),
                alpha=0.6,
            )
        sc = ax.scatter(
            sites[:, 0],
            sites[:, 1],
            c=doc["site_coordination"],
            cmap="viridis",
            s=18,
            zorder=3,
        )
        fig.colorbar(sc, ax=ax, label="C atoms within 2.8 A")
        ax.set_xlabel("x (A)")
        ax.set_ylabel("y (A)")
        ax.set_aspect("equal")
        ax.set_title(
            f"Site network: {doc['n_sites']} sites, percolates along "
            f"{doc['percolation_directions']}",
            fontsize=9,
        )
        fig.tight_layout()
    table = pd.DataFrame(
        {
            "x_A": sites[:, 0],
            "y_A": sites[:, 1],
            "z_A": sites[:, 2],
            "coordination": doc["site_coordination"],
        }
    )
    return fig, table


def jobs(kmc: list[dict], networks: list[dict], arrhenius: list[dict], skipped: dict):
    """(key, title, callable) of the KMC figures whose data exist."""
    out = []
    if kmc:
        out.append(("kmc", "D by KMC", lambda: kmc_plot(kmc, arrhenius)))
    else:
        skipped["kmc"] = "no kmc documents (run `hcflow build kmc -T 300`)"
    if networks:
        out.append(("site_network", "Site network", lambda: network_plot(networks[0])))
    return out
