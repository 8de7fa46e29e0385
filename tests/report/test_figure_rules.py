"""Static figures: no z-score across two modes, no panel against one value,
no Spearman from a handful of points, no survival curve without a completed
residence."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest

from hcflow.report import figures, mode_figures


def test_two_mode_centroids_are_not_z_scored():
    cent = pd.DataFrame(
        {"cn_na_c": [2.0, 4.0], "log10_D": [-5.0, -6.0]}, index=["hopping", "trapped"]
    )
    fig, _ = figures.mode_centroids(cent)
    data = fig.axes[0].images[0].get_array()
    assert np.allclose(data, [[0.5, -5 / 6], [1.0, -1.0]])  # not +-1 everywhere
    assert fig.axes[0].get_xticklabels()[0].get_text() == "Na–C coordination"


def test_mode_fractions_one_composition_is_a_bar_chart():
    frac = pd.DataFrame(
        {
            "task_id": ["a", "b"],
            "density_g_cm3": [1.0, 1.0],
            "na_content": [0.125, 0.125],
            "frac_hop": [0.25, 0.75],
            "frac_trap": [0.75, 0.25],
        }
    )
    fig, _ = figures.mode_fractions(frac)
    assert len(fig.axes) == 1 and len(fig.axes[0].patches) == 2
    frac.loc[1, "density_g_cm3"] = 1.5  # two densities, one Na:C: one panel
    fig, _ = figures.mode_fractions(frac)
    assert len(fig.axes) == 1 and "density" in fig.axes[0].get_xlabel()


def test_no_spearman_from_six_points():
    rho = pd.DataFrame({"density_g_cm3": [0.5]}, index=["mean_log10_D"])
    with pytest.raises(ValueError, match="from 6 trajectories"):
        figures.correlation_heatmap(rho, None, n_points=6)
    fig, _ = figures.correlation_heatmap(rho, None, n_points=8)
    assert fig.axes[0].get_xticklabels()[0].get_text() == "density (g/cm³)"


def test_residence_survival_needs_a_completed_residence():
    mode = {
        "name": "trapped",
        "residence": {
            "time_ps": [0.0, 1.0],
            "survival": [1.0, 1.0],
            "n_complete": 0,
            "n_residences": 5,
        },
    }
    with pytest.raises(ValueError, match="no completed site residence"):
        mode_figures.residence_survival([mode])
    mode["residence"] |= {"n_complete": 2, "survival": [1.0, 0.5]}
    fig, _ = mode_figures.residence_survival([mode])
    assert fig.axes
