"""Figures drawn from the analysis collections (modes, drivers, correlations).

Modes: mode map (names from the absolute criteria), centroids, fractions,
Kaplan-Meier residence survival per mode, self van Hove function per mode.
Drivers: importances across and within systems, each with its R2 interval
and noise ceiling (or the plain statement that R2 does not clear zero).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hcflow.report import figures, mode_figures


def jobs(data: dict, skipped: dict) -> list:
    """(key, title, callable) for every analysis figure whose data exist."""
    out = []
    modes, ion_modes = data.get("modes"), data.get("ion_modes")
    if modes and ion_modes is not None and len(ion_modes):
        im = ion_modes[ion_modes["result_id"] == modes["result_id"]]
        names = {int(k): v for k, v in modes["names"].items()}
        out.append(
            (
                "mode_map",
                "Mode map",
                lambda: figures.mode_map(
                    im, im[["pc1", "pc2"]].to_numpy(float), im["mode"].to_numpy(), names
                ),
            )
        )
        cent = pd.DataFrame(modes["centroids"]).set_index("mode")
        cent.index = [names.get(int(i), str(i)) for i in cent.index]
        out.append(
            ("mode_centroids", "Mode centroids", lambda: figures.mode_centroids(cent))
        )
        ions = data.get("ions")
        if ions is not None and len(ions):
            out.append(
                (
                    "mode_fractions",
                    "Mode fractions",
                    lambda: figures.mode_fractions(_fractions(ions, im)),
                )
            )
        if modes.get("transport"):
            out.append(
                (
                    "residence_survival",
                    "Site residence times per mode",
                    lambda: mode_figures.residence_survival(modes["transport"]),
                )
            )
        if modes.get("van_hove"):
            out.append(
                (
                    "van_hove",
                    "Self van Hove function per mode",
                    lambda: mode_figures.van_hove_panel(modes["van_hove"]),
                )
            )
    else:
        skipped["modes"] = "no modes result (run `hcflow build modes`)"
    drivers = data.get("drivers")
    if drivers:
        out.append(("drivers", "Drivers", lambda: mode_figures.driver_panels(drivers)))
    else:
        skipped["drivers"] = "no drivers result (run `hcflow build drivers`)"
    corr = data.get("correlations")
    if corr:
        rho = pd.DataFrame(corr["rho"]).T.astype(float)
        p = pd.DataFrame(corr["p"]).T.astype(float)
        out.append(
            (
                "correlations",
                "Correlations",
                lambda: figures.correlation_heatmap(
                    rho, p, len(corr.get("per_trajectory") or [])
                ),
            )
        )
    else:
        skipped["correlations"] = "no correlations result"
    return out


def _fractions(ions: pd.DataFrame, im: pd.DataFrame) -> pd.DataFrame:
    merged = im[["ion_key", "mode_name"]].merge(
        ions[["ion_key", "task_id", "density_g_cm3", "na_content"]], on="ion_key"
    )
    frac = pd.crosstab(merged["task_id"], merged["mode_name"], normalize="index")
    frac.columns = [f"frac_{c}" for c in frac.columns]
    meta = merged.groupby("task_id")[["density_g_cm3", "na_content"]].first()
    return meta.join(frac).reset_index().replace({np.nan: 0.0})
