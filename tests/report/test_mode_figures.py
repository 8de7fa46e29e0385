"""Residence survival, van Hove and driver figures from result-shaped dicts."""

import numpy as np
import pandas as pd
import pytest

from hcflow.descriptors.residence import km_curve
from hcflow.report import mode_figures
from hcflow.report.style import save
from tests.report.test_report import _png_ok


def transport():
    rng = np.random.default_rng(0)
    hop = km_curve(rng.exponential(6.0, 200), np.ones(200, bool))
    stuck = km_curve([150.0, 140.0], [False, False])  # never left: censored
    return [
        {"name": "hopping", "residence": hop},
        {"name": "void-trapped", "residence": stuck},
        {"name": "freely diffusing", "residence": km_curve([], [])},
    ]


def test_residence_survival_curves(tmp_path):
    fig, table = mode_figures.residence_survival(transport())
    ax = fig.axes[0]
    assert len(ax.lines) == 2  # the mode without residences is left out
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "median > run" in labels[1] and "(0/2 complete)" in labels[1]
    hop = table[table["mode"] == "hopping"]
    assert hop["survival"].iloc[0] == 1.0 and hop["survival"].iloc[-1] == 0.0
    stuck = table[table["mode"] == "void-trapped"]
    assert stuck["time_ps"].max() == 150.0 and (stuck["survival"] == 1.0).all()
    save(fig, tmp_path / "s.png")
    _png_ok(tmp_path / "s.png")
    with pytest.raises(ValueError):
        mode_figures.residence_survival(transport()[2:])


def test_van_hove_panel(tmp_path):
    r = (np.arange(40) + 0.5) * 0.25
    peak = np.exp(-((r - 2.8) ** 2) / 0.1)
    vh = {
        "lag_ps": [0.5, 50.0],
        "dr_A": 0.25,
        "r_A": r.tolist(),
        "modes": {"hopping": [peak.tolist(), (0.5 * peak).tolist()]},
    }
    fig, table = mode_figures.van_hove_panel(vh)
    assert len(fig.axes) == 2
    assert set(table.columns) == {"mode", "lag_ps", "r_A", "P_per_A"}
    assert table["P_per_A"].max() == pytest.approx(peak.max() / 0.25)
    save(fig, tmp_path / "v.png")
    _png_ok(tmp_path / "v.png")


def test_driver_panels_withhold_or_rank(tmp_path):
    imp = pd.DataFrame(
        {
            "descriptor": ["tortuosity", "f"],
            "mean": [0.5, 0.2],
            "low": [0.4, 0.1],
            "high": [0.6, 0.3],
            "proxy_of": ["density_g_cm3", None],
        }
    ).to_dict("records")
    doc = {
        "features": ["tortuosity", "f"],
        "importance": imp,
        "r2_ci95_low": 0.3,
        "r2_ci95_high": 0.5,
        "noise_ceiling_r2": 0.6,
        "within": {"importance": [], "r2_ci95_low": -0.1, "r2_ci95_high": 0.1},
    }
    fig, table = mode_figures.driver_panels(doc)
    assert len(fig.axes) == 2
    across, within = fig.axes
    assert "noise ceiling 0.60" in across.get_title()
    ticks = [t.get_text() for t in across.get_yticklabels()]
    assert "tortuosity (proxy: density_g_cm3)" in ticks
    assert "does not clear zero" in within.texts[0].get_text()
    assert table["model"].tolist()[-1].startswith("within")
    save(fig, tmp_path / "d.png")
    _png_ok(tmp_path / "d.png")
