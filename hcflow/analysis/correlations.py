"""Correlations of mode fractions and mobility with processing variables.

Per trajectory: the fraction of its ions in each mode (``frac_<mode>``), the
mean log10 D_i of its ions, the fraction of mobile ions (with a threshold)
and log10 of its tracer D (with trajectory summaries). Each target is set
against carbon density, Na content and temperature by Spearman rho with its
p-value (NaN, with a note, for too few trajectories or a constant column),
and mapped over density x Na content (mean and count per grid point;
temperatures averaged together, noted). Details: docs/analysis-methods.md.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

from hcflow.analysis.table import VARIABLES
from hcflow.errors import HcflowError
from hcflow.schemas.common import json_safe


def per_trajectory(
    ions: pd.DataFrame,
    mode_names: pd.Series | np.ndarray | None = None,
    summaries: pd.DataFrame | None = None,
    mobile_threshold: float | None = None,
) -> pd.DataFrame:
    """One row per task: processing variables, mobility, mode fractions.

    Parameters
    ----------
    ions
        One row per ion: task_id, the processing variables, log10_D.
    mode_names
        Mode name of each ion (same order as ``ions``), or None.
    summaries
        Optional trajectory summaries: task_id and D_cm2_s (tracer D, cm2/s).
    mobile_threshold
        log10 D above which an ion counts as mobile (adds ``frac_mobile``).
    """
    if ions.empty:
        raise HcflowError("no ions to correlate")
    missing = [v for v in ["task_id", *VARIABLES] if v not in ions]
    if missing:
        raise HcflowError(f"ions lack {', '.join(missing)}")
    ions = ions.reset_index(drop=True)
    logd = pd.to_numeric(ions.get("log10_D"), errors="coerce")
    if logd is None:
        logd = pd.Series(np.nan, index=ions.index)
    work = ions[["task_id", *VARIABLES]].assign(_logd=logd.to_numpy(float))
    agg = work.groupby("task_id").agg(
        **{v: (v, "first") for v in VARIABLES},
        n_ions=("_logd", "size"),
        mean_log10_D=("_logd", "mean"),
    )
    if mobile_threshold is not None:
        mob = (work["_logd"] > mobile_threshold).astype(float)
        agg["frac_mobile"] = mob.groupby(work["task_id"]).mean()
    if summaries is not None and len(summaries) and "D_cm2_s" in summaries:
        d = pd.to_numeric(summaries["D_cm2_s"], errors="coerce")
        tracer = pd.Series(
            np.log10(d.where(d > 0)).to_numpy(), index=summaries["task_id"]
        )
        agg["log10_D_tracer"] = tracer[~tracer.index.duplicated()].reindex(agg.index)
    if mode_names is not None:
        names = np.asarray(mode_names, dtype=object)
        frac = pd.crosstab(work["task_id"], names, normalize="index")
        frac.columns = [f"frac_{c}" for c in frac.columns]
        agg = agg.join(frac)
        agg[list(frac.columns)] = agg[list(frac.columns)].fillna(0.0)
    return agg.reset_index()


def targets_of(table: pd.DataFrame) -> list[str]:
    """Target columns of a per-trajectory table (mode fractions, mobility)."""
    fr = sorted(c for c in table.columns if c.startswith("frac_"))
    mob = [c for c in ("mean_log10_D", "log10_D_tracer") if c in table]
    return fr + mob


def density_na_map(table: pd.DataFrame, target: str) -> dict:
    """Mean of ``target`` on the density x Na-content grid (rows: density)."""
    t = table.dropna(subset=["density_g_cm3", "na_content"])
    dens = sorted(t["density_g_cm3"].unique().tolist())
    na = sorted(t["na_content"].unique().tolist())
    mean = t.pivot_table(
        index="density_g_cm3", columns="na_content", values=target, aggfunc="mean"
    ).reindex(index=dens, columns=na)
    count = (
        t.dropna(subset=[target])
        .pivot_table(
            index="density_g_cm3", columns="na_content", values=target, aggfunc="size"
        )
        .reindex(index=dens, columns=na)
        .fillna(0)
    )
    values = json_safe(mean.to_numpy(float))
    return {
        "density_g_cm3": [float(v) for v in dens],
        "na_content": [float(v) for v in na],
        "values": values,
        "n_trajectories": count.to_numpy(int).tolist(),
    }


def correlate(table: pd.DataFrame, min_trajectories: int = 3) -> dict:
    """Spearman rho / p of every target against every variable, and the maps.

    Returns a dict: ``rho`` and ``p`` (DataFrames, targets x variables),
    ``maps`` (target -> :func:`density_na_map`), ``notes``,
    ``n_trajectories``, ``temperatures``.
    """
    targets = targets_of(table)
    rho = pd.DataFrame(np.nan, index=targets, columns=VARIABLES, dtype=float)
    pval = rho.copy()
    notes = []
    n = len(table)
    if n < min_trajectories:
        notes.append(
            f"{n} trajectories: Spearman needs >= {min_trajectories}, left undefined"
        )
    for v in VARIABLES:
        if table[v].nunique(dropna=True) < 2:
            notes.append(f"{v} constant over the trajectories: rho undefined")
    for t in targets:
        for v in VARIABLES:
            sub = table[[t, v]].astype(float).dropna()
            if (
                len(sub) < min_trajectories
                or sub[t].nunique() < 2
                or sub[v].nunique() < 2
            ):
                continue
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                r, p = spearmanr(sub[t], sub[v])
            rho.loc[t, v], pval.loc[t, v] = float(r), float(p)
    temps = sorted(table["temperature_K"].dropna().unique().tolist())
    if len(temps) > 1:
        notes.append(
            f"maps average over {len(temps)} temperatures; query one to map it alone"
        )
    maps = {t: density_na_map(table, t) for t in targets}
    return {
        "rho": rho,
        "p": pval,
        "maps": maps,
        "notes": notes,
        "n_trajectories": n,
        "temperatures": [float(x) for x in temps],
    }
