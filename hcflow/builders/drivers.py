"""``DriverBuilder``: ion_descriptors (selected by a query) -> drivers.

Settings: :class:`hcflow.analysis.drivers.DriverSettings` (``features``
default: every structural descriptor but ``pore_percolating``; only
structural descriptors are accepted). The result (:class:`DriverResultDoc`)
holds grouped-CV scores with their spread, the leaky shuffled-CV score beside
them, permutation importances with 95 % intervals and partial dependence.
For ``target: log10_D`` the per-ion D below its detection limit is censored
at the limit (``detection_A``), systems are the (density, Na content,
temperature) combinations (the within-system model), and the noise ceiling
is simulated per run length (:mod:`hcflow.analysis.driver_checks`).
Incrementality: see :mod:`hcflow.builders.base`.
"""

from __future__ import annotations

from dataclasses import asdict

import numpy as np
import pandas as pd

from hcflow.analysis.driver_checks import (
    censor_log10_d,
    detection_limit,
    noise_variance,
)
from hcflow.analysis.drivers import DriverSettings, find_drivers
from hcflow.analysis.table import (
    DRIVER_FEATURES,
    VARIABLES,
    check_descriptors,
    check_present,
    feature_matrix,
    structural_descriptors,
)
from hcflow.builders.base import AnalysisBuilder
from hcflow.errors import HcflowError
from hcflow.schemas.analysis import DriverResultDoc


def resolve_driver_settings(settings: dict | None) -> dict:
    """Validated DriverSettings as a dict, features checked and filled in."""
    ds = DriverSettings.from_dict(settings)
    if ds.features is None:
        ds.features = list(DRIVER_FEATURES)
    check_descriptors(ds.features, allowed=structural_descriptors())
    return ds.to_dict()


class DriverBuilder(AnalysisBuilder):
    """ion_descriptors -> drivers."""

    kind = "drivers"

    @classmethod
    def resolve_settings(cls, settings: dict) -> dict:
        return resolve_driver_settings(settings)

    def needed_fields(self) -> list[str]:
        return [*self.resolved["features"], self.resolved["target"], *TIME_FIELDS]

    def analyse(self, ions: pd.DataFrame, item: dict) -> dict:
        ds = DriverSettings(**self.resolved)
        check_present(ions, self.settings.get("features"))
        x, _, notes = feature_matrix(ions, ds.features, fill=False)
        y, censored, noise, more = driver_target(ions, ds)
        res = find_drivers(
            x,
            y,
            ions["task_id"].to_numpy(),
            ds,
            systems=system_ids(ions),
            variables=ions.reindex(columns=VARIABLES),
            noise_var=noise,
            censored=censored,
        )
        notes += more
        d = asdict(res)
        d["importance"] = res.importance.to_dict("records")
        d["importance_class"] = res.importance_class.to_dict("records")
        d["censored_fraction"] = None if censored is None else float(np.mean(censored))
        d.pop("n_ions")
        c = self.common(item, notes + d.pop("notes"))
        doc = DriverResultDoc(**c, **d)
        return {"doc": doc.model_dump()}


#: Per-ion timing fields the detection limit and the noise ceiling need.
TIME_FIELDS = ["D_cm2_s", "log10_D", "fit_window_ps", "frame_dt_ps", "duration_ps"]


def system_ids(ions: pd.DataFrame) -> np.ndarray:
    """One id per (density, Na content, temperature) combination."""
    cols = ions.reindex(columns=VARIABLES).astype(object)
    return cols.where(cols.notna(), "?").astype(str).agg("|".join, axis=1).to_numpy()


def driver_target(ions: pd.DataFrame, ds: DriverSettings):
    """(target, censored flags or None, noise variance or None, notes)."""
    if ds.target != "log10_D":
        y = pd.to_numeric(ions[ds.target], errors="coerce").to_numpy(float)
        return y, None, None, []
    if "D_cm2_s" in ions and ions["D_cm2_s"].notna().any():
        d = pd.to_numeric(ions["D_cm2_s"], errors="coerce").to_numpy(float)
    elif "log10_D" in ions and ions["log10_D"].notna().any():
        d = 10.0 ** pd.to_numeric(ions["log10_D"], errors="coerce").to_numpy(float)
    else:
        raise HcflowError("no ion has a D_cm2_s or log10_D value")
    windows = ions["fit_window_ps"] if "fit_window_ps" in ions else [None] * len(d)
    lim = detection_limit(windows, ds.detection_A)
    y, censored, notes = censor_log10_d(d, lim)
    if censored.all():
        raise HcflowError(
            f"all {len(d)} ions are below the D detection limit (median "
            f"{np.nanmedian(lim):.2g} cm2/s): nothing to predict; longer runs or a "
            "smaller detection_A"
        )
    noise = noise_variance(ions, d, lim, censored, ds.n_noise, ds.seed)
    if not np.isfinite(noise).any():
        noise = None
        notes.append("no run lengths in the documents: no noise ceiling")
    return y, censored, noise, notes
