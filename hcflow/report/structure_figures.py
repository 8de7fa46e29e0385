"""Figure of a carbon cell's X-ray structure factor S(q) and reduced PDF G(r).

Left: S(q) (:func:`hcflow.structures.xrd.debye_sq`) with the experimental
d002 range of hard carbons shaded and graphite's (002) marked; right: G(r)
(:func:`hcflow.structures.xrd.pdf`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from hcflow.report.style import figure, save
from hcflow.structures.xrd import EXPERIMENT, debye_sq, pdf, xrd_summary


def xrd_figure(atoms, path: str | Path, title: str = "", r_max: float = 20.0) -> Path:
    """Write the S(q) / G(r) figure of ``atoms`` to ``path`` (PNG, PDF, ...)."""
    q, s = debye_sq(atoms, np.linspace(0.5, 8.0, 751), r_max)
    p = pdf(atoms, r_max)
    summ = xrd_summary(atoms, r_max)
    fig, (a, b) = figure(2)
    lo, hi = EXPERIMENT["d002_A"]["range"]
    a.axvspan(2 * np.pi / hi, 2 * np.pi / lo, color="0.85", label="hard carbon d002")
    a.axvline(2 * np.pi / 3.35, color="0.5", ls=":", lw=1, label="graphite (002)")
    a.plot(q, s, label="S(q)")
    if summ["peak_002_visible"]:
        a.plot(
            [summ["q002_inv_A"]],
            [np.interp(summ["q002_inv_A"], q, s)],
            "v",
            label=f"d002 {summ['d002_A']:.2f} A, Lc {summ['Lc_A']:.0f} A",
        )
    a.set(xlabel="q (1/A)", ylabel="S(q)", title=title or "structure factor")
    a.legend(frameon=False, loc="upper right", fontsize=6)
    b.plot(p["r"], p["G"])
    b.axhline(0, color="0.6", lw=0.8)
    b.set(xlabel="r (A)", ylabel="G(r) (1/A^2)", title="reduced PDF")
    path = Path(path)
    save(fig, path)
    return path
