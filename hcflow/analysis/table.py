"""Turning ion_descriptors documents into a clean feature table."""

from __future__ import annotations

import numpy as np
import pandas as pd

from hcflow.descriptors.names import DYNAMIC, STRUCTURAL
from hcflow.errors import HcflowError

#: Default descriptors for modes: structure + dynamics (log10 D, not D).
MODE_FEATURES = [
    "cn_na_c",
    "cn_na_na",
    "d_nearest_c",
    "pore_size",
    "cluster_size",
    "log10_D",
    "hop_rate_per_ps",
    "non_gaussian",
    "path_tortuosity",
]

#: Default inputs of the driver models: structural descriptors only.
DRIVER_FEATURES = [n for n in STRUCTURAL if n != "pore_percolating"]


def known_descriptors() -> list[str]:
    return list(STRUCTURAL) + list(DYNAMIC)


def feature_matrix(
    ions: pd.DataFrame, features: list[str], min_rows: int = 2
) -> tuple[pd.DataFrame, list[str], list[str]]:
    """(clean table, kept features, notes) for the requested descriptor columns.

    Unknown names raise; columns that are all-missing or constant are dropped
    with a note (documented fallback); missing values in kept columns are
    filled with the column median.
    """
    unknown = [f for f in features if f not in known_descriptors()]
    if unknown:
        raise HcflowError(
            f"unknown descriptor(s) {', '.join(unknown)}; known: "
            f"{', '.join(known_descriptors())}"
        )
    notes, kept = [], []
    for f in features:
        col = pd.to_numeric(ions.get(f), errors="coerce") if f in ions else None
        if col is None or col.notna().sum() == 0:
            notes.append(f"{f}: no values, left out")
        elif np.nanstd(col.to_numpy(float)) == 0:
            notes.append(f"{f}: constant, left out")
        else:
            kept.append(f)
    if not kept:
        raise HcflowError("no usable descriptor columns (all missing or constant)")
    table = ions[kept].apply(pd.to_numeric, errors="coerce")
    table = table.fillna(table.median())
    if len(table) < min_rows:
        raise HcflowError(f"{len(table)} ions are too few (need at least {min_rows})")
    return table, kept, notes
