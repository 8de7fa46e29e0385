"""Report figures from synthetic data, the HTML page, and bad input."""

import numpy as np
import pandas as pd
import pytest

from hcflow.errors import HcflowError
from hcflow.report import figures, mode_figures
from hcflow.report.style import save


def summaries():
    rows = []
    for i, (rho, x) in enumerate([(0.9, 0.05), (0.9, 0.1), (1.3, 0.05), (1.3, 0.1)]):
        d = 1e-5 / (1 + i)
        lag = np.linspace(0.1, 2.0, 20)
        rows.append(
            {
                "task_id": f"t{i}",
                "density_g_cm3": rho,
                "na_content": x,
                "temperature_K": 1200.0,
                "D_cm2_s": d,
                "D_ci95_low": 0.7 * d,
                "D_ci95_high": 1.4 * d,
                "msd_lag_ps": lag.tolist(),
                "msd_A2": (6 * d * 1e4 * lag).tolist(),
                "n_ions": 5,
            }
        )
    return pd.DataFrame(rows)


def _png_ok(path):
    from PIL import Image

    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    img = np.asarray(Image.open(path).convert("L"))
    assert img.shape[0] > 200 and img.shape[1] > 300
    assert img.std() > 5  # not a blank image


def test_msd_figure_has_points_and_fits(tmp_path):
    fig, table = figures.msd_curves(summaries())
    ax = fig.axes[0]
    assert len(ax.lines) == 8  # 4 systems x (data + fit)
    assert ax.get_xlabel() == "lag time (ps)" and "AA" in ax.get_ylabel()
    assert set(table.columns) == {"task_id", "lag_ps", "msd_A2"}
    save(fig, tmp_path / "msd.png")
    _png_ok(tmp_path / "msd.png")


def test_msd_fit_line_follows_the_fit_window():
    # MSD = 6 D t + 3 A2 (cage offset): the line over the window [0.5, 1.5] ps
    # must lie on the data, not on 6 D t through the origin
    lag = np.linspace(0.1, 2.0, 20)
    d = 1e-5
    msd = 6 * d * 1e4 * lag + 3.0
    t, line = figures.fit_line({"D_cm2_s": d, "fit_window_ps": [0.5, 1.5]}, lag, msd)
    assert t.min() >= 0.5 and t.max() <= 1.5
    assert np.allclose(line, 6 * d * 1e4 * t + 3.0)
    t, line = figures.fit_line({"D_cm2_s": d}, lag, msd)
    assert np.allclose(line, 6 * d * 1e4 * lag)
    assert figures.fit_line({"D_cm2_s": float("nan")}, lag, msd) is None


def test_diffusion_figure_two_panels_with_error_bars(tmp_path):
    fig, table = figures.diffusion_vs_composition(summaries())
    assert len(fig.axes) == 2
    for ax in fig.axes:
        assert len(ax.containers) == 2  # two series with error bars per panel
        assert "cm$^2$/s" in ax.get_ylabel()
    save(fig, tmp_path / "d.png")
    _png_ok(tmp_path / "d.png")
    assert len(table) == 4


def test_diffusion_figure_marks_non_diffusive_and_splits_temperatures():
    s = summaries()
    s["diffusive"] = [True, False, True, True]
    s.loc[3, "temperature_K"] = 1500.0  # 1.3/0.1 at another temperature
    fig, table = figures.diffusion_vs_composition(s)
    ax = fig.axes[0]
    # one errorbar series per (Na:C, T): 0.05@1200, 0.1@1200, 0.1@1500
    assert len(ax.containers) == 3
    open_marks = [
        ln for ln in ax.lines if ln.get_markerfacecolor() in ("white", (1, 1, 1, 1))
    ]
    # the one non-diffusive point (0.9, Na:C 0.1) and the legend entry
    assert sorted(len(ln.get_xdata()) for ln in open_marks) == [0, 1]
    (point,) = [ln for ln in open_marks if len(ln.get_xdata())]
    assert list(point.get_xdata()) == [0.9]
    assert "1500 K" in " ".join(t.get_text() for t in ax.get_legend().get_texts())
    assert list(table["diffusive"]) == [True, False, True, True]


def test_heatmaps_and_bars(tmp_path):
    rho = pd.DataFrame(
        [[0.9, -0.2], [0.1, np.nan]], index=["a", "b"], columns=["density", "na"]
    )
    fig, _ = figures.correlation_heatmap(rho, rho.abs() / 10)
    assert len(fig.axes) == 2  # map + colour bar
    imp = pd.DataFrame(
        {
            "descriptor": ["x", "y"],
            "mean": [0.3, 0.1],
            "low": [0.2, 0.0],
            "high": [0.4, 0.2],
        }
    )
    doc = {"features": ["x", "y"], "importance": imp.to_dict("records")}
    fig, _ = mode_figures.driver_panels(doc | {"r2_ci95_low": 0.2})
    assert len(fig.axes[0].patches) == 2
    save(fig, tmp_path / "imp.png")
    _png_ok(tmp_path / "imp.png")


def test_unwritable_output(tmp_path):
    from hcflow.report.build import check_writable

    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(HcflowError, match="cannot create output folder"):
        check_writable(blocker / "sub")


@pytest.mark.integration
def test_build_report_from_database(db_settings, tmp_path):
    from hcflow.db.stores import ensure_database, get_store
    from hcflow.report.build import build_report

    ensure_database(db_settings)
    s = summaries()
    with get_store("md_tasks", db_settings) as st:
        st.update([{"task_id": t, "study_id": "demo"} for t in s["task_id"]])
    with get_store("trajectory_summaries", db_settings) as st:
        docs = s.assign(summary_key=s["task_id"] + ":h", state="successful")
        st.update(docs.to_dict("records"))
    res = build_report(tmp_path / "rep", study_id="demo", settings=db_settings)
    html = res.html.read_text()
    assert {"msd", "diffusion"} <= set(res.figures)
    for key, png in res.figures.items():
        assert f"id='{key}'" in html and png.name in html
        assert (tmp_path / "rep" / f"{key}.csv").exists()
    with pytest.raises(HcflowError, match="no md_tasks for study 'nope'"):
        build_report(tmp_path / "rep2", study_id="nope", settings=db_settings)


def test_analysis_figures_need_their_results(tmp_path):
    """No modes/drivers/correlations: nothing drawn, each skip says what to run."""
    from hcflow.report import analysis_figures
    from hcflow.report.build import ReportResult
    from hcflow.report.html import write_html

    skipped: dict = {}
    assert analysis_figures.jobs({}, skipped) == []
    assert set(skipped) == {"modes", "drivers", "correlations"}
    assert "hcflow build modes" in skipped["modes"]
    fig, table = figures.msd_curves(summaries())
    save(fig, tmp_path / "msd.png")
    res = ReportResult(out_dir=tmp_path, html=tmp_path / "index.html")
    res.figures["msd"] = tmp_path / "msd.png"
    res.skipped = skipped
    write_html(res, study_id="s<1>")
    page = res.html.read_text()
    assert "id='msd'" in page and "data:image/png;base64," in page
    assert "s&lt;1&gt;" in page  # escaped
    assert page.count("class='note'") == 3
