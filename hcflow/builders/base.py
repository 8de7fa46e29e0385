"""The query-driven analysis builder: one result per (query, settings, inputs).

``AnalysisBuilder`` (ModeBuilder, DriverBuilder, CorrelationBuilder) is a thin
maggma Builder: ``__init__`` validates the filter and resolves the settings
before any database is touched; ``get_items`` hashes the selected ions
(newest descriptor setting per trajectory) into ``result_id = <kind>-hash(
filter, settings, inputs)`` and yields nothing when that result exists;
``process_item`` calls the pure functions of :mod:`hcflow.analysis`;
``update_targets`` writes companion documents first and the result last, so
a result exists only when all it refers to was written. Runs from ``hcflow
build``, ``builder.run()`` and ``mrun``. Details: docs/builders.md.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

import pandas as pd
from maggma.core import Builder, Store

from hcflow.analysis.query import stable_hash, validate_filter
from hcflow.analysis.table import VARIABLES, one_setting_per_task
from hcflow.errors import HcflowError
from hcflow.schemas.common import Provenance, json_safe

INDEX_FIELDS = ["ion_key", "task_id", "settings_hash", "last_updated"]
ION_FIELDS = [*INDEX_FIELDS, "study_id", *VARIABLES]


def result_key(kind: str, query: dict, resolved: dict, input_hash: str) -> str:
    """The result id of an analysis of one input set under one setting."""
    return f"{kind}-{stable_hash([query, resolved, input_hash])}"


def naive_utc(value: datetime | str | None) -> datetime | None:
    """Datetimes from any store as naive UTC (pymongo returns naive ones)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value


def naive_iso(value: Any) -> str:
    """A timestamp as naive-UTC ISO text (pymongo and mongomock agree on it)."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, datetime):
        return naive_utc(value).isoformat(timespec="milliseconds")
    return str(value)


class AnalysisBuilder(Builder):
    """Base of the query-driven analysis builders (see the module docstring)."""

    kind = "analysis"

    def __init__(
        self,
        ions: Store,
        target: Store,
        query: dict | None = None,
        settings: dict | None = None,
        query_name: str | None = None,
        query_description: str = "",
        extra_sources: list[Store] | None = None,
        extra_targets: list[Store] | None = None,
        chunk_size: int = 1,
    ):
        self.ions, self.target = ions, target
        self.query = validate_filter(dict(query or {}))
        self.settings = dict(settings or {})
        self.query_name, self.query_description = query_name, query_description
        self.extra_sources = list(extra_sources or [])
        self.extra_targets = list(extra_targets or [])
        self.resolved = self.resolve_settings(self.settings)
        self.result_ids: list[str] = []
        self.new_results: list[str] = []
        self.timings: dict[str, float] = {}  # seconds per phase of the last run
        super().__init__(
            sources=[ions, *self.extra_sources],
            targets=[target, *self.extra_targets],
            chunk_size=chunk_size,
        )

    # -- what subclasses provide -------------------------------------------------
    @classmethod
    def resolve_settings(cls, settings: dict) -> dict:
        """Validated settings with defaults filled in (raises HcflowError)."""
        raise NotImplementedError

    def needed_fields(self) -> list[str]:
        """ion_descriptors fields the analysis reads."""
        raise NotImplementedError

    def analyse(self, ions: pd.DataFrame, item: dict) -> dict:
        """{"doc": result document dict, "ion_modes": [...] (optional)}."""
        raise NotImplementedError

    def extra_inputs(self, item: dict) -> None:
        """Hook: add more inputs to an item in get_items (database reads)."""

    # -- maggma --------------------------------------------------------------------
    def criteria(self) -> dict:
        return {**self.query, "state": {"$ne": "failed"}}

    def get_items(self) -> Iterator[dict]:
        t0 = time.perf_counter()
        index = pd.DataFrame(
            list(self.ions.query(criteria=self.criteria(), properties=INDEX_FIELDS))
        )
        if index.empty:
            raise HcflowError(f"the query matches no ion_descriptors: {self.query}")
        index = index.reindex(columns=INDEX_FIELDS)
        index["last_updated"] = index["last_updated"].map(naive_iso)
        index, notes = one_setting_per_task(index)
        pairs = sorted(zip(index["ion_key"], index["last_updated"], strict=True))
        input_hash = stable_hash(pairs)
        result_id = result_key(self.kind, self.query, self.resolved, input_hash)
        self.result_ids.append(result_id)
        self.timings["read_index_s"] = time.perf_counter() - t0
        if self.target.query_one({"result_id": result_id}, ["result_id"]):
            self.logger.info(f"{result_id} is up to date")
            return
        t0 = time.perf_counter()
        fields = sorted(set(ION_FIELDS) | set(self.needed_fields()))
        docs = list(self.ions.query(criteria=self.criteria(), properties=fields))
        ions = pd.DataFrame(docs).reindex(columns=fields)
        ions = ions[ions["ion_key"].isin(set(index["ion_key"]))]
        ions = ions.drop_duplicates("ion_key").sort_values("ion_key")
        ions = ions.reset_index(drop=True)
        item = {
            "ions": ions,
            "common": {
                "result_id": result_id,
                "kind": self.kind,
                "query": self.query,
                "query_name": self.query_name,
                "query_description": self.query_description or "",
                "query_hash": stable_hash(self.query),
                "settings": self.resolved,
                "settings_hash": stable_hash(self.resolved, 12),
                "input_hash": input_hash,
                "n_inputs": len(ions),
                "n_trajectories": int(ions["task_id"].nunique()),
                "descriptor_settings": sorted(
                    str(h) for h in index["settings_hash"].dropna().unique()
                ),
                "notes": notes,
            },
        }
        self.extra_inputs(item)
        self.timings["read_ions_s"] = time.perf_counter() - t0
        yield item

    def process_item(self, item: dict) -> dict:
        t0 = time.perf_counter()
        out = self.analyse(item["ions"], item)
        out["doc"] = json_safe(out["doc"])
        self.timings["analyse_s"] = time.perf_counter() - t0
        return out

    def update_targets(self, items: Iterable[dict]) -> None:
        t0 = time.perf_counter()
        for item in items:
            rid = item["doc"]["result_id"]
            if "ion_modes" in item:
                labels = self.extra_targets[0]
                labels.remove_docs({"result_id": rid})
                docs = item["ion_modes"]
                for i in range(0, len(docs), 20000):
                    labels.update(docs[i : i + 20000], key="ion_mode_key")
            self.target.update([item["doc"]], key="result_id")
            self.new_results.append(rid)
        self.timings["write_s"] = time.perf_counter() - t0

    def build(self, close: bool = True) -> list[str]:
        """Connect, run once, close; the result ids (new or already there).

        ``close=False`` leaves the stores connected (a MemoryStore's data
        lives only as long as its connection).
        """
        self.connect()
        try:
            for item in self.get_items():
                self.update_targets([self.process_item(item)])
        finally:
            if close:
                for s in [*self.sources, *self.targets]:
                    s.close()
        return self.result_ids

    def common(self, item: dict, notes: list[str]) -> dict:
        """The shared document fields, with extra notes appended."""
        c = dict(item["common"])
        c["notes"] = [*c.get("notes", []), *notes]
        c["provenance"] = Provenance.make(
            f"builder:{type(self).__name__}", self.resolved, [c["input_hash"]]
        )
        return c
