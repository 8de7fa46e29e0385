"""The gate figure: each gate's value against its reference window.

One panel per gate family; within a panel one row per gate, the window
shaded, the reference a black tick, each model's value a marker (filled when
it passes, open when it fails). Values are shown relative to the window so
gates with different units share an axis: 0 and 1 are the window's edges
(sign gates: the value in the unit, 0 the edge).
"""

from __future__ import annotations

from pathlib import Path

FAMILIES = ("na_metal", "na2", "carbon", "na_carbon", "md")
TITLES = {
    "na_metal": "bcc Na",
    "na2": "Na2 dimer",
    "carbon": "graphene / graphite",
    "na_carbon": "Na on / in carbon",
    "md": "MD",
}


def _lo_hi(window: str) -> tuple[float | None, float | None]:
    if ".." in window:
        lo, hi = window.split("..")
        return float(lo), float(hi)
    sign, edge = window.split()
    return (float(edge), None) if sign == ">" else (None, float(edge))


def scaled(value: float, window: str) -> float:
    """The value on the panel's axis (0..1 = the window; sign gates: as is)."""
    lo, hi = _lo_hi(window)
    if lo is not None and hi is not None and hi > lo:
        return (value - lo) / (hi - lo)
    return value - (lo if lo is not None else hi)


def draw_gates(docs: list[dict], out: Path, name: str | None = None) -> Path:
    """Draw the gates of one or more PotentialValidationDoc dicts; the PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    families = [
        f for f in FAMILIES if any(g["family"] == f for d in docs for g in d["gates"])
    ]
    rows = {
        f: [g["name"] for g in docs[0]["gates"] if g["family"] == f] for f in families
    }
    heights = [max(len(rows[f]), 1) + 1 for f in families]
    fig, axes = plt.subplots(
        len(families),
        1,
        figsize=(7.5, 0.32 * sum(heights) + 1.5),
        gridspec_kw={"height_ratios": heights},
        squeeze=False,
    )
    markers = "osD^vP*X"
    for ax, fam in zip(axes[:, 0], families, strict=True):
        names = rows[fam]
        for i, gate in enumerate(names):
            ref = next(g for g in docs[0]["gates"] if g["name"] == gate)
            lo, hi = _lo_hi(ref["window"])
            left = 0.0 if lo is not None else -1.5
            right = 1.0 if (lo is not None and hi is not None) else 1.5
            if lo is None:
                left, right = -1.5, 0.0
            elif hi is None:
                left, right = 0.0, 1.5
            ax.fill_betweenx([i - 0.35, i + 0.35], left, right, color="0.88")
            if ref["reference"] is not None:
                ax.plot(
                    [scaled(ref["reference"], ref["window"])] * 2,
                    [i - 0.35, i + 0.35],
                    color="k",
                    lw=1.5,
                )
        for j, doc in enumerate(docs):
            label = doc["name"] + (
                f" + {doc['dispersion']}" if doc.get("dispersion") else ""
            )
            first = True
            for i, gate in enumerate(names):
                g = next((g for g in doc["gates"] if g["name"] == gate), None)
                if g is None or g["status"] in ("not applicable", "error"):
                    continue
                if g["value"] is None:  # no minimum in the scanned range
                    x = -1.5
                else:
                    x = max(-1.5, min(2.5, scaled(g["value"], g["window"])))
                ok = g["status"] == "pass"
                ax.plot(
                    x,
                    i + 0.15 * (j - len(docs) / 2),
                    markers[j % len(markers)],
                    color=f"C{j}",
                    mfc=f"C{j}" if ok else "none",
                    label=label if first else None,
                )
                first = False
        ax.set_yticks(
            range(len(names)),
            [
                f"{n} ({next(g['unit'] for g in docs[0]['gates'] if g['name'] == n)})"
                for n in names
            ],
            fontsize=7,
        )
        ax.set_xlim(-1.6, 2.6)
        ax.set_ylim(-0.7, len(names) - 0.3)
        ax.set_title(TITLES[fam], fontsize=9)
        ax.tick_params(axis="x", labelsize=7)
    axes[-1, 0].set_xlabel(
        "value relative to the window (0..1 accepted; sign gates: value;"
        " -1.5: no minimum)",
        fontsize=8,
    )
    handles, labels = axes[0, 0].get_legend_handles_labels()
    if handles:
        fig.legend(
            handles,
            labels,
            loc="lower center",
            fontsize=7,
            ncol=min(len(labels), 3),
            frameon=False,
        )
    fig.tight_layout(rect=(0, 0.06 if handles else 0, 1, 1))
    stem = name or "potential_gates_" + "_".join(
        d["name"].replace(":", "-")
        + (f"-{d['dispersion']}" if d.get("dispersion") else "")
        for d in docs[:3]
    )
    path = out / f"{stem}.png"
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
