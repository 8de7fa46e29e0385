"""``DriverBuilder``: ion_descriptors (selected by a query) -> drivers.

Settings: :class:`hcflow.analysis.drivers.DriverSettings` (``features``
default: every structural descriptor but ``pore_percolating``; only
structural descriptors are accepted). The result (:class:`DriverResultDoc`)
holds grouped-CV scores with their spread, the leaky shuffled-CV score beside
them, permutation importances with 95 % intervals and partial dependence.
Incrementality: see :mod:`hcflow.builders.base`.
"""

from __future__ import annotations

from dataclasses import asdict

import pandas as pd

from hcflow.analysis.drivers import DriverSettings, find_drivers
from hcflow.analysis.table import (
    DRIVER_FEATURES,
    check_descriptors,
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
        return [*self.resolved["features"], self.resolved["target"]]

    def analyse(self, ions: pd.DataFrame, item: dict) -> dict:
        ds = DriverSettings(**self.resolved)
        x, _, notes = feature_matrix(ions, ds.features, fill=False)
        y = pd.to_numeric(ions[ds.target], errors="coerce")
        if y.notna().sum() == 0:
            raise HcflowError(f"no ion has a {ds.target} value")
        res = find_drivers(x, y.to_numpy(float), ions["task_id"].to_numpy(), ds)
        d = asdict(res)
        d["importance"] = res.importance.to_dict("records")
        d["importance_class"] = res.importance_class.to_dict("records")
        d.pop("n_ions")
        c = self.common(item, notes + d.pop("notes"))
        doc = DriverResultDoc(**c, **d)
        return {"doc": doc.model_dump()}
