"""Figure functions: plain data in, a matplotlib Figure and its numbers out.

Every function takes pandas DataFrames / dicts, touches no database, and
returns ``(fig, table)`` where ``table`` is the DataFrame of the numbers drawn
(written as CSV beside the PNG by :mod:`hcflow.report.build`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hcflow.report.style import PALETTE, RC, figure


def _label(row) -> str:
    return (
        f"{row['density_g_cm3']:.2f} g/cm$^3$, Na:C={row['na_content']:.3f}, "
        f"{row['temperature_K']:.0f} K"
    )


def fit_line(summary, lag: np.ndarray, msd: np.ndarray):
    """(t, MSD) of the fitted line over the fit window, or None.

    D is the slope / 6 of a straight-line fit with intercept over
    ``fit_window_ps``, so the line is drawn there only, with slope 6D through
    the mean of the MSD points inside the window (where a least-squares line
    passes); without a stored window it is 6Dt over every lag.
    """
    d = summary.get("D_cm2_s")
    if d is None or not np.isfinite(d) or d <= 0:
        return None
    slope = 6 * d * 1e4  # cm2/s -> A2/ps: x 1e16 / 1e12
    window = summary.get("fit_window_ps")
    if window is None or (isinstance(window, float) and np.isnan(window)):
        return lag, slope * lag
    inside = (lag >= window[0] - 1e-9) & (lag <= window[1] + 1e-9)
    if inside.sum() < 2:
        return lag, slope * lag
    t = lag[inside]
    return t, msd[inside].mean() + slope * (t - t.mean())


def msd_curves(summaries: pd.DataFrame):
    """MSD vs lag per system with the fitted line 6 D t (log-log)."""
    import matplotlib.pyplot as plt

    fig, (ax,) = figure(1, 4.4, 3.2)
    rows = []
    with plt.rc_context(RC):
        for k, (_, s) in enumerate(summaries.iterrows()):
            lag = np.asarray(s["msd_lag_ps"], float)
            msd = np.asarray(s["msd_A2"], float)
            ok = (lag > 0) & (msd > 0)
            if not ok.any():
                continue
            color = PALETTE[k % len(PALETTE)]
            ax.plot(
                lag[ok], msd[ok], "o", ms=2.5, color=color, alpha=0.8, label=_label(s)
            )
            line = fit_line(s, lag[ok], msd[ok])
            if line is not None:
                ax.plot(*line, "-", color=color, lw=1.2)
            rows += [
                {"task_id": s["task_id"], "lag_ps": a, "msd_A2": b}
                for a, b in zip(lag[ok], msd[ok], strict=True)
            ]
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("lag time (ps)")
        ax.set_ylabel(r"Na MSD ($\AA^2$)")
        ax.set_title("Na mean squared displacement (lines: fit, slope 6D)")
        if len(summaries) <= 12:
            ax.legend(frameon=False, loc="upper left", bbox_to_anchor=(1.02, 1.0))
    return fig, pd.DataFrame(rows)


def diffusion_vs_composition(summaries: pd.DataFrame):
    """Tracer D (95 % CI error bars) vs density and vs Na content, one line per
    (other composition variable, temperature). Non-diffusive values (an upper
    bound, not a D) are drawn as open markers."""
    import matplotlib.pyplot as plt

    fig, axes = figure(2, 3.3, 2.8)
    cols = [
        "task_id",
        "density_g_cm3",
        "na_content",
        "temperature_K",
        "D_cm2_s",
        "D_ci95_low",
        "D_ci95_high",
        "diffusive",
        "diffusive_reason",
    ]
    table = summaries[[c for c in cols if c in summaries]].copy()
    if "diffusive" not in table:
        table["diffusive"] = None
    several_t = table["temperature_K"].nunique() > 1
    with plt.rc_context(RC):
        for ax, x, xlabel, group in (
            (axes[0], "density_g_cm3", r"carbon density (g/cm$^3$)", "na_content"),
            (axes[1], "na_content", "Na:C ratio", "density_g_cm3"),
        ):
            groups = table.groupby([group, "temperature_K"])
            for k, ((g, temp), sub) in enumerate(groups):
                sub = sub.sort_values(x)
                d = sub["D_cm2_s"].to_numpy(float)
                lo = d - sub["D_ci95_low"].fillna(sub["D_cm2_s"]).to_numpy(float)
                hi = sub["D_ci95_high"].fillna(sub["D_cm2_s"]).to_numpy(float) - d
                name = "Na:C" if group == "na_content" else r"$\rho$"
                label = f"{name}={g:.3g}" + (f", {temp:.0f} K" if several_t else "")
                color = PALETTE[k % 8]
                ax.errorbar(
                    sub[x],
                    d,
                    yerr=[np.clip(lo, 0, None), np.clip(hi, 0, None)],
                    fmt="o-",
                    capsize=2.5,
                    color=color,
                    label=label,
                )
                # not diffusive or undetermined (None): not shown to be a D
                bad = (sub["diffusive"] != True).to_numpy()  # noqa: E712
                if bad.any():
                    ax.plot(sub[x][bad], d[bad], "o", ms=7, mfc="white", color=color)
            if (table["diffusive"] != True).any():  # noqa: E712
                ax.plot(
                    [], [], "o", mfc="white", color="0.3", label="not shown diffusive"
                )
            ax.set_yscale("log")
            ax.set_xlabel(xlabel)
            ax.set_ylabel(r"tracer $D_\mathrm{Na}$ (cm$^2$/s)")
            ax.legend(frameon=False, fontsize=6)
        fig.suptitle(
            "Na tracer diffusion (error bars: 95 % CI; open: not diffusive, an "
            "upper bound, or undetermined)",
            fontsize=8,
        )
        fig.tight_layout()
    return fig, table


def mode_map(ions: pd.DataFrame, embedding: np.ndarray, labels, names: dict):
    """2D embedding of ion descriptors coloured by diffusion mode."""
    import matplotlib.pyplot as plt

    fig, (ax,) = figure(1, 4.2, 3.4)
    labels = np.asarray(labels)
    with plt.rc_context(RC):
        for k in sorted(set(labels.tolist())):
            sel = labels == k
            ax.scatter(
                embedding[sel, 0],
                embedding[sel, 1],
                s=6,
                alpha=0.7,
                color=PALETTE[int(k) % 8] if k >= 0 else "#999999",
                label=names.get(int(k), f"mode {k}"),
                edgecolors="none",
            )
        ax.set_xlabel("PC 1 (standardised descriptors)")
        ax.set_ylabel("PC 2")
        ax.set_title("Diffusion modes of Na ions")
        ax.legend(frameon=False, markerscale=2, fontsize=7)
    table = pd.DataFrame(
        {"pc1": embedding[:, 0], "pc2": embedding[:, 1], "mode": labels}
    )
    if "ion_key" in ions:
        table.insert(0, "ion_key", ions["ion_key"].to_numpy())
    return fig, table


def mode_centroids(centroids: pd.DataFrame):
    """Heatmap of standardised mode centroids (rows: modes, cols: descriptors)."""
    import matplotlib.pyplot as plt

    if len(centroids) >= 3:
        z = (centroids - centroids.mean()) / centroids.std(ddof=0).replace(0, 1)
        vmax, label = 2, "z-score across modes"
    else:  # a z-score across two modes is +-1 everywhere: scale by the largest
        z = centroids / centroids.abs().max().replace(0, 1)
        vmax, label = 1, "centroid / largest |centroid|"
    fig, (ax,) = figure(1, 0.45 * len(z.columns) + 2.0, 0.35 * len(z) + 1.6)
    with plt.rc_context(RC):
        im = ax.imshow(
            z.to_numpy(float), cmap="RdBu_r", vmin=-vmax, vmax=vmax, aspect="auto"
        )
        ax.set_xticks(
            range(len(z.columns)),
            [label_of(c) for c in z.columns],
            rotation=45,
            ha="right",
        )
        ax.set_yticks(range(len(z.index)), z.index)
        fig.colorbar(im, ax=ax, label=label, shrink=0.8)
        ax.set_title("Mode centroids")
    return fig, centroids.reset_index()


def mode_fractions(fractions: pd.DataFrame):
    """Mode fractions vs density and vs Na content (one line per mode)."""
    import matplotlib.pyplot as plt

    modes = [c for c in fractions.columns if c.startswith("frac_")]
    panels = [
        (x, xlabel)
        for x, xlabel in (
            ("density_g_cm3", r"carbon density (g/cm$^3$)"),
            ("na_content", "Na:C ratio"),
        )
        if fractions[x].nunique() >= 2  # no panel against a single value
    ]
    if not panels:  # one composition: the fractions as bars
        fig, (ax,) = figure(1, 3.6, 2.8)
        with plt.rc_context(RC):
            mean = fractions[modes].mean()
            ax.bar([m[5:] for m in modes], mean.to_numpy(float), color=PALETTE[0])
            ax.set_ylabel("fraction of Na ions")
            ax.set_ylim(0, 1)
            ax.set_title("Diffusion-mode fractions (one composition)")
            ax.tick_params(axis="x", rotation=30)
            fig.tight_layout()
        return fig, fractions
    fig, axes = figure(len(panels), 3.3, 2.8)
    with plt.rc_context(RC):
        for ax, (x, xlabel) in zip(axes, panels, strict=True):
            mean = fractions.groupby(x)[modes].mean()
            for k, m in enumerate(modes):
                ax.plot(mean.index, mean[m], "o-", color=PALETTE[k % 8], label=m[5:])
            ax.set_xlabel(xlabel)
            ax.set_ylabel("fraction of Na ions")
            ax.set_ylim(0, 1)
        axes[-1].legend(frameon=False, fontsize=7)
        fig.suptitle("Diffusion-mode fractions", fontsize=9)
        fig.tight_layout()
    return fig, fractions


#: readable axis labels of stored field names (others: underscores to spaces)
LABELS = {
    "density_g_cm3": "density (g/cm³)",
    "na_content": "Na:C",
    "temperature_K": "T (K)",
    "log10_D": "log10 D (cm²/s)",
    "mean_log10_D": "mean log10 D (cm²/s)",
    "cn_na_c": "Na–C coordination",
    "cn_na_na": "Na–Na coordination",
    "local_c_density": "local C density",
    "d_nearest_c": "nearest C (Å)",
    "void_radius_A": "void radius (Å)",
}
#: fewest points for a Spearman correlation the report shows
MIN_SPEARMAN_POINTS = 8


def label_of(name: str) -> str:
    """A readable label of a field name."""
    if name in LABELS:
        return LABELS[name]
    if name.startswith("frac_"):
        return f"fraction {name[5:]}"
    return str(name).replace("_", " ")


def correlation_heatmap(
    rho: pd.DataFrame, pvalues: pd.DataFrame | None = None, n_points: int | None = None
):
    """Spearman rho of targets (rows) vs processing variables (cols); * p<0.05.

    Raises ValueError (the report skips the figure with the reason) from
    fewer than :data:`MIN_SPEARMAN_POINTS` trajectories.
    """
    import matplotlib.pyplot as plt

    if n_points is not None and n_points < MIN_SPEARMAN_POINTS:
        raise ValueError(
            f"Spearman correlations from {n_points} trajectories (fewer than "
            f"{MIN_SPEARMAN_POINTS}) are not shown"
        )

    fig, (ax,) = figure(1, 0.9 * len(rho.columns) + 2.2, 0.4 * len(rho) + 1.4)
    with plt.rc_context(RC):
        im = ax.imshow(
            rho.to_numpy(float), cmap="RdBu_r", vmin=-1, vmax=1, aspect="auto"
        )
        ax.set_xticks(
            range(len(rho.columns)),
            [label_of(c) for c in rho.columns],
            rotation=30,
            ha="right",
        )
        ax.set_yticks(range(len(rho.index)), [label_of(r) for r in rho.index])
        for i in range(rho.shape[0]):
            for j in range(rho.shape[1]):
                v = rho.iat[i, j]
                star = ""
                if pvalues is not None and np.isfinite(pvalues.iat[i, j]):
                    star = "*" if pvalues.iat[i, j] < 0.05 else ""
                txt = "n/a" if not np.isfinite(v) else f"{v:.2f}{star}"
                ax.text(j, i, txt, ha="center", va="center", fontsize=7)
        fig.colorbar(im, ax=ax, label=r"Spearman $\rho$", shrink=0.8)
        ax.set_title(r"Correlations (* p < 0.05)")
    table = rho.reset_index()
    return fig, table


def pore_size_distributions(structures: pd.DataFrame):
    """Pore size distribution per structure (fraction of pore volume vs diameter)."""
    import matplotlib.pyplot as plt

    fig, (ax,) = figure(1, 4.2, 3.0)
    rows = []
    with plt.rc_context(RC):
        for k, (_, s) in enumerate(structures.iterrows()):
            edges = np.asarray(s["psd_bin_edges"], float)
            frac = np.asarray(s["psd_fraction"], float)
            if len(edges) != len(frac) + 1:
                continue
            centers = 0.5 * (edges[1:] + edges[:-1])
            ax.plot(
                centers,
                frac,
                "-",
                color=PALETTE[k % 8],
                label=f"{s['density_g_cm3']:.2f} g/cm$^3$",
            )
            rows += [
                {"structure_id": s["structure_id"], "diameter_A": c, "fraction": f}
                for c, f in zip(centers, frac, strict=True)
            ]
        ax.set_xlabel(r"pore diameter ($\AA$)")
        ax.set_ylabel("fraction of pore volume")
        ax.set_title("Pore size distributions")
        ax.legend(frameon=False, fontsize=7)
    return fig, pd.DataFrame(rows)
