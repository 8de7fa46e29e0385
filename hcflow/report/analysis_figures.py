"""Figures drawn from the analysis collections (modes, drivers, correlations)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from hcflow.report import figures


def jobs(data: dict, skipped: dict) -> list:
    """(key, title, callable) for every analysis figure whose data exist."""
    out = []
    modes = data.get("modes")
    if modes:
        out += _mode_jobs(data, modes)
    else:
        skipped["modes"] = "no modes result (run `hcflow build modes`)"
    drivers = data.get("drivers")
    if drivers:
        out.append(
            (
                "drivers",
                "Drivers",
                lambda: figures.driver_importance(_importance(drivers)),
            )
        )
    else:
        skipped["drivers"] = "no drivers result (run `hcflow build drivers`)"
    corr = data.get("correlations")
    if corr:
        out.append(
            (
                "correlations",
                "Correlations",
                lambda: figures.correlation_heatmap(*_rho(corr)),
            )
        )
    else:
        skipped["correlations"] = "no correlations result"
    return out


def _mode_jobs(data, modes) -> list:
    return []


def _importance(doc: dict) -> pd.DataFrame:
    raise KeyError("drivers document shape not known yet")


def _rho(doc: dict):
    raise KeyError("correlations document shape not known yet")


_ = np
