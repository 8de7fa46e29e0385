"""Correlations of mode fractions and mobility with processing variables.

Per trajectory (task): the fraction of its ions in each mode and the mean
log10 D_i, against carbon density, Na content and temperature: Spearman rho
with its p-value (NaN, with a note, when a column is constant), and a density x
Na-content map (mean of each target over trajectories at each grid point).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

from hcflow.errors import HcflowError

VARIABLES = ["density_g_cm3", "na_content", "temperature_K"]


def per_trajectory(ions: pd.DataFrame, mode_names: pd.Series | None) -> pd.DataFrame:
    """One row per task: processing variables, mean log10 D, mode fractions."""
    if ions.empty:
        raise HcflowError("no ions to correlate")
    agg = ions.groupby("task_id").agg(
        **{v: (v, "first") for v in VARIABLES},
        mean_log10_D=("log10_D", "mean"),
        n_ions=("log10_D", "size"),
    )
    if mode_names is not None:
        frac = pd.crosstab(ions["task_id"], mode_names.values, normalize="index")
        frac.columns = [f"frac_{c}" for c in frac.columns]
        agg = agg.join(frac).fillna({c: 0.0 for c in frac.columns})
    return agg.reset_index()


def correlate(table: pd.DataFrame) -> dict:
    """Spearman rho / p of every target column against every variable + maps."""
    targets = [c for c in table.columns if c.startswith("frac_")] + ["mean_log10_D"]
    rho = pd.DataFrame(index=targets, columns=VARIABLES, dtype=float)
    pval = rho.copy()
    notes = []
    for t in targets:
        for v in VARIABLES:
            a, b = table[t].to_numpy(float), table[v].to_numpy(float)
            if len(a) < 3 or np.nanstd(a) == 0 or np.nanstd(b) == 0:
                rho.loc[t, v] = pval.loc[t, v] = np.nan
                if np.nanstd(b) == 0 and f"{v} constant" not in notes:
                    notes.append(f"{v} constant")
                continue
            r, p = spearmanr(a, b)
            rho.loc[t, v], pval.loc[t, v] = float(r), float(p)
    maps = {
        t: table.pivot_table(
            index="density_g_cm3", columns="na_content", values=t, aggfunc="mean"
        )
        for t in targets
    }
    return {
        "rho": rho,
        "p": pval,
        "maps": maps,
        "notes": notes,
        "n_trajectories": len(table),
    }
