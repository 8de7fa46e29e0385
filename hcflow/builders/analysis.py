"""Query-driven analysis builders: ModeBuilder, DriverBuilder, CorrelationBuilder.

Each takes a filter on ``ion_descriptors`` (a saved query under ``queries/``)
and settings, and writes one result document keyed by the hash of (query,
settings, input ion keys with their last_updated). ``get_items`` yields one
item when that result does not exist yet and nothing otherwise, so re-running
with nothing changed does nothing, new ions trigger a new result, and new
settings add a result beside the old ones. ``process_item`` calls the pure
functions of :mod:`hcflow.analysis`; it touches no database.

CorrelationBuilder needs mode labels: it computes the modes inline with its
own ``mode_settings`` (same pure function and seed as ModeBuilder, so the same
settings give the same labels) rather than depending on a stored result.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import asdict
from typing import Any

import numpy as np
import pandas as pd
from maggma.core import Builder, Store

from hcflow.analysis.correlations import correlate, per_trajectory
from hcflow.analysis.drivers import DriverSettings, find_drivers
from hcflow.analysis.modes import ModeSettings, find_modes
from hcflow.analysis.table import DRIVER_FEATURES, MODE_FEATURES, feature_matrix
from hcflow.errors import HcflowError
from hcflow.schemas.analysis import (
    CorrelationDoc,
    DriverResultDoc,
    IonModeDoc,
    ModeResultDoc,
)
from hcflow.schemas.common import Provenance, settings_hash

ION_FIELDS = [
    "ion_key",
    "task_id",
    "last_updated",
    "density_g_cm3",
    "na_content",
    "temperature_K",
]


def _hash(obj: Any) -> str:
    return hashlib.sha256(
        json.dumps(obj, sort_keys=True, default=str).encode()
    ).hexdigest()[:16]


def _clean(v):
    if isinstance(v, float) and not np.isfinite(v):
        return None
    if isinstance(v, dict):
        return {str(k): _clean(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_clean(x) for x in v]
    if isinstance(v, np.generic):
        return _clean(v.item())
    return v


class AnalysisBuilder(Builder):
    """Base: one result per (query, settings, inputs)."""

    kind = "analysis"

    def __init__(
        self,
        ions: Store,
        target: Store,
        query: dict | None = None,
        settings: dict | None = None,
        extra_targets=(),
        **kwargs,
    ):
        self.ions, self.target = ions, target
        self.query = dict(query or {})
        self.settings = dict(settings or {})
        self.result_ids: list[str] = []
        super().__init__(sources=[ions], targets=[target, *extra_targets], **kwargs)

    def features(self) -> list[str]:
        raise NotImplementedError

    def get_items(self) -> Iterator[dict]:
        crit = {**self.query, "state": {"$ne": "failed"}}
        fields = sorted(set(ION_FIELDS) | set(self.features()))
        docs = list(self.ions.query(criteria=crit, properties=fields))
        if not docs:
            raise HcflowError(f"the query matches no ion_descriptors: {self.query}")
        inputs = sorted((d["ion_key"], str(d.get("last_updated"))) for d in docs)
        input_hash = _hash(inputs)
        s_hash = settings_hash(self.settings) if self.settings else "default"
        result_id = f"{self.kind}-{_hash([self.query, self.settings, input_hash])}"
        self.result_ids.append(result_id)
        if self.target.query_one({"result_id": result_id}, ["result_id"]):
            return
        yield {
            "ions": docs,
            "common": {
                "result_id": result_id,
                "kind": self.kind,
                "query": self.query,
                "query_hash": _hash(self.query),
                "settings": self.settings,
                "settings_hash": s_hash,
                "input_hash": input_hash,
                "n_inputs": len(docs),
                "n_trajectories": len({d["task_id"] for d in docs}),
                "provenance": Provenance.make(
                    f"builder:{self.kind}", self.settings, [input_hash]
                ),
            },
        }

    def update_targets(self, items: Iterable[dict]) -> None:
        for item in items:
            if item.get("extra"):
                self.targets[1].update(item["extra"], key="ion_mode_key")
            self.target.update([item["doc"]], key="result_id")

    def build(self) -> list[str]:
        """Connect, run once, close; returns the result ids (new or existing)."""
        self.connect()
        try:
            for item in self.get_items():
                self.update_targets([self.process_item(item)])
        finally:
            for s in [*self.sources, *self.targets]:
                s.close()
        return self.result_ids


def _modes(ions: pd.DataFrame, settings: dict):
    ms = ModeSettings(**settings)
    table, kept, notes = feature_matrix(ions, ms.features or MODE_FEATURES)
    res = find_modes(table, ms)
    res.notes = notes + res.notes
    return res, ms


class ModeBuilder(AnalysisBuilder):
    """ion_descriptors -> modes (+ ion_modes labels)."""

    kind = "modes"

    def __init__(self, ions, target, ion_modes, query=None, settings=None, **kw):
        super().__init__(ions, target, query, settings, extra_targets=[ion_modes], **kw)

    def features(self):
        return self.settings.get("features") or MODE_FEATURES

    def process_item(self, item: dict) -> dict:
        ions = pd.DataFrame(item["ions"])
        res, ms = _modes(ions, self.settings)
        c = item["common"]
        doc = ModeResultDoc(
            **c,
            method=ms.method,
            k=res.k,
            bic={str(k): v for k, v in res.bic.items()},
            stability_ari=res.stability_ari,
            stability_ari_std=res.stability_ari_std,
            features=res.features,
            centroids=res.centroids.reset_index().to_dict("records"),
            names={str(k): v for k, v in res.names.items()},
            fractions={str(k): v for k, v in res.fractions.items()},
        ).model_copy(update={"notes": c.get("notes", []) + res.notes})
        extra = [
            IonModeDoc(
                ion_mode_key=f"{c['result_id']}:{key}",
                result_id=c["result_id"],
                ion_key=key,
                task_id=task,
                mode=int(m),
                mode_name=res.names.get(int(m), "noise"),
                pc1=float(p[0]),
                pc2=float(p[1]),
            ).model_dump()
            for key, task, m, p in zip(
                ions["ion_key"], ions["task_id"], res.labels, res.embedding, strict=True
            )
        ]
        return {"doc": _clean(doc.model_dump()), "extra": extra}


class DriverBuilder(AnalysisBuilder):
    """ion_descriptors -> drivers."""

    kind = "drivers"

    def features(self):
        return (self.settings.get("features") or DRIVER_FEATURES) + [
            self.settings.get("target", "log10_D")
        ]

    def process_item(self, item: dict) -> dict:
        ions = pd.DataFrame(item["ions"])
        ds = DriverSettings(**self.settings)
        x, kept, notes = feature_matrix(ions, ds.features or DRIVER_FEATURES)
        if ds.target not in ions:
            raise HcflowError(f"target {ds.target} missing from ion_descriptors")
        res = find_drivers(
            x, pd.to_numeric(ions[ds.target], errors="coerce"), ions["task_id"], ds
        )
        d = asdict(res)
        d.pop("features")
        d["importance"] = res.importance.to_dict("records")
        d["notes"] = notes + res.notes
        d.pop("n_groups")
        doc = DriverResultDoc(**{**item["common"], **d}, target=ds.target)
        return {"doc": _clean(doc.model_dump())}


class CorrelationBuilder(AnalysisBuilder):
    """ion_descriptors -> correlations (modes computed inline, see module doc)."""

    kind = "correlations"

    def features(self):
        return (
            self.settings.get("mode_settings", {}).get("features") or MODE_FEATURES
        ) + ["log10_D"]

    def process_item(self, item: dict) -> dict:
        ions = pd.DataFrame(item["ions"])
        names = None
        notes = []
        try:
            res, _ = _modes(ions, self.settings.get("mode_settings", {}))
            names = pd.Series([res.names.get(int(m), "noise") for m in res.labels])
        except HcflowError as exc:
            notes.append(f"no modes: {exc}")
        table = per_trajectory(ions, names)
        out = correlate(table)
        doc = CorrelationDoc(
            **item["common"],
            rho=_clean(out["rho"].to_dict("index")),
            p=_clean(out["p"].to_dict("index")),
            maps={
                k: _clean(v.reset_index().to_dict("records"))
                for k, v in out["maps"].items()
            },
            per_trajectory=_clean(table.to_dict("records")),
        ).model_copy(update={"notes": notes + out["notes"]})
        return {"doc": _clean(doc.model_dump())}


def make_builder(kind: str, query: dict, settings: dict, hsettings=None):
    """A ready builder of one kind on the configured database."""
    from hcflow.db.stores import get_store

    ions = get_store("ion_descriptors", hsettings)
    if kind == "modes":
        return ModeBuilder(
            ions,
            get_store("modes", hsettings),
            get_store("ion_modes", hsettings),
            query,
            settings,
        )
    if kind == "drivers":
        return DriverBuilder(ions, get_store("drivers", hsettings), query, settings)
    if kind == "correlations":
        return CorrelationBuilder(
            ions, get_store("correlations", hsettings), query, settings
        )
    raise HcflowError(f"unknown analysis {kind!r}")
