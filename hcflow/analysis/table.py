"""Turning ion_descriptors documents into a clean feature table.

Columns are the descriptor names of :mod:`hcflow.schemas.names` plus
METADATA. Documented fallbacks, each noted in the result: an absent or
all-missing column and a constant column are left out; missing values are
filled with the column median for the mixture and linear models (gradient
boosting takes them as missing); one trajectory under several descriptor
settings keeps its newest (:func:`one_setting_per_task`). A name that is not
a descriptor is a one-line error.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hcflow.errors import HcflowError
from hcflow.schemas.names import DYNAMIC, METADATA, STRUCTURAL

#: Default descriptors for modes: structure + dynamics (log10 D, not D).
MODE_FEATURES = [
    "cn_na_c",
    "cn_na_na",
    "d_nearest_c",
    "pore_size",
    "cluster_size",
    "log10_D",
    "hop_rate_per_ps",
    "site_fraction",
    "explored_radius_A",
    "non_gaussian",
    "path_tortuosity",
]

#: Default inputs of the driver models: structural descriptors only.
DRIVER_FEATURES = [n for n in STRUCTURAL if n != "pore_percolating"]

#: Processing variables of a trajectory.
VARIABLES = ["density_g_cm3", "na_content", "temperature_K"]


def structural_descriptors() -> list[str]:
    """STRUCTURAL names and their ``<name>_std`` companions."""
    return list(STRUCTURAL) + [f"{n}_std" for n in STRUCTURAL]


def known_descriptors() -> list[str]:
    """Every descriptor column an analysis may use."""
    return structural_descriptors() + list(DYNAMIC)


def known_fields() -> list[str]:
    """Every field a saved query may filter on (the ion_descriptors fields)."""
    from hcflow.schemas.ion import IonDescriptorDoc

    doc_fields = list(IonDescriptorDoc.model_fields)
    return list(dict.fromkeys([*METADATA, *known_descriptors(), *doc_fields]))


def check_descriptors(names: list[str], allowed: list[str] | None = None) -> None:
    """One-line HcflowError for a name that is not a (permitted) descriptor."""
    if not isinstance(names, list | tuple) or not all(
        isinstance(n, str) for n in names
    ):
        raise HcflowError(f"features must be a list of descriptor names, not {names}")
    unknown = [f for f in names if f not in known_descriptors()]
    if unknown:
        raise HcflowError(
            f"unknown descriptor(s) {', '.join(unknown)}; known: "
            f"{', '.join(known_descriptors())}"
        )
    if allowed is not None:
        bad = [f for f in names if f not in allowed]
        if bad:
            raise HcflowError(
                f"descriptor(s) {', '.join(bad)} not allowed here (structural "
                f"descriptors only: {', '.join(allowed)})"
            )


def check_present(ions: pd.DataFrame, features: list[str] | None) -> None:
    """One-line error when a feature the user asked for has no value at all."""
    absent = [f for f in features or [] if f not in ions or ions[f].isna().all()]
    if absent:
        raise HcflowError(
            f"feature(s) {', '.join(absent)} have no value in the {len(ions)} "
            "selected ions"
        )


def one_setting_per_task(ions: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Keep, per trajectory, the documents of its newest descriptor settings."""
    if "settings_hash" not in ions or ions["settings_hash"].nunique() <= 1:
        return ions, []
    newest = (
        ions.groupby(["task_id", "settings_hash"])["last_updated"]
        .max()
        .reset_index()
        .sort_values("last_updated")
        .drop_duplicates("task_id", keep="last")
    )
    keep = ions.merge(newest[["task_id", "settings_hash"]], how="inner")
    note = (
        f"{ions['settings_hash'].nunique()} descriptor settings among the selected "
        f"documents: kept the newest per trajectory ({len(keep)} of {len(ions)} "
        "documents; add settings_hash to the query to choose)"
    )
    return keep, [note]


def feature_matrix(
    ions: pd.DataFrame,
    features: list[str],
    min_rows: int = 2,
    fill: bool = True,
) -> tuple[pd.DataFrame, list[str], list[str]]:
    """(clean table, kept features, notes) for the requested descriptor columns.

    Parameters
    ----------
    ions
        One row per ion.
    features
        Descriptor names (checked against :func:`known_descriptors`).
    min_rows
        Fewer rows is an error.
    fill
        Fill missing values with the column median (else keep NaN).
    """
    check_descriptors(features)
    notes, kept = [], []
    for f in features:
        col = pd.to_numeric(ions[f], errors="coerce") if f in ions else None
        if col is None or col.notna().sum() == 0:
            notes.append(f"{f}: no values, left out")
        elif np.nanmax(col.to_numpy(float)) == np.nanmin(col.to_numpy(float)):
            notes.append(f"{f}: constant, left out")
        else:
            kept.append(f)
    if not kept:
        raise HcflowError(
            f"no usable descriptor columns among {', '.join(features)} "
            "(all missing or constant)"
        )
    table = ions[kept].apply(pd.to_numeric, errors="coerce").astype(float)
    n_missing = int(table.isna().sum().sum())
    if fill and n_missing:
        table = table.fillna(table.median())
        notes.append(f"{n_missing} missing values filled with column medians")
    if len(table) < min_rows:
        raise HcflowError(f"{len(table)} ions are too few (need at least {min_rows})")
    return table.reset_index(drop=True), kept, notes
