"""Correlations: planted monotone dependences, undefined cases, maps."""

import numpy as np
import pandas as pd

from hcflow.analysis.correlations import correlate, per_trajectory


def ions_with_density_trend(sign=1.0, seed=0):
    rng = np.random.default_rng(seed)
    rows = []
    for t, rho in enumerate(np.linspace(0.8, 1.8, 12)):
        x = (rho - 0.8) if sign > 0 else (1.8 - rho)
        frac_trapped = 0.1 + 0.5 * x
        na = [0.05, 0.10, 0.15][t % 3]
        for i in range(50):
            rows.append(
                {
                    "task_id": f"t{t}",
                    "density_g_cm3": rho,
                    "na_content": na,
                    "temperature_K": 1000.0,
                    "log10_D": -5 - rho + 0.1 * rng.normal(),
                    "mode": "void-trapped" if i < frac_trapped * 50 else "hopping",
                }
            )
    return pd.DataFrame(rows)


def test_monotone_density_dependence_right_sign():
    ions = ions_with_density_trend()
    out = correlate(per_trajectory(ions, ions["mode"]))
    assert out["rho"].loc["frac_void-trapped", "density_g_cm3"] > 0.9
    assert out["rho"].loc["frac_hopping", "density_g_cm3"] < -0.9
    assert out["rho"].loc["mean_log10_D", "density_g_cm3"] < -0.9
    assert out["p"].loc["frac_void-trapped", "density_g_cm3"] < 1e-3
    ions = ions_with_density_trend(sign=-1)
    out = correlate(per_trajectory(ions, ions["mode"]))
    assert out["rho"].loc["frac_void-trapped", "density_g_cm3"] < -0.9


def test_constant_variable_is_undefined_with_a_note():
    ions = ions_with_density_trend()
    out = correlate(per_trajectory(ions, ions["mode"]))
    assert np.isnan(out["rho"].loc["mean_log10_D", "temperature_K"])
    assert any("temperature_K constant" in n for n in out["notes"])
    few = correlate(per_trajectory(ions[ions["task_id"].isin(["t0", "t1"])], None))
    assert few["rho"].isna().all().all() and "Spearman needs" in few["notes"][0]


def test_density_na_map_is_a_grid_of_means():
    ions = ions_with_density_trend()
    table = per_trajectory(ions, ions["mode"], mobile_threshold=-6.3)
    m = correlate(table)["maps"]["mean_log10_D"]
    assert m["na_content"] == [0.05, 0.10, 0.15]
    assert len(m["density_g_cm3"]) == 12 and len(m["values"]) == 12
    i = 0  # density 0.8 is task t0 at Na 0.05: one trajectory, its mean
    expected = ions[ions["task_id"] == "t0"]["log10_D"].mean()
    assert abs(m["values"][i][0] - expected) < 1e-12
    assert m["values"][i][1] is None and m["n_trajectories"][i] == [1, 0, 0]
    assert "frac_mobile" in table and table["frac_mobile"].iloc[0] > 0.5


def test_tracer_d_from_summaries():
    ions = ions_with_density_trend()
    dens = ions.groupby("task_id")["density_g_cm3"].first()
    summaries = pd.DataFrame(
        {"task_id": dens.index, "D_cm2_s": 10 ** (-4.0 - dens.to_numpy())}
    )
    out = correlate(per_trajectory(ions, None, summaries=summaries))
    assert out["rho"].loc["log10_D_tracer", "density_g_cm3"] < -0.99
