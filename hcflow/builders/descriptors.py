"""``DescriptorBuilder``: md_tasks (+ stored trajectories) -> ion descriptors.

A thin maggma Builder around :func:`hcflow.descriptors.compute.compute_descriptors`
(documents: :mod:`hcflow.builders.descriptor_docs`). Sources: ``md_tasks`` and
the GridFS ``data`` store; targets: ``ion_descriptors`` (one document per ion)
and ``trajectory_summaries`` (one per trajectory), both for one settings hash.
Incremental: a task is processed when it has no summary for this hash, its
md_tasks ``last_updated`` is newer, or (``retry_failed``) its summary failed.
A trajectory that cannot be analysed gets a ``state="failed"`` summary with
the one-line error; a database that goes down stops the build with a
:class:`~hcflow.errors.DatabaseError` and a re-run processes what is left.
Runs from ``hcflow build descriptors``, ``builder.run()`` and maggma's
``mrun`` (``--write-json``), including ``prechunk(n)`` for distributed runs.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np
from maggma.core import Builder, Store

from hcflow.builders.base import naive_utc
from hcflow.builders.descriptor_docs import failed_summary, make_documents
from hcflow.db.filters import check_filter
from hcflow.descriptors.compute import compute_from_trajectory
from hcflow.descriptors.settings import DescriptorSettings
from hcflow.errors import DatabaseError, HcflowError, TooShortError
from hcflow.schemas.common import utcnow
from hcflow.settings import Settings

TASK_FIELDS = [
    "task_id",
    "study_id",
    "label",
    "point_id",
    "temperature_K",
    "density_g_cm3",
    "na_content",
    "mobile_species",
    "trajectory",
    "n_frames",
    "last_updated",
    "model_deviation",
]


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    if isinstance(exc, HcflowError):
        return text or type(exc).__name__
    return f"{type(exc).__name__}: {text}"[:300]


class DescriptorBuilder(Builder):
    """md_tasks + data store -> ion_descriptors + trajectory_summaries.

    Parameters
    ----------
    md_tasks
        Store of md_tasks documents (key ``task_id``).
    data_store
        Store of trajectory blobs (GridFS ``data`` store, key ``blob_uuid``).
    ion_descriptors, trajectory_summaries
        Target stores (keys ``ion_key`` and ``summary_key``).
    settings
        :class:`DescriptorSettings` fields (dict); defaults when None.
    query
        Mongo filter on md_tasks selecting the trajectories to consider.
    retry_failed
        Also reprocess tasks whose summary for this setting is failed.
    chunk_size
        Trajectories per processing batch (each holds its positions in memory).
    """

    def __init__(
        self,
        md_tasks: Store,
        data_store: Store,
        ion_descriptors: Store,
        trajectory_summaries: Store,
        settings: dict | None = None,
        query: dict | None = None,
        retry_failed: bool = False,
        chunk_size: int = 2,
    ):
        self.md_tasks = md_tasks
        self.data_store = data_store
        self.ion_descriptors = ion_descriptors
        self.trajectory_summaries = trajectory_summaries
        self._settings = DescriptorSettings.from_any(settings)
        self.settings = self._settings.model_dump()  # what as_dict serialises
        self.query = dict(check_filter(query or {}, "query"))
        self.retry_failed = bool(retry_failed)
        self.stats = {"processed": 0, "failed": 0, "ions": 0}
        self.too_short: dict[str, str] = {}  # task_id -> why not estimable
        self.n_diffusive = 0  # processed trajectories whose D is diffusive
        self.hashes: set[str] = set()  # settings hashes written (one per species)
        self.errors: dict[str, str] = {}
        super().__init__(
            sources=[md_tasks, data_store],
            targets=[ion_descriptors, trajectory_summaries],
            chunk_size=chunk_size,
        )

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        descriptor_settings: DescriptorSettings | dict | None = None,
        query: dict | None = None,
        retry_failed: bool = False,
        **kwargs,
    ) -> DescriptorBuilder:
        """The builder on the stores of the database ``settings`` names.

        Cutoffs not given in ``descriptor_settings`` (a dict) are the
        ``na_c_cutoff`` / ``na_na_cutoff`` of ``settings``
        (``HCFLOW_NA_C_CUTOFF``...), exactly as in ``hcflow build
        descriptors``: the same data gets the same settings hash by either path.
        """
        from hcflow.db.stores import get_data_store, get_store

        return cls(
            get_store("md_tasks", settings),
            get_data_store(settings),
            get_store("ion_descriptors", settings),
            get_store("trajectory_summaries", settings),
            settings=with_default_cutoffs(descriptor_settings, settings),
            query=query,
            retry_failed=retry_failed,
            **kwargs,
        )

    @property
    def descriptor_settings(self) -> DescriptorSettings:
        """The validated settings (defaults from the hcflow settings filled in)."""
        return self._settings

    def build(self, progress: bool = True, close: bool = True) -> dict[str, int]:
        """Run like maggma's serial runner, with a progress bar; returns counts.

        ``close=False`` leaves the stores connected (useful with MemoryStore,
        whose data disappears on close).
        """
        from tqdm import tqdm

        self.connect()
        try:
            items = self.get_items()
            first = next(items, None)  # get_items counts the pending tasks first
            bar = tqdm(total=self.total, disable=not progress, unit="traj")
            chunk: list[dict] = []
            head = [] if first is None else [first]
            for item in itertools.chain(head, items):  # one trajectory at a time
                chunk.append(self.process_item(item))
                bar.update(1)
                if len(chunk) >= self.chunk_size:
                    self.update_targets(chunk)
                    chunk = []
            if chunk:
                self.update_targets(chunk)
            bar.close()
        finally:
            if close:
                self.finalize()
        return dict(self.stats)

    # ------------------------------------------------------------- maggma API
    def connect(self) -> None:
        super().connect()
        for field in ("ion_key", "task_id", "settings_hash"):
            self.ion_descriptors.ensure_index(field)
        for field in ("summary_key", "task_id", "settings_hash"):
            self.trajectory_summaries.ensure_index(field)

    def settings_for(self, task: dict) -> DescriptorSettings:
        """The settings of one task: an unset mobile species is the task's."""
        return self.descriptor_settings.for_species(task.get("mobile_species"))

    def pending(self) -> list[dict]:
        """md_tasks (task_id, last_updated) that this setting still has to process."""
        lu = self.md_tasks.last_updated_field
        tasks = list(
            self.md_tasks.query(
                criteria=self.query, properties=["task_id", lu, "mobile_species"]
            )
        )
        hashes = {t["task_id"]: self.settings_for(t).hash for t in tasks}
        done = {
            (d["task_id"], d["settings_hash"]): d
            for d in self.trajectory_summaries.query(
                criteria={"settings_hash": {"$in": sorted(set(hashes.values()))}},
                properties=["task_id", "settings_hash", "last_updated", "state"],
            )
        }
        todo = []
        for task in tasks:
            summary = done.get((task["task_id"], hashes[task["task_id"]]))
            if summary is None:
                todo.append(task)
                continue
            newer = naive_utc(task.get(lu)) and naive_utc(task.get(lu)) > naive_utc(
                summary.get("last_updated")
            )
            retry = self.retry_failed and summary.get("state") == "failed"
            if newer or retry:
                todo.append(task)
        return todo

    def prechunk(self, number_splits: int) -> Iterator[dict]:
        """Split the pending tasks into ``number_splits`` queries (distributed mode)."""
        ids = sorted(t["task_id"] for t in self.pending())
        if not ids:
            return
        for part in np.array_split(np.array(ids, dtype=object), number_splits):
            if len(part) == 0:
                continue
            chunk = {"task_id": {"$in": [str(x) for x in part]}}
            yield {"query": {"$and": [self.query, chunk]} if self.query else chunk}

    def get_items(self) -> Iterator[dict]:
        todo = self.pending()
        self.total = len(todo)
        self.logger.info(f"{len(todo)} trajectories to process")
        for task in todo:
            doc = self.md_tasks.query_one(
                {"task_id": task["task_id"]}, properties=TASK_FIELDS
            )
            item: dict[str, Any] = {"task": doc, "traj": None, "error": None}
            try:
                from hcflow.md.trajectory_store import load_trajectory

                item["traj"] = load_trajectory(doc, self.data_store)
            except DatabaseError:
                raise  # the database, not this trajectory: stop (one line)
            except Exception as exc:  # noqa: BLE001 - becomes a failed document
                item["error"] = f"cannot load trajectory: {_one_line(exc)}"
            yield item

    def process_item(self, item: dict) -> dict:
        task = item["task"]
        settings = self.settings_for(task)
        if item.get("error"):
            return {
                "task_id": task["task_id"],
                "ions": [],
                "summary": failed_summary(task, settings, item["error"]),
            }
        t0 = time.perf_counter()
        try:
            result = compute_from_trajectory(item["traj"], settings)
            ions, summary = make_documents(
                result, task, settings, time.perf_counter() - t0
            )
        except Exception as exc:  # noqa: BLE001 - one-line error in a document
            short = isinstance(exc, TooShortError)
            return {
                "task_id": task["task_id"],
                "ions": [],
                "summary": failed_summary(task, settings, _one_line(exc), short),
            }
        return {"task_id": task["task_id"], "ions": ions, "summary": summary}

    def update_targets(self, items: Iterable[dict]) -> None:
        items = [i for i in items if i]
        if not items:
            return
        now = utcnow()
        for i in items:  # the ion documents this run replaces
            h = i["summary"]["settings_hash"]
            self.ion_descriptors.remove_docs(
                {"task_id": i["task_id"], "settings_hash": h}
            )
        ions = [d for i in items for d in i["ions"]]
        for d in ions:
            d["last_updated"] = now
        summaries = [i["summary"] for i in items]
        for s in summaries:
            s["last_updated"] = now
        if ions:
            self.ion_descriptors.update(ions, key="ion_key")
        self.trajectory_summaries.update(summaries, key="summary_key")
        for s in summaries:
            if s.get("not_estimable"):
                self.stats["not_estimable"] = self.stats.get("not_estimable", 0) + 1
                self.too_short[s["task_id"]] = s["error"]
            elif s["state"] == "failed":
                self.stats["failed"] += 1
                self.errors[s["task_id"]] = s["error"]
            else:
                self.stats["processed"] += 1
                self.n_diffusive += bool(s.get("diffusive"))
            self.hashes.add(s["settings_hash"])
        self.stats["ions"] += len(ions)


def with_default_cutoffs(
    descriptor_settings: DescriptorSettings | dict | None, settings: Settings
) -> DescriptorSettings:
    """Descriptor settings whose unset cutoffs are those of the hcflow settings.

    A :class:`DescriptorSettings` instance is kept as it is; a dict (or None)
    gets ``na_c_cutoff`` / ``na_na_cutoff`` from ``settings`` unless it names
    them.
    """
    if isinstance(descriptor_settings, DescriptorSettings):
        return descriptor_settings
    cutoffs = {
        "na_c_cutoff": settings.na_c_cutoff,
        "na_na_cutoff": settings.na_na_cutoff,
    }
    return DescriptorSettings.from_any(cutoffs | dict(descriptor_settings or {}))
