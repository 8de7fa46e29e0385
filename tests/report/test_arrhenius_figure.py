"""The Arrhenius report figure: used points, upper bounds, 300 K extrapolation."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from hcflow.analysis.arrhenius import KB_EV_K, ArrheniusPoint, fit_arrhenius
from hcflow.report.arrhenius_figures import arrhenius_plot, jobs
from hcflow.schemas.arrhenius import ArrheniusDoc


def _doc(temps, mode=None, **kw):
    pts = [
        ArrheniusPoint(t, d, d * 0.9, d * 1.1, True, task_id=f"t{t:g}")
        for t in temps
        for d in [1e-3 * math.exp(-0.3 / (KB_EV_K * t))]
    ]
    pts.append(ArrheniusPoint(450.0, 1e-6, 5e-7, 2e-6, False, "caged; slope 0.3"))
    res = fit_arrhenius(pts, max_decades=1000.0)  # drawn as estimable
    group = {"density_g_cm3": 1.5, "na_content": 0.1, "mobile_species": "Na"}
    doc = ArrheniusDoc(
        arrhenius_key="k", group=group, settings_hash="h", mode=mode, **res, **kw
    )
    return doc.model_dump()


def test_figure_marks_excluded_points_and_extrapolates_to_300_k():
    fitted, few = _doc([600.0, 800.0, 1000.0]), _doc([600.0, 800.0])
    fig, table = arrhenius_plot([fitted, few])
    assert len(table) == 2 * 4 - 1 + 1  # 4 + 3 points, 1 extrapolated row
    excluded = table[table["kind"] == "excluded (upper bound)"]
    assert len(excluded) == 2 and set(excluded["temperature_K"]) == {450.0}
    assert excluded["reason"].iloc[0] == "not diffusive (caged)"
    (ext,) = table[table["kind"] == "extrapolated"].to_dict("records")
    assert ext["temperature_K"] == 300.0
    assert ext["D_cm2_s"] == pytest.approx(1e-3 * math.exp(-0.3 / (KB_EV_K * 300)))
    assert ext["D_ci95_low"] < ext["D_cm2_s"] < ext["D_ci95_high"]
    ax = fig.axes[0]
    assert ax.get_xlim()[1] > 1000 / 300  # the axis reaches 300 K
    open_marks = [
        ln for ln in ax.get_lines() if ln.get_marker() == "v" and ln.get_mfc() == "none"
    ]
    assert len(open_marks) == 2
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[0].startswith("Na") and "Ea=0.300 [" in labels[0]
    assert labels[1].endswith("no fit")
    assert np.isfinite(table["inv_T_1000_per_K"]).all()


def test_jobs_per_system_and_per_mode():
    skipped = {}
    assert jobs([], skipped) == [] and "hcflow build arrhenius" in skipped["arrhenius"]
    out = jobs([_doc([600.0, 800.0, 1000.0]), _doc([600.0, 900.0, 1200.0], "free")], {})
    assert [k for k, _, _ in out] == ["arrhenius", "arrhenius_modes"]
    fig, table = out[1][2]()
    assert table["system"].iloc[0].startswith("free")


def test_invalid_fit_has_no_band_and_the_axis_follows_the_points():
    from matplotlib.collections import PolyCollection

    good = _doc([600.0, 800.0, 1000.0])
    bad = {**_doc([600.0, 800.0, 1000.0]), "valid": False}
    fig, _ = arrhenius_plot([good])
    bands = [c for c in fig.axes[0].collections if isinstance(c, PolyCollection)]
    assert len(bands) == 1
    fig, _ = arrhenius_plot([bad])
    ax = fig.axes[0]
    assert not [c for c in ax.collections if isinstance(c, PolyCollection)]
    assert any(ln.get_linestyle() == ":" for ln in ax.get_lines())
    lo, hi = ax.get_ylim()  # within 3 decades below / 2 above the plotted D
    d300 = bad["D_extrapolated_cm2_s"]
    assert lo == pytest.approx(min(d300, 1e-6) / 1e3, rel=1e-6)
    assert hi <= 1e-3 * math.exp(-0.3 / (KB_EV_K * 1000)) * 1e2 * 1.001


def test_not_estimable_fit_draws_no_extrapolation():
    """A fit whose D(300 K) is not estimable: the fitted range only, no band,
    no extrapolated D; the legend and the CSV say not estimable."""
    from matplotlib.collections import PolyCollection

    doc = {**_doc([1100.0, 1300.0, 1500.0]), "valid": False, "estimable": False}
    doc["validity"] = "not estimable: the 95 % interval of D(300 K) spans 9 decades"
    fig, table = arrhenius_plot([doc])
    ax = fig.axes[0]
    assert not [c for c in ax.collections if isinstance(c, PolyCollection)]
    lines = [ln for ln in ax.get_lines() if ln.get_linestyle() in (":", "--", "-")]
    xs = np.concatenate([ln.get_xdata() for ln in lines if len(ln.get_xdata()) > 5])
    assert np.max(xs) <= 1000.0 / 1100.0 + 1e-9  # nothing drawn toward 300 K
    row = table[table["kind"].str.startswith("extrapolated")].iloc[0]
    assert row["kind"] == "extrapolated (not estimable)" and pd.isna(row["D_cm2_s"])
    assert "not estimable" in ax.get_legend().get_texts()[0].get_text()


def test_band_covers_the_fitted_range_and_markers_have_one_meaning():
    from matplotlib.collections import PolyCollection

    doc = _doc([600.0, 800.0, 1000.0])
    doc["points"].append(
        doc["points"][-1]
        | {"temperature_K": 500.0, "diffusion_outcome": "undetermined"}
    )
    fig, _ = arrhenius_plot([doc])
    ax = fig.axes[0]
    (band,) = [c for c in ax.collections if isinstance(c, PolyCollection)]
    x = band.get_paths()[0].vertices[:, 0]
    assert x.max() <= 1000 / 600 + 1e-9  # not out to 300 K
    assert any(ln.get_marker() == "x" for ln in ax.get_lines())  # undetermined
    assert any(ln.get_marker() == "*" for ln in ax.get_lines())  # extrapolated
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert {"diffusive (in the fit)", "not diffusive (upper bound)"} <= set(labels)
    assert {"undetermined", "extrapolated D"} <= set(labels)
    assert "g/cm$^3$" in labels[0]
