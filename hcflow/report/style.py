"""Publication style shared by every hcflow figure."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

#: Okabe-Ito colour-blind-safe palette.
PALETTE = [
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#D55E00",
    "#CC79A7",
    "#56B4E9",
    "#F0E442",
    "#000000",
]

RC = {
    "font.size": 9,
    "axes.labelsize": 9,
    "axes.titlesize": 9,
    "legend.fontsize": 7.5,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.prop_cycle": matplotlib.cycler(color=PALETTE),
    "figure.dpi": 100,
    "savefig.dpi": 180,
    "savefig.bbox": "tight",
    "lines.linewidth": 1.4,
    "lines.markersize": 4.5,
}


def figure(n_panels: int = 1, width: float = 3.4, height: float = 2.7):
    """A figure with ``n_panels`` side-by-side axes in the hcflow style."""
    with plt.rc_context(RC):
        fig, axes = plt.subplots(
            1, n_panels, figsize=(width * n_panels, height), squeeze=False
        )
    return fig, list(axes[0])


def save(fig, path) -> None:
    with plt.rc_context(RC):
        fig.savefig(path)
    plt.close(fig)
